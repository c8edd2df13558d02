//! Account rules: the validated inputs of sign-up, login and profile changes.

mod device;
mod email;
mod error;
mod mobile;
mod password;
mod pin;
mod profile;
mod timezone;

pub use device::device_label;
pub use email::Email;
pub use error::AccountError;
pub use mobile::MobileNumber;
pub use password::NewPassword;
pub use pin::Pin;
pub use profile::{DisplayName, Language, Product};
pub use timezone::TimeZoneName;
