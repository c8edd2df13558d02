//! One start-up path for the binary and the tests: build, then run until stopped.

use std::{future::Future, net::SocketAddr, sync::Arc, time::Duration};

use anyhow::Context;
use app::{
    App,
    auth::server::{PasswordHasher, TokenKeys, authenticate},
    platform::Services,
    shell,
};
use axum::serve::ListenerExt;
use axum::{
    Router,
    extract::FromRef,
    http::{Request, StatusCode},
};
use leptos::{config::LeptosOptions, prelude::provide_context};
use leptos_axum::{LeptosRoutes, file_and_error_handler_with_context, generate_route_list};
use sqlx::PgPool;
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::{
    LatencyUnit,
    catch_panic::CatchPanicLayer,
    compression::CompressionLayer,
    limit::RequestBodyLimitLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer},
    services::ServeDir,
    timeout::TimeoutLayer,
    trace::{DefaultOnResponse, TraceLayer},
};
use tracing::Level;

use crate::{
    config::{Environment, Settings},
    db, health,
    middleware::{self, PublicOrigin},
    products::Products,
    serve::{no_delay, serve},
    workers::{
        Worker,
        exports::ExportWorker,
        outbox::{Mailer, OutboxWorker, Texter},
    },
};

/// How often the outbox worker looks for due messages.
const OUTBOX_POLL: Duration = Duration::from_millis(500);
// The help articles and legal pages, embedded by build.rs.
include!(concat!(env!("OUT_DIR"), "/content.rs"));

/// How often finished export jobs are looked for.
const EXPORT_POLL: Duration = Duration::from_millis(300);
/// How often expired rows are pruned (see `workers::retention`).
const RETENTION_EVERY: Duration = Duration::from_secs(3600);

/// What every handler and server function can reach.
#[derive(Clone)]
pub struct AppState {
    pub leptos: LeptosOptions,
    pub pool: PgPool,
    pub services: Services,
    /// The products' own contexts, routes and workers, beside the platform's.
    pub products: Products,
    pub metrics: Arc<crate::metrics::Metrics>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}

impl FromRef<AppState> for PgPool {
    fn from_ref(state: &AppState) -> Self {
        state.pool.clone()
    }
}

impl FromRef<AppState> for Services {
    fn from_ref(state: &AppState) -> Self {
        state.services.clone()
    }
}

pub struct Application {
    listener: TcpListener,
    /// Set when the app serves HTTPS itself.
    tls: Option<Arc<rustls::ServerConfig>>,
    /// The admin listener serving `/metrics`, when `METRICS_ADDR` is set.
    metrics: Option<(TcpListener, axum::Router)>,
    /// The plain-HTTP listener redirecting to HTTPS, when `HTTP_REDIRECT_ADDR` is set.
    redirect: Option<(TcpListener, axum::Router)>,
    router: Router,
    /// Every background worker, registered once in `build_with_pool`.
    workers: Vec<Worker>,
    /// Kept for tests, which run product workers one step at a time.
    products: Products,
    limits: crate::serve::ConnectionLimits,
}

