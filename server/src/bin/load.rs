//! Load and fault tests against a running server: prints figures (scripts/load.sh and
//! scripts/fault.sh start the servers and call this).
//!
//!   load baseline ADDR DATABASE_URL
//!       a bare axum + sqlx server answering `GET /` with one query: the baseline.
//!   load users APP_URL BASELINE_URL SMTP_PORT DATABASE_URL SECONDS USERS...
//!       simulated users (sign in, open the dashboard, product actions) for SECONDS at each
//!       concurrency, then the same concurrency against the baseline, side by side.
//!   load pg-restart APP_URL SMTP_PORT DATABASE_URL SECONDS USERS RESTART_COMMAND
//!       users for SECONDS; PostgreSQL restarted a third of the way in; seconds to recovery,
//!       and every acknowledged write looked up afterwards.
//!   load smtp-outage APP_URL SMTP_PORT MESSAGES DOWN_SECONDS
//!       MESSAGES emails queued while the SMTP peer is down, which returns after DOWN_SECONDS;
//!       every message must arrive, none twice.
//!
//! Each simulated user has its own loopback address (127.x.y.z), as each phone has its own,
//! so per-address limits apply per user. The SMTP peer is a small real SMTP server on
//! loopback run here, which is also where sign-up links are read from.

use std::{
    collections::HashMap,
    net::{IpAddr, Ipv4Addr, SocketAddr},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use axum::{Router, extract::State, routing::get};
use reqwest::{Client, StatusCode};
use sqlx::{PgPool, postgres::PgPoolOptions};
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::TcpListener,
    sync::Notify,
};

const PASSWORD: &str = "a long and happy load-test password";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| {
        args.get(i)
            .map(String::as_str)
            .context("missing argument (see the usage at the top of load.rs)")
    };
    match arg(0)? {
        "baseline" => baseline(arg(1)?.parse()?, arg(2)?).await,
        "users" => {
            let concurrencies = args[6..].iter().map(|n| n.parse()).collect::<Result<Vec<usize>, _>>()?;
            users(
                arg(1)?,
                arg(2)?,
                arg(3)?.parse()?,
                arg(4)?,
                arg(5)?.parse()?,
                &concurrencies,
            )
            .await
        }
        "pg-restart" => {
            pg_restart(
                arg(1)?,
                arg(2)?.parse()?,
                arg(3)?,
                arg(4)?.parse()?,
                arg(5)?.parse()?,
                arg(6)?,
            )
            .await
        }
        "smtp-outage" => smtp_outage(arg(1)?, arg(2)?.parse()?, arg(3)?.parse()?, arg(4)?.parse()?).await,
        other => bail!("unknown command {other}"),
    }
}

// ---------------------------------------------------------------------------------------------
// The baseline: axum and sqlx with nothing of ours in between.

async fn baseline(addr: SocketAddr, database_url: &str) -> anyhow::Result<()> {
    let pool = PgPoolOptions::new().max_connections(10).connect(database_url).await?;
    let app = Router::new().route("/", get(one_query)).with_state(pool);
    axum::serve(TcpListener::bind(addr).await?, app).await?;
    Ok(())
}

async fn one_query(State(pool): State<PgPool>) -> Result<String, StatusCode> {
    let one: i32 = sqlx::query_scalar("SELECT 1")
        .fetch_one(&pool)
        .await
        .map_err(|_| StatusCode::SERVICE_UNAVAILABLE)?;
    Ok(one.to_string())
}

// ---------------------------------------------------------------------------------------------
// A real SMTP peer on loopback that keeps what it receives.

#[derive(Default)]
struct Mailbox {
    /// (recipient, whole message) in arrival order.
    messages: Mutex<Vec<(String, String)>>,
    arrived: Notify,
}

impl Mailbox {
    fn count(&self) -> usize {
        self.messages.lock().expect("mailbox lock").len()
    }

    /// The `?token=` of the newest message to `recipient`, waiting up to 30 s for it.
    async fn token_for(&self, recipient: &str) -> anyhow::Result<String> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let arrived = self.arrived.notified();
            let found = self
                .messages
                .lock()
                .expect("mailbox lock")
                .iter()
                .rev()
                .find(|(to, _)| to == recipient)
                .and_then(|(_, data)| {
                    // Long lines arrive quoted-printable: join soft breaks, decode '='.
                    let text = data.replace("=\n", "").replace("=3D", "=");
                    text.split("?token=").nth(1).map(token_chars)
                });
            if let Some(token) = found {
                return Ok(token);
            }
            if tokio::time::timeout_at(deadline.into(), arrived).await.is_err() {
                bail!("no email reached {recipient} within 30 s");
            }
        }
    }
}

