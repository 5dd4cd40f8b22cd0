//! Agencies, versioned beneficiary accounts and the audit log, through the admin API.

use chrono::{DateTime, Duration, Utc};
use payhub::config::{VnpayConfig, VnpayTerminal};
use payhub::domain::agency::FeeKind;
use payhub::domain::bank::BankCode;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, spawn_app_with, Backend, TestApp};
use crate::on_both_backends;

on_both_backends!(
    an_agency_is_created_then_updated_and_its_secret_is_shown_once,
    the_account_in_force_follows_successive_settings_and_a_procedure_override,
    invalid_beneficiary_settings_are_refused_naming_every_field,
    a_vnpay_setting_must_name_a_configured_terminal,
    every_admin_change_is_audited_with_before_and_after,
    the_audit_log_cannot_be_rewritten,
);

const AGENCY: &str = "000.00.12.H29";

pub async fn create_agency(app: &TestApp, code: &str) {
    let body = json!({"name": "Sở Xây dựng Hà Nội", "notify_url": "http://localhost:9/notify"});
    let r = app
        .put_json(&format!("/api/v1/agencies/{code}"), &app.admin_key, &body)
        .await;
    assert_eq!(r.status(), 201);
}

fn setting(bank: &str, kind: &str, account: &str, from: DateTime<Utc>) -> Value {
    json!({"bank": bank, "fee_kind": kind, "account_no": account, "account_name": "KBNN HA NOI",
           "bank_bin": if bank == "bidv" { "970418" } else { "970436" },
           "effective_from": from.to_rfc3339(), "backdate": true})
}

async fn add_setting(app: &TestApp, body: Value) -> Value {
    let path = format!("/api/v1/agencies/{AGENCY}/beneficiary-accounts");
    let r = app.post_json(&path, &app.admin_key, &body).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    r.json().await.unwrap()
}

async fn an_agency_is_created_then_updated_and_its_secret_is_shown_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let path = format!("/api/v1/agencies/{AGENCY}");
    let created: Value = {
        let r = app
            .put_json(&path, &app.admin_key, &json!({"name": "Sở Xây dựng"}))
            .await;
        assert_eq!(r.status(), 201);
        r.json().await.unwrap()
    };
    assert!(created["webhook_secret"]
        .as_str()
        .unwrap()
        .starts_with("whsec_"));
    let body =
        json!({"name": "Sở Xây dựng Hà Nội", "notify_url": "https://dvc.hanoi.gov.vn/notify"});
    let updated = app.put_json(&path, &app.admin_key, &body).await;
    assert_eq!(updated.status(), 200);
    let updated: Value = updated.json().await.unwrap();
    assert_eq!(updated["name"], "Sở Xây dựng Hà Nội");
    assert!(
        updated.get("webhook_secret").is_none(),
        "the secret is shown only at creation"
    );

    let plain_http = json!({"name": "x", "notify_url": "http://dvc.example.gov.vn/notify"});
    let problem = assert_problem(
        app.put_json(&path, &app.admin_key, &plain_http).await,
        422,
        "validation",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "notify_url");
    let bad_code = app
        .put_json("/api/v1/agencies/H29", &app.admin_key, &body)
        .await;
    assert_problem(bad_code, 422, "validation").await;
}

