//! The 24/7 watch: PayHub's business metrics at `/metrics` count what happened, and the alert
//! rules (`ops/prometheus/alerts.yml`) and the dashboard (`ops/grafana/payhub.json`) parse and
//! use only metrics PayHub exports (with `promtool check rules` too where it is installed).

use std::collections::BTreeSet;
use std::path::Path;

use bank_adapters::simulator::{ApiFault, ApiOp};
use serde_json::Value;

use crate::daily_report::{paid, play};
use crate::helpers::{order_body, Backend, TestApp, AGENCY};
use crate::on_both_backends;
use crate::reconciliation::app_with_banks;

on_both_backends!(business_metrics_count_payments_failures_and_backlogs);

async fn metrics(app: &TestApp) -> String {
    app.client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// The value of the series `series` (name and labels exactly as exported).
fn value(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

async fn business_metrics_count_payments_failures_and_backlogs(backend: Backend) {
    let app = app_with_banks(backend).await;
    let id = play(&app, AGENCY, "000.00.12.H29-1", "vcb", "approve").await;
    paid(&app, &id).await;
    // A citizen sent to VNPAY who has not come back: a pending attempt.
    let waiting: Value = app
        .create_order("w", &order_body("000.00.12.H29-2"))
        .await
        .json()
        .await
        .unwrap();
    let chosen = app
        .client
        .post(app.url(&format!("/checkout/{}", waiting["id"].as_str().unwrap())))
        .form(&[("bank", "vnpay")])
        .send()
        .await
        .unwrap();
    assert_eq!(chosen.status(), 303);
    app.banks
        .as_ref()
        .unwrap()
        .bidv
        .set_api_fault(ApiOp::StartPayment, ApiFault::ServerError);
    let failing: Value = app
        .create_order("f", &order_body("000.00.12.H29-3"))
        .await
        .json()
        .await
        .unwrap();
    let refused = app
        .client
        .post(app.url(&format!("/checkout/{}", failing["id"].as_str().unwrap())))
        .form(&[("bank", "bidv")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 502);

    let text = metrics(&app).await;
    assert_eq!(
        value(&text, "payhub_payments_total{bank=\"vcb\"}"),
        Some(1.0),
        "{text}"
    );
    let start = |bank: &str, outcome: &str| {
        value(
            &text,
            &format!(
                "payhub_bank_calls_total{{bank=\"{bank}\",call=\"start\",outcome=\"{outcome}\"}}"
            ),
        )
    };
    assert_eq!(start("vcb", "ok"), Some(1.0));
    assert_eq!(start("bidv", "failed"), Some(1.0));
    assert_eq!(
        value(&text, "payhub_callback_delay_seconds_count{bank=\"vcb\"}"),
        Some(1.0)
    );
    assert_eq!(
        value(&text, "payhub_pending_attempts{bank=\"vnpay\"}"),
        Some(1.0)
    );
    assert!(value(
        &text,
        "payhub_pending_attempts_oldest_seconds{bank=\"vnpay\"}"
    )
    .is_some());
    // The payment's notification waits: nothing listens at the agency's notify_url.
    assert_eq!(
        value(&text, "payhub_outbox_backlog{destination=\"webhook\"}"),
        Some(1.0)
    );
    assert_eq!(value(&text, "payhub_open_discrepancies"), Some(0.0));

    let exported: BTreeSet<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.split(' ').next())
        .map(str::to_owned)
        .collect();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rules = std::fs::read_to_string(root.join("ops/prometheus/alerts.yml")).unwrap();
    let rules: serde_yaml::Value = serde_yaml::from_str(&rules).expect("alerts.yml is YAML");
    let mut exprs = Vec::new();
    for group in rules["groups"].as_sequence().expect("groups") {
        for rule in group["rules"].as_sequence().expect("rules") {
            assert!(
                rule["alert"].as_str().is_some_and(|a| !a.is_empty()),
                "{rule:?}"
            );
            assert!(rule["labels"]["severity"].as_str().is_some(), "{rule:?}");
            assert!(
                rule["annotations"]["summary"].as_str().is_some(),
                "{rule:?}"
            );
            exprs.push(rule["expr"].as_str().expect("an expr").to_owned());
        }
    }
    let dashboard = std::fs::read_to_string(root.join("ops/grafana/payhub.json")).unwrap();
    let dashboard: Value = serde_json::from_str(&dashboard).expect("payhub.json is JSON");
    for panel in dashboard["panels"].as_array().expect("panels") {
        for target in panel["targets"].as_array().expect("targets") {
            exprs.push(target["expr"].as_str().expect("an expr").to_owned());
        }
    }
    assert!(exprs.len() > 10);
    for expr in &exprs {
        let used = metric_names(expr);
        assert!(!used.is_empty(), "{expr}");
        for name in used {
            assert!(
                exported.contains(&name),
                "{name} (in {expr}) is not exported: {exported:?}"
            );
        }
    }
    promtool_check(&root.join("ops/prometheus/alerts.yml"));
}

/// The PayHub metric families an expression reads (a histogram's `_bucket` is its family).
fn metric_names(expr: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for (at, _) in expr.match_indices("payhub_") {
        let name: String = expr[at..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| name.strip_suffix(s).filter(|f| f.ends_with("_seconds")))
            .unwrap_or(&name);
        names.insert(family.to_owned());
    }
    names
}

/// `promtool check rules`, when Prometheus's tool is on the machine.
fn promtool_check(rules: &Path) {
    match std::process::Command::new("promtool")
        .arg("check")
        .arg("rules")
        .arg(rules)
        .output()
    {
        Ok(out) => assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        ),
        Err(_) => eprintln!("promtool is not installed: alerts.yml checked as YAML only"),
    }
}
