//! VietQR end to end (vietqr.md): the checkout page's fourth choice, PayHub's QR page, the
//! simulated citizen's app paying the code by a transfer to the agency's account at VCB or BIDV,
//! the bank's signed credit notification, the order paid once and its receipt; each alteration
//! of the content the spec lists; a wrong amount, a paid order, a credit naming nothing; a lost,
//! repeated and late notification.

use bank_adapters::simulator::Faults;
use serde_json::{json, Value};

use crate::callbacks::wait_for;
use crate::helpers::{order_body, spawn_app_with_banks, test_account, Backend, TestApp, AGENCY};
use crate::on_both_backends;
use crate::orders::count;
use crate::reconciliation::{scalar, wait_count};

on_both_backends!(
    a_citizen_pays_by_vietqr_from_the_checkout_page_to_the_receipt,
    each_alteration_of_the_content_still_pays_its_order,
    a_credit_whose_content_names_no_order_is_recorded_as_unidentified,
    a_credit_of_another_amount_is_recorded_and_leaves_the_order_unpaid,
    a_second_transfer_for_a_paid_order_is_a_duplicate_payment,
    a_credit_notification_repeated_at_once_pays_once,
    vietqr_is_offered_only_with_an_account_at_a_bank_that_notifies_credits,
);

/// The agency whose accounts are at BIDV (and VNPAY) only, so its VietQR code pays into BIDV.
pub(crate) const BIDV_AGENCY: &str = "000.00.12.H30";

/// PayHub with the simulators, [`AGENCY`] with accounts at every bank (its VietQR account is
/// VCB's) and [`BIDV_AGENCY`] with accounts at BIDV and VNPAY.
pub(crate) async fn vietqr_app(backend: Backend) -> TestApp {
    let app = spawn_app_with_banks(backend).await;
    app.seed_agency(AGENCY, "http://localhost:9/notify").await;
    seed_agency_at(
        &app,
        BIDV_AGENCY,
        &[("bidv", "970418"), ("vnpay", "970436")],
    )
    .await;
    app
}

pub(crate) async fn seed_agency_at(app: &TestApp, code: &str, banks: &[(&str, &str)]) {
    let body = json!({"name": "Sở Tư pháp Hà Nội", "notify_url": "http://localhost:9/notify"});
    let r = (app.put_json(&format!("/api/v1/agencies/{code}"), &app.admin_key, &body)).await;
    assert!(r.status().is_success());
    let since = (app.clock.now() - chrono::Duration::hours(1)).to_rfc3339();
    for (bank, bin) in banks {
        let mut setting = json!({"bank": bank, "fee_kind": "any",
            "account_no": test_account(bank), "account_name": "KBNN HA NOI", "bank_bin": bin,
            "effective_from": since});
        if *bank == "vnpay" {
            setting["terminal_code"] = json!(crate::helpers::VNPAY_TERMINAL);
        }
        let path = format!("/api/v1/agencies/{code}/beneficiary-accounts");
        let r = app.post_json(&path, &app.admin_key, &setting).await;
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    }
}

/// The agency whose VietQR account is at `bank`.
pub(crate) fn agency_of(bank: &str) -> &'static str {
    if bank == "bidv" {
        BIDV_AGENCY
    } else {
        AGENCY
    }
}

/// A citizen's order at the agency paying into `bank`; chooses VietQR on the checkout page and
/// returns (order id, QR page path).
pub(crate) async fn choose_vietqr(app: &TestApp, dossier: &str, bank: &str) -> (String, String) {
    let mut body = order_body(dossier);
    body["agency_code"] = json!(agency_of(bank));
    let order: Value = app.create_order(dossier, &body).await.json().await.unwrap();
    let id = order["id"].as_str().unwrap().to_owned();
    let page = app
        .client
        .get(app.url(&format!("/checkout/{id}")))
        .send()
        .await
        .unwrap();
    let html = page.text().await.unwrap();
    assert!(
        html.contains(r#"value="vietqr""#),
        "no VietQR choice: {html}"
    );
    let chosen = (app.client.post(app.url(&format!("/checkout/{id}"))))
        .form(&[("bank", "vietqr")])
        .send()
        .await
        .unwrap();
    assert_eq!(chosen.status(), 303, "{}", chosen.text().await.unwrap());
    let location = chosen.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with(&format!("/checkout/{id}/vietqr/")),
        "{location}"
    );
    (id, location)
}

