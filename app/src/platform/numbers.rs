//! Phone numbers a product buys for one of its people: searched and ordered through Telnyx's
//! number API (`GET /v2/available_phone_numbers`, `POST /v2/number_orders`), or made up from
//! the fictional 555-01xx range in development, where no provider is set up.
#![cfg(feature = "ssr")]

use std::{future::Future, pin::Pin};

use serde::Deserialize;

/// A number on offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvailableNumber {
    /// E.164: "+15125550123".
    pub phone_number: String,
    /// The town or rate centre it belongs to, when the provider says.
    pub place: Option<String>,
    /// What it costs a month, as the provider writes it ("1.00000 USD").
    pub monthly_cost: Option<String>,
}

/// Where an order stands: the number sends once it is `Active`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderStatus {
    Active,
    Pending,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    pub id: String,
    pub status: OrderStatus,
}

#[derive(Debug, thiserror::Error)]
pub enum NumbersError {
    /// The provider refused this request (the number is gone, the area code has none).
    #[error("{0}")]
    Refused(String),
    /// The provider could not be reached or failed: try again later.
    #[error("the number provider is unavailable: {0}")]
    Unavailable(String),
}

pub type NumbersFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, NumbersError>> + Send + 'a>>;

pub trait PhoneNumbers: Send + Sync {
    /// Up to five local numbers with text messaging in a US area code ("512").
    fn search<'a>(&'a self, area_code: &'a str) -> NumbersFuture<'a, Vec<AvailableNumber>>;
    /// Orders one number found by a search; `reference` names who it is for.
    fn order<'a>(&'a self, phone_number: &'a str, reference: &'a str) -> NumbersFuture<'a, Order>;
    /// Where an earlier order stands now.
    fn order_status<'a>(&'a self, order_id: &'a str) -> NumbersFuture<'a, OrderStatus>;
}

/// Telnyx's number API.
pub struct TelnyxNumbers {
    pub http: reqwest::Client,
    pub api_base: String,
    pub api_key: String,
    /// The messaging profile every ordered number joins, so texts can go from it.
    pub messaging_profile_id: Option<String>,
}

#[derive(Deserialize)]
struct Listed<T> {
    data: T,
}

#[derive(Deserialize)]
struct TelnyxAvailable {
    phone_number: String,
    #[serde(default)]
    region_information: Vec<TelnyxRegion>,
    cost_information: Option<TelnyxCost>,
}

#[derive(Deserialize)]
struct TelnyxRegion {
    region_type: String,
    region_name: String,
}

#[derive(Deserialize)]
struct TelnyxCost {
    monthly_cost: Option<String>,
    currency: Option<String>,
}

#[derive(Deserialize)]
struct TelnyxOrder {
    id: String,
    status: String,
}

fn order_status(status: &str) -> OrderStatus {
    match status {
        "success" => OrderStatus::Active,
        "failure" => OrderStatus::Failed,
        _ => OrderStatus::Pending,
    }
}

impl TelnyxNumbers {
    async fn read<T: serde::de::DeserializeOwned>(response: reqwest::Response) -> Result<T, NumbersError> {
        let status = response.status();
        if status.is_success() {
            return response
                .json::<Listed<T>>()
                .await
                .map(|listed| listed.data)
                .map_err(|e| NumbersError::Unavailable(format!("an unreadable answer: {e}")));
        }
        // Telnyx explains a refusal in errors[0].detail (or title).
        let body: serde_json::Value = response.json().await.unwrap_or_default();
        let detail = body["errors"][0]["detail"]
            .as_str()
            .or_else(|| body["errors"][0]["title"].as_str())
            .unwrap_or("no reason given")
            .chars()
            .take(200)
            .collect::<String>();
        if matches!(status.as_u16(), 400 | 404 | 409 | 422) {
            Err(NumbersError::Refused(detail))
        } else {
            Err(NumbersError::Unavailable(format!("Telnyx answered {status}: {detail}")))
        }
    }
}

