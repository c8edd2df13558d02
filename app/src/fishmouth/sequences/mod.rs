//! Outreach sequences, one file per thing the contractor does: the `builder`, the
//! `enrollments`, the reps' `tasks`, a sequence's `reports`, a lead's `lead_outreach` panel
//! and the public `unsubscribe` page, their views in `pages`. Every query is in `store`. The rules are in `domain::fishmouth::{sequence, schedule}`;
//! delivery is [`engine`]; replies, opt-outs and unsubscribes arrive through [`inbound`].

mod builder;
#[cfg(feature = "ssr")]
pub mod engine;
mod enrollments;
#[cfg(feature = "ssr")]
pub mod inbound;
mod inbox;
mod lead_outreach;
mod pages;
mod reports;
#[cfg(feature = "ssr")]
pub(super) mod store;
mod tasks;
#[cfg(feature = "ssr")]
mod templates;
mod unsubscribe;

pub use builder::*;
pub use enrollments::*;
pub use inbox::{
    AnswerReply, InboxBadge, InboxPage, MarkAllRead, MarkReply, answer_reply, load_inbox, mark_all_read, mark_reply,
    unread_count,
};
pub use lead_outreach::*;
pub use pages::{LeadOutreach, SequencePage, SequencesPage, TasksPage, UnsubscribePage, use_lead_outreach};
pub use reports::*;
pub use tasks::*;
pub use unsubscribe::*;

/// What the rest of Fish Mouth calls on the server.
#[cfg(feature = "ssr")]
pub mod ssr {
    pub(crate) use super::enrollments::auto_enroll;
    pub(crate) use super::store::{EmailAllowance, set_track_opens, track_opens};

    /// An operator resumes a contractor's paused email (`server resume-email`).
    pub async fn resume_email(pool: &sqlx::PgPool, email: &str) -> Result<bool, sqlx::Error> {
        super::store::resume_email(pool, email).await
    }

    /// Her sequence email in the last 24 hours, and how long her own domain has been verified.
    pub(crate) async fn email_allowance(
        pool: &sqlx::PgPool,
        user_id: uuid::Uuid,
    ) -> Result<EmailAllowance, sqlx::Error> {
        let found = super::store::email_allowances(pool, &[user_id]).await?.pop();
        Ok(found.unwrap_or(EmailAllowance {
            user_id,
            days_verified: None,
            sent: 0,
            paused: None,
        }))
    }
}
