//! The finance staff's pages under `/reports` (api.md, "Pages for people: `GET /reports`"):
//! Vietnamese, server-rendered, no JavaScript, no external assets.
//!
//! # Page flow, and the stable ids to drive it with (e.g. from a browser over WebDriver)
//! 1. `GET /reports` (any page) without a session: `303` to `/reports/sign-in`.
//! 2. `GET /reports/sign-in`: form `#sign-in-form` with the key field `#api-key` and the button
//!    `#sign-in`; it sets a short-lived `payhub_sign_in` cookie that the form's hidden `csrf`
//!    field must match. `POST /reports/sign-in` with a `finance` or `admin` key: `303` to
//!    `/reports` and an HttpOnly, SameSite=Strict `payhub_reports` cookie (Secure when
//!    `public_url` is https) holding a random session id, stored hashed in `report_sessions`
//!    with its key, CSRF token and an 8-hour expiry. A wrong or revoked key: `401` with the
//!    form again and `#sign-in-error`; a portal key: `403`, the same.
//! 3. `GET /reports?bank=&date=`: every page has `#nav-runs` (back to this list) and the
//!    sign-out button `#sign-out`. The filter form has `#filter-bank`, `#filter-date` and
//!    `#apply-filters`. Table `#runs`, newest day first, one row `#run-<id>` per run with its
//!    status `#run-status-<id>` (`running` / `succeeded` / `failed` in `data-status`), whether it
//!    is its day's current result (`data-current`), and the link `#open-run-<id>`.
//! 4. `GET /reports/runs/<id>?class=&agency=&resolved=`: the run `#run-summary`; tables
//!    `#summary-by-class` (rows `#class-<class>`, all eight classes) and `#summary-by-agency`;
//!    the downloads `#download-csv` and `#download-xlsx`; the filter form with `#filter-class`,
//!    `#filter-agency`, `#filter-resolved` and `#apply-filters`; the table `#discrepancies`
//!    with rows `#discrepancy-<id>` (`data-class`, `data-resolved`). Each unresolved row holds
//!    a form with the textarea `#resolve-note-<id>` and the button `#resolve-<id>` (finance
//!    only; admin reads). `POST /reports/discrepancies/<id>/resolve` writes the same audit
//!    entry as the API's resolve and answers `303` back to the run page.
//! 5. `POST /reports/sign-out` (`#sign-out`): ends the session in the database; `303` to the
//!    sign-in page. Revoking the session's key ends it too, at the next request.
//!
//! 6. `/reports/daily` and `/reports/incidents`: the daily operations report and today's bank
//!    incidents (their ids are listed in `daily.rs`).
//! 7. Every page's nav has the search box `#search-q` and `#search-go` (`GET /reports/search?q=`,
//!    results `#search-results` with links `#open-order-<id>`; one order found by an id opens
//!    it), `#nav-open-items` and `#nav-settlement`. The run page shows `#money-totals` first
//!    (`#bank-credited`, `#payhub-recorded`, `#money-difference`, `#no-money-moved`), and each
//!    discrepancy links to its order (`#order-link-<id>`); an unresolved duplicate or wrong
//!    payment has a refund request form (`#refund-reason-<id>`, `#refund-from-<id>`) that opens
//!    the order page with the request awaiting another officer.
//! 8. `GET /reports/orders/<id>`: `#order-summary`, `#order-items`, `#order-timeline`; the
//!    refund request form `#refund-request-form` (`#refund-payment`, `#refund-discrepancy`,
//!    `#refund-amount`, `#refund-reason`, `#request-refund`); the requests `#refund-requests`
//!    with rows `#refund-request-<id>` (`data-status`) and, for another officer, the buttons
//!    `#approve-refund-<id>` and `#reject-refund-<id>`; a late payment's `#late-note` and
//!    `#handle-late`.
//! 9. `GET /reports/open-items?bank=&agency=&class=`: `#open-items`, rows `.open-item`.
//! 10. `GET /reports/settlement?from=&to=&agency=` (the last seven days by default): the chart
//!     `#money-chart` (one `rect.bar` per day, `data-date`, `data-amount`), `#settlement`
//!     (rows `.settlement-agency`, `.settlement-account`, `.settlement-day`) and the download
//!     `#download-settlement-xlsx`.
//!
//! Every state-changing form carries the session's CSRF token in a hidden `csrf` field; a POST
//! without it or with another one is refused with `403` and changes nothing.

use axum::routing::{get, post};
use axum::Router;

use crate::app::AppState;

mod actions;
mod chart;
mod daily;
mod open_items;
mod order;
mod refund;
mod run;
mod runs;
mod search;
mod session;
mod settlement;
mod views;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/reports", get(runs::show_runs))
        .route(
            "/reports/sign-in",
            get(session::show_sign_in).post(session::sign_in),
        )
        .route("/reports/sign-out", post(session::sign_out))
        .route("/reports/runs/{id}", get(run::show_run))
        .route("/reports/runs/{id}/report.csv", get(actions::download_csv))
        .route(
            "/reports/runs/{id}/report.xlsx",
            get(actions::download_xlsx),
        )
        .route(
            "/reports/discrepancies/{id}/resolve",
            post(actions::resolve),
        )
        // The daily operations report and bank incidents (daily.rs).
        .route("/reports/daily", get(daily::show_daily))
        .route("/reports/daily/{file}", get(daily::download_daily))
        .route("/reports/incidents", get(daily::show_incidents))
        // Issue 14: search, an order's story, two-person refunds, the open items.
        .route("/reports/search", get(search::show_search))
        .route("/reports/orders/{id}", get(order::show_order))
        .route(
            "/reports/orders/{id}/refund-requests",
            post(refund::request_for_order),
        )
        .route(
            "/reports/orders/{id}/late-payment",
            post(refund::handle_late_payment),
        )
        .route(
            "/reports/discrepancies/{id}/refund-requests",
            post(refund::request_for_discrepancy),
        )
        .route(
            "/reports/refund-requests/{id}/approve",
            post(refund::approve),
        )
        .route("/reports/refund-requests/{id}/reject", post(refund::reject))
        .route("/reports/open-items", get(open_items::show_open_items))
        .route("/reports/settlement", get(settlement::show_settlement))
        .route(
            "/reports/settlement.xlsx",
            get(settlement::download_settlement),
        )
}
