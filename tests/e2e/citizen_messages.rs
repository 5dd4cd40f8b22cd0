//! The payer's email and SMS when an order is paid (messages.md §1): one of each per payment
//! whatever the banks repeat and across a restart, retried through the SMS gateway's faults,
//! none without a contact, a bad phone number refused when the order is created.

use std::time::Duration;

use bank_adapters::simulator::Faults;
use base64::Engine;
use payhub::app::AppState;
use payhub::config::EmailConfig;
use payhub::messages::outbox::deliver_due;
use payhub::messages::sms_gateway::{self, SmsFault, SmsGatewayHandle};
use payhub::messages::SmsConfig;
use payhub::store::Store;
use payhub::workers::Outcome;
use serde_json::{json, Value};

use crate::callbacks::{order_json, press, wait_for};
use crate::helpers::AGENCY;
use crate::helpers::{assert_problem, order_body, spawn_app_with_banks_and, Backend, TestApp};
use crate::on_both_backends;
use crate::orders::count;
use crate::report_email::{smtp_server, smtp_server_on, Received};

on_both_backends!(
    one_email_and_one_sms_per_payment_across_repeated_callbacks_and_a_restart,
    sms_gateway_faults_are_retried_and_no_contact_means_no_message,
    an_email_the_smtp_server_did_not_take_is_retried,
);

const SMS_SECRET: &str = "sms-test-secret";

struct Setup {
    app: TestApp,
    sms: SmsGatewayHandle,
    inbox: std::sync::Arc<std::sync::Mutex<Vec<Received>>>,
}

async fn setup(backend: Backend) -> Setup {
    let (port, inbox) = smtp_server().await;
    let sms = sms_gateway::spawn("DVCQG", SMS_SECRET, ([127, 0, 0, 1], 0).into())
        .await
        .unwrap();
    let base_url = sms.base_url();
    let app = spawn_app_with_banks_and(backend, |c| {
        c.messages.email = Some(EmailConfig {
            smtp_url: format!("smtp://127.0.0.1:{port}"),
            from: "PayHub <payhub@dichvucong.gov.vn>".into(),
            username: None,
            password: None,
        });
        c.messages.sms = Some(SmsConfig {
            base_url,
            brandname: "DVCQG".into(),
            secret: SMS_SECRET.to_owned().into(),
            timeout_ms: 300,
        });
    })
    .await;
    app.seed_agency(AGENCY, "http://localhost:9/notify").await;
    Setup { app, sms, inbox }
}

/// Creates and pays an order at `bank` with `payer`'s contact; returns its id.
async fn pay(app: &TestApp, dossier: &str, payer: Value, bank: &str) -> String {
    let mut body = order_body(dossier);
    body["payer"] = payer;
    let created = app.create_order(dossier, &body).await;
    assert_eq!(created.status(), 201);
    let order: Value = created.json().await.unwrap();
    let id = order["id"].as_str().unwrap().to_owned();
    let chosen = app
        .client
        .post(app.url(&format!("/checkout/{id}")))
        .form(&[("bank", bank)])
        .send()
        .await
        .unwrap();
    press(
        app,
        chosen.headers()["location"].to_str().unwrap(),
        "approve",
    )
    .await;
    let paid = wait_for(app, &id, |o| o["status"] == "paid").await;
    assert_eq!(paid["status"], "paid");
    id
}

/// Runs the dispatcher of `state` until nothing is due.
async fn drain(state: &AppState) -> usize {
    let mut n = 0;
    while deliver_due(state).await.unwrap() == Outcome::Done {
        n += 1;
    }
    n
}

async fn messages(app: &TestApp, id: &str) -> Vec<Value> {
    let r = app
        .get(&format!("/api/v1/orders/{id}/messages"), &app.portal_key)
        .await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    body["messages"].as_array().unwrap().clone()
}

/// The decoded text/plain part of an email as the SMTP server received it.
fn plain_text(data: &str) -> String {
    let at = data.find("Content-Type: text/plain").expect("a text part");
    let part = &data[at..];
    let body_at = part.find("\n\n").unwrap() + 2;
    let headers = &part[..body_at];
    let body: Vec<&str> = part[body_at..]
        .lines()
        .take_while(|l| !l.starts_with("--"))
        .collect();
    if headers.contains("base64") {
        let b64: String = body.concat();
        String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .unwrap(),
        )
        .unwrap()
    } else if headers.contains("quoted-printable") {
        let joined = body.join("\n").replace("=\n", "");
        let mut bytes = Vec::new();
        let raw = joined.as_bytes();
        let mut i = 0;
        while i < raw.len() {
            if raw[i] == b'=' && i + 2 < raw.len() {
                let hex = std::str::from_utf8(&raw[i + 1..i + 3]).unwrap();
                bytes.push(u8::from_str_radix(hex, 16).unwrap());
                i += 3;
            } else {
                bytes.push(raw[i]);
                i += 1;
            }
        }
        String::from_utf8(bytes).unwrap()
    } else {
        body.join("\n")
    }
}