impl Application {
    /// Connects to the database, applies migrations and binds the listener.
    /// A port of 0 in `LEPTOS_SITE_ADDR` picks a free one (tests use this).
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let pool = db::pool(&settings.database)?;
        db::migrate(&pool).await?;
        Self::build_with_pool(settings, pool).await
    }

    pub async fn build_with_pool(settings: Settings, pool: PgPool) -> anyhow::Result<Self> {
        let address = settings.leptos.site_addr;
        let listener = TcpListener::bind(address)
            .await
            .with_context(|| format!("binding {address}"))?;
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        let texter = Texter::from_settings(settings.sms.as_ref(), settings.environment == Environment::Development)?;
        let products = Products::new(&settings, &pool)?;
        let services = Services {
            pool: pool.clone(),
            tokens: Arc::new(TokenKeys::new(settings.auth.jwt_secret.as_bytes(), "sasa", "sasa-web")),
            passwords: PasswordHasher::new(cores, settings.auth.password_queue),
            health_key: Arc::new(settings.health_key.clone()),
            public_url: settings.auth.public_url.as_str().into(),
            brand_hosts: products.brands().clone(),
            secure_cookies: settings.auth.public_url.starts_with("https://"),
            signups_per_ip_hour: settings.auth.signups_per_ip_hour,
            session_idle_secs: settings.auth.session_idle_secs,
            development: settings.environment == Environment::Development,
            sms_available: texter.available(),
            push: settings.push.clone(),
            errors: settings.sentry_dsn.as_deref().and_then(|dsn| {
                let environment = if settings.environment == Environment::Production {
                    "production"
                } else {
                    "development"
                };
                app::platform::errors::ErrorReporter::from_dsn(dsn, environment).ok()
            }),
        };
        let outbox = OutboxWorker::new(
            pool.clone(),
            Mailer::from_settings(&settings.mail)?,
            texter,
            settings.push.clone(),
            products.delivery_hooks(),
            services.health_key.clone(),
        );
        let exports = ExportWorker::new(pool.clone(), services.health_key.clone());
        let pages = app::help::content::sync(&pool, CONTENT)
            .await
            .context("loading content/")?;
        tracing::info!(pages, "loaded the help centre and legal pages");
        products.load(&pool, &settings).await?;
        let request_metrics = Arc::new(crate::metrics::Metrics::default());
        let metrics = match settings.http.metrics_addr {
            Some(address) => Some((
                TcpListener::bind(address)
                    .await
                    .with_context(|| format!("binding the metrics listener {address}"))?,
                crate::metrics::router(request_metrics.clone(), pool.clone(), products.gauges()),
            )),
            None => None,
        };
        let redirect = match settings.http.tls.as_ref().and_then(|tls| tls.redirect_addr) {
            Some(address) => Some((
                TcpListener::bind(address)
                    .await
                    .with_context(|| format!("binding the HTTP redirect listener {address}"))?,
                crate::tls::redirect_router(&settings.auth.public_url),
            )),
            None => None,
        };
        let state = AppState {
            leptos: settings.leptos.clone(),
            pool,
            services,
            products,
            metrics: request_metrics,
        };
        Ok(Self {
            listener,
            tls: settings.http.tls.as_ref().map(|tls| tls.config.clone()),
            metrics,
            redirect,
            workers: if settings.run_workers {
                workers(&state, outbox, exports)
            } else {
                Vec::new()
            },
            limits: settings.http.connections,
            products: state.products.clone(),
            router: router(state, &settings),
        })
    }

    /// The products of this application (tests run their workers one step at a time).
    pub fn products(&self) -> &Products {
        &self.products
    }

    /// Where `/metrics` is served, when it is.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics
            .as_ref()
            .and_then(|(listener, _)| listener.local_addr().ok())
    }

    /// Where plain HTTP is redirected to HTTPS, when it is.
    pub fn redirect_addr(&self) -> Option<SocketAddr> {
        self.redirect
            .as_ref()
            .and_then(|(listener, _)| listener.local_addr().ok())
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound listener has an address")
    }

    /// Serves HTTP and runs the workers until `shutdown` resolves.
    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let limits = self.limits;
        let side_listeners: Vec<_> = [self.metrics, self.redirect]
            .into_iter()
            .flatten()
            .map(|(listener, router)| {
                let mut stopped = stopped.clone();
                tokio::spawn(async move {
                    let stopped = async move {
                        let _ = stopped.changed().await;
                    };
                    serve(listener.tap_io(no_delay), router, limits, stopped).await
                })
            })
            .collect();
        let workers = tokio::spawn(crate::workers::run_all(self.workers, stopped));
        let served = match self.tls {
            // The TLS listener sets TCP_NODELAY itself, before the handshake.
            Some(config) => {
                let listener = crate::tls::TlsListener::new(self.listener, config)?;
                serve(listener, self.router, limits, shutdown).await
            }
            None => serve(self.listener.tap_io(no_delay), self.router, limits, shutdown).await,
        };
        let _ = stop.send(true);
        let _ = workers.await;
        for listener in side_listeners {
            let _ = listener.await;
        }
        served
    }
}

/// The background workers, one line each: a name for the logs, the pause when idle, one
/// step. The products add theirs.
fn workers(state: &AppState, outbox: OutboxWorker, exports: ExportWorker) -> Vec<Worker> {
    let pool = state.pool.clone();
    let mut workers = vec![
        Worker::new("outbox", OUTBOX_POLL, move || {
            let outbox = outbox.clone();
            async move { outbox.run_once().await.map(|sent| sent > 0) }
        }),
        Worker::new("exports", EXPORT_POLL, move || {
            let exports = exports.clone();
            async move { exports.run_once().await }
        }),
        // Hourly; a pass never asks for another at once.
        Worker::new("retention", RETENTION_EVERY, move || {
            let pool = pool.clone();
            async move { crate::workers::retention::run_once(&pool).await.map(|_| false) }
        }),
    ];
    workers.extend(state.products.workers(&state.pool));
    workers
}