async fn the_account_in_force_follows_successive_settings_and_a_procedure_override(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    create_agency(&app, AGENCY).await;
    let t0 = app.clock.now() - Duration::days(30);
    let (t1, t2) = (t0 + Duration::days(10), t0 + Duration::days(20));
    add_setting(&app, setting("vcb", "any", "0011001234567", t0)).await;
    add_setting(&app, setting("vcb", "any", "0011009999999", t1)).await;
    add_setting(&app, setting("vcb", "charge", "3511.0.1104195", t2)).await;
    let mut special = setting("vcb", "any", "0011005555555", t1);
    special["procedure_code"] = json!("1.012805");
    add_setting(&app, special).await;

    let in_force = |kind, procedure: Option<&'static str>, at| {
        let store = app.store.clone();
        async move {
            let s = store
                .beneficiary_in_force(AGENCY, BankCode::Vcb, kind, procedure, at)
                .await
                .unwrap();
            s.map(|s| s.account_no)
        }
    };
    let day = Duration::days(1);
    assert_eq!(
        in_force(FeeKind::Fee, None, t0 - day).await,
        None,
        "before any setting"
    );
    assert_eq!(
        in_force(FeeKind::Fee, None, t0 + day).await.as_deref(),
        Some("0011001234567")
    );
    assert_eq!(
        in_force(FeeKind::Fee, None, t1).await.as_deref(),
        Some("0011009999999"),
        "from effective_from"
    );
    assert_eq!(
        in_force(FeeKind::Charge, None, t1 + day).await.as_deref(),
        Some("0011009999999")
    );
    assert_eq!(
        in_force(FeeKind::Charge, None, t2 + day).await.as_deref(),
        Some("3511.0.1104195")
    );
    assert_eq!(
        in_force(FeeKind::Fee, None, t2 + day).await.as_deref(),
        Some("0011009999999"),
        "any still holds for fee"
    );
    assert_eq!(
        in_force(FeeKind::Fee, Some("1.012805"), t1 + day)
            .await
            .as_deref(),
        Some("0011005555555")
    );
    assert_eq!(
        in_force(FeeKind::Fee, Some("1.012805"), t0 + day)
            .await
            .as_deref(),
        Some("0011001234567")
    );
    assert_eq!(
        in_force(FeeKind::Fee, None, t2).await,
        in_force(FeeKind::Fee, Some("2.002189"), t2).await
    );
    assert_eq!(
        app.store
            .beneficiary_in_force(AGENCY, BankCode::Bidv, FeeKind::Fee, None, t2)
            .await
            .unwrap(),
        None
    );

    let path = format!("/api/v1/agencies/{AGENCY}/beneficiary-accounts");
    let history: Value = app.get(&path, &app.finance_key).await.json().await.unwrap();
    let settings = history["settings"].as_array().unwrap();
    assert_eq!(settings.len(), 4, "the full history is kept");
    assert_eq!(settings[0]["account_no"], "0011001234567");
    assert_eq!(
        settings[0]["superseded_at"],
        json!(t1.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
    );
    assert_eq!(settings[3]["superseded_at"], Value::Null);
}

async fn invalid_beneficiary_settings_are_refused_naming_every_field(backend: Backend) {
    let app = spawn_app(backend).await;
    create_agency(&app, AGENCY).await;
    let path = format!("/api/v1/agencies/{AGENCY}/beneficiary-accounts");
    let bad = json!({"bank": "acb", "fee_kind": "tax", "account_no": "12-34", "account_name": "",
                     "bank_bin": "123456", "procedure_code": "1.23",
                     "effective_from": (app.clock.now() - Duration::days(3)).to_rfc3339()});
    let problem = assert_problem(
        app.post_json(&path, &app.admin_key, &bad).await,
        422,
        "validation",
    )
    .await;
    let mut fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            "account_name",
            "account_no",
            "bank",
            "bank_bin",
            "effective_from",
            "fee_kind",
            "procedure_code"
        ]
    );
    let mut not_a_time = setting("vcb", "fee", "0011001234567", app.clock.now());
    not_a_time["effective_from"] = json!("tomorrow");
    let problem = assert_problem(
        app.post_json(&path, &app.admin_key, &not_a_time).await,
        422,
        "validation",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "effective_from");
    let unknown_agency = app
        .post_json(
            "/api/v1/agencies/000.00.99.H99/beneficiary-accounts",
            &app.admin_key,
            &setting("vcb", "fee", "0011001234567", app.clock.now()),
        )
        .await;
    assert_problem(unknown_agency, 404, "not-found").await;
    let history = app.store.beneficiary_settings(AGENCY, None).await.unwrap();
    assert!(history.is_empty(), "nothing was stored");
}

