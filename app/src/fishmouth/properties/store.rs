//! Property data's queries: homes and hail in (sample and imports) and back out for a scan
//! or a lead.

use domain::fishmouth::{
    geo::{BoundingBox, Point},
    place::Located,
    property::{HailReport, Property, RoofCondition, RoofMaterial, address_key},
};
use sqlx::{PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

/// Inserts homes; a parcel already present is updated from the newer record. `owner`: a
/// contractor's own list (only her scans see it); None: the shared data.
pub async fn insert_properties(
    tx: &mut sqlx::PgConnection,
    rows: &[Property],
    source: &str,
    owner: Option<Uuid>,
) -> Result<(), sqlx::Error> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut query: QueryBuilder<Postgres> = QueryBuilder::new(
        "INSERT INTO properties (parcel_id, address, lat, lon, year_built, roof_permit_year, roof_material,
         roof_condition, building_sqft, assessed_value, owner_name, phone, email, timezone, source, owner_id) ",
    );
    query.push_values(rows, |mut row, p| {
        row.push_bind(&p.parcel_id)
            .push_bind(&p.address)
            .push_bind(p.lat)
            .push_bind(p.lon)
            .push_bind(p.year_built)
            .push_bind(p.roof_permit_year)
            .push_bind(p.roof_material.map(RoofMaterial::code))
            .push_bind(p.condition.map(RoofCondition::code))
            .push_bind(p.building_sqft)
            .push_bind(p.assessed_value)
            .push_bind(&p.owner_name)
            .push_bind(&p.phone)
            .push_bind(&p.email)
            .push_bind(&p.timezone)
            .push_bind(source)
            .push_bind(owner);
    });
    query.push(
        " ON CONFLICT (owner_id, parcel_id) DO UPDATE SET address = EXCLUDED.address, lat = EXCLUDED.lat, lon = EXCLUDED.lon,
          year_built = EXCLUDED.year_built, roof_permit_year = EXCLUDED.roof_permit_year,
          roof_material = EXCLUDED.roof_material, roof_condition = EXCLUDED.roof_condition,
          building_sqft = EXCLUDED.building_sqft, assessed_value = EXCLUDED.assessed_value,
          owner_name = EXCLUDED.owner_name, phone = EXCLUDED.phone, email = EXCLUDED.email,
          timezone = EXCLUDED.timezone, source = EXCLUDED.source",
    );
    query.build().execute(&mut *tx).await?;
    Ok(())
}

pub async fn insert_hail(tx: &mut sqlx::PgConnection, rows: &[HailReport], source: &str) -> Result<(), sqlx::Error> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut query: QueryBuilder<Postgres> =
        QueryBuilder::new("INSERT INTO storm_events (event_type, magnitude_in, lat, lon, event_date, source) ");
    query.push_values(rows, |mut row, h| {
        row.push_bind("Hail")
            .push_bind(h.size_in)
            .push_bind(h.lat)
            .push_bind(h.lon)
            .push_bind(h.date)
            .push_bind(source);
    });
    // A report already stored (the same file imported again) is kept once.
    query.push(" ON CONFLICT (event_date, lat, lon, magnitude_in) DO NOTHING");
    query.build().execute(&mut *tx).await?;
    Ok(())
}

/// One home as stored: its row id and the domain record.
pub struct StoredProperty {
    pub id: i64,
    pub property: Property,
    /// Generated for trying the product, not a real home.
    pub sample: bool,
    /// From the viewing contractor's own list.
    pub own: bool,
}

/// A `properties` row as the two reads below select it.
struct PropertyRow {
    id: i64,
    parcel_id: String,
    address: String,
    lat: f64,
    lon: f64,
    year_built: Option<i32>,
    roof_permit_year: Option<i32>,
    roof_material: Option<String>,
    roof_condition: Option<String>,
    building_sqft: Option<i32>,
    assessed_value: Option<i64>,
    owner_name: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    timezone: String,
    sample: bool,
    own: bool,
}

