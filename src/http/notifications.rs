//! Notification routes (to be written).

use axum::Router;

use super::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
}
