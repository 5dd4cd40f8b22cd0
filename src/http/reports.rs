//! Reconciliation API and pages for finance staff (to be written).

use axum::Router;

use super::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
}
