//! What finance staff do besides reading a run (issue 14): find a payment by any key it is
//! known by, ask for a refund that a second officer must approve, and work the queue of open
//! items across runs.

use bank_adapters::simulator::Faults;
use chrono::Duration;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, order_body, Backend, TestApp, AGENCY};
use crate::on_both_backends;
use crate::orders::count;
use crate::reconciliation::{
    app_with_banks, bidv_body, discrepancies, pay, pay_order, run_upload, scalar, today,
    wait_count, with_trailer,
};
use crate::report_pages::{csrf_of, html, post_form, signed_in};

on_both_backends!(
    search_finds_a_payment_by_each_kind_of_key,
    a_refund_goes_to_the_bank_only_once_a_second_officer_approves_it,
    open_items_stay_queued_oldest_first_until_handled,
    the_pages_ask_for_a_refund_from_a_discrepancy_and_refuse_its_own_approval,
);

async fn search(app: &TestApp, key: &str, q: &str) -> Value {
    let path = format!("/api/v1/search?q={}", urlencode(q));
    let response = app.get(&path, key).await;
    assert_eq!(response.status(), 200, "{q}");
    response.json().await.unwrap()
}

fn urlencode(q: &str) -> String {
    form_urlencoded::byte_serialize(q.as_bytes()).collect()
}