fn stored(row: PropertyRow) -> StoredProperty {
    StoredProperty {
        id: row.id,
        sample: row.sample,
        own: row.own,
        property: Property {
            parcel_id: row.parcel_id,
            address: row.address,
            lat: row.lat,
            lon: row.lon,
            year_built: row.year_built,
            roof_permit_year: row.roof_permit_year,
            roof_material: row.roof_material.as_deref().and_then(RoofMaterial::parse),
            condition: row.roof_condition.as_deref().and_then(RoofCondition::parse),
            building_sqft: row.building_sqft,
            assessed_value: row.assessed_value,
            owner_name: row.owner_name,
            phone: row.phone,
            email: row.email,
            timezone: row.timezone,
        },
    }
}

/// Suppresses a phone, email or address (as `property::suppression` reads it): no home with
/// it is offered in a scan again. False when it already was.
pub async fn suppress(pool: &PgPool, kind: &str, value: &str, reason: &str) -> Result<bool, sqlx::Error> {
    let added = sqlx::query!(
        "INSERT INTO fm_suppressions (kind, value, reason) VALUES ($1, $2, $3) ON CONFLICT (kind, value) DO NOTHING",
        kind,
        value,
        reason,
    )
    .execute(pool)
    .await?;
    Ok(added.rows_affected() == 1)
}

/// The homes in the box that `viewer` may be sold as leads: the shared data and her own list
/// (where both hold an address, hers wins). A home whose phone, email or address is
/// suppressed (its owner asked not to be contacted) is left out, whichever import brought it.
pub async fn properties_in(
    pool: &PgPool,
    bbox: &BoundingBox,
    viewer: Uuid,
) -> Result<Vec<StoredProperty>, sqlx::Error> {
    let rows = sqlx::query_as!(
        PropertyRow,
        r#"SELECT id, parcel_id, address, lat, lon, year_built, roof_permit_year, roof_material, roof_condition,
                  building_sqft, assessed_value, owner_name, phone, email, timezone, source = 'sample' AS "sample!",
                  owner_id IS NOT NULL AS "own!"
           FROM properties
           WHERE lat BETWEEN $1 AND $2 AND lon BETWEEN $3 AND $4 AND (owner_id IS NULL OR owner_id = $5)"#,
        bbox.min_lat,
        bbox.max_lat,
        bbox.min_lon,
        bbox.max_lon,
        viewer,
    )
    .fetch_all(pool)
    .await?;
    let own_addresses: std::collections::HashSet<String> =
        rows.iter().filter(|r| r.own).map(|r| address_key(&r.address)).collect();
    let homes: Vec<StoredProperty> = rows
        .into_iter()
        .filter(|r| r.own || !own_addresses.contains(&address_key(&r.address)))
        .map(stored)
        .collect();
    // What suppression matches a home by: its phone, email and address.
    let keys: Vec<[(&str, Option<String>); 3]> = homes
        .iter()
        .map(|home| {
            let p = &home.property;
            [
                ("phone", p.phone.clone()),
                ("email", p.email.as_deref().map(str::to_lowercase)),
                ("address", Some(address_key(&p.address))),
            ]
        })
        .collect();
    let values = |kind: &str| -> Vec<String> {
        keys.iter()
            .flatten()
            .filter(|(k, _)| *k == kind)
            .filter_map(|(_, v)| v.clone())
            .collect()
    };
    let suppressed: std::collections::HashSet<(String, String)> = sqlx::query!(
        r#"SELECT kind AS "kind!", value AS "value!" FROM fm_suppressions
           WHERE (kind = 'phone' AND value = ANY($1)) OR (kind = 'email' AND value = ANY($2))
              OR (kind = 'address' AND value = ANY($3))"#,
        &values("phone"),
        &values("email"),
        &values("address"),
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| (r.kind, r.value))
    .collect();
    Ok(homes
        .into_iter()
        .zip(keys)
        .filter(|(_, keys)| {
            !keys.iter().any(|(kind, value)| {
                value
                    .as_ref()
                    .is_some_and(|v| suppressed.contains(&((*kind).to_owned(), v.clone())))
            })
        })
        .map(|(home, _)| home)
        .collect())
}