async fn a_vnpay_setting_must_name_a_configured_terminal(backend: Backend) {
    let app = spawn_app_with(backend, |c| {
        c.banks.vnpay = Some(VnpayConfig {
            pay_url: "http://127.0.0.1:9/pay".into(),
            api_url: "http://127.0.0.1:9/api".into(),
            terminals: vec![VnpayTerminal {
                code: "AGENCY01".into(),
                hash_secret: "s".to_owned().into(),
            }],
        })
    })
    .await;
    create_agency(&app, AGENCY).await;
    let path = format!("/api/v1/agencies/{AGENCY}/beneficiary-accounts");
    let mut body = setting("vnpay", "any", "0011001234567", app.clock.now());
    let problem = assert_problem(
        app.post_json(&path, &app.admin_key, &body).await,
        422,
        "validation",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "terminal_code");
    body["terminal_code"] = json!("NOPE0001");
    assert_problem(
        app.post_json(&path, &app.admin_key, &body).await,
        422,
        "validation",
    )
    .await;
    body["terminal_code"] = json!("AGENCY01");
    assert_eq!(
        app.post_json(&path, &app.admin_key, &body).await.status(),
        201
    );
    let mut vcb_with_terminal = setting("vcb", "any", "0011001234567", app.clock.now());
    vcb_with_terminal["terminal_code"] = json!("AGENCY01");
    assert_problem(
        app.post_json(&path, &app.admin_key, &vcb_with_terminal)
            .await,
        422,
        "validation",
    )
    .await;
}

async fn every_admin_change_is_audited_with_before_and_after(backend: Backend) {
    let app = spawn_app(backend).await;
    create_agency(&app, AGENCY).await;
    let rename = json!({"name": "Sở Xây dựng TP Hà Nội"});
    app.put_json(
        &format!("/api/v1/agencies/{AGENCY}"),
        &app.admin_key,
        &rename,
    )
    .await;
    add_setting(
        &app,
        setting("bidv", "fee", "12010000123456", app.clock.now()),
    )
    .await;

    let subject = format!("/api/v1/audit?subject=agency:{AGENCY}");
    let audit: Value = app
        .get(&subject, &app.admin_key)
        .await
        .json()
        .await
        .unwrap();
    let entries = audit["entries"].as_array().unwrap();
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "beneficiary_account.added",
            "agency.updated",
            "agency.created"
        ]
    );
    assert!(
        entries.iter().all(|e| e["actor"] == "admin:test-admin#1"),
        "{audit}"
    );
    assert_eq!(entries[1]["before"]["name"], "Sở Xây dựng Hà Nội");
    assert_eq!(entries[1]["after"]["name"], "Sở Xây dựng TP Hà Nội");
    assert_eq!(entries[0]["after"]["account_no"], "12010000123456");
    assert!(
        !entries[2].to_string().contains("whsec_"),
        "secrets stay out of the audit log"
    );

    let all: Value = app
        .get("/api/v1/audit", &app.admin_key)
        .await
        .json()
        .await
        .unwrap();
    let key_entries = all["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "key.created")
        .count();
    assert_eq!(key_entries, 3, "the three test keys");
}

async fn the_audit_log_cannot_be_rewritten(backend: Backend) {
    let app = spawn_app(backend).await;
    let url = app.db.url.clone();
    let outcome = match &app.store {
        payhub::store::Store::Postgres(pool) => {
            let update = sqlx::query("update audit_log set actor = 'x'")
                .execute(pool)
                .await;
            let delete = sqlx::query("delete from audit_log").execute(pool).await;
            (update.is_err(), delete.is_err())
        }
        payhub::store::Store::Sqlite(pool, _) => {
            let update = sqlx::query("update audit_log set actor = 'x'")
                .execute(pool)
                .await;
            let delete = sqlx::query("delete from audit_log").execute(pool).await;
            (update.is_err(), delete.is_err())
        }
    };
    assert_eq!(outcome, (true, true), "{url}");
    assert_eq!(
        app.store.audit_entries(None, None, 10).await.unwrap().len(),
        3
    );
}
