//! A stand-in for the dossier systems in the demo: it acknowledges PayHub's notifications and
//! shows the page a citizen returns to, so nothing in the demo points at a host that is not there.

use std::net::SocketAddr;

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Html;
use axum::routing::{get, post};
use axum::Router;
use tokio::net::TcpListener;

/// Serves on a free port of 127.0.0.1 until the process ends; returns its base URL.
pub async fn spawn() -> std::io::Result<String> {
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let url = format!("http://{}", listener.local_addr()?);
    let app = Router::new()
        .route(
            "/notify/{agency}",
            post(|| async { StatusCode::NO_CONTENT }),
        )
        .route("/dossiers/{dossier}", get(dossier_page))
        .route("/legacy/confirm", post(legacy_confirm));
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(url)
}

/// The old platform's dossier system acknowledging a CONFIRM (`payhub demo --cutover`).
async fn legacy_confirm(
    axum::Json(message): axum::Json<serde_json::Value>,
) -> axum::Json<serde_json::Value> {
    axum::Json(super::cutover::confirm_reply(&message, chrono::Utc::now()))
}

async fn dossier_page(Path(dossier): Path<String>) -> Html<String> {
    let dossier: String = dossier
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
        .collect();
    Html(format!(
        "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\">\
         <title>Hồ sơ {dossier}</title></head><body><h1>Cổng Dịch vụ công (mô phỏng)</h1>\
         <p>Hồ sơ <strong>{dossier}</strong>: kết quả thanh toán đã được PayHub gửi về hệ thống \
         một cửa.</p></body></html>"
    ))
}