impl PhoneNumbers for TelnyxNumbers {
    fn search<'a>(&'a self, area_code: &'a str) -> NumbersFuture<'a, Vec<AvailableNumber>> {
        Box::pin(async move {
            let response = self
                .http
                .get(format!("{}/v2/available_phone_numbers", self.api_base))
                .bearer_auth(&self.api_key)
                .query(&[
                    ("filter[country_code]", "US"),
                    ("filter[national_destination_code]", area_code),
                    ("filter[phone_number_type]", "local"),
                    ("filter[features][]", "sms"),
                    ("filter[limit]", "5"),
                ])
                .send()
                .await
                .map_err(|e| NumbersError::Unavailable(e.to_string()))?;
            let numbers: Vec<TelnyxAvailable> = Self::read(response).await?;
            Ok(numbers
                .into_iter()
                .map(|n| AvailableNumber {
                    place: ["locality", "rate_center", "state"].iter().find_map(|kind| {
                        n.region_information
                            .iter()
                            .find(|r| r.region_type == *kind)
                            .map(|r| r.region_name.clone())
                    }),
                    monthly_cost: n.cost_information.and_then(|c| {
                        c.monthly_cost
                            .map(|cost| format!("{cost} {}", c.currency.unwrap_or_default()).trim().to_owned())
                    }),
                    phone_number: n.phone_number,
                })
                .collect())
        })
    }

    fn order<'a>(&'a self, phone_number: &'a str, reference: &'a str) -> NumbersFuture<'a, Order> {
        Box::pin(async move {
            let mut body = serde_json::json!({
                "phone_numbers": [{ "phone_number": phone_number }],
                "customer_reference": reference,
            });
            if let Some(profile) = &self.messaging_profile_id {
                body["messaging_profile_id"] = profile.as_str().into();
            }
            let response = self
                .http
                .post(format!("{}/v2/number_orders", self.api_base))
                .bearer_auth(&self.api_key)
                .json(&body)
                .send()
                .await
                .map_err(|e| NumbersError::Unavailable(e.to_string()))?;
            let order: TelnyxOrder = Self::read(response).await?;
            Ok(Order {
                status: order_status(&order.status),
                id: order.id,
            })
        })
    }

    fn order_status<'a>(&'a self, order_id: &'a str) -> NumbersFuture<'a, OrderStatus> {
        Box::pin(async move {
            let id: String = order_id
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            let response = self
                .http
                .get(format!("{}/v2/number_orders/{id}", self.api_base))
                .bearer_auth(&self.api_key)
                .send()
                .await
                .map_err(|e| NumbersError::Unavailable(e.to_string()))?;
            let order: TelnyxOrder = Self::read(response).await?;
            Ok(order_status(&order.status))
        })
    }
}

/// Development without Telnyx: numbers from 555-0100 to 555-0199 in the area code asked for,
/// which no real phone has; an order succeeds at once. Texts from them stay in the dev mailbox.
pub struct DevelopmentNumbers;

impl PhoneNumbers for DevelopmentNumbers {
    fn search<'a>(&'a self, area_code: &'a str) -> NumbersFuture<'a, Vec<AvailableNumber>> {
        Box::pin(async move {
            let start = uuid::Uuid::new_v4().as_u128() % 95;
            Ok((start..start + 5)
                .map(|n| AvailableNumber {
                    phone_number: format!("+1{area_code}55501{n:02}"),
                    place: Some("Development".into()),
                    monthly_cost: None,
                })
                .collect())
        })
    }

    fn order<'a>(&'a self, phone_number: &'a str, _reference: &'a str) -> NumbersFuture<'a, Order> {
        Box::pin(async move {
            let fictional = phone_number.len() == 12 && phone_number[5..10] == *"55501";
            if !fictional {
                return Err(NumbersError::Refused("development offers only 555-01xx numbers".into()));
            }
            Ok(Order {
                id: format!("dev-{}", uuid::Uuid::new_v4()),
                status: OrderStatus::Active,
            })
        })
    }

    fn order_status<'a>(&'a self, _order_id: &'a str) -> NumbersFuture<'a, OrderStatus> {
        Box::pin(async { Ok(OrderStatus::Active) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn development_numbers_are_fictional_and_in_the_area_asked_for() {
        let numbers = DevelopmentNumbers.search("512").await.expect("search");
        assert_eq!(numbers.len(), 5);
        for n in &numbers {
            assert!(n.phone_number.starts_with("+151255501"), "{}", n.phone_number);
            assert_eq!(n.phone_number.len(), 12);
            let order = DevelopmentNumbers.order(&n.phone_number, "me").await.expect("order");
            assert_eq!(order.status, OrderStatus::Active);
        }
        // A real number is not development's to give.
        assert!(matches!(
            DevelopmentNumbers.order("+15125551234", "me").await,
            Err(NumbersError::Refused(_))
        ));
    }
}
