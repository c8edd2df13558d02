//! `/metrics` in the Prometheus text format, served only on the admin listener
//! (`METRICS_ADDR`, e.g. 127.0.0.1:9464), never on the public port. Request counts and
//! latency are counted here as requests pass; queue depths, worker lag, pool use and
//! login failures are read from the database when the page is scraped.

use std::{
    collections::BTreeMap,
    fmt::Write,
    sync::{Arc, Mutex},
    time::Instant,
};

use axum::{
    extract::{MatchedPath, Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};
use sqlx::PgPool;

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 11] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

#[derive(Default)]
struct Route {
    count: u64,
    seconds: f64,
    /// How many took at most each bound in `BUCKETS`.
    under: [u64; BUCKETS.len()],
}

/// Requests by route pattern (never the raw path: ids would make every lead a series) and status.
#[derive(Default)]
pub struct Metrics {
    routes: Mutex<BTreeMap<(String, u16), Route>>,
}

impl Metrics {
    fn observe(&self, route: String, status: u16, seconds: f64) {
        let mut routes = self.routes.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let entry = routes.entry((route, status)).or_default();
        entry.count += 1;
        entry.seconds += seconds;
        for (bound, under) in BUCKETS.iter().zip(entry.under.iter_mut()) {
            if seconds <= *bound {
                *under += 1;
            }
        }
    }

    fn write_requests(&self, out: &mut String) {
        let routes = self.routes.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        out.push_str("# HELP sasa_http_requests_total Requests answered, by route and status.\n");
        out.push_str("# TYPE sasa_http_requests_total counter\n");
        for ((route, status), r) in routes.iter() {
            let _ = writeln!(
                out,
                "sasa_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {}",
                r.count
            );
        }
        out.push_str("# HELP sasa_http_request_duration_seconds Time to answer, by route.\n");
        out.push_str("# TYPE sasa_http_request_duration_seconds histogram\n");
        let mut by_route: BTreeMap<&str, Route> = BTreeMap::new();
        for ((route, _), r) in routes.iter() {
            let total = by_route.entry(route).or_default();
            total.count += r.count;
            total.seconds += r.seconds;
            for (sum, n) in total.under.iter_mut().zip(r.under) {
                *sum += n;
            }
        }
        for (route, r) in by_route {
            for (bound, under) in BUCKETS.iter().zip(r.under) {
                let _ = writeln!(
                    out,
                    "sasa_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {under}"
                );
            }
            let _ = writeln!(
                out,
                "sasa_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                r.count
            );
            let _ = writeln!(
                out,
                "sasa_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                r.seconds
            );
            let _ = writeln!(
                out,
                "sasa_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                r.count
            );
        }
    }
}

/// Counts every request of the public router under its route pattern.
pub async fn track(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned());
    let started = Instant::now();
    let response = next.run(request).await;
    metrics.observe(route, response.status().as_u16(), started.elapsed().as_secs_f64());
    response
}

/// Where the products' gauges come from: read when the page is scraped.
pub type ProductGauges = Arc<dyn Fn(PgPool) -> GaugesFuture + Send + Sync>;
pub type GaugesFuture =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<Vec<app::platform::Gauge>, sqlx::Error>> + Send>>;

/// The admin listener's router: `/metrics` and nothing else.
pub fn router(metrics: Arc<Metrics>, pool: PgPool, products: ProductGauges) -> axum::Router {
    axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let (metrics, pool, products) = (metrics.clone(), pool.clone(), products.clone());
            async move {
                match render(&metrics, &pool, &products).await {
                    Ok(body) => {
                        ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
                    }
                    Err(error) => {
                        tracing::error!(error = %error, "metrics could not be read");
                        axum::http::StatusCode::SERVICE_UNAVAILABLE.into_response()
                    }
                }
            }
        }),
    )
}

fn gauge(out: &mut String, name: &str, help: &str, value: f64) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}");
}

pub async fn render(metrics: &Metrics, pool: &PgPool, products: &ProductGauges) -> Result<String, sqlx::Error> {
    let mut out = String::new();
    metrics.write_requests(&mut out);
    let size = f64::from(pool.size());
    let idle = pool.num_idle() as f64;
    gauge(
        &mut out,
        "sasa_db_pool_connections",
        "Connections open in the pool.",
        size,
    );
    gauge(
        &mut out,
        "sasa_db_pool_in_use",
        "Connections of the pool in use.",
        (size - idle).max(0.0),
    );
    let crate::store::Backlog {
        outbox,
        outbox_oldest_secs: outbox_age,
        exports,
        login_failures,
    } = crate::store::backlog(pool).await?;
    gauge(
        &mut out,
        "sasa_outbox_pending",
        "Messages waiting in the outbox.",
        outbox as f64,
    );
    gauge(
        &mut out,
        "sasa_outbox_oldest_pending_seconds",
        "Age of the oldest waiting message.",
        outbox_age,
    );
    gauge(
        &mut out,
        "sasa_export_jobs_waiting",
        "Data exports queued or running.",
        exports as f64,
    );
    for product in products(pool.clone()).await? {
        gauge(&mut out, product.name, product.help, product.value);
    }
    let _ = writeln!(
        out,
        "# HELP sasa_login_failures_total Failed sign-ins (from the audit log).\n# TYPE sasa_login_failures_total counter\nsasa_login_failures_total {login_failures}"
    );
    Ok(out)
}
