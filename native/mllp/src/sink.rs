//! The durable sink the server hands messages to, and the delivery callback
//! that releases each message's ACK.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::inbound::Inbound;

/// The outcome of one write: `Ok` once durable, else why not.
pub type Outcome = Result<(), String>;

/// Where messages are made durable (Kafka in production).
///
/// `submit` is called on the server's runtime threads and must not block:
/// start the write and complete `delivery` from whatever thread learns the
/// outcome (a producer's delivery-report callback, a JNI call...).
pub trait Sink: Send + Sync + 'static {
    fn submit(&self, message: Inbound, delivery: Delivery);
}

impl<S: Sink> Sink for Arc<S> {
    fn submit(&self, message: Inbound, delivery: Delivery) {
        (**self).submit(message, delivery)
    }
}

/// Completes one message's write. Dropping it uncompleted counts as a failure.
#[derive(Debug)]
pub struct Delivery {
    tx: Option<Arc<watch::Sender<Option<Outcome>>>>,
}

impl Delivery {
    pub(crate) fn new(tx: Arc<watch::Sender<Option<Outcome>>>) -> Delivery {
        Delivery { tx: Some(tx) }
    }

    /// A delivery whose outcome is watched through the returned receiver (for
    /// tests of sinks).
    pub fn detached() -> (Delivery, watch::Receiver<Option<Outcome>>) {
        let (tx, rx) = watch::channel(None);
        (Delivery::new(Arc::new(tx)), rx)
    }

    /// Reports the write's outcome; the first report wins.
    pub fn complete(mut self, outcome: Outcome) {
        self.settle(outcome);
    }

    fn settle(&mut self, outcome: Outcome) {
        if let Some(tx) = self.tx.take() {
            tx.send_if_modified(|v| {
                if v.is_none() {
                    *v = Some(outcome);
                    true
                } else {
                    false
                }
            });
        }
    }
}

impl Drop for Delivery {
    fn drop(&mut self) {
        self.settle(Err("the write was abandoned".into()));
    }
}

/// A sink whose messages are taken in batches by a consumer that writes
/// them and then acknowledges or fails each by id (the Kafka Connect task,
/// over JNI).
#[derive(Default)]
pub struct QueueSink {
    state: Mutex<QueueState>,
    ready: Condvar,
}

#[derive(Default)]
struct QueueState {
    queue: VecDeque<Inbound>,
    waiting: HashMap<u64, Delivery>,
    closed: bool,
}

impl QueueSink {
    pub fn new() -> QueueSink {
        QueueSink::default()
    }

    /// Up to `max` messages, waiting up to `timeout` for the first one.
    /// Empty on timeout or once closed.
    pub fn poll_batch(&self, max: usize, timeout: Duration) -> Vec<Inbound> {
        let deadline = Instant::now() + timeout;
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        while s.queue.is_empty() && !s.closed {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            s = self
                .ready
                .wait_timeout(s, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        let n = max.min(s.queue.len());
        s.queue.drain(..n).collect()
    }

    /// The message `id` is durable: release its ACK. False if unknown (already settled).
    pub fn ack(&self, id: u64) -> bool {
        self.settle(id, Ok(()))
    }

    /// The message `id` could not be written: answer AE with `reason`.
    pub fn fail(&self, id: u64, reason: &str) -> bool {
        self.settle(id, Err(reason.to_string()))
    }

    fn settle(&self, id: u64, outcome: Outcome) -> bool {
        let d = {
            let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
            s.waiting.remove(&id)
        };
        match d {
            Some(d) => {
                d.complete(outcome);
                true
            }
            None => false,
        }
    }

    /// Messages handed out or queued whose outcome is not reported yet.
    pub fn unsettled(&self) -> usize {
        self.state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .waiting
            .len()
    }

    /// Fails everything unsettled and wakes pollers; later submissions fail at once.
    pub fn close(&self, reason: &str) {
        let waiting: Vec<Delivery> = {
            let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
            s.closed = true;
            s.queue.clear();
            s.waiting.drain().map(|(_, d)| d).collect()
        };
        for d in waiting {
            d.complete(Err(reason.to_string()));
        }
        self.ready.notify_all();
    }
}

impl Sink for QueueSink {
    fn submit(&self, message: Inbound, delivery: Delivery) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if s.closed {
            drop(s);
            delivery.complete(Err("the server is closing".into()));
            return;
        }
        s.waiting.insert(message.id, delivery);
        s.queue.push_back(message);
        drop(s);
        self.ready.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ServerConfig;
    use crate::inbound::classify;

    fn inbound(id: u64) -> Inbound {
        let m = format!("MSH|^~\\&|A|B|C|D|20261129||ORU^R01|C{id}|P|2.6\rPID|1||P{id}\r");
        classify(
            m.into_bytes(),
            &ServerConfig::new("x"),
            id,
            "R",
            chrono::Utc::now(),
        )
        .inbound
    }

    #[test]
    fn batches_then_ack_and_fail_by_id() {
        let q = QueueSink::new();
        let mut rxs = Vec::new();
        for id in 0..5 {
            let (d, rx) = Delivery::detached();
            rxs.push(rx);
            q.submit(inbound(id), d);
        }
        let first = q.poll_batch(3, Duration::from_millis(10));
        assert_eq!(first.iter().map(|i| i.id).collect::<Vec<_>>(), [0, 1, 2]);
        let rest = q.poll_batch(10, Duration::from_millis(10));
        assert_eq!(rest.len(), 2);
        assert!(q.poll_batch(10, Duration::from_millis(5)).is_empty());
        assert!(q.ack(1));
        assert!(!q.ack(1), "settled once");
        assert!(q.fail(2, "producer said no"));
        assert_eq!(*rxs[1].borrow(), Some(Ok(())));
        assert_eq!(*rxs[2].borrow(), Some(Err("producer said no".into())));
        assert_eq!(*rxs[0].borrow(), None);
        assert_eq!(q.unsettled(), 3);
        q.close("closing");
        assert!(matches!(*rxs[0].borrow(), Some(Err(_))));
        assert_eq!(q.unsettled(), 0);
    }

    #[test]
    fn a_dropped_delivery_is_a_failure() {
        let (d, rx) = Delivery::detached();
        drop(d);
        assert!(matches!(*rx.borrow(), Some(Err(_))));
    }

    #[test]
    fn poll_wakes_when_a_message_arrives() {
        let q = Arc::new(QueueSink::new());
        let q2 = Arc::clone(&q);
        let t = std::thread::spawn(move || q2.poll_batch(10, Duration::from_secs(10)));
        std::thread::sleep(Duration::from_millis(50));
        let (d, _rx) = Delivery::detached();
        let started = Instant::now();
        q.submit(inbound(9), d);
        let got = t.join().unwrap();
        assert_eq!(got.len(), 1);
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}
