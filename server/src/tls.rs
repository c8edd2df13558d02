//! HTTPS served by the app itself (rustls), and the plain-HTTP listener that redirects to it.

use std::{io, net::SocketAddr, sync::Arc, time::Duration};

use axum::{
    Router,
    extract::{Request, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use rustls::{
    ServerConfig,
    pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject},
};
use tokio::{
    net::{TcpListener, TcpStream},
    sync::mpsc,
};
use tokio_rustls::{TlsAcceptor, server::TlsStream};

/// A client that opens a connection and never finishes the handshake is dropped after this.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Reads a PEM certificate chain and private key into a server configuration.
/// Errors say which file and what is wrong with it, for the start-up message.
pub fn server_config(cert_pem: &[u8], key_pem: &[u8]) -> Result<Arc<ServerConfig>, TlsError> {
    let chain = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::Certificate(e.to_string()))?;
    if chain.is_empty() {
        return Err(TlsError::Certificate("no CERTIFICATE block in the file".into()));
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| TlsError::Key(e.to_string()))?;
    // rustls is built with two crypto back-ends here (through reqwest and lettre); name one.
    let mut config = ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Key(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| TlsError::Key(format!("does not match the certificate or is unusable ({e})")))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("certificate: {0}")]
    Certificate(String),
    #[error("private key: {0}")]
    Key(String),
}

/// A listener whose connections are TLS streams. Handshakes run in their own tasks,
/// so one slow client never holds up the others.
pub struct TlsListener {
    handshaken: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
}

impl TlsListener {
    pub fn new(tcp: TcpListener, config: Arc<ServerConfig>) -> io::Result<Self> {
        let local = tcp.local_addr()?;
        let acceptor = TlsAcceptor::from(config);
        let (ready, handshaken) = mpsc::channel(64);
        tokio::spawn(async move {
            let mut tcp = tcp;
            loop {
                // Stops accepting once the server has dropped its end.
                let (mut stream, peer) = tokio::select! {
                    accepted = axum::serve::Listener::accept(&mut tcp) => accepted,
                    () = ready.closed() => return,
                };
                crate::serve::no_delay(&mut stream);
                let (acceptor, ready) = (acceptor.clone(), ready.clone());
                tokio::spawn(async move {
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                        Ok(Ok(tls)) => {
                            let _ = ready.send((tls, peer)).await;
                        }
                        Ok(Err(error)) => tracing::debug!(%peer, %error, "TLS handshake failed"),
                        Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                    }
                });
            }
        });
        Ok(Self { handshaken, local })
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.handshaken.recv().await {
            Some(connection) => connection,
            // The accept task ends only after this receiver is gone.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(self.local)
    }
}

/// Every plain-HTTP request is sent to the same path on the public HTTPS URL.
/// 301 for reads; 308 otherwise, so a form post is not turned into a GET.
pub fn redirect_router(public_url: &str) -> Router {
    Router::new()
        .fallback(redirect_to_https)
        .with_state(Arc::<str>::from(public_url.trim_end_matches('/')))
}

async fn redirect_to_https(State(public_url): State<Arc<str>>, request: Request) -> Response {
    let target = request
        .uri()
        .path_and_query()
        .map_or("/", axum::http::uri::PathAndQuery::as_str);
    let status = if request.method().is_safe() {
        StatusCode::MOVED_PERMANENTLY
    } else {
        StatusCode::PERMANENT_REDIRECT
    };
    match HeaderValue::try_from(format!("{public_url}{target}")) {
        Ok(location) => (status, [(header::LOCATION, location)]).into_response(),
        Err(_) => StatusCode::BAD_REQUEST.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreadable_files_are_named_in_the_error() {
        assert!(matches!(
            server_config(b"not a pem", b"").err(),
            Some(TlsError::Certificate(_))
        ));
        let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).expect("certificate");
        let other = rcgen::generate_simple_self_signed(vec!["localhost".into()]).expect("certificate");
        let pem = cert.cert.pem();
        assert!(matches!(
            server_config(pem.as_bytes(), b"").err(),
            Some(TlsError::Key(_))
        ));
        assert!(matches!(
            server_config(pem.as_bytes(), other.key_pair.serialize_pem().as_bytes()).err(),
            Some(TlsError::Key(_))
        ));
        assert!(server_config(pem.as_bytes(), cert.key_pair.serialize_pem().as_bytes()).is_ok());
    }
}
