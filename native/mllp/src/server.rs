//! The server: a small tokio runtime of its own, one task pair per
//! connection (a reader that frames, classifies and submits; a writer that
//! sends the replies in arrival order as their writes settle).

use crate::logsafe::{LogLimiter, LogSafe};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch, Semaphore};

use crate::config::ServerConfig;
use crate::dedupe::{Dedupe, Seen};
use crate::framing::{FrameDecoder, FrameEvent};
use crate::inbound::{classify, classify_problem, not_stored_reply, Classified, FrameProblem};
use crate::sink::{Delivery, Outcome, Sink};

/// Counters since the server started.
#[derive(Debug, Default)]
pub struct Stats {
    pub connections_open: AtomicU64,
    pub connections_total: AtomicU64,
    /// Frames received (valid or not).
    pub received: AtomicU64,
    pub bytes: AtomicU64,
    /// Answered AA.
    pub accepted: AtomicU64,
    /// Answered AR (invalid input, kept on the invalid topic).
    pub rejected: AtomicU64,
    /// Answered AE (not durable in time, or the write failed).
    pub errors: AtomicU64,
    /// Exact resends answered from an earlier write.
    pub duplicates: AtomicU64,
    /// Sum and count of the time from a frame's arrival to its reply, in microseconds.
    pub ack_micros_total: AtomicU64,
    pub ack_count: AtomicU64,
    pub ack_micros_max: AtomicU64,
}

/// A copy of [`Stats`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatsSnapshot {
    pub connections_open: u64,
    pub connections_total: u64,
    pub received: u64,
    pub bytes: u64,
    pub accepted: u64,
    pub rejected: u64,
    pub errors: u64,
    pub duplicates: u64,
    pub ack_micros_total: u64,
    pub ack_count: u64,
    pub ack_micros_max: u64,
}

impl Stats {
    pub fn snapshot(&self) -> StatsSnapshot {
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        StatsSnapshot {
            connections_open: g(&self.connections_open),
            connections_total: g(&self.connections_total),
            received: g(&self.received),
            bytes: g(&self.bytes),
            accepted: g(&self.accepted),
            rejected: g(&self.rejected),
            errors: g(&self.errors),
            duplicates: g(&self.duplicates),
            ack_micros_total: g(&self.ack_micros_total),
            ack_count: g(&self.ack_count),
            ack_micros_max: g(&self.ack_micros_max),
        }
    }
}

struct Shared<S> {
    config: ServerConfig,
    sink: S,
    stats: Arc<Stats>,
    dedupe: Option<Dedupe>,
    next_id: AtomicU64,
    reply_prefix: String,
    /// Bytes outside any frame are logged once per interval, with a count.
    garbage_log: LogLimiter,
}

/// A message waiting for its reply.
struct Pending {
    outcome: watch::Receiver<Option<Outcome>>,
    arrived: Instant,
    on_success: Vec<u8>,
    invalid: bool,
    original: Arc<[u8]>,
    control_id: String,
    reply_id: String,
}

impl<S: Sink> Shared<S> {
    fn reply_id(&self, id: u64) -> String {
        format!("{}{id:08}", self.reply_prefix)
    }

    fn receive(&self, frame: Vec<u8>) -> Pending {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let reply_id = self.reply_id(id);
        self.count_in(frame.len());
        let c = classify(frame, &self.config, id, &reply_id, Utc::now());
        self.submit(c, reply_id)
    }

    fn receive_problem(&self, bytes: Vec<u8>, problem: FrameProblem) -> Pending {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let reply_id = self.reply_id(id);
        self.count_in(bytes.len());
        let c = classify_problem(bytes, problem, &self.config, id, &reply_id, Utc::now());
        self.submit(c, reply_id)
    }

    fn count_in(&self, bytes: usize) {
        self.stats.received.fetch_add(1, Ordering::Relaxed);
        self.stats.bytes.fetch_add(bytes as u64, Ordering::Relaxed);
    }

    fn submit(&self, c: Classified, reply_id: String) -> Pending {
        let Classified {
            inbound,
            on_success,
            dedupe,
        } = c;
        let mut pending = Pending {
            outcome: watch::channel(None).1,
            arrived: Instant::now(),
            on_success,
            invalid: inbound.is_invalid(),
            original: Arc::clone(&inbound.value),
            control_id: inbound.control_id.clone(),
            reply_id,
        };
        let tx = match (dedupe, &self.dedupe) {
            (Some(key), Some(d)) => match d.check(key) {
                Seen::Resend(rx) => {
                    self.stats.duplicates.fetch_add(1, Ordering::Relaxed);
                    log::debug!(
                        "resend of {} answered from its first write",
                        LogSafe(&pending.control_id)
                    );
                    pending.outcome = rx;
                    return pending;
                }
                Seen::New(tx) => tx,
            },
            _ => Arc::new(watch::channel(None).0),
        };
        pending.outcome = tx.subscribe();
        self.sink.submit(inbound, Delivery::new(tx));
        pending
    }
}

