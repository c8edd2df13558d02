//! The brands the app presents: each product's, and the platform's own for everything else.

use domain::account::Product;

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
