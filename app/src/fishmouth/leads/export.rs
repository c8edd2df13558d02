//! `GET /pro/leads.csv`: her filtered leads as a CSV file, every page at once.

use crate::fishmouth::{LeadFilter, store};

/// `GET /pro/leads.csv?…`: the filtered leads as CSV, every page.
pub async fn export_csv(
    axum::extract::State(services): axum::extract::State<crate::platform::Services>,
    crate::auth::guards::Contractor { user }: crate::auth::guards::Contractor,
    axum::extract::Query(filter): axum::extract::Query<LeadFilter>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    use http::StatusCode;
    // One JSON object a lead; the file lists its columns alphabetically.
    let mut query = match store::leads_query(
        user.id,
        &filter,
        "SELECT jsonb_build_object('id', l.id, 'address', p.address, 'owner', p.owner_name, 'phone', p.phone,
                'email', p.email, 'score', l.score, 'stage', l.stage, 'bought', l.bought_at::date, 'parcel_id', p.parcel_id)
         FROM leads l JOIN properties p ON p.id = l.property_id",
    ) {
        Ok(q) => q,
        Err(e) => return (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
    };
    query.push(store::order_by(&filter.sort));
    let Ok(records) = query
        .build_query_scalar::<serde_json::Value>()
        .fetch_all(&services.pool)
        .await
    else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    (
        [
            (http::header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"fishmouth-leads.csv\"",
            ),
            (http::header::CACHE_CONTROL, "no-store"),
        ],
        crate::privacy::export::to_csv(&records),
    )
        .into_response()
}
