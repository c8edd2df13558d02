//! Buying a scan's leads: one transaction against the wallet, never twice for the same parcel.

use leptos::prelude::*;
#[cfg(feature = "ssr")]
use uuid::Uuid;

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::fishmouth::store;

/// Buys the scan's leads scoring 60+ that she does not own yet, in one transaction:
/// the wallet is charged for them all or for none.
#[server(prefix = "/api/pro", endpoint = "buy-leads")]
pub async fn buy_leads(scan_id: String) -> Result<i64, AppError> {
    use domain::fishmouth::pricing::SOLD_FROM_SCORE;
    let scan_id = Uuid::parse_str(scan_id.trim()).map_err(|_| AppError::field("scan_id", "not a scan"))?;
    let user = crate::auth::guards::Contractor::get().await?.user;
    let services = crate::platform::services()?;
    let mut tx = services.pool.begin().await?;
    store::lock_wallet(&mut tx, user.id).await?;
    match store::scan_finished(&mut *tx, scan_id, user.id).await? {
        None => return Err(AppError::NotFound),
        Some(false) => return Err(AppError::field("scan_id", "this scan has not finished yet")),
        Some(true) => {}
    }
    let (count, cents) = store::leads_for_sale(&mut *tx, scan_id, user.id, SOLD_FROM_SCORE).await?;
    if count == 0 {
        return Err(AppError::field(
            "scan_id",
            format!("you already own every lead of this scan scoring {SOLD_FROM_SCORE} or more"),
        ));
    }
    // Free leads (the generated sample in production) take nothing and leave no ledger row.
    if cents > 0 {
        crate::fishmouth::wallet::charge(
            &mut tx,
            user.id,
            cents,
            "lead_charge",
            &format!("{count} leads from scan {scan_id}"),
        )
        .await?;
    }
    let bought = store::buy_leads(&mut *tx, scan_id, user.id, SOLD_FROM_SCORE).await?;
    crate::fishmouth::sequences::ssr::auto_enroll(&mut tx, user.id, &bought).await?;
    crate::platform::usage::record(
        &mut *tx,
        Some(user.id),
        crate::platform::usage::Event::LeadsBought,
        serde_json::json!({ "scan": scan_id, "count": count }),
    )
    .await?;
    let detail = serde_json::json!({ "scan": scan_id, "count": count, "cents": cents });
    crate::platform::audit::success(
        &mut *tx,
        &crate::platform::request_info(),
        user.id,
        "pro.leads_bought",
        detail,
    )
    .await?;
    tx.commit().await?;
    Ok(count)
}
