//! The public landing pages: each product's own (at `/` on its host), and the platform's,
//! which links to both.

mod due_date_teaser;
mod page;

pub use page::LandingPage;
