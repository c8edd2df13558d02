//! `GET /pro/leads.csv`: her filtered leads as a CSV file, every page at once.

use crate::fishmouth::{LeadFilter, store};

/// `GET /pro/leads.csv?…`: the filtered leads as CSV, every page.
pub async fn export_csv(
    axum::extract::State(services): axum::extract::State<crate::platform::Services>,
    crate::auth::guards::Contractor { user, .. }: crate::auth::guards::Contractor,
    axum::extract::Query(filter): axum::extract::Query<LeadFilter>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    // One JSON object a lead; the file lists its columns alphabetically.
    let records = match store::lead_records(&services.pool, user.id, &filter).await {
        Ok(records) => records,
        Err(e) => return e.into_response(),
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
        crate::platform::csv::to_csv(&records),
    )
        .into_response()
}