pub fn router(state: AppState, settings: &Settings) -> Router {
    let context = {
        let (services, products) = (state.services.clone(), state.products.clone());
        move || {
            leptos::nonce::provide_nonce();
            provide_context(services.clone());
            products.provide_context();
        }
    };
    let origin = PublicOrigin(origin_of(&settings.auth.public_url).into());
    let services = state.services.clone();
    let routes = generate_route_list(App);
    let options = state.leptos.clone();

    Router::new()
        .merge(health::routes())
        .merge(health::development_routes(
            settings.environment == Environment::Development,
        ))
        .merge(app::privacy::export::routes().with_state(state.services.clone()))
        .merge(app::i18n::routes().with_state(state.services.clone()))
        .merge(crate::manifest::routes(state.products.brands()))
        .merge(state.products.routes(&state.services))
        .leptos_routes_with_context(&state, routes, context.clone(), move || shell(options.clone()))
        // Files of the site are served here, never through Leptos's file handler: that one
        // reads response options from whatever reactive owner its thread last held, so a
        // file fetched while another request rendered the 404 page went out as a 404.
        .fallback_service(
            ServeDir::new(&*state.leptos.site_root)
                .precompressed_br()
                .precompressed_gzip()
                .fallback(axum::handler::Handler::with_state(
                    file_and_error_handler_with_context::<AppState, _>(context, shell),
                    state.clone(),
                )),
        )
        // Router::layer wraps what is above it, so the last layer is the outermost: the
        // request id exists before tracing starts, the security headers cover every
        // response, and server-function errors get their status before compression.
        .layer(
            ServiceBuilder::new()
                .layer(CatchPanicLayer::custom({
                    let reporter = state.services.errors.clone();
                    move |cause| middleware::panic_page(cause, reporter.as_ref())
                }))
                .layer(RequestBodyLimitLayer::new(settings.http.body_limit_bytes))
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::REQUEST_TIMEOUT,
                    settings.http.request_timeout,
                )),
        )
        .layer(axum::middleware::from_fn(middleware::server_fn_status))
        .layer(axum::middleware::from_fn_with_state(
            state.metrics.clone(),
            crate::metrics::track,
        ))
        .layer(axum::middleware::from_fn_with_state(services, authenticate))
        .layer(axum::middleware::from_fn_with_state(
            middleware::ClientBudget::new(state.pool.clone(), settings.http.client_requests_per_minute),
            middleware::spend_client_budget,
        ))
        .layer(axum::middleware::from_fn_with_state(
            middleware::TrustedProxies(settings.auth.trusted_proxies.clone().into()),
            middleware::resolve_client_ip,
        ))
        .layer(axum::middleware::from_fn_with_state(
            origin,
            middleware::reject_cross_site,
        ))
        .layer(axum::middleware::from_fn_with_state(
            middleware::HostGuard::new(
                &settings.auth.public_url,
                settings.environment == Environment::Development,
            )
            .and(state.products.brands().hosts()),
            middleware::check_host,
        ))
        .layer(CompressionLayer::new().br(true).gzip(true))
        .layer(axum::middleware::from_fn_with_state(
            middleware::Https(settings.auth.public_url.starts_with("https://")),
            middleware::security_headers,
        ))
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(request_span)
                        .on_request(())
                        .on_response(
                            DefaultOnResponse::new()
                                .level(Level::INFO)
                                .latency_unit(LatencyUnit::Millis),
                        ),
                )
                .layer(PropagateRequestIdLayer::x_request_id()),
        )
        .with_state(state)
}

/// `https://sasa.example/app` -> `https://sasa.example`
fn origin_of(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    url[after_scheme..]
        .find('/')
        .map_or(url, |end| &url[..after_scheme + end])
}

/// Every log line of a request carries its id, method and path, and the signed-in user's id
/// (recorded by the authentication layer).
fn request_span<B>(request: &Request<B>) -> tracing::Span {
    let request_id = request
        .extensions()
        .get::<RequestId>()
        .and_then(|id| id.header_value().to_str().ok())
        .unwrap_or("-");
    tracing::info_span!(
        "request",
        request_id,
        method = %request.method(),
        path = %request.uri().path(),
        user_id = tracing::field::Empty
    )
}

/// Resolves on Ctrl-C or SIGTERM; in-flight requests then get a grace period.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received: finishing in-flight requests");
}

/// How long in-flight requests get after the signal before the process exits anyway.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(20);
