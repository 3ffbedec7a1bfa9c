//! Suppression of exact resends within a window: a resend of a message that
//! is written (or still being written) shares that write's outcome instead of
//! being written again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::inbound::DedupeKey;
use crate::sink::Outcome;

pub(crate) type OutcomeTx = Arc<watch::Sender<Option<Outcome>>>;

pub(crate) enum Seen {
    /// New (or the earlier write failed): write it, its outcome is `tx`.
    New(OutcomeTx),
    /// An exact resend: answer from the earlier write's outcome.
    Resend(watch::Receiver<Option<Outcome>>),
}

pub(crate) struct Dedupe {
    window: Duration,
    entries: Mutex<Entries>,
}

struct Entries {
    map: HashMap<DedupeKey, (Instant, OutcomeTx)>,
    last_purge: Instant,
}

impl Dedupe {
    pub(crate) fn new(window: Duration) -> Dedupe {
        Dedupe {
            window,
            entries: Mutex::new(Entries {
                map: HashMap::new(),
                last_purge: Instant::now(),
            }),
        }
    }

    pub(crate) fn check(&self, key: DedupeKey) -> Seen {
        let now = Instant::now();
        let mut e = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if now.duration_since(e.last_purge) > Duration::from_secs(1) {
            let window = self.window;
            e.map.retain(|_, (at, tx)| {
                now.duration_since(*at) < window && !matches!(*tx.borrow(), Some(Err(_)))
            });
            e.last_purge = now;
        }
        if let Some((at, tx)) = e.map.get(&key) {
            let failed = matches!(*tx.borrow(), Some(Err(_)));
            if !failed && now.duration_since(*at) < self.window {
                return Seen::Resend(tx.subscribe());
            }
        }
        let tx = Arc::new(watch::channel(None).0);
        e.map.insert(key, (now, Arc::clone(&tx)));
        Seen::New(tx)
    }
}
