//! Property data: the generated sample on first start, CSV imports, and reading homes and
//! hail back for a scan or a lead.

mod store;

use domain::fishmouth::sample;
use sqlx::PgPool;

pub use store::{
    addresses, city_centre, hail_in, has_sample, insert_hail, insert_properties, properties_in, property, suppress,
    zip_centre,
};

/// Rows per INSERT: well under PostgreSQL's 65,535 bind parameters at 15 a row.
const BATCH: usize = 2_000;

/// Loads the generated sample (homes around Dallas–Fort Worth and a year of hail before
/// `today`) when there is no property data yet. Returns how many homes were loaded.
pub async fn load_sample_if_empty(pool: &PgPool, homes: usize, today: time::Date) -> anyhow::Result<usize> {
    if homes == 0 {
        return Ok(0);
    }
    let mut tx = pool.begin().await?;
    if store::lock_for_sample(&mut tx).await? {
        return Ok(0);
    }
    let properties = sample::homes(sample::SAMPLE_SEED, homes);
    for chunk in properties.chunks(BATCH) {
        store::insert_properties(&mut tx, chunk, "sample", None).await?;
    }
    let hail = sample::hail_reports(sample::SAMPLE_SEED, today, 365);
    for chunk in hail.chunks(BATCH) {
        store::insert_hail(&mut tx, chunk, "sample").await?;
    }
    tx.commit().await?;
    Ok(properties.len())
}