fn token_chars(after: &str) -> String {
    after
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

/// Serves SMTP on `listener` until the returned handle is aborted (which closes the port).
fn smtp_peer(listener: TcpListener, mailbox: Arc<Mailbox>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let mailbox = mailbox.clone();
            tokio::spawn(async move {
                let _ = smtp_session(stream, &mailbox).await;
            });
        }
    })
}

async fn smtp_session(stream: tokio::net::TcpStream, mailbox: &Mailbox) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    write.write_all(b"220 load-test SMTP\r\n").await?;
    let mut recipients = Vec::new();
    while let Some(line) = lines.next_line().await? {
        let verb = line.get(..4).unwrap_or_default().to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" | "HELO" => b"250 load-test\r\n",
            "MAIL" => {
                recipients.clear();
                b"250 OK\r\n"
            }
            "RCPT" => {
                let address = line.split(['<', '>']).nth(1).unwrap_or_default().to_owned();
                recipients.push(address);
                b"250 OK\r\n"
            }
            "DATA" => {
                write.write_all(b"354 go ahead\r\n").await?;
                let mut data = String::new();
                while let Some(line) = lines.next_line().await? {
                    if line == "." {
                        break;
                    }
                    data.push_str(&line);
                    data.push('\n');
                }
                let mut messages = mailbox.messages.lock().expect("mailbox lock");
                for to in recipients.drain(..) {
                    messages.push((to, data.clone()));
                }
                drop(messages);
                mailbox.arrived.notify_waiters();
                b"250 queued\r\n"
            }
            "RSET" | "NOOP" => b"250 OK\r\n",
            "QUIT" => {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            }
            _ => b"502 not implemented\r\n",
        };
        write.write_all(reply).await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Simulated users.

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Mum,
    Contractor,
}

struct Account {
    email: String,
    kind: Kind,
    address: IpAddr,
}

/// A loopback address of its own for user `n` (127.0.0.1 and its neighbours stay free).
fn address_of(n: usize) -> IpAddr {
    let n = u32::try_from(n).unwrap_or(0) + 256;
    IpAddr::V4(Ipv4Addr::new(
        127,
        20 + ((n >> 16) & 0xff) as u8,
        ((n >> 8) & 0xff) as u8,
        (n & 0xff) as u8,
    ))
}

fn client_for(address: IpAddr) -> anyhow::Result<Client> {
    Ok(Client::builder()
        .cookie_store(true)
        .local_address(address)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()?)
}

/// A POST that waits out `503 Busy` (the password-hashing queue) as the web app does.
/// Returns the final status and how many busy answers came first.
async fn post_patiently(client: &Client, url: &str, form: &[(&str, &str)]) -> anyhow::Result<(StatusCode, u32)> {
    let mut busy = 0;
    loop {
        let response = client.post(url).form(form).send().await?;
        if response.status() != StatusCode::SERVICE_UNAVAILABLE || busy >= 30 {
            return Ok((response.status(), busy));
        }
        busy += 1;
        let wait = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()?.parse().ok())
            .unwrap_or(1);
        tokio::time::sleep(Duration::from_secs(wait)).await;
    }
}

