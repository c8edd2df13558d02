mod account;
mod login;
mod recovery;
mod signup;

pub use account::{AccountPage, SessionsPage};
pub use login::LoginPage;
pub use recovery::{ForgotPage, ForgotSentPage, ResetPage};
pub use signup::{CheckEmailPage, SignupPage, VerifyPage};
