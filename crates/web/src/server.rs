//! Serving connections: HTTP/1.1 on hyper, with the limits `axum::serve` lacks, so that
//! clients that connect and send nothing (or half a request) cannot use up the descriptors.
//!
//! - A request's head must arrive within `header_timeout` of the connection opening or of the
//!   previous answer (so this is also how long an idle keep-alive connection is kept).
//! - A connection on which nothing is read or written for `idle_timeout` is closed (a client
//!   that stops sending its body or reading its answer).
//! - A request's body must arrive whole within `body_timeout` of the request's head: a body
//!   sent a byte now and then keeps a connection busy (and so never given up at the cap) for
//!   that long at most.
//! - At most `max_connections` are open. At the cap a new connection takes the place of the
//!   one that has waited longest for a request (a half-sent head, an idle keep-alive), and
//!   is closed at once only when every connection is busy with a request. So a flood of slow
//!   clients turns over instead of piling up, and `/healthz` and real clients keep answers.

use axum::Router;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::ConnectInfo;
use hyper::body::{Frame, Incoming, SizeHint};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::{Notify, watch};
use tower::ServiceExt;

/// How many connections, and how long each may keep a slot without progress.
#[derive(Clone, Copy, Debug)]
pub struct ConnectionLimits {
    pub max_connections: usize,
    pub header_timeout: Duration,
    pub idle_timeout: Duration,
    pub body_timeout: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            max_connections: 10_000,
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            body_timeout: Duration::from_secs(60),
        }
    }
}

/// Serves `router` on `listener` until `shutdown` resolves, then lets the requests in flight
/// finish. Handlers get the peer as `ConnectInfo<SocketAddr>`.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let registry = Arc::new(Registry::new(limits.max_connections.max(1)));
    let (stop, stopping) = watch::channel(false);
    let mut shutdown = pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of descriptors or memory: wait for connections to close.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(slot) = Registry::admit(&registry) else {
            // Every slot is busy with a request: closed at once, not left in the backlog.
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(connection(stream, peer, router.clone(), slot, limits, stopping.clone()));
    }
    drop(listener);
    let _ = stop.send(true);
    registry.closed().await;
    Ok(())
}

async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    slot: Arc<Slot>,
    limits: ConnectionLimits,
    mut stopping: watch::Receiver<bool>,
) {
    let evicted = slot.evicted.clone();
    let io = Watched::new(stream);
    let activity = io.activity.clone();
    let busy_slot = slot.clone();
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        let mut request = request.map(|body| Body::new(InTime::new(body, limits.body_timeout)));
        request.extensions_mut().insert(ConnectInfo(peer));
        let busy = Busy::start(busy_slot.clone());
        let router = router.clone();
        async move {
            let Ok(response) = router.oneshot(request).await;
            // The connection waits for a request again once the answer's body is written.
            Ok::<_, Infallible>(response.map(|body| Body::new(Answer { body, _busy: busy })))
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout);
    let mut conn = pin!(builder.serve_connection(TokioIo::new(io), service));
    let mut idle = pin!(activity.idle_for(limits.idle_timeout));
    let mut draining = false;
    loop {
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(error = %e, "connection ended");
                }
                break;
            }
            () = evicted.notified() => break,
            () = &mut idle => break,
            _ = stopping.changed(), if !draining => {
                draining = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
    drop(slot);
}

/// The open connections, and which of them wait for a request (oldest first).
struct Registry {
    max: usize,
    inner: Mutex<Inner>,
    emptied: Notify,
}

#[derive(Default)]
struct Inner {
    next: u64,
    open: HashMap<u64, Open>,
    waiting: BTreeMap<u64, u64>,
}

struct Open {
    /// Its place in `waiting` while it waits for a request.
    waiting_since: Option<u64>,
    evicted: Arc<Notify>,
}

impl Inner {
    fn wait(&mut self, id: u64) {
        self.next += 1;
        let since = self.next;
        if let Some(open) = self.open.get_mut(&id) {
            open.waiting_since = Some(since);
            self.waiting.insert(since, id);
        }
    }

    fn stop_waiting(&mut self, id: u64) {
        if let Some(since) = self.open.get_mut(&id).and_then(|o| o.waiting_since.take()) {
            self.waiting.remove(&since);
        }
    }
}

/// One connection's place in the registry; freed when dropped.
struct Slot {
    id: u64,
    registry: Arc<Registry>,
    evicted: Arc<Notify>,
}