async fn one_email_and_one_sms_per_payment_across_repeated_callbacks_and_a_restart(
    backend: Backend,
) {
    let Setup { app, sms, inbox } = setup(backend).await;
    let banks = app.banks.as_ref().unwrap();
    banks
        .vcb
        .set_faults(Faults::default().copies(3).concurrent());
    let payer = json!({"name": "Nguyễn Văn A", "id_number": "001090012345",
        "phone": "+84 912 345 678", "email": "nguyen.van.a@example.vn"});
    let id = pay(&app, "000.00.12.H29-260530-0001", payer, "vcb").await;
    assert!(
        banks
            .vcb
            .wait_until(Duration::from_secs(30), |t| t
                .iter()
                .all(|t| t.acknowledged()))
            .await
    );
    assert_eq!(
        count(&app, "select count(*) from citizen_messages").await,
        2,
        "one email and one SMS, however often the bank repeats the callback"
    );

    // The first instance's SMS reaches the phone but its reply is lost; the instance stops.
    sms.gateway.push_faults(&[SmsFault::DeliverThenFail]);
    let first = AppState::new(app.store.clone(), app.config.clone(), app.clock.clone());
    assert_eq!(drain(&first).await, 2);
    drop(first);
    // Another instance (a restart: its own connections) retries after the backoff.
    let store = Store::connect(&app.config.database).await.unwrap();
    let second = AppState::new(store, app.config.clone(), app.clock.clone());
    assert_eq!(drain(&second).await, 0, "nothing due before the backoff");
    app.move_clocks_by(chrono::Duration::seconds(31));
    assert_eq!(drain(&second).await, 1);
    app.move_clocks_by(chrono::Duration::hours(2));
    assert_eq!(
        drain(&second).await,
        0,
        "sent messages are never sent again"
    );

    let delivered = sms.gateway.delivered();
    assert_eq!(delivered.len(), 1, "one SMS on the phone: {delivered:?}");
    assert_eq!(sms.gateway.calls(), 2);
    assert_eq!(sms.gateway.duplicates(), 1, "the retry kept its request_id");
    let text = &delivered[0].message;
    assert_eq!(delivered[0].phone, "0912345678");
    assert!(text.is_ascii() && text.len() <= 160, "{text}");
    for part in [
        "650.000d",
        "000.00.12.H29-260530-0001",
        "Vietcombank",
        "/r/",
    ] {
        assert!(text.contains(part), "the SMS carries {part:?}: {text}");
    }
    let short = &text[text.find("/r/").unwrap()..];
    let link = app.client.get(app.url(short)).send().await.unwrap();
    assert_eq!(
        link.status(),
        303,
        "the short link opens the receipt's page"
    );
    let receipt = app
        .client
        .get(app.url(link.headers()["location"].to_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert!(receipt
        .text()
        .await
        .unwrap()
        .contains("Biên nhận thanh toán hợp lệ"));

    let emails = inbox.lock().unwrap().clone();
    assert_eq!(emails.len(), 1, "one email");
    assert_eq!(emails[0].to, ["nguyen.van.a@example.vn"]);
    let body = plain_text(&emails[0].data);
    for part in [
        "Kính gửi Nguyễn Văn A",
        "000.00.12.H29-260530-0001",
        "Sở Xây dựng Hà Nội",
        "650.000 ₫",
        "Vietcombank",
        &format!("/checkout/{id}/receipt.pdf"),
    ] {
        assert!(body.contains(part), "the email says {part:?}: {body}");
    }
    assert!(emails[0].data.contains("text/html"), "and an HTML part");

    let log = messages(&app, &id).await;
    assert_eq!(log.len(), 2, "{log:?}");
    let sms_log = log.iter().find(|m| m["channel"] == "sms").unwrap();
    assert_eq!(sms_log["status"], "sent");
    assert_eq!(sms_log["deliveries"].as_array().unwrap().len(), 2);
    assert!(sms_log["deliveries"][0]["error"]
        .as_str()
        .unwrap()
        .contains("500"));
    assert_eq!(
        sms_log["recipient"], "*******678",
        "the log masks the number"
    );
    let email_log = log.iter().find(|m| m["channel"] == "email").unwrap();
    assert_eq!(email_log["status"], "sent");
    assert_eq!(order_json(&app, &id).await["status"], "paid");

    // A refund tells the payer too: one more email and SMS.
    let refund = app
        .client
        .post(app.url(&format!("/api/v1/orders/{id}/refunds")))
        .bearer_auth(&app.finance_key)
        .header("idempotency-key", "refund-1")
        .json(&json!({"amount": "150000", "reason": "Miễn lệ phí"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refund.status(), 201);
    assert_eq!(drain(&second).await, 2);
    let delivered = sms.gateway.delivered();
    assert_eq!(delivered.len(), 2);
    let text = &delivered[1].message;
    assert!(
        text.contains("hoan tien") && text.contains("150.000d") && text.len() <= 160,
        "{text}"
    );
    assert_eq!(inbox.lock().unwrap().len(), 2);
    assert_eq!(messages(&app, &id).await.len(), 4);
}

async fn sms_gateway_faults_are_retried_and_no_contact_means_no_message(backend: Backend) {
    let Setup { app, sms, inbox } = setup(backend).await;
    let mut bad = order_body("000.00.12.H29-9");
    bad["payer"]["phone"] = json!("0123");
    let refused = assert_problem(app.create_order("bad", &bad).await, 422, "validation").await;
    assert!(refused.to_string().contains("payer.phone"), "{refused}");

    sms.gateway.push_faults(&[
        SmsFault::Slow(Duration::from_secs(2)),
        SmsFault::Status(503),
        SmsFault::Status(500),
    ]);
    let payer = json!({"name": "Trần Thị B", "phone": "0987654321", "email": null});
    let id = pay(&app, "000.00.12.H29-10", payer, "vnpay").await;
    let state = AppState::new(app.store.clone(), app.config.clone(), app.clock.clone());
    for wait in [0, 31, 61, 121] {
        app.move_clocks_by(chrono::Duration::seconds(wait));
        assert_eq!(drain(&state).await, 1, "one attempt after {wait} s");
    }
    assert_eq!(sms.gateway.delivered().len(), 1);
    assert!(
        inbox.lock().unwrap().is_empty(),
        "no email address, no email"
    );
    let log = messages(&app, &id).await;
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0]["status"], "sent");
    let errors: Vec<&str> = log[0]["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["error"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(errors.len(), 4, "{errors:?}");
    assert!(errors[1].contains("503") && errors[2].contains("500") && errors[3].is_empty());

    let no_contact = json!({"name": "Lê Văn C", "id_number": null});
    let quiet = pay(&app, "000.00.12.H29-11", no_contact, "bidv").await;
    app.move_clocks_by(chrono::Duration::hours(1));
    assert_eq!(drain(&state).await, 0);
    assert!(
        messages(&app, &quiet).await.is_empty(),
        "no contact, no message"
    );
    assert_eq!(sms.gateway.delivered().len(), 1);
}

async fn an_email_the_smtp_server_did_not_take_is_retried(backend: Backend) {
    // A port where no SMTP server listens yet.
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let app = spawn_app_with_banks_and(backend, |c| {
        c.messages.email = Some(EmailConfig {
            smtp_url: format!("smtp://127.0.0.1:{port}"),
            from: "PayHub <payhub@dichvucong.gov.vn>".into(),
            username: None,
            password: None,
        });
    })
    .await;
    app.seed_agency(AGENCY, "http://localhost:9/notify").await;
    let payer = json!({"name": "Phạm Văn D", "phone": "0912345678", "email": "d@example.vn"});
    let id = pay(&app, "000.00.12.H29-12", payer, "vcb").await;
    let state = AppState::new(app.store.clone(), app.config.clone(), app.clock.clone());
    assert_eq!(
        drain(&state).await,
        2,
        "the email fails, the SMS channel is off"
    );
    let (_, inbox) = smtp_server_on(port).await;
    app.move_clocks_by(chrono::Duration::seconds(31));
    assert_eq!(drain(&state).await, 1, "the email again");
    assert_eq!(inbox.lock().unwrap().len(), 1);
    let log = messages(&app, &id).await;
    let email = log.iter().find(|m| m["channel"] == "email").unwrap();
    assert_eq!(email["status"], "sent");
    assert_eq!(email["attempts"], 2);
    assert!(!email["deliveries"][0]["error"].as_str().unwrap().is_empty());
    let sms = log.iter().find(|m| m["channel"] == "sms").unwrap();
    assert_eq!(
        sms["status"], "skipped",
        "no [messages.sms]: the channel is off"
    );
}
