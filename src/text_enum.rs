//! Statuses, stages and other closed sets stored as text: one macro gives each its spelling
//! in the database and on the wire, a parser, and (with the `sqlx` feature, on the server)
//! a column type of its own, so a row with an unknown value fails to read instead of being
//! compared with a literal somewhere.

/// `text_enum! { /// doc  pub enum Name { Variant = "text", ... } }`
macro_rules! text_enum {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text),+
                }
            }

            pub fn parse(raw: &str) -> Option<Self> {
                match raw.trim() {
                    $($text => Some(Self::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        #[cfg(feature = "sqlx")]
        impl sqlx::Type<sqlx::Postgres> for $name {
            fn type_info() -> sqlx::postgres::PgTypeInfo {
                <&str as sqlx::Type<sqlx::Postgres>>::type_info()
            }
            fn compatible(ty: &sqlx::postgres::PgTypeInfo) -> bool {
                <&str as sqlx::Type<sqlx::Postgres>>::compatible(ty)
            }
        }

        #[cfg(feature = "sqlx")]
        impl sqlx::Encode<'_, sqlx::Postgres> for $name {
            fn encode_by_ref(
                &self,
                buf: &mut sqlx::postgres::PgArgumentBuffer,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <&str as sqlx::Encode<sqlx::Postgres>>::encode(self.as_str(), buf)
            }
        }

        #[cfg(feature = "sqlx")]
        impl<'r> sqlx::Decode<'r, sqlx::Postgres> for $name {
            fn decode(value: sqlx::postgres::PgValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
                let text = <&str as sqlx::Decode<sqlx::Postgres>>::decode(value)?;
                Self::parse(text).ok_or_else(|| format!("not a {}: {text:?}", stringify!($name)).into())
            }
        }
    };
}
pub(crate) use text_enum;

text_enum! {
    /// A background job's progress (area scans, data exports).
    pub enum JobStatus { Queued = "queued", Running = "running", Done = "done", Failed = "failed" }
}

impl JobStatus {
    /// Still to finish: the page keeps polling.
    pub fn in_progress(self) -> bool {
        matches!(self, Self::Queued | Self::Running)
    }
}

text_enum! {
    /// An outbox message's delivery.
    pub enum DeliveryStatus {
        Pending = "pending", Sending = "sending", Sent = "sent", Failed = "failed", Cancelled = "cancelled",
    }
}

text_enum! {
    /// A support ticket.
    pub enum TicketStatus { Open = "open", Answered = "answered", Closed = "closed" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_value_reads_back_from_its_text_and_nothing_else_does() {
        for status in JobStatus::ALL {
            assert_eq!(JobStatus::parse(status.as_str()), Some(*status));
        }
        assert_eq!(JobStatus::parse("Done"), None);
        assert_eq!(DeliveryStatus::parse("sent "), Some(DeliveryStatus::Sent));
        assert!(JobStatus::Running.in_progress() && !JobStatus::Failed.in_progress());
    }
}
