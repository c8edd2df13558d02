//! Finding a place to scan from what she types: a ZIP code, a city or a street address
//! (the words are read by `domain::fishmouth::place`). The stored homes answer first: an
//! address they hold, the middle of a ZIP code's or a city's homes. An address they do not
//! hold goes to the configured geocoder (the US Census Bureau's, keyless), when there is one.

use domain::fishmouth::place::Located;
use leptos::{prelude::*, server_fn::codec::GetUrl};
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// At most this many places are offered when a search matches several.
pub const MAX_PLACES: usize = 5;

/// What a search found: one place, or a few to choose from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FoundPlaces {
    pub places: Vec<Located>,
    /// The radius the words gave ("within 2 miles of …"), if any.
    pub radius_miles: Option<f64>,
    /// Who found them: "your property data" or "the US Census Bureau geocoder".
    pub source: String,
}

#[server(prefix = "/api/pro", endpoint = "find-place", input = GetUrl)]
pub async fn find_place(place: String) -> Result<FoundPlaces, AppError> {
    let user = crate::auth::guards::Contractor::get().await?.user;
    let services = crate::platform::services()?;
    let fishmouth = super::ssr::fishmouth()?;
    ssr::find(&services.pool, fishmouth.geocoder.as_deref(), user.id, &place).await
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use std::{future::Future, pin::Pin, time::Duration};

    use domain::fishmouth::{
        geo::Point,
        place::{Located, Place, merge_close, parse_search},
        property::address_key,
    };
    use serde::Deserialize;
    use sqlx::PgPool;
    use uuid::Uuid;

    use super::super::properties;
    use super::{FoundPlaces, MAX_PLACES};
    use crate::error::AppError;

    /// The geocoder could not answer (down, slow, or an answer we cannot read).
    #[derive(Debug, thiserror::Error)]
    #[error("the geocoder is unavailable: {0}")]
    pub struct Unavailable(pub String);

    pub type GeocodeFuture<'a> = Pin<Box<dyn Future<Output = Result<Vec<Located>, Unavailable>> + Send + 'a>>;

    /// Turns a street address into the places it may be (none, one, or several).
    pub trait Geocoder: Send + Sync {
        /// Who answers, as the scan form says it.
        fn name(&self) -> &'static str;
        fn locate<'a>(&'a self, address: &'a str) -> GeocodeFuture<'a>;
    }

    /// The US Census Bureau's one-line address geocoder:
    /// `GET /geocoder/locations/onelineaddress?address=…&benchmark=Public_AR_Current&format=json`,
    /// answering `result.addressMatches[]` with `matchedAddress` and `coordinates` (x is the
    /// longitude, y the latitude). Keyless; US addresses only.
    pub struct CensusGeocoder {
        pub http: reqwest::Client,
        pub base: String,
        /// A search waits at most this long: she is looking at the form.
        pub timeout: Duration,
    }

    #[derive(Deserialize)]
    struct CensusAnswer {
        result: CensusResult,
    }

    #[derive(Deserialize)]
    struct CensusResult {
        #[serde(rename = "addressMatches")]
        address_matches: Vec<CensusMatch>,
    }

    #[derive(Deserialize)]
    struct CensusMatch {
        #[serde(rename = "matchedAddress")]
        matched_address: String,
        coordinates: CensusCoordinates,
    }

    #[derive(Deserialize)]
    struct CensusCoordinates {
        x: f64,
        y: f64,
    }

    impl Geocoder for CensusGeocoder {
        fn name(&self) -> &'static str {
            "the US Census Bureau geocoder"
        }

        fn locate<'a>(&'a self, address: &'a str) -> GeocodeFuture<'a> {
            Box::pin(async move {
                let response = self
                    .http
                    .get(format!("{}/geocoder/locations/onelineaddress", self.base))
                    .query(&[
                        ("address", address),
                        ("benchmark", "Public_AR_Current"),
                        ("format", "json"),
                    ])
                    .timeout(self.timeout)
                    .send()
                    .await
                    .map_err(|e| Unavailable(e.to_string()))?;
                let status = response.status();
                // It answers 400 to an address it cannot read at all: no such place.
                if status.is_client_error() {
                    return Ok(Vec::new());
                }
                if !status.is_success() {
                    return Err(Unavailable(format!("it answered {status}")));
                }
                let answer: CensusAnswer = response
                    .json()
                    .await
                    .map_err(|e| Unavailable(format!("an unreadable answer: {e}")))?;
                Ok(answer
                    .result
                    .address_matches
                    .into_iter()
                    .map(|m| Located {
                        label: m.matched_address,
                        point: Point {
                            lat: m.coordinates.y,
                            lon: m.coordinates.x,
                        },
                    })
                    .filter(|m| {
                        m.point.lat.is_finite()
                            && m.point.lon.is_finite()
                            && (-90.0..=90.0).contains(&m.point.lat)
                            && (-180.0..=180.0).contains(&m.point.lon)
                    })
                    .collect())
            })
        }
    }

    const STORED: &str = "your property data";

    /// The places `text` names among the homes `viewer` may scan (the shared data and her own
    /// list), or a field error on `place` saying why there are none.
    pub async fn find(
        pool: &PgPool,
        geocoder: Option<&dyn Geocoder>,
        viewer: Uuid,
        text: &str,
    ) -> Result<FoundPlaces, AppError> {
        let search = parse_search(text).map_err(|e| AppError::field("place", e.to_string()))?;
        let (places, source) = match &search.place {
            Place::Zip(zip) => (
                properties::zip_centre(pool, zip, viewer).await?.into_iter().collect(),
                STORED,
            ),
            Place::City(city) => (
                properties::city_centre(pool, city, viewer).await?.into_iter().collect(),
                STORED,
            ),
            Place::Address(address) => {
                let stored = properties::addresses(pool, &address_key(address), viewer, 20).await?;
                match geocoder {
                    Some(geocoder) if stored.is_empty() => {
                        // The outside geocoder is shared by everyone here: a fair share each.
                        crate::platform::rate_limit::hit(
                            pool,
                            &format!("geocode:{viewer}"),
                            crate::platform::rate_limit::Limit::per_hour(300),
                        )
                        .await?;
                        let found = geocoder.locate(address).await.map_err(|e| {
                            tracing::warn!(error = %e, "geocoder");
                            AppError::field(
                                "place",
                                "The address lookup is not answering just now: try a ZIP code or a city, or type the latitude and longitude.",
                            )
                        })?;
                        (found, geocoder.name())
                    }
                    _ => (stored, STORED),
                }
            }
        };
        let places: Vec<Located> = merge_close(places).into_iter().take(MAX_PLACES).collect();
        if places.is_empty() {
            return Err(AppError::field("place", not_found(&search.place, geocoder.is_some())));
        }
        Ok(FoundPlaces {
            places,
            radius_miles: search.radius_miles,
            source: source.to_owned(),
        })
    }

    fn not_found(place: &Place, geocoder: bool) -> String {
        match place {
            Place::Zip(zip) => format!("No homes in your property data have the ZIP code {zip}."),
            Place::City(city) => {
                format!("No homes in your property data are in \"{city}\": check the spelling, or try a ZIP code.")
            }
            Place::Address(address) if geocoder => {
                format!("No address found for \"{address}\": check the street and city, or try a ZIP code.")
            }
            Place::Address(address) => format!(
                "\"{address}\" is not in your property data: add the city (\"1200 Main St, Dallas\"), or try a ZIP code."
            ),
        }
    }
}
