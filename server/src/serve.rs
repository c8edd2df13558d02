//! Serves a router over HTTP/1.1 through hyper, with the limits `axum::serve` lacks:
//! a client must send a request's headers within `header_read` (slowloris), a kept-alive
//! connection waiting for its next request is closed after the same time (hyper starts
//! that timer whenever it waits for a head), and at most `max_connections` are open at
//! once; past that, new connections wait in the kernel's queue until one closes.

use std::{io, net::SocketAddr, sync::Arc, time::Duration};

use axum::{Router, extract::ConnectInfo, http::Request, serve::Listener};
use hyper::body::Incoming;
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    service::TowerToHyperService,
};
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt;

/// How long a stopping server lets requests in flight finish.
const DRAIN: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Time allowed for a request's headers, and for an idle kept-alive connection.
    pub header_read: Duration,
    /// Open connections at once, per listener.
    pub max_connections: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            header_read: Duration::from_secs(10),
            max_connections: 10_000,
        }
    }
}

/// Serves until `shutdown` resolves, then lets requests in flight finish (up to [`DRAIN`]).
/// Each request carries the peer's `ConnectInfo<SocketAddr>`.
pub async fn serve<L>(
    mut listener: L,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send,
) -> io::Result<()>
where
    L: Listener<Addr = SocketAddr>,
{
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read)
        .keep_alive(true);
    let http = Arc::new(http);
    let open = Arc::new(Semaphore::new(limits.max_connections));
    let (stop, stopping) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = open.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let (io, peer) = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let service = router.clone().map_request(move |mut request: Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            request
        });
        let (http, mut stopping) = (http.clone(), stopping.clone());
        tokio::spawn(async move {
            let _permit = permit;
            let connection = http.serve_connection(TokioIo::new(io), TowerToHyperService::new(service));
            let connection = connection.with_upgrades();
            tokio::pin!(connection);
            let mut stop_asked = false;
            loop {
                tokio::select! {
                    result = connection.as_mut() => {
                        if let Err(error) = result {
                            tracing::debug!(%peer, %error, "connection ended");
                        }
                        break;
                    }
                    changed = stopping.changed(), if !stop_asked => {
                        stop_asked = true;
                        if changed.is_ok() {
                            connection.as_mut().graceful_shutdown();
                        }
                    }
                }
            }
        });
    }
    let _ = stop.send(true);
    // Every connection holds a permit until it ends: all permits back means all done.
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    if tokio::time::timeout(DRAIN, open.acquire_many(all)).await.is_err() {
        tracing::warn!("connections still open after the drain time; closing them");
    }
    Ok(())
}

/// Every accepted socket sends at once: with Nagle's algorithm on, the tail of each response
/// on a kept-alive connection waited about 40 ms for the client's delayed ACK.
pub fn no_delay(tcp: &mut tokio::net::TcpStream) {
    if let Err(error) = tcp.set_nodelay(true) {
        tracing::debug!(%error, "TCP_NODELAY");
    }
}