/// The text of the element with `id` in `html`.
pub(crate) fn element_text(html: &str, id: &str) -> String {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id}"));
    let start = start + html[start..].find('>').unwrap() + 1;
    let end = start + html[start..].find('<').unwrap();
    html[start..end].replace("&#x2f;", "/").trim().to_owned()
}

/// The QR page's payload (the text of `#vietqr-payload`).
pub(crate) async fn payload_of(app: &TestApp, page: &str) -> String {
    let html = app
        .client
        .get(app.url(page))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    element_text(&html, "vietqr-payload")
}

/// The attempt's reference, the last segment of its QR page path.
pub(crate) fn reference_of(page: &str) -> String {
    page.rsplit('/').next().unwrap().to_owned()
}

/// The citizen's app pays `payload` at `bank`'s simulator over HTTP, the content edited to
/// `content` when given; returns the bank's transaction id.
pub(crate) async fn pay_in_app(
    app: &TestApp,
    bank: &str,
    payload: &str,
    content: Option<&str>,
) -> String {
    let banks = app.banks.as_ref().unwrap();
    let base = if bank == "bidv" {
        banks.bidv.base_url()
    } else {
        banks.vcb.base_url()
    };
    let mut form = vec![("payload", payload)];
    if let Some(content) = content {
        form.push(("content", content));
    }
    let r = (app.client.post(format!("{base}/sim/vietqr")))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.text().await.unwrap()
}

pub(crate) fn controls<'a>(app: &'a TestApp, bank: &str) -> &'a bank_adapters::simulator::Controls {
    let banks = app.banks.as_ref().unwrap();
    if bank == "bidv" {
        &banks.bidv
    } else {
        &banks.vcb
    }
}

pub(crate) async fn credit_outcome(app: &TestApp, txn: &str) -> String {
    let sql = format!("select count(*) from account_credits where bank_txn_id = '{txn}'");
    wait_count(app, &sql, 1).await;
    scalar(
        app,
        &format!("select outcome from account_credits where bank_txn_id = '{txn}'"),
    )
    .await
}

