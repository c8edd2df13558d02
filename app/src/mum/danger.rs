//! A danger report: kept with her consent, audited, and sent to her companion. Server only.

use domain::{account::Language, pregnancy::danger::DangerSign};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{BRAND, store};
use crate::error::AppError;
use crate::platform::{audit, email::compose, outbox, request_info};

/// Records a danger report (when she has consented), audits it and alerts her companion,
/// in her transaction.
pub async fn record_danger_report(tx: &mut PgConnection, user_id: Uuid, sign: DangerSign) -> Result<(), AppError> {
    if !crate::auth::server::store::has_health_consent(&mut *tx, user_id).await? {
        return Ok(());
    }
    let report = store::record_danger(&mut *tx, user_id, sign).await?;
    let detail = serde_json::json!({ "sign": sign.code() });
    audit::success(&mut *tx, &request_info(), user_id, "mum.danger_report", detail).await?;
    alert_companion(tx, user_id, report, sign).await?;
    Ok(())
}

/// Emails her companion about a danger sign she reported, in their language.
async fn alert_companion(tx: &mut PgConnection, user_id: Uuid, report: i64, sign: DangerSign) -> Result<(), AppError> {
    let Some(to) = store::companion_to_alert(&mut *tx, user_id).await? else {
        return Ok(());
    };
    let lang = Language::parse(&to.language).unwrap_or(Language::En);
    let mother = &to.mother;
    let (subject, lines) = match lang {
        Language::Sw => (
            format!("{mother} ameripoti dalili ya hatari"),
            [
                format!("{mother} ameripoti kwenye SasaMum: {}.", sign.label(lang)),
                "SasaMum imemwambia aende kituo cha afya sasa hivi. Mpigie simu, au msaidie kufika huko.".to_owned(),
            ],
        ),
        Language::En => (
            format!("{mother} reported a danger sign"),
            [
                format!("{mother} reported on SasaMum: {}.", sign.label(lang)),
                "SasaMum told her to go to a health facility now. Call her, or help her get there.".to_owned(),
            ],
        ),
    };
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let greeting = if lang == Language::Sw { "Habari," } else { "Hello," };
    let email = outbox::Email {
        sender: BRAND.mail_sender,
        idempotency_key: format!("companion-alert:{report}"),
        user_id: Some(user_id),
        to: to.email,
        message: compose(&BRAND, &subject, greeting, &lines, None),
    };
    outbox::enqueue_email(tx, email).await?;
    Ok(())
}
