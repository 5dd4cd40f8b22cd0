//! What finance staff use beyond a run's report (issue 14), as API for tools and as the pages'
//! operations: search, the open items across runs, an agency's settlement, and refunds that a
//! second officer approves. Finance and admin read; only finance acts.

use axum::Router;

use crate::app::AppState;
use crate::domain::keys::Role;

pub mod open_items;
pub mod refund_requests;
pub mod search;
pub mod settlement;

pub(crate) const READERS: &[Role] = &[Role::Finance, Role::Admin];

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(search::router())
        .merge(refund_requests::router())
        .merge(open_items::router())
        .merge(settlement::router())
}
