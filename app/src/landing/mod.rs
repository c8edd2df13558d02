//! The public landing page at `/`: introduces both products.

mod due_date_teaser;
mod page;

pub use page::LandingPage;