/// Signs up `count` accounts through the app (half mothers, half contractors), confirms each
/// from the email it gets, and takes each mother through onboarding. 16 at a time.
async fn create_accounts(app: &str, mailbox: &Arc<Mailbox>, tag: &str, count: usize) -> anyhow::Result<Vec<Account>> {
    let lmp = (time::OffsetDateTime::now_utc() + time::Duration::hours(3) - time::Duration::days(70))
        .date()
        .to_string();
    let mut accounts = Vec::with_capacity(count);
    for chunk in (0..count).collect::<Vec<_>>().chunks(16) {
        let created = futures_join(chunk.iter().map(|&n| {
            let (lmp, app, mailbox, tag) = (lmp.clone(), app.to_owned(), mailbox.clone(), tag.to_owned());
            async move {
                let app = app.as_str();
                let kind = if n % 2 == 0 { Kind::Mum } else { Kind::Contractor };
                let account = Account {
                    email: format!("load-{tag}-{n}@example.com"),
                    kind,
                    address: address_of(n),
                };
                let client = client_for(account.address)?;
                let product = if kind == Kind::Mum { "sasamum" } else { "fishmouth" };
                let form = [
                    ("email", account.email.as_str()),
                    ("password", PASSWORD),
                    ("display_name", "Load"),
                    ("product", product),
                    ("language", "en"),
                    ("timezone", "Africa/Nairobi"),
                ];
                let (status, _) = post_patiently(&client, &format!("{app}/api/auth/register"), &form).await?;
                anyhow::ensure!(status.is_success(), "sign-up of {} answered {status}", account.email);
                let token = mailbox.token_for(&account.email).await?;
                let verified = client
                    .post(format!("{app}/api/auth/verify-email"))
                    .form(&[("token", token.as_str())])
                    .send()
                    .await?;
                anyhow::ensure!(
                    verified.status().is_success(),
                    "confirming {} answered {}",
                    account.email,
                    verified.status()
                );
                if kind == Kind::Mum {
                    sign_in(&client, app, &account.email).await?;
                    for (path, form) in [
                        ("/api/mum/consent", vec![("agree", "yes")]),
                        ("/api/mum/dates", vec![("method", "lmp"), ("date", lmp.as_str())]),
                        ("/api/mum/reminders", vec![("reminder_time", "08:00")]),
                    ] {
                        let answer = client.post(format!("{app}{path}")).form(&form).send().await?;
                        anyhow::ensure!(answer.status().is_success(), "{path} answered {}", answer.status());
                    }
                }
                Ok::<_, anyhow::Error>(account)
            }
        }))
        .await;
        for account in created {
            accounts.push(account?);
        }
    }
    Ok(accounts)
}

/// Runs the futures as tasks of their own and collects their outputs in order.
async fn futures_join<F>(futures: impl Iterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for handle in handles {
        out.push(handle.await.expect("task"));
    }
    out
}

async fn sign_in(client: &Client, app: &str, email: &str) -> anyhow::Result<u32> {
    let (status, busy) = post_patiently(
        client,
        &format!("{app}/api/auth/login"),
        &[("email", email), ("password", PASSWORD)],
    )
    .await?;
    anyhow::ensure!(status.is_success(), "sign-in of {email} answered {status}");
    Ok(busy)
}

/// One request's outcome, timed from the start of the run.
#[derive(Clone, Copy)]
struct Sample {
    started: Duration,
    ended: Duration,
    ok: bool,
    write_acknowledged: bool,
}

#[derive(Default)]
struct UserReport {
    samples: Vec<Sample>,
    login: Option<Duration>,
    login_failed: bool,
    busy: u32,
}

/// One simulated user: signs in, then repeats its product's actions until `until`.
async fn simulate(app: Arc<str>, account: &Account, start: Instant, until: Instant) -> UserReport {
    let mut report = UserReport::default();
    let Ok(client) = client_for(account.address) else {
        report.login_failed = true;
        return report;
    };
    let begun = Instant::now();
    match sign_in(&client, &app, &account.email).await {
        Ok(busy) => {
            report.busy = busy;
            report.login = Some(begun.elapsed());
        }
        Err(_) => {
            report.login_failed = true;
            return report;
        }
    }
    let mut step = 0usize;
    while Instant::now() < until {
        let began = start.elapsed();
        let (ok, write) = match (account.kind, step % 3) {
            (Kind::Mum, 0) => (get_ok(&client, &format!("{app}/mum")).await, false),
            (Kind::Mum, 1) => {
                let saved = answered_ok(
                    client
                        .post(format!("{app}/api/mum/symptoms"))
                        .form(&[("symptoms[]", "nausea"), ("note", "load test")])
                        .send()
                        .await,
                )
                .await;
                (saved, saved)
            }
            (Kind::Mum, _) => (get_ok(&client, &format!("{app}/mum/log")).await, false),
            (Kind::Contractor, 0) => (get_ok(&client, &format!("{app}/pro")).await, false),
            (Kind::Contractor, 1) => (get_ok(&client, &format!("{app}/pro/leads")).await, false),
            (Kind::Contractor, _) => (get_ok(&client, &format!("{app}/pro/sequences")).await, false),
        };
        report.samples.push(Sample {
            started: began,
            ended: start.elapsed(),
            ok,
            write_acknowledged: write,
        });
        step += 1;
    }
    report
}

