//! One-off commands of the server binary, for operators:
//!
//! ```text
//! server import-properties assessor.csv   # homes (columns: domain's fishmouth/import.rs)
//! server import-storms StormEvents.csv    # NOAA Storm Events details file (hail rows)
//! server make-admin owner@example.com     # the first operator; never a default password
//! server rotate-health-key                 # re-seal every sealed row under HEALTH_DATA_KEY
//! server resume-email roofer@example.com   # a contractor's email, paused for complaints
//! server suppress phone "+1 214 555 0123"  # never offer this phone (or email, address) again
//! ```
//!
//! Rotating the health-data key, with the app running: set `HEALTH_DATA_KEY` to the new key
//! and `HEALTH_DATA_KEY_PREVIOUS` to the old one on every instance, run
//! `server rotate-health-key` once, then remove `HEALTH_DATA_KEY_PREVIOUS`.
//!
//! Bad rows are reported with their line number and skipped; the good rows are kept.

use std::process::ExitCode;

use crate::{config::Settings, db, products::Import};
use anyhow::Context;

/// Runs the command named in `args` (without the program name), if it is one.
pub async fn run(settings: &Settings, args: &[String]) -> Option<ExitCode> {
    let (command, argument) = (args.first()?.as_str(), args.get(1));
    let result = match (command, argument) {
        ("import-properties", Some(path)) => import(settings, path, Import::Properties).await,
        ("import-storms", Some(path)) => import(settings, path, Import::Storms).await,
        ("make-admin", Some(email)) => make_admin(settings, email).await,
        ("rotate-health-key", None) => rotate_health_key(settings).await,
        ("resume-email", Some(email)) => resume_email(settings, email).await,
        ("resume-email", None) => Err(anyhow::anyhow!("usage: server resume-email <email>")),
        ("suppress", Some(kind)) if args.len() == 3 => suppress(settings, kind, &args[2]).await,
        ("suppress", _) => Err(anyhow::anyhow!("usage: server suppress phone|email|address <value>")),
        ("import-properties" | "import-storms", None) => Err(anyhow::anyhow!("usage: server {command} <file.csv>")),
        ("make-admin", None) => Err(anyhow::anyhow!("usage: server make-admin <email>")),
        _ => return None,
    };
    Some(match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{error:#}");
            ExitCode::FAILURE
        }
    })
}

async fn import(settings: &Settings, path: &str, kind: Import) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?;
    let pool = db::pool(&settings.database)?;
    db::migrate(&pool).await?;
    let (kept, skipped, what) = crate::products::import(&pool, &text, kind).await?;
    println!("imported {kept} {what} from {path}; skipped {skipped} rows");
    Ok(())
}

async fn resume_email(settings: &Settings, email: &str) -> anyhow::Result<()> {
    let pool = db::pool(&settings.database)?;
    db::migrate(&pool).await?;
    let email = email.trim().to_lowercase();
    if crate::products::resume_email(&pool, &email).await? {
        println!("resumed the sequence email of {email}");
        Ok(())
    } else {
        Err(anyhow::anyhow!("{email} is not a contractor whose email is paused"))
    }
}

/// A homeowner who asked, by letter or call, not to be contacted: no scan offers them again.
async fn suppress(settings: &Settings, kind: &str, value: &str) -> anyhow::Result<()> {
    let pool = db::pool(&settings.database)?;
    db::migrate(&pool).await?;
    let (kind, added) = crate::products::suppress(&pool, kind, value).await?;
    if added {
        // Audited without the value: the list is the one place that keeps it.
        app::platform::audit::record(
            &pool,
            &app::platform::RequestInfo::from_parts(&http_parts()),
            None,
            "admin.suppressed",
            app::platform::audit::Outcome::Success,
            serde_json::json!({ "kind": kind, "by": "command line" }),
        )
        .await?;
        println!("suppressed the {kind}: no scan offers it again");
    } else {
        println!("that {kind} was already suppressed");
    }
    Ok(())
}

async fn make_admin(settings: &Settings, email: &str) -> anyhow::Result<()> {
    let pool = db::pool(&settings.database)?;
    db::migrate(&pool).await?;
    let email = email.trim().to_lowercase();
    let id = crate::store::make_operator(&pool, &email).await?;
    let id = id.with_context(|| format!("no account with the email {email}: sign up first, then run this again"))?;
    app::platform::audit::record(
        &pool,
        &app::platform::RequestInfo::from_parts(&http_parts()),
        Some(id),
        "admin.granted",
        app::platform::audit::Outcome::Success,
        serde_json::json!({ "by": "command line" }),
    )
    .await?;
    println!("{email} is now an operator");
    Ok(())
}

async fn rotate_health_key(settings: &Settings) -> anyhow::Result<()> {
    let pool = db::pool(&settings.database)?;
    db::migrate(&pool).await?;
    let resealed = app::platform::crypto::reseal_all(&pool, &settings.health_key).await?;
    app::platform::audit::record(
        &pool,
        &app::platform::RequestInfo::from_parts(&http_parts()),
        None,
        "crypto.health_key_rotated",
        app::platform::audit::Outcome::Success,
        serde_json::json!({ "resealed": resealed }),
    )
    .await?;
    println!(
        "re-sealed {resealed} values under the current HEALTH_DATA_KEY; HEALTH_DATA_KEY_PREVIOUS can now be removed"
    );
    Ok(())
}

/// An empty request for the audit record of a command-line action.
fn http_parts() -> axum::http::request::Parts {
    axum::http::Request::new(()).into_parts().0
}
