//! Server-rendered pages: templates compiled into the binary, rendered with minijinja
//! (auto-escaping on, so names typed by citizens cannot inject markup).

use std::sync::OnceLock;

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use minijinja::Environment;
use serde::Serialize;

fn templates() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        for (name, source) in [
            ("base.html", include_str!("../../templates/base.html")),
            (
                "checkout.html",
                include_str!("../../templates/checkout.html"),
            ),
            ("result.html", include_str!("../../templates/result.html")),
            ("vietqr.html", include_str!("../../templates/vietqr.html")),
            ("receipt.html", include_str!("../../templates/receipt.html")),
            ("message.html", include_str!("../../templates/message.html")),
            ("landing.html", include_str!("../../templates/landing.html")),
            (
                "reports_layout.html",
                include_str!("../../templates/reports_layout.html"),
            ),
            (
                "reports_sign_in.html",
                include_str!("../../templates/reports_sign_in.html"),
            ),
            (
                "reports_runs.html",
                include_str!("../../templates/reports_runs.html"),
            ),
            (
                "reports_run.html",
                include_str!("../../templates/reports_run.html"),
            ),
            (
                "reports_daily.html",
                include_str!("../../templates/reports_daily.html"),
            ),
            (
                "reports_incidents.html",
                include_str!("../../templates/reports_incidents.html"),
            ),
            (
                "reports_search.html",
                include_str!("../../templates/reports_search.html"),
            ),
            (
                "reports_order.html",
                include_str!("../../templates/reports_order.html"),
            ),
            (
                "reports_open_items.html",
                include_str!("../../templates/reports_open_items.html"),
            ),
            (
                "reports_settlement.html",
                include_str!("../../templates/reports_settlement.html"),
            ),
        ] {
            env.add_template(name, source).expect("templates compile");
        }
        env
    })
}

/// Renders `name` with `context` as a `status` page.
pub fn page(status: StatusCode, name: &str, context: impl Serialize) -> Response {
    match templates()
        .get_template(name)
        .and_then(|t| t.render(context))
    {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, template = name, "page failed to render");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Html("Lỗi hệ thống".to_owned()),
            )
                .into_response()
        }
    }
}

/// A page that tells the citizen what went wrong, in Vietnamese.
pub fn message(status: StatusCode, title: &str, message: &str, back: Option<&str>) -> Response {
    page(
        status,
        "message.html",
        minijinja::context! { title, message, back },
    )
}