/// A page or answer that arrived whole and says nothing failed. The body is read to the end,
/// as a browser does: pages stream, and their status comes before their content.
async fn get_ok(client: &Client, url: &str) -> bool {
    answered_ok(client.get(url).send().await).await
}

async fn answered_ok(sent: reqwest::Result<reqwest::Response>) -> bool {
    let Ok(response) = sent else { return false };
    let status = response.status();
    let Ok(body) = response.text().await else { return false };
    status.is_success() && !body.contains("Something went wrong on our side") && !body.contains("We are busy right now")
}

struct Run {
    seconds: f64,
    reports: Vec<(usize, UserReport)>,
}

async fn run_users(app: &str, accounts: &Arc<Vec<Account>>, users: usize, seconds: u64) -> Run {
    let app: Arc<str> = app.into();
    let start = Instant::now();
    let until = start + Duration::from_secs(seconds);
    let handles: Vec<_> = (0..users)
        .map(|n| {
            let (app, accounts) = (app.clone(), accounts.clone());
            tokio::spawn(async move { (n, simulate(app, &accounts[n], start, until).await) })
        })
        .collect();
    let mut reports = Vec::with_capacity(users);
    for handle in handles {
        reports.push(handle.await.expect("user task"));
    }
    Run {
        seconds: start.elapsed().as_secs_f64(),
        reports,
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((p / 100.0) * sorted.len() as f64) as usize;
    sorted[index.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

struct Figures {
    requests: usize,
    per_second: f64,
    p50: f64,
    p99: f64,
    errors: usize,
}

fn figures(latencies: &mut [Duration], errors: usize, seconds: f64) -> Figures {
    latencies.sort_unstable();
    Figures {
        requests: latencies.len(),
        per_second: latencies.len() as f64 / seconds,
        p50: percentile(latencies, 50.0),
        p99: percentile(latencies, 99.0),
        errors,
    }
}

/// The baseline at the same concurrency: each client repeats `GET /` until the time is up.
async fn run_baseline(url: &str, clients: usize, seconds: u64) -> Figures {
    let start = Instant::now();
    let until = start + Duration::from_secs(seconds);
    let handles: Vec<_> = (0..clients)
        .map(|n| {
            let url = url.to_owned();
            tokio::spawn(async move {
                let client = client_for(address_of(n)).expect("client");
                let (mut latencies, mut errors) = (Vec::new(), 0usize);
                while Instant::now() < until {
                    let began = Instant::now();
                    if get_ok(&client, &url).await {
                        latencies.push(began.elapsed());
                    } else {
                        errors += 1;
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    let (mut latencies, mut errors) = (Vec::new(), 0);
    for handle in handles {
        let (l, e) = handle.await.expect("baseline task");
        latencies.extend(l);
        errors += e;
    }
    figures(&mut latencies, errors, start.elapsed().as_secs_f64())
}

/// Writes the users were told succeeded, against the rows the database holds for them.
async fn check_writes(
    pool: &PgPool,
    accounts: &[Account],
    reports: &[(usize, UserReport)],
) -> anyhow::Result<(usize, usize, usize)> {
    let stored: HashMap<String, i64> = sqlx::query_as(
        "SELECT u.email, count(s.id) FROM users u LEFT JOIN symptom_logs s ON s.user_id = u.id
         WHERE u.email LIKE 'load-%' GROUP BY u.email",
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .collect();
    let mut acknowledged_by: HashMap<&str, usize> = HashMap::new();
    for (n, report) in reports {
        *acknowledged_by.entry(accounts[*n].email.as_str()).or_default() +=
            report.samples.iter().filter(|s| s.write_acknowledged).count();
    }
    let (mut acknowledged, mut missing, mut unacknowledged) = (0, 0, 0);
    for account in accounts.iter().filter(|a| a.kind == Kind::Mum) {
        let told = acknowledged_by.get(account.email.as_str()).copied().unwrap_or(0);
        let found = usize::try_from(stored.get(&account.email).copied().unwrap_or(0)).unwrap_or(0);
        acknowledged += told;
        missing += told.saturating_sub(found);
        unacknowledged += found.saturating_sub(told);
    }
    Ok((acknowledged, missing, unacknowledged))
}

async fn start_mailbox(smtp_port: u16) -> anyhow::Result<(Arc<Mailbox>, tokio::task::JoinHandle<()>)> {
    let mailbox = Arc::new(Mailbox::default());
    let listener = TcpListener::bind(("127.0.0.1", smtp_port))
        .await
        .with_context(|| format!("binding the SMTP peer on {smtp_port}"))?;
    let peer = smtp_peer(listener, mailbox.clone());
    Ok((mailbox, peer))
}

async fn users(
    app: &str,
    baseline_url: &str,
    smtp_port: u16,
    database_url: &str,
    seconds: u64,
    concurrencies: &[usize],
) -> anyhow::Result<()> {
    let (mailbox, _peer) = start_mailbox(smtp_port).await?;
    let pool = PgPoolOptions::new().max_connections(2).connect(database_url).await?;
    let most = concurrencies.iter().copied().max().unwrap_or(0);
    let made = Instant::now();
    let accounts = Arc::new(create_accounts(app, &mailbox, "users", most).await?);
    println!(
        "set-up: {most} accounts signed up, confirmed by email and (mothers) onboarded through the app in {:.1} s",
        made.elapsed().as_secs_f64()
    );
    println!("each user signs in, then repeats: mothers open /mum, log a symptom, open /mum/log;");
    println!(
        "contractors open /pro, /pro/leads, /pro/sequences. No think time: every user is always waiting on the server."
    );
    println!(
        "baseline: the same number of clients repeating GET / on a bare axum + sqlx server (SELECT 1), same database.\n"
    );
    let mut failed = false;
    for &n in concurrencies {
        let run = run_users(app, &accounts, n, seconds).await;
        let mut latencies: Vec<Duration> = Vec::new();
        let mut logins: Vec<Duration> = Vec::new();
        let (mut errors, mut busy, mut login_errors) = (0, 0, 0);
        for (_, report) in &run.reports {
            latencies.extend(report.samples.iter().filter(|s| s.ok).map(|s| s.ended - s.started));
            errors += report.samples.iter().filter(|s| !s.ok).count();
            logins.extend(report.login);
            login_errors += usize::from(report.login_failed);
            busy += report.busy;
        }
        let app_figures = figures(&mut latencies, errors, run.seconds);
        let login_figures = figures(&mut logins, login_errors, run.seconds);
        let base = run_baseline(baseline_url, n, seconds).await;
        let (acknowledged, missing, _) = check_writes(&pool, &accounts, &run.reports).await?;
        println!("{n} concurrent users, {seconds} s:");
        println!(
            "  app:      {:>7} requests, {:>7.0} req/s, p50 {:>7.1} ms, p99 {:>7.1} ms, errors {}",
            app_figures.requests, app_figures.per_second, app_figures.p50, app_figures.p99, app_figures.errors
        );
        println!(
            "  sign-in:  {:>7} users,               p50 {:>7.1} ms, p99 {:>7.1} ms, errors {} ({busy} busy answers waited out)",
            login_figures.requests, login_figures.p50, login_figures.p99, login_figures.errors
        );
        println!(
            "  baseline: {:>7} requests, {:>7.0} req/s, p50 {:>7.1} ms, p99 {:>7.1} ms, errors {}",
            base.requests, base.per_second, base.p50, base.p99, base.errors
        );
        println!(
            "  app / baseline: throughput {:.2}x, p50 {:.1}x, p99 {:.1}x",
            app_figures.per_second / base.per_second.max(f64::EPSILON),
            app_figures.p50 / base.p50.max(f64::EPSILON),
            app_figures.p99 / base.p99.max(f64::EPSILON)
        );
        println!("  symptom logs acknowledged: {acknowledged}, missing from the database: {missing}\n");
        failed |= app_figures.errors + login_figures.errors + missing > 0;
    }
    if failed {
        bail!("errors or missing writes under load");
    }
    Ok(())
}

async fn pg_restart(
    app: &str,
    smtp_port: u16,
    database_url: &str,
    seconds: u64,
    users: usize,
    restart: &str,
) -> anyhow::Result<()> {
    let (mailbox, _peer) = start_mailbox(smtp_port).await?;
    let accounts = Arc::new(create_accounts(app, &mailbox, "restart", users).await?);
    let fault_at = Duration::from_secs(seconds / 3);
    println!(
        "{users} users for {seconds} s; PostgreSQL restarted at {} s with: {restart}",
        fault_at.as_secs()
    );
    let load = run_users(app, &accounts, users, seconds);
    let fault = async {
        tokio::time::sleep(fault_at).await;
        let began = Instant::now();
        let restart = restart.to_owned();
        let status =
            tokio::task::spawn_blocking(move || std::process::Command::new("sh").arg("-c").arg(restart).status()).await;
        (status.ok().and_then(Result::ok), began.elapsed())
    };
    let (run, (status, took)) = tokio::join!(load, fault);
    anyhow::ensure!(status.is_some_and(|s| s.success()), "the restart command failed");
    println!("  the restart command took {:.1} s", took.as_secs_f64());

    let samples: Vec<Sample> = run
        .reports
        .iter()
        .flat_map(|(_, r)| r.samples.iter().copied())
        .collect();
    let failures: Vec<&Sample> = samples.iter().filter(|s| !s.ok).collect();
    let last_failure = failures.iter().map(|s| s.ended).max();
    let ok_after = samples
        .iter()
        .filter(|s| s.ok && last_failure.is_some_and(|f| s.started > f))
        .count();
    match last_failure {
        Some(last) => println!(
            "  {} requests failed while the database was away; the last failure ended {:.1} s after the restart began (recovery), then {ok_after} requests succeeded",
            failures.len(),
            last.saturating_sub(fault_at).as_secs_f64()
        ),
        None => println!("  no request failed: the restart fell between requests"),
    }
    let served_after = samples.iter().filter(|s| s.ok && s.started > fault_at + took).count();
    anyhow::ensure!(
        served_after > 0,
        "nothing succeeded after the restart: the app did not recover"
    );
    let pool = PgPoolOptions::new().max_connections(2).connect(database_url).await?;
    let (acknowledged, missing, unacknowledged) = check_writes(&pool, &accounts, &run.reports).await?;
    println!(
        "  symptom logs acknowledged: {acknowledged}; missing from the database: {missing}; saved but unanswered (the answer was lost): {unacknowledged}"
    );
    anyhow::ensure!(missing == 0, "{missing} acknowledged writes are missing");
    Ok(())
}

async fn smtp_outage(app: &str, smtp_port: u16, messages: usize, down_seconds: u64) -> anyhow::Result<()> {
    // Sign-ups while nothing listens on the SMTP port: each queues one confirmation email.
    let queued = Instant::now();
    let mut sent_to = Vec::with_capacity(messages);
    for n in 0..messages {
        let email = format!("outage-{n}@example.com");
        let client = client_for(address_of(n))?;
        let form = [
            ("email", email.as_str()),
            ("password", PASSWORD),
            ("display_name", "Outage"),
            ("product", "fishmouth"),
            ("language", "en"),
            ("timezone", "America/Chicago"),
        ];
        let (status, _) = post_patiently(&client, &format!("{app}/api/auth/register"), &form).await?;
        anyhow::ensure!(status.is_success(), "sign-up answered {status}");
        sent_to.push(email);
    }
    println!("{messages} confirmation emails queued with the SMTP peer down; it returns after {down_seconds} s");
    tokio::time::sleep(Duration::from_secs(down_seconds).saturating_sub(queued.elapsed())).await;
    let (mailbox, _peer) = start_mailbox(smtp_port).await?;
    let back = Instant::now();
    let deadline = back + Duration::from_secs(300);
    while mailbox.count() < messages && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let drained = back.elapsed();
    // A second copy would come from a retry: give the worker time to make that mistake.
    tokio::time::sleep(Duration::from_secs(15)).await;
    let received = mailbox.messages.lock().expect("mailbox lock").clone();
    let mut per_recipient: HashMap<&str, usize> = HashMap::new();
    for (to, _) in &received {
        *per_recipient.entry(to.as_str()).or_default() += 1;
    }
    let delivered = sent_to
        .iter()
        .filter(|e| per_recipient.contains_key(e.as_str()))
        .count();
    let twice = per_recipient.values().filter(|&&n| n > 1).count();
    println!(
        "  after the peer returned: {delivered}/{messages} delivered in {:.1} s, {twice} delivered more than once",
        drained.as_secs_f64()
    );
    anyhow::ensure!(delivered == messages && twice == 0, "lost or duplicated messages");
    Ok(())
}
