//! The one place the app names its products: the brands it presents (each product's, and
//! the platform's own for everything else) and what each product adds to the platform's
//! shared pages and actions. The platform asks here; it never names a product itself.

use domain::account::{Language, Product};
use leptos::prelude::*;

use crate::platform::brand::Brand;

/// Every brand, the platform's last.
pub const ALL: [&Brand; 3] = [&crate::mum::BRAND, &crate::fishmouth::BRAND, &Brand::PLATFORM];

/// The brand of an account's product: its email is sent under that name.
pub fn of_product(product: Product) -> &'static Brand {
    match product {
        Product::SasaMum => &crate::mum::BRAND,
        Product::FishMouth => &crate::fishmouth::BRAND,
    }
}

/// What a page shows when her data is locked on this phone (SasaMum's PIN), and the action
/// that opens it.
pub use crate::mum::{PinPrompt as LockPrompt, Unlock};

/// What a product adds to the header's links for its signed-in users: Fish Mouth's inbox,
/// with its unread count.
pub fn header_links(product: &str) -> impl IntoView + use<> {
    (product == "fishmouth").then(|| view! { <crate::fishmouth::InboxBadge/> })
}

/// The products' sections of the privacy page, after the platform's own. A section bumps
/// `changed` when it deletes something, and the page reads its overview again.
pub fn privacy_sections(lang: Language, changed: RwSignal<usize>) -> impl IntoView {
    view! { <crate::mum::PregnancyRecords lang changed/> }
}

/// She withdrew a consent: the product that asked for it stops what depended on it.
#[cfg(feature = "ssr")]
pub async fn consent_withdrawn(
    tx: &mut sqlx::PgConnection,
    user_id: uuid::Uuid,
    purpose: &str,
) -> Result<(), sqlx::Error> {
    crate::mum::store::consent_withdrawn(tx, user_id, purpose).await
}