impl Registry {
    fn new(max: usize) -> Registry {
        Registry { max, inner: Mutex::new(Inner::default()), emptied: Notify::new() }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A place for a new connection: a free one, or the place of the connection that has
    /// waited longest for a request; `None` when every connection is busy.
    fn admit(registry: &Arc<Registry>) -> Option<Arc<Slot>> {
        let mut inner = registry.lock();
        if inner.open.len() >= registry.max {
            let (_, oldest) = inner.waiting.pop_first()?;
            if let Some(open) = inner.open.remove(&oldest) {
                open.evicted.notify_one();
            }
        }
        inner.next += 1;
        let id = inner.next;
        let evicted = Arc::new(Notify::new());
        inner.open.insert(id, Open { waiting_since: None, evicted: evicted.clone() });
        inner.wait(id);
        Some(Arc::new(Slot { id, registry: registry.clone(), evicted }))
    }

    /// Resolves once every connection is closed.
    async fn closed(&self) {
        loop {
            let notified = self.emptied.notified();
            if self.lock().open.is_empty() {
                return;
            }
            notified.await;
        }
    }

    #[cfg(test)]
    fn counts(&self) -> (usize, usize) {
        let inner = self.lock();
        (inner.open.len(), inner.waiting.len())
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut inner = self.registry.lock();
        inner.stop_waiting(self.id);
        inner.open.remove(&self.id);
        if inner.open.is_empty() {
            self.registry.emptied.notify_waiters();
        }
    }
}

/// A request being answered: its connection cannot be taken over until this is dropped.
struct Busy(Arc<Slot>);

impl Busy {
    fn start(slot: Arc<Slot>) -> Busy {
        slot.registry.lock().stop_waiting(slot.id);
        Busy(slot)
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.registry.lock().wait(self.0.id);
    }
}

/// An answer's body, holding its connection busy until hyper has written (or dropped) it.
/// A request's body that must arrive whole within its time (see the module's notes).
struct InTime {
    body: Incoming,
    deadline: Pin<Box<tokio::time::Sleep>>,
}

impl InTime {
    fn new(body: Incoming, within: Duration) -> InTime {
        InTime { body, deadline: Box::pin(tokio::time::sleep(within)) }
    }
}

impl HttpBody for InTime {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = self.get_mut();
        if this.deadline.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Some(Err(axum::Error::new("the request's body did not arrive in time"))));
        }
        Pin::new(&mut this.body).poll_frame(cx).map_err(axum::Error::new)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

struct Answer {
    body: Body,
    _busy: Busy,
}

impl HttpBody for Answer {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// The time of a connection's last byte in or out.
struct Activity {
    opened: Instant,
    last_ms: AtomicU64,
}

impl Activity {
    fn touch(&self) {
        let ms = u64::try_from(self.opened.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(ms, Ordering::Relaxed);
    }

    /// Resolves once nothing has moved for `timeout`.
    async fn idle_for(self: Arc<Self>, timeout: Duration) {
        loop {
            let deadline = self.opened + Duration::from_millis(self.last_ms.load(Ordering::Relaxed)) + timeout;
            if Instant::now() >= deadline {
                return;
            }
            tokio::time::sleep_until(deadline.into()).await;
        }
    }
}

/// A TCP stream that notes when bytes move.
struct Watched {
    stream: TcpStream,
    activity: Arc<Activity>,
}

impl Watched {
    fn new(stream: TcpStream) -> Watched {
        Watched { stream, activity: Arc::new(Activity { opened: Instant::now(), last_ms: AtomicU64::new(0) }) }
    }
}

impl AsyncRead for Watched {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let result = Pin::new(&mut this.stream).poll_read(cx, buf);
        if buf.filled().len() > before {
            this.activity.touch();
        }
        result
    }
}

impl AsyncWrite for Watched {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.stream).poll_write(cx, data);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            this.activity.touch();
        }
        result
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.stream).poll_write_vectored(cx, data);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            this.activity.touch();
        }
        result
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_the_cap_the_longest_waiting_connection_gives_its_place() {
        let registry = Arc::new(Registry::new(2));
        let first = Registry::admit(&registry).unwrap();
        let second = Registry::admit(&registry).unwrap();
        let busy = Busy::start(second.clone());
        let third = Registry::admit(&registry).expect("the first, waiting, gives way");
        assert_eq!(registry.counts(), (2, 1));
        assert!(!registry.lock().open.contains_key(&first.id), "the first is told to close");
        // The second is busy and the third waits: a fourth takes the third's place.
        let fourth = Registry::admit(&registry).expect("the third gives way");
        let third_id = third.id;
        assert!(!registry.lock().open.contains_key(&third_id));
        // With both connections busy, a new one is refused.
        let fourth_busy = Busy::start(fourth.clone());
        assert!(Registry::admit(&registry).is_none());
        drop((fourth_busy, busy));
        assert_eq!(registry.counts(), (2, 2), "answered: both wait for a request again");
        drop((first, third));
        assert_eq!(registry.counts(), (2, 2), "dropping evicted slots changes nothing");
    }
}