/// The ids of the orders found, and the key each matched by.
fn found(result: &Value) -> Vec<(String, String)> {
    result["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["order_id"].as_str().unwrap().to_owned(),
                o["matched_by"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn search_finds_a_payment_by_each_kind_of_key(backend: Backend) {
    let app = app_with_banks(backend).await;
    let mut body = order_body("000.00.12.H29-260530-0042");
    body["payer"]["name"] = json!("Trần Thị Ánh Tuyết");
    let (order_id, reference) = pay_order(&app, "k-1", &body, "vcb", "approve").await;
    // Another citizen's order, which no key of the first one finds.
    let (other, _) = pay(&app, "000.00.12.H29-260530-0043", "vcb", "approve").await;
    wait_count(&app, "select count(*) from payments", 2).await;
    let txn = scalar(
        &app,
        &format!("select bank_txn_id from payments where order_id = '{order_id}'"),
    )
    .await;

    for (q, by) in [
        ("000.00.12.H29-260530-0042", "dossier_code"),
        (reference.as_str(), "reference"),
        (&reference.to_lowercase(), "reference"),
        (txn.as_str(), "bank_txn_id"),
        (order_id.as_str(), "order_id"),
        ("tran thi anh tuyet", "payer_name"),
        ("ÁNH TUYẾT", "payer_name"),
        ("  Tuyết ", "payer_name"),
        ("tran tuy", "payer_name"),
    ] {
        let result = search(&app, &app.finance_key, q).await;
        assert_eq!(
            found(&result),
            [(order_id.clone(), by.to_owned())],
            "{q:?} finds the order by its {by}"
        );
    }
    // An order written before its name was folded (an older row, the cutover's import) is
    // folded by the first search that needs it.
    exec(&app, "delete from order_name_words").await;
    exec(&app, "update orders set payer_name_folded = null").await;
    let result = search(&app, &app.finance_key, "anh tuyet").await;
    assert_eq!(found(&result), [(order_id.clone(), "payer_name".into())]);
    let both = search(&app, &app.admin_key, "nguyen van a").await;
    assert_eq!(
        found(&both),
        [(other.clone(), "payer_name".into())],
        "admin may search"
    );

    // A statement line PayHub has no order for is found by the bank's transaction id.
    let now = app.clock.now().with_timezone(&payhub::clock::vietnam());
    let file = with_trailer(bidv_body(
        today(&app),
        &now.format("%H%M%S").to_string(),
        &[("BIDV4242", "NOSUCHREF", 80_000)],
    ));
    run_upload(&app, "bidv", today(&app), &file).await;
    let line = search(&app, &app.finance_key, "BIDV4242").await;
    assert_eq!(line["orders"], json!([]));
    assert_eq!(line["statement_lines"][0]["class"], "missing_in_payhub");
    assert_eq!(line["statement_lines"][0]["amount"], "80000");

    assert_eq!(
        search(&app, &app.finance_key, "khong co ai").await["orders"],
        json!([])
    );
    assert_problem(
        app.get("/api/v1/search?q=", &app.finance_key).await,
        422,
        "validation",
    )
    .await;
    assert_problem(
        app.get("/api/v1/search?q=x", &app.portal_key).await,
        403,
        "forbidden",
    )
    .await;

    // The pages: a key that names one order opens it; a name lists what it found.
    let cookie = signed_in(&app, &app.finance_key).await;
    let page = app
        .client
        .get(app.url(&format!("/reports/search?q={txn}")))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 303);
    assert_eq!(
        page.headers()["location"],
        format!("/reports/orders/{order_id}").as_str()
    );
    let list = html(&app, &cookie, "/reports/search?q=anh+tuyet").await;
    assert!(
        list.contains(&format!("id=\"open-order-{order_id}\"")),
        "{list}"
    );
    assert!(html(&app, &cookie, "/reports")
        .await
        .contains("id=\"search-q\""));

    let story = html(&app, &cookie, &format!("/reports/orders/{order_id}")).await;
    for step in [
        "Lượt thanh toán",
        "Ngân hàng trả lời",
        "Callback nhận được",
        "Tiền đã chuyển",
        "Thông báo",
        "Trạng thái",
    ] {
        assert!(
            story.contains(&format!("data-kind=\"{step}\"")),
            "{step} in the story: {story}"
        );
    }
    assert!(story.contains(&txn) && story.contains(&reference));
}

async fn exec(app: &TestApp, sql: &str) {
    match &app.store {
        payhub::store::Store::Postgres(p) => {
            sqlx::query(sql).execute(p).await.unwrap();
        }
        payhub::store::Store::Sqlite(p, _) => {
            sqlx::query(sql).execute(p).await.unwrap();
        }
    }
}

async fn second_finance_key(app: &TestApp) -> String {
    let created = app
        .store
        .create_key(
            "second-officer",
            payhub::domain::keys::Role::Finance,
            "test",
            app.clock.now(),
        )
        .await
        .unwrap();
    created.secret
}

async fn a_refund_goes_to_the_bank_only_once_a_second_officer_approves_it(backend: Backend) {
    let app = app_with_banks(backend).await;
    let vcb = &app.banks.as_ref().unwrap().vcb;
    vcb.fault_next(Faults::default().paid_twice());
    let (order_id, _) = pay(&app, "000.00.12.H29-1", "vcb", "approve").await;
    wait_count(&app, "select count(*) from payments", 2).await;
    vcb.close_day(today(&app));
    let body = json!({"bank": "vcb", "date": today(&app).to_string()});
    let run: Value = app
        .post_json("/api/v1/reconciliations", &app.finance_key, &body)
        .await
        .json()
        .await
        .unwrap();
    let duplicate = &discrepancies(&app, &run["id"], "?class=duplicate_payment").await[0];

    // The first officer asks, from the discrepancy: nothing goes to the bank yet.
    let path = format!("/api/v1/discrepancies/{}/refund-requests", duplicate["id"]);
    let asked = app
        .post_json(
            &path,
            &app.finance_key,
            &json!({"reason": "Khách hàng bị trừ tiền hai lần"}),
        )
        .await;
    assert_eq!(asked.status(), 201, "{}", asked.text().await.unwrap());
    let request: Value = asked.json().await.unwrap();
    assert_eq!(request["status"], "awaiting_approval");
    assert_eq!(
        request["amount"], "650000",
        "what is left of the duplicate payment"
    );
    assert_eq!(request["order_id"], order_id.as_str());
    let duplicate_payment = scalar(
        &app,
        &format!("select cast(id as text) from payments where order_id = '{order_id}' and kind = 'duplicate'"),
    )
    .await;
    assert_eq!(request["payment_id"].to_string(), duplicate_payment);
    assert!(vcb.refunds().is_empty(), "not sent before approval");

    // The same key cannot approve; an admin cannot; another finance key can, once.
    let approve = format!("/api/v1/refund-requests/{}/approve", request["id"]);
    let own = app.post_json(&approve, &app.finance_key, &json!({})).await;
    assert_problem(own, 403, "forbidden").await;
    assert_problem(
        app.post_json(&approve, &app.admin_key, &json!({})).await,
        403,
        "forbidden",
    )
    .await;
    assert!(vcb.refunds().is_empty());
    let second = second_finance_key(&app).await;
    let approved = app.post_json(&approve, &second, &json!({})).await;
    assert_eq!(approved.status(), 200, "{}", approved.text().await.unwrap());
    let approved: Value = approved.json().await.unwrap();
    assert_eq!(approved["refund_request"]["status"], "approved");
    assert_eq!(approved["refund"]["status"], "succeeded", "{approved}");
    assert_eq!(vcb.refunds().len(), 1, "sent to the bank once approved");
    let refunded = scalar(&app, "select cast(payment_id as text) from refunds").await;
    assert_eq!(
        refunded, duplicate_payment,
        "the duplicate is refunded, not the order's payment"
    );
    let again = app.post_json(&approve, &second, &json!({})).await;
    assert_problem(again, 409, "conflict").await;
    assert_eq!(vcb.refunds().len(), 1);

    // Both officers are in the audit log; the discrepancy is resolved by the refund.
    let audit: Value = app
        .get(
            &format!("/api/v1/audit?subject=order:{order_id}"),
            &app.admin_key,
        )
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<(String, String)> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_owned(),
                e["actor"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let by = |action: &str| {
        actions
            .iter()
            .find(|(a, _)| a == action)
            .map(|(_, who)| who.clone())
    };
    assert!(
        by("refund_request.created")
            .unwrap()
            .contains("test-finance"),
        "{actions:?}"
    );
    assert!(
        by("refund_request.approved")
            .unwrap()
            .contains("second-officer"),
        "{actions:?}"
    );
    let resolved = &discrepancies(&app, &run["id"], "?class=duplicate_payment").await[0];
    assert!(resolved["resolved_by"]
        .as_str()
        .unwrap()
        .contains("second-officer"));
    let order: Value = app
        .get(&format!("/api/v1/orders/{order_id}"), &app.finance_key)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(order["status"], "paid", "the order's own payment stands");
}

async fn open_items_stay_queued_oldest_first_until_handled(backend: Backend) {
    let app = app_with_banks(backend).await;
    // A payment made after its order expired.
    let order: Value = app
        .create_order("late-1", &order_body("000.00.12.H29-late"))
        .await
        .json()
        .await
        .unwrap();
    let late_id = order["id"].as_str().unwrap().to_owned();
    let chosen = app
        .client
        .post(app.url(&format!("/checkout/{late_id}")))
        .form(&[("bank", "vnpay")])
        .send()
        .await
        .unwrap();
    let bank_page = chosen.headers()["location"].to_str().unwrap().to_owned();
    app.move_clocks_by(Duration::minutes(31));
    assert_eq!(
        app.store
            .expire_due_orders(app.clock.now(), 10)
            .await
            .unwrap(),
        1
    );
    press(&app, &bank_page, "approve").await;
    wait_count(&app, "select count(*) from payments", 1).await;

    // A day later, a statement line PayHub has no order for.
    app.move_clocks_by(Duration::days(1));
    let now = app.clock.now().with_timezone(&payhub::clock::vietnam());
    let file = with_trailer(bidv_body(
        today(&app),
        &now.format("%H%M%S").to_string(),
        &[("BIDV5151", "NOSUCHREF", 80_000)],
    ));
    run_upload(&app, "bidv", today(&app), &file).await;
    app.move_clocks_by(Duration::days(2));

    let items: Value = app
        .get("/api/v1/open-items", &app.finance_key)
        .await
        .json()
        .await
        .unwrap();
    let items = items["open_items"].as_array().unwrap().clone();
    let classes: Vec<&str> = items.iter().map(|i| i["class"].as_str().unwrap()).collect();
    assert_eq!(
        classes,
        ["paid_after_expiry", "missing_in_payhub"],
        "oldest first: {items:?}"
    );
    assert_eq!(items[0]["order_id"], late_id.as_str());
    assert_eq!(
        (items[0]["age_days"].as_i64(), items[1]["age_days"].as_i64()),
        (Some(3), Some(2))
    );
    assert_eq!(items[1]["agency_code"], AGENCY);
    let filtered = |q: &'static str| {
        let app = &app;
        async move {
            let v: Value = app
                .get(&format!("/api/v1/open-items?{q}"), &app.finance_key)
                .await
                .json()
                .await
                .unwrap();
            v["open_items"].as_array().unwrap().len()
        }
    };
    assert_eq!(filtered("class=missing_in_payhub").await, 1);
    assert_eq!(filtered("bank=vcb").await, 0);
    assert_eq!(filtered("bank=bidv").await, 1);
    assert_eq!(filtered("bank=vnpay").await, 1);
    assert_eq!(filtered("class=paid_after_expiry").await, 1);
    assert_eq!(filtered("agency=000.00.99.H01").await, 0);
    assert_problem(
        app.get("/api/v1/open-items?class=nonsense", &app.finance_key)
            .await,
        422,
        "validation",
    )
    .await;

    // The page lists them; the late payment leaves the queue once handled, with a note.
    let cookie = signed_in(&app, &app.finance_key).await;
    let page = html(&app, &cookie, "/reports/open-items").await;
    assert_eq!(page.matches("class=\"open-item\"").count(), 2, "{page}");
    let handle = format!("/api/v1/orders/{late_id}/late-payment/handle");
    let handled = app
        .post_json(
            &handle,
            &app.finance_key,
            &json!({"note": "Đã đối chiếu, giữ khoản thu"}),
        )
        .await;
    assert_eq!(handled.status(), 200);
    assert_problem(
        app.post_json(&handle, &app.finance_key, &json!({"note": "lại"}))
            .await,
        409,
        "conflict",
    )
    .await;
    assert_eq!(filtered("").await, 1);
    assert_eq!(
        count(
            &app,
            "select count(*) from audit_log where action = 'late_payment.handled'"
        )
        .await,
        1
    );
}

/// Presses `action` on the bank's payment page at `page`.
async fn press(app: &TestApp, page: &str, action: &str) {
    let html = app
        .client
        .get(page)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let start = html.find("action=\"").expect("a form") + "action=\"".len();
    let path = &html[start..start + html[start..].find('"').unwrap()];
    let origin: String = page.splitn(4, '/').take(3).collect::<Vec<_>>().join("/");
    let done = app
        .client
        .post(format!("{origin}{path}"))
        .form(&[("action", action)])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 303);
}

async fn the_pages_ask_for_a_refund_from_a_discrepancy_and_refuse_its_own_approval(
    backend: Backend,
) {
    let app = app_with_banks(backend).await;
    let vcb = &app.banks.as_ref().unwrap().vcb;
    vcb.fault_next(Faults::default().paid_twice());
    let (order_id, _) = pay(&app, "000.00.12.H29-1", "vcb", "approve").await;
    wait_count(&app, "select count(*) from payments", 2).await;
    vcb.close_day(today(&app));
    let body = json!({"bank": "vcb", "date": today(&app).to_string()});
    let run: Value = app
        .post_json("/api/v1/reconciliations", &app.finance_key, &body)
        .await
        .json()
        .await
        .unwrap();
    let duplicate = discrepancies(&app, &run["id"], "?class=duplicate_payment").await[0]["id"]
        .as_i64()
        .unwrap();

    let cookie = signed_in(&app, &app.finance_key).await;
    let page = html(&app, &cookie, &format!("/reports/runs/{}", run["id"])).await;
    assert!(
        page.contains(&format!("id=\"refund-from-{duplicate}\"")),
        "{page}"
    );
    let csrf = csrf_of(&page);
    let path = format!("/reports/discrepancies/{duplicate}/refund-requests");
    let forged = post_form(&app, &cookie, &path, &[("csrf", "forged"), ("reason", "x")]).await;
    assert_eq!(forged.status(), 403);
    assert_eq!(count(&app, "select count(*) from refund_requests").await, 0);
    let asked = post_form(
        &app,
        &cookie,
        &path,
        &[("csrf", &csrf), ("reason", "Trừ tiền hai lần")],
    )
    .await;
    assert_eq!(asked.status(), 303);
    let order_page = asked.headers()["location"].to_str().unwrap().to_owned();
    assert!(order_page.starts_with(&format!("/reports/orders/{order_id}#refund-request-")));
    let page = html(&app, &cookie, &format!("/reports/orders/{order_id}")).await;
    let request = scalar(&app, "select cast(id as text) from refund_requests").await;
    assert!(
        page.contains(&format!("id=\"own-request-{request}\"")),
        "no approve button for her own"
    );

    let approve = format!("/reports/refund-requests/{request}/approve");
    let own = post_form(&app, &cookie, &approve, &[("csrf", &csrf)]).await;
    assert_eq!(own.status(), 403);
    assert!(own
        .text()
        .await
        .unwrap()
        .contains("Cần một cán bộ khác duyệt"));
    assert!(vcb.refunds().is_empty());
    let admin = signed_in(&app, &app.admin_key).await;
    let admin_csrf = csrf_of(&html(&app, &admin, "/reports").await);
    let by_admin = post_form(&app, &admin, &approve, &[("csrf", &admin_csrf)]).await;
    assert_eq!(by_admin.status(), 403, "an admin reads, finance acts");
    assert!(vcb.refunds().is_empty());
    let status = scalar(&app, "select status from refund_requests").await;
    assert_eq!(status, "awaiting_approval");

    // She may withdraw it herself; then no one can approve it.
    let reject = format!("/api/v1/refund-requests/{request}/reject");
    let withdrawn = app.post_json(&reject, &app.finance_key, &json!({})).await;
    assert_eq!(
        withdrawn.status(),
        200,
        "{}",
        withdrawn.text().await.unwrap()
    );
    let second = second_finance_key(&app).await;
    let late = app
        .post_json(
            &format!("/api/v1/refund-requests/{request}/approve"),
            &second,
            &json!({}),
        )
        .await;
    assert_problem(late, 409, "conflict").await;
    assert!(vcb.refunds().is_empty());
}