pub async fn property(pool: &PgPool, id: i64) -> Result<Option<StoredProperty>, sqlx::Error> {
    let row = sqlx::query_as!(
        PropertyRow,
        r#"SELECT id, parcel_id, address, lat, lon, year_built, roof_permit_year, roof_material, roof_condition,
                  building_sqft, assessed_value, owner_name, phone, email, timezone, source = 'sample' AS "sample!",
                  owner_id IS NOT NULL AS "own!"
           FROM properties WHERE id = $1"#,
        id,
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(stored))
}

/// Hail reports inside `bbox` grown by `margin_deg`, on or after `since`.
pub async fn hail_in(
    pool: &PgPool,
    bbox: &BoundingBox,
    margin_deg: f64,
    since: time::Date,
) -> Result<Vec<HailReport>, sqlx::Error> {
    sqlx::query_as!(
        HailReport,
        r#"SELECT lat, lon, magnitude_in AS size_in, event_date AS date FROM storm_events
           WHERE event_type = 'Hail' AND event_date >= $5
             AND lat BETWEEN $1 AND $2 AND lon BETWEEN $3 AND $4"#,
        bbox.min_lat - margin_deg,
        bbox.max_lat + margin_deg,
        bbox.min_lon - margin_deg,
        bbox.max_lon + margin_deg,
        since,
    )
    .fetch_all(pool)
    .await
}

/// Homes `viewer` may scan whose address starts with `key` (an [`address_key`]).
pub async fn addresses(pool: &PgPool, key: &str, viewer: Uuid, limit: i64) -> Result<Vec<Located>, sqlx::Error> {
    // The key holds only letters, digits and spaces: nothing LIKE would read as a wildcard.
    let rows = sqlx::query!(
        "SELECT address, lat, lon FROM properties
         WHERE address_key LIKE $1 AND (owner_id IS NULL OR owner_id = $2) ORDER BY address_key, id LIMIT $3",
        format!("{key}%"),
        viewer,
        limit,
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Located {
            label: r.address,
            point: Point { lat: r.lat, lon: r.lon },
        })
        .collect())
}

/// The middle of the homes `viewer` may scan with this ZIP code, if any.
pub async fn zip_centre(pool: &PgPool, zip: &str, viewer: Uuid) -> Result<Option<Located>, sqlx::Error> {
    let row = sqlx::query!(
        "SELECT avg(lat) AS lat, avg(lon) AS lon FROM properties WHERE zip = $1 AND (owner_id IS NULL OR owner_id = $2)",
        zip,
        viewer,
    )
    .fetch_one(pool)
    .await?;
    Ok(centre(format!("ZIP {zip}"), row.lat, row.lon))
}

/// The middle of the homes `viewer` may scan in this city (matched without case), if any.
pub async fn city_centre(pool: &PgPool, city: &str, viewer: Uuid) -> Result<Option<Located>, sqlx::Error> {
    let row = sqlx::query!(
        "SELECT avg(lat) AS lat, avg(lon) AS lon FROM properties WHERE city = lower($1) AND (owner_id IS NULL OR owner_id = $2)",
        city,
        viewer,
    )
    .fetch_one(pool)
    .await?;
    Ok(centre(city.to_owned(), row.lat, row.lon))
}

fn centre(label: String, lat: Option<f64>, lon: Option<f64>) -> Option<Located> {
    Some(Located {
        label,
        point: Point { lat: lat?, lon: lon? },
    })
}

/// Whether any of the data is the generated sample (the UI says so).
pub async fn has_sample(pool: &PgPool) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT EXISTS (SELECT 1 FROM properties WHERE source = 'sample') AS "exists!""#)
        .fetch_one(pool)
        .await
}

/// Takes the sample loader's turn (two instances starting together: one loads, the other
/// finds it done) and says whether any homes are stored yet.
pub async fn lock_for_sample(tx: &mut sqlx::PgConnection) -> Result<bool, sqlx::Error> {
    sqlx::query!("SELECT pg_advisory_xact_lock(20261126)")
        .execute(&mut *tx)
        .await?;
    sqlx::query_scalar!(r#"SELECT EXISTS (SELECT 1 FROM properties) AS "exists!""#)
        .fetch_one(tx)
        .await
}