/// A running server. Dropping it shuts it down (see [`Server::shutdown`]).
pub struct Server {
    runtime: Option<tokio::runtime::Runtime>,
    local_addr: SocketAddr,
    stop: watch::Sender<bool>,
    stats: Arc<Stats>,
    ack_timeout: Duration,
}

impl Server {
    /// Binds the listener and starts serving; returns once the port is open.
    pub fn start<S: Sink>(config: ServerConfig, sink: S) -> Result<Server, crate::MllpError> {
        config.validate()?;
        let acceptor = config
            .tls
            .as_ref()
            .map(crate::tls::acceptor)
            .transpose()
            .map_err(crate::MllpError::Tls)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(config.threads)
            .thread_name("vitalflow-mllp")
            .enable_io()
            .enable_time()
            .build()
            .map_err(crate::MllpError::Runtime)?;
        let listener = runtime
            .block_on(TcpListener::bind(&config.listen))
            .map_err(|e| crate::MllpError::listen(&config.listen, e))?;
        let local_addr = listener
            .local_addr()
            .map_err(|e| crate::MllpError::listen(&config.listen, e))?;
        let stats = Arc::new(Stats::default());
        let (stop, stopped) = watch::channel(false);
        let ack_timeout = config.ack_timeout;
        let shared = Arc::new(Shared {
            dedupe: (!config.dedupe_window.is_zero()).then(|| Dedupe::new(config.dedupe_window)),
            reply_prefix: format!("VF{}-", Utc::now().format("%y%m%d%H%M%S")),
            sink,
            stats: Arc::clone(&stats),
            next_id: AtomicU64::new(1),
            garbage_log: LogLimiter::new(Duration::from_secs(10)),
            config,
        });
        log::info!(
            "MLLP server listening on {local_addr}{}",
            if acceptor.is_some() { " (TLS)" } else { "" }
        );
        runtime.spawn(accept_loop(listener, shared, acceptor, stopped));
        Ok(Server {
            runtime: Some(runtime),
            local_addr,
            stop,
            stats,
            ack_timeout,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    pub fn stats(&self) -> StatsSnapshot {
        self.stats.snapshot()
    }

    /// Blocks until [`Server::shutdown`] is called from another thread (or forever).
    pub fn wait(&self) {
        let mut rx = self.stop.subscribe();
        if let Some(rt) = &self.runtime {
            rt.block_on(async {
                let _ = rx.wait_for(|v| *v).await;
            });
        }
    }

    /// Asks the server to stop accepting and reading.
    pub fn request_stop(&self) {
        self.stop.send_replace(true);
    }

    /// Stops accepting and reading, gives open connections up to `grace`
    /// (at most the ACK timeout) to send their pending replies, then stops.
    pub fn shutdown(mut self, grace: Duration) {
        self.stop_now(grace);
    }

    fn stop_now(&mut self, grace: Duration) {
        self.stop.send_replace(true);
        let deadline = Instant::now() + grace.min(self.ack_timeout);
        while self.stats.connections_open.load(Ordering::Relaxed) > 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_timeout(Duration::from_millis(100));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.runtime.is_some() {
            self.stop_now(Duration::from_secs(1));
        }
    }
}

async fn accept_loop<S: Sink>(
    listener: TcpListener,
    shared: Arc<Shared<S>>,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
    mut stopped: watch::Receiver<bool>,
) {
    let slots = Arc::new(Semaphore::new(shared.config.max_connections));
    loop {
        let accepted = tokio::select! {
            _ = stopped.wait_for(|v| *v) => return,
            a = listener.accept() => a,
        };
        let (socket, peer) = match accepted {
            Ok(x) => x,
            Err(e) => {
                log::warn!("accept: {e}");
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
            log::warn!(
                "{peer}: refused, {} connections already open",
                shared.config.max_connections
            );
            continue;
        };
        let _ = socket.set_nodelay(true);
        let shared = Arc::clone(&shared);
        let acceptor = acceptor.clone();
        let stopped = stopped.clone();
        tokio::spawn(async move {
            let _slot = slot;
            shared
                .stats
                .connections_open
                .fetch_add(1, Ordering::Relaxed);
            shared
                .stats
                .connections_total
                .fetch_add(1, Ordering::Relaxed);
            match acceptor {
                None => serve(socket, peer, Arc::clone(&shared), stopped).await,
                Some(acceptor) => {
                    let idle = shared.config.idle_timeout;
                    match tokio::time::timeout(idle, acceptor.accept(socket)).await {
                        Ok(Ok(tls)) => serve(tls, peer, Arc::clone(&shared), stopped).await,
                        Ok(Err(e)) => log::warn!("{peer}: TLS handshake failed: {e}"),
                        Err(_) => log::warn!("{peer}: TLS handshake timed out"),
                    }
                }
            }
            shared
                .stats
                .connections_open
                .fetch_sub(1, Ordering::Relaxed);
        });
    }
}

async fn serve<S, IO>(
    io: IO,
    peer: SocketAddr,
    shared: Arc<Shared<S>>,
    mut stopped: watch::Receiver<bool>,
) where
    S: Sink,
    IO: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    log::debug!("{peer}: connected");
    let (mut rd, wr) = tokio::io::split(io);
    let (tx, rx) = mpsc::channel::<Pending>(shared.config.max_in_flight);
    let writer = tokio::spawn(write_replies(wr, rx, Arc::clone(&shared), peer));
    let mut decoder = FrameDecoder::new(shared.config.max_frame);
    let mut buf = vec![0u8; 64 * 1024];
    let idle = shared.config.idle_timeout;
    let limit = shared.config.max_frame;
    let mut open_at_close = FrameProblem::OpenAtClose;
    'read: loop {
        let read = tokio::select! {
            _ = stopped.wait_for(|v| *v) => break 'read,
            r = tokio::time::timeout(idle, rd.read(&mut buf)) => r,
        };
        let n = match read {
            Err(_) => {
                log::info!("{peer}: idle for {idle:?}, closing");
                break;
            }
            Ok(Ok(0)) => break,
            Ok(Ok(n)) => n,
            Ok(Err(e)) => {
                log::info!("{peer}: read: {e}");
                open_at_close = FrameProblem::OpenAtClose;
                break;
            }
        };
        decoder.feed(&buf[..n]);
        while let Some(event) = decoder.next_event() {
            let pending = match event {
                FrameEvent::Frame(f) => shared.receive(f),
                FrameEvent::Truncated(bytes) => {
                    shared.receive_problem(bytes, FrameProblem::Truncated)
                }
                FrameEvent::Oversize { head, len } => {
                    shared.receive_problem(head, FrameProblem::Oversize { len, limit })
                }
                FrameEvent::Garbage(n) => {
                    if let Some(held) = shared.garbage_log.admit() {
                        log::info!(
                            "{peer}: skipped {n} bytes outside any MLLP frame ({held} such \
                             lines held back in the last 10 s)"
                        );
                    }
                    continue;
                }
            };
            if tx.send(pending).await.is_err() {
                break 'read;
            }
        }
    }
    // A frame left open is kept on the invalid topic; its reply is still sent
    // if the peer only closed its sending side.
    match decoder.finish() {
        Some(FrameEvent::Truncated(bytes)) if !bytes.is_empty() => {
            let _ = tx.send(shared.receive_problem(bytes, open_at_close)).await;
        }
        Some(FrameEvent::Oversize { head, len }) => {
            let _ = tx
                .send(shared.receive_problem(head, FrameProblem::Oversize { len, limit }))
                .await;
        }
        _ => {}
    }
    drop(tx);
    let _ = writer.await;
    log::debug!("{peer}: closed");
}

async fn write_replies<S: Sink, W: AsyncWrite + Unpin>(
    mut wr: W,
    mut rx: mpsc::Receiver<Pending>,
    shared: Arc<Shared<S>>,
    peer: SocketAddr,
) {
    let ack_timeout = shared.config.ack_timeout;
    let stats = &shared.stats;
    while let Some(mut p) = rx.recv().await {
        let deadline = tokio::time::Instant::from_std(p.arrived + ack_timeout);
        let outcome: Outcome =
            match tokio::time::timeout_at(deadline, p.outcome.wait_for(Option::is_some)).await {
                Ok(Ok(v)) => v.clone().unwrap_or(Err("no outcome".into())),
                Ok(Err(_)) => Err("the write was abandoned".into()),
                Err(_) => Err(format!(
                    "not durable within the ACK timeout of {} ms",
                    ack_timeout.as_millis()
                )),
            };
        let reply = match outcome {
            Ok(()) if p.invalid => {
                stats.rejected.fetch_add(1, Ordering::Relaxed);
                log::info!(
                    "{peer}: AR {} (invalid input, kept on {})",
                    LogSafe(&p.control_id),
                    shared.config.invalid_topic
                );
                std::mem::take(&mut p.on_success)
            }
            Ok(()) => {
                stats.accepted.fetch_add(1, Ordering::Relaxed);
                log::debug!("{peer}: AA {}", LogSafe(&p.control_id));
                std::mem::take(&mut p.on_success)
            }
            Err(why) => {
                stats.errors.fetch_add(1, Ordering::Relaxed);
                log::warn!("{peer}: AE {}: {why}", LogSafe(&p.control_id));
                not_stored_reply(&p.original, &why, &p.reply_id, Utc::now())
            }
        };
        let micros = u64::try_from(p.arrived.elapsed().as_micros()).unwrap_or(u64::MAX);
        stats.ack_micros_total.fetch_add(micros, Ordering::Relaxed);
        stats.ack_count.fetch_add(1, Ordering::Relaxed);
        stats.ack_micros_max.fetch_max(micros, Ordering::Relaxed);
        let framed = vitalflow_core::mllp::encode(&reply);
        let written = async {
            wr.write_all(&framed).await?;
            if rx.is_empty() {
                wr.flush().await?;
            }
            Ok::<(), std::io::Error>(())
        };
        if let Err(e) = written.await {
            log::info!("{peer}: write: {e}; dropping the remaining replies");
            return;
        }
    }
    let _ = wr.shutdown().await;
}