async fn a_citizen_pays_by_vietqr_from_the_checkout_page_to_the_receipt(backend: Backend) {
    let app = vietqr_app(backend).await;
    for (n, (bank, bank_name)) in [("vcb", "Vietcombank"), ("bidv", "BIDV")]
        .iter()
        .enumerate()
    {
        let (id, page) = choose_vietqr(&app, &format!("000.00.12.H29-{n}"), bank).await;
        let html = app
            .client
            .get(app.url(&page))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let reference = reference_of(&page);
        assert!(html.contains("<svg"), "the code is an image on the page");
        assert_eq!(element_text(&html, "vietqr-bank"), *bank_name);
        assert_eq!(element_text(&html, "vietqr-account"), test_account(bank));
        assert_eq!(
            element_text(&html, "vietqr-content"),
            format!("PH {reference}")
        );
        assert!(element_text(&html, "vietqr-amount").starts_with("650.000"));
        assert_eq!(
            element_text(&html, "state"),
            "Đang chờ tiền chuyển đến. Trang sẽ tự cập nhật khi ngân hàng báo có."
        );
        let payload = element_text(&html, "vietqr-payload");
        let code = bank_adapters::vietqr::parse_payload(&payload).unwrap();
        assert_eq!(code.account_no, test_account(bank));
        assert_eq!(code.amount.to_string(), "650000");
        assert_eq!(code.content, format!("PH {reference}"));

        let txn = pay_in_app(&app, bank, &payload, None).await;
        let paid = wait_for(&app, &id, |o| o["status"] == "paid").await;
        assert_eq!(paid["status"], "paid", "{bank}: {paid}");
        assert_eq!(paid["payment"]["bank"], *bank);
        assert_eq!(paid["payment"]["bank_txn_id"], txn);
        assert_eq!(paid["payment"]["amount"], "650000");
        assert_eq!(credit_outcome(&app, &txn).await, "paid");

        let html = app
            .client
            .get(app.url(&page))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains(r#"data-state="paid""#), "{html}");
        let receipt = app
            .client
            .get(app.url(&format!("/checkout/{id}/receipt.pdf")))
            .send()
            .await
            .unwrap();
        assert_eq!(receipt.status(), 200);
        assert_eq!(receipt.headers()["content-type"], "application/pdf");
        let sql = format!(
            "select count(*) from inbound_callbacks where endpoint = 'credits' and bank = '{bank}'"
        );
        assert_eq!(count(&app, &sql).await, 1);
    }
    app.stop().await.unwrap();
}

/// vietqr.md §2: case, spaces removed or added, Vietnamese text before or after, punctuation, the
/// bank's own prefix.
fn alterations(reference: &str) -> Vec<String> {
    let lower = reference.to_lowercase();
    let (a, b) = reference.split_at(5);
    vec![
        format!("ph {lower}"),
        format!("PH{reference}"),
        format!("P H  {a} {b}"),
        format!("Nguyễn Văn A nộp lệ phí hồ sơ PH {reference}"),
        format!("PH {reference} Phạm Thị Đào chuyển tiền"),
        format!("PH-{a}.{b};"),
        format!("MBVCB.8812345.PH {reference}.Nguyen Van A chuyen tien"),
        format!("IBFT ph {lower}"),
    ]
}

async fn each_alteration_of_the_content_still_pays_its_order(backend: Backend) {
    let app = vietqr_app(backend).await;
    let mut n = 0;
    for bank in ["vcb", "bidv"] {
        for i in 0..alterations("A7K2M9Q4XYZ1").len() {
            n += 1;
            let (id, page) = choose_vietqr(&app, &format!("000.00.12.H29-{n}"), bank).await;
            let content = &alterations(&reference_of(&page))[i];
            let payload = payload_of(&app, &page).await;
            let txn = pay_in_app(&app, bank, &payload, Some(content)).await;
            let paid = wait_for(&app, &id, |o| o["status"] == "paid").await;
            assert_eq!(paid["status"], "paid", "{bank} {content:?}");
            assert_eq!(paid["payment"]["bank_txn_id"], txn, "{bank} {content:?}");
        }
    }
    assert_eq!(count(&app, "select count(*) from payments").await, n);
    app.stop().await.unwrap();
}

async fn a_credit_whose_content_names_no_order_is_recorded_as_unidentified(backend: Backend) {
    let app = vietqr_app(backend).await;
    for (n, bank) in ["vcb", "bidv"].iter().enumerate() {
        let (id, page) = choose_vietqr(&app, &format!("000.00.12.H29-{n}"), bank).await;
        let payload = payload_of(&app, &page).await;
        // The citizen replaced the content; the amount is exactly the order's, and still nothing
        // is guessed from it.
        let txn = pay_in_app(&app, bank, &payload, Some("Nguyen Van A chuyen tien ho so")).await;
        assert_eq!(credit_outcome(&app, &txn).await, "unidentified");
        let order = crate::callbacks::order_json(&app, &id).await;
        assert_eq!(order["status"], "pending");
        let sql = format!("select count(*) from payments where bank_txn_id = '{txn}'");
        assert_eq!(count(&app, &sql).await, 0);
        let txns = controls(&app, bank).transactions();
        let t = txns
            .iter()
            .find(|t| t.bank_txn_id.as_deref() == Some(&*txn))
            .unwrap();
        assert!(
            t.acknowledged(),
            "the bank got its 00: the credit is stored"
        );
    }
    // The two codes stay open (payable late), yet no bank owes an answer: not a backlog.
    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap();
    let metrics = metrics.text().await.unwrap();
    assert!(metrics.contains("payhub_pending_attempts"), "{metrics}");
    assert!(
        !metrics.contains("payhub_pending_attempts{bank=\"vcb\"} 1"),
        "{metrics}"
    );
    assert!(
        !metrics.contains("payhub_pending_attempts{bank=\"bidv\"} 1"),
        "{metrics}"
    );
    app.stop().await.unwrap();
}

async fn a_credit_of_another_amount_is_recorded_and_leaves_the_order_unpaid(backend: Backend) {
    let app = vietqr_app(backend).await;
    for (n, bank) in ["vcb", "bidv"].iter().enumerate() {
        let (id, page) = choose_vietqr(&app, &format!("000.00.12.H29-{n}"), bank).await;
        let reference = reference_of(&page);
        let less = bank_adapters::Vnd::parse("65000").unwrap();
        controls(&app, bank).fault_reference(&reference, Faults::default().wrong_amount(less));
        let txn = pay_in_app(&app, bank, &payload_of(&app, &page).await, None).await;
        assert_eq!(credit_outcome(&app, &txn).await, "amount_mismatch");
        assert_eq!(
            crate::callbacks::order_json(&app, &id).await["status"],
            "pending"
        );
        let sql = format!("select kind from payments where bank_txn_id = '{txn}'");
        assert_eq!(scalar(&app, &sql).await, "amount_mismatch");
    }
    app.stop().await.unwrap();
}

async fn a_second_transfer_for_a_paid_order_is_a_duplicate_payment(backend: Backend) {
    let app = vietqr_app(backend).await;
    for (n, bank) in ["vcb", "bidv"].iter().enumerate() {
        let (id, page) = choose_vietqr(&app, &format!("000.00.12.H29-{n}"), bank).await;
        let payload = payload_of(&app, &page).await;
        let first = pay_in_app(&app, bank, &payload, None).await;
        wait_for(&app, &id, |o| o["status"] == "paid").await;
        let second = pay_in_app(&app, bank, &payload, None).await;
        assert_eq!(credit_outcome(&app, &first).await, "paid");
        assert_eq!(credit_outcome(&app, &second).await, "duplicate_payment");
        let sql = format!("select kind from payments where bank_txn_id = '{second}'");
        assert_eq!(scalar(&app, &sql).await, "duplicate");
        let order = crate::callbacks::order_json(&app, &id).await;
        assert_eq!(order["payment"]["bank_txn_id"], first);
    }
    app.stop().await.unwrap();
}

async fn a_credit_notification_repeated_at_once_pays_once(backend: Backend) {
    let app = vietqr_app(backend).await;
    for (n, bank) in ["vcb", "bidv"].iter().enumerate() {
        let (id, page) = choose_vietqr(&app, &format!("000.00.12.H29-{n}"), bank).await;
        let faults = Faults::default().copies(3).concurrent();
        controls(&app, bank).fault_reference(reference_of(&page), faults);
        let txn = pay_in_app(&app, bank, &payload_of(&app, &page).await, None).await;
        wait_for(&app, &id, |o| o["status"] == "paid").await;
        let ledgered = format!(
            "select count(*) from inbound_callbacks where endpoint = 'credits' and bank = '{bank}'"
        );
        wait_count(&app, &ledgered, 3).await;
        let sql = format!("select count(*) from payments where bank_txn_id = '{txn}'");
        assert_eq!(count(&app, &sql).await, 1);
        let sql = format!("select count(*) from account_credits where bank_txn_id = '{txn}'");
        assert_eq!(count(&app, &sql).await, 1);
    }
    app.stop().await.unwrap();
}

async fn vietqr_is_offered_only_with_an_account_at_a_bank_that_notifies_credits(backend: Backend) {
    let app = vietqr_app(backend).await;
    const VNPAY_ONLY: &str = "000.00.12.H31";
    seed_agency_at(&app, VNPAY_ONLY, &[("vnpay", "970436")]).await;
    let mut body = order_body("000.00.12.H31-1");
    body["agency_code"] = json!(VNPAY_ONLY);
    let order: Value = app.create_order("k1", &body).await.json().await.unwrap();
    let id = order["id"].as_str().unwrap();
    let html = app
        .client
        .get(app.url(&format!("/checkout/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains(r#"value="vietqr""#));
    let chosen = (app.client.post(app.url(&format!("/checkout/{id}"))))
        .form(&[("bank", "vietqr")])
        .send()
        .await
        .unwrap();
    assert_eq!(chosen.status(), 422);
    assert_eq!(
        count(&app, "select count(*) from payment_attempts").await,
        0
    );
    app.stop().await.unwrap();
}
