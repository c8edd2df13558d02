//! Account rules: the validated inputs of sign-up, login and profile changes.

mod email;
mod error;
mod password;
mod profile;
mod timezone;

pub use email::Email;
pub use error::AccountError;
pub use password::NewPassword;
pub use profile::{DisplayName, Language, Product};
pub use timezone::TimeZoneName;
