//! A danger report: kept with her consent, audited, and sent to her companion; and the
//! urgent answer to a danger sign she texts in. Server only.

use domain::{account::Language, pregnancy::danger::DangerSign};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{BRAND, store};
use crate::platform::{audit, email::compose, outbox, request_info};

/// Kenya's emergency number (112 works too); until she saves her own.
pub const KENYA_EMERGENCY: &str = "999";

/// Records a danger report (when she has consented), audits it and alerts her companion,
/// in her transaction.
pub async fn record_danger_report(tx: &mut PgConnection, user_id: Uuid, sign: DangerSign) -> Result<(), sqlx::Error> {
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
async fn alert_companion(
    tx: &mut PgConnection,
    user_id: Uuid,
    report: i64,
    sign: DangerSign,
) -> Result<(), sqlx::Error> {
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

/// The urgent answer to a danger sign she texted: one SMS, in her language, with the number
/// to call.
pub fn urgent_sms(language: Language, sign: DangerSign, phone: &str) -> String {
    match language {
        Language::Sw => format!(
            "SasaMum: {}. Nenda kituo cha afya sasa hivi, usisubiri. Piga {phone}. Beba kadi ya kliniki.",
            sign.label(language)
        ),
        Language::En => format!(
            "SasaMum: {}. Go to a health facility now, do not wait. Call {phone}. Take your clinic card.",
            sign.label(language)
        ),
    }
}
