//! The landing page at `/`, for people who arrive at PayHub's address: what it is, where a
//! citizen pays (from the portal's dossier), and the links for integrators and finance staff.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use minijinja::context;

use super::pages::page;
use crate::app::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(landing))
}

async fn landing(State(app): State<AppState>) -> Response {
    page(
        StatusCode::OK,
        "landing.html",
        context! { support => super::journey::support(&app) },
    )
}
