//! The finance staff's pages (`/reports`) over real HTTP, as a browser without JavaScript uses
//! them: sign-in with a key, the session cookie, the runs, a run's summary and discrepancies,
//! resolving with a note, CSRF refusals, sign-out and revocation, the downloads.

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::helpers::{spawn_app_with, Backend, TestApp, AGENCY};
use crate::on_both_backends;
use crate::orders::count;
use crate::reconciliation::{
    app_with_banks, bidv_body, discrepancies, pay, run_upload, scalar, today, wait_count,
    with_trailer,
};

on_both_backends!(
    a_visitor_without_a_session_is_sent_to_the_sign_in_page,
    a_portal_key_a_wrong_key_and_a_forged_sign_in_are_refused,
    a_finance_key_signs_in_with_an_httponly_cookie_stored_hashed,
    the_session_cookie_is_secure_when_payhub_is_served_over_https,
    the_runs_list_shows_each_run_with_its_status_and_filters,
    the_run_page_shows_the_summary_per_class_and_agency,
    filtering_by_class_shows_only_that_class,
    resolving_through_the_page_writes_the_audit_log_and_marks_it_resolved,
    a_resolve_without_the_right_csrf_token_is_refused_and_changes_nothing,
    an_admin_reads_the_pages_but_cannot_resolve,
    signing_out_or_revoking_the_key_ends_the_session,
    the_download_buttons_return_csv_and_xlsx_with_the_session,
);

// ---- a browser without JavaScript: forms, redirects and one cookie ----

/// The `name=value` of cookie `name` among a response's `Set-Cookie` headers, with its
/// attributes.
fn set_cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

/// The value of the first hidden `csrf` field of a page.
pub(crate) fn csrf_of(html: &str) -> String {
    let start = html.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

/// The HTML of the table row `id` (up to its `</tr>`).
fn row<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("<tr id=\"{id}\""))
        .unwrap_or_else(|| panic!("no row {id}"));
    &html[start..start + html[start..].find("</tr>").unwrap()]
}

fn location(response: &reqwest::Response) -> &str {
    response.headers()["location"].to_str().unwrap()
}

/// Fills in and submits the sign-in form with `key`.
async fn submit_sign_in(app: &TestApp, key: &str) -> reqwest::Response {
    let form = app
        .client
        .get(app.url("/reports/sign-in"))
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 200);
    let token_cookie = set_cookie(&form, "payhub_sign_in").expect("the form's own cookie");
    let token_cookie = token_cookie.split(';').next().unwrap().to_owned();
    let html = form.text().await.unwrap();
    app.client
        .post(app.url("/reports/sign-in"))
        .header("cookie", token_cookie)
        .form(&[("csrf", csrf_of(&html).as_str()), ("api_key", key)])
        .send()
        .await
        .unwrap()
}

/// Signs in with `key`; returns the session's `payhub_reports=<id>` cookie.
pub(crate) async fn signed_in(app: &TestApp, key: &str) -> String {
    let response = submit_sign_in(app, key).await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/reports");
    let cookie = set_cookie(&response, "payhub_reports").expect("a session cookie");
    cookie.split(';').next().unwrap().to_owned()
}

async fn get_page(app: &TestApp, cookie: &str, path: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
}

/// A page that must render: its HTML, with the `/` that auto-escaping writes as `&#x2f;` (in
/// dates and notes) read back as a browser shows it.
pub(crate) async fn html(app: &TestApp, cookie: &str, path: &str) -> String {
    let response = get_page(app, cookie, path).await;
    assert_eq!(response.status(), 200, "{path}");
    response.text().await.unwrap().replace("&#x2f;", "/")
}

pub(crate) async fn post_form(
    app: &TestApp,
    cookie: &str,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .header("cookie", cookie)
        .form(form)
        .send()
        .await
        .unwrap()
}

/// Two BIDV payments PayHub recorded that the statement lacks (missing_at_bank, 1.300.000 ₫)
/// and a line of 1.250.000 ₫ PayHub never issued (missing_in_payhub); returns the run's id.
async fn run_with_discrepancies(app: &TestApp) -> i64 {
    pay(app, "000.00.12.H29-1", "bidv", "approve").await;
    pay(app, "000.00.12.H29-2", "bidv", "approve").await;
    wait_count(app, "select count(*) from payments", 2).await;
    let now = app.clock.now().with_timezone(&payhub::clock::vietnam());
    let file = with_trailer(bidv_body(
        today(app),
        &now.format("%H%M%S").to_string(),
        &[("BIDV777", "NOSUCHREF", 1_250_000)],
    ));
    let summary = run_upload(app, "bidv", today(app), &file).await;
    summary["id"].as_i64().unwrap()
}

async fn audit_count(app: &TestApp) -> i64 {
    count(
        app,
        "select count(*) from audit_log where action = 'discrepancy.resolved'",
    )
    .await
}

// ---- the stories ----

async fn a_visitor_without_a_session_is_sent_to_the_sign_in_page(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    for path in ["/reports", "/reports/runs/1", "/reports/runs/1/report.csv"] {
        let response = get_page(&app, "payhub_reports=forged", path).await;
        assert_eq!(response.status(), 303, "{path}");
        assert_eq!(location(&response), "/reports/sign-in", "{path}");
    }
    let page = app
        .client
        .get(app.url("/reports/sign-in"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("<html lang=\"vi\">"));
    assert!(
        html.contains("<label for=\"api-key\">Khóa API</label>"),
        "{html}"
    );
    assert!(html.contains("id=\"api-key\" name=\"api_key\""));
    assert!(!html.contains("<script"), "no JavaScript");
}

async fn a_portal_key_a_wrong_key_and_a_forged_sign_in_are_refused(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    let portal = submit_sign_in(&app, &app.portal_key).await;
    assert_eq!(portal.status(), 403);
    assert!(set_cookie(&portal, "payhub_reports").is_none());
    let html = portal.text().await.unwrap();
    assert!(html.contains("id=\"sign-in-error\""), "{html}");
    assert!(
        html.contains("Khóa này không có quyền xem đối soát"),
        "{html}"
    );

    let wrong = submit_sign_in(&app, "ph_not-a-key").await;
    assert_eq!(wrong.status(), 401);
    assert!(set_cookie(&wrong, "payhub_reports").is_none());
    assert!(wrong
        .text()
        .await
        .unwrap()
        .contains("Khóa API không đúng hoặc đã bị thu hồi."));

    // A form posted from elsewhere carries no token matching the form's own cookie.
    let forged = app
        .client
        .post(app.url("/reports/sign-in"))
        .form(&[("csrf", "guessed"), ("api_key", app.finance_key.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    assert!(set_cookie(&forged, "payhub_reports").is_none());
    assert_eq!(count(&app, "select count(*) from report_sessions").await, 0);
}

async fn a_finance_key_signs_in_with_an_httponly_cookie_stored_hashed(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    let response = submit_sign_in(&app, &app.finance_key).await;
    assert_eq!(response.status(), 303);
    let cookie = set_cookie(&response, "payhub_reports").unwrap();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/reports"] {
        assert!(cookie.contains(attribute), "{attribute}: {cookie}");
    }
    assert!(
        !cookie.contains("Secure"),
        "PayHub is served over plain HTTP here"
    );
    let id = cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("payhub_reports=");
    let stored = scalar(&app, "select id_hash from report_sessions").await;
    assert_eq!(stored, hex::encode(Sha256::digest(id.as_bytes())));
    assert_ne!(stored, id, "the database holds only the hash");
    let key_name = scalar(
        &app,
        "select k.name from report_sessions s join api_keys k on k.id = s.key_id",
    )
    .await;
    assert_eq!(key_name, "test-finance");

    let page = html(&app, &format!("payhub_reports={id}"), "/reports").await;
    assert!(page.contains("id=\"sign-out\""));
    assert!(page.contains("test-finance"), "says who is signed in");
}

async fn the_session_cookie_is_secure_when_payhub_is_served_over_https(backend: Backend) {
    let app = spawn_app_with(backend, |config| {
        config.server.public_url = "https://payhub.example.gov.vn".into();
    })
    .await;
    let response = submit_sign_in(&app, &app.finance_key).await;
    assert_eq!(response.status(), 303);
    let cookie = set_cookie(&response, "payhub_reports").unwrap();
    assert!(cookie.contains("; Secure"), "{cookie}");
}

async fn the_runs_list_shows_each_run_with_its_status_and_filters(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    let day = today(&app);
    let file = |txn: &str| with_trailer(bidv_body(day, "101500", &[(txn, "REF1", 100_000)]));
    let first = run_upload(&app, "bidv", day, &file("BIDV1")).await["id"].clone();
    let second = run_upload(&app, "bidv", day, &file("BIDV2")).await["id"].clone();
    let cookie = signed_in(&app, &app.finance_key).await;

    let page = html(&app, &cookie, "/reports").await;
    let (newer, older) = (format!("run-{second}"), format!("run-{first}"));
    assert!(
        page.find(&newer).unwrap() < page.find(&older).unwrap(),
        "newest first"
    );
    for id in [&first, &second] {
        assert!(row(&page, &format!("run-{id}")).contains("data-status=\"succeeded\""));
        assert!(row(&page, &format!("run-{id}")).contains("Hoàn tất"));
    }
    assert!(row(&page, &newer).contains("data-current=\"true\">Kết quả hiện hành"));
    assert!(row(&page, &older).contains("data-current=\"false\">Đã được thay thế"));
    assert!(row(&page, &newer).contains(&day.format("%d/%m/%Y").to_string()));
    assert!(page.contains(&format!("id=\"open-run-{second}\"")));

    let same_day = html(&app, &cookie, &format!("/reports?bank=bidv&date={day}")).await;
    assert!(same_day.contains(&newer) && same_day.contains(&older));
    let other_bank = html(&app, &cookie, "/reports?bank=vcb&date=").await;
    assert!(other_bank.contains("id=\"no-runs\"") && !other_bank.contains(&newer));
    let yesterday = day.pred_opt().unwrap();
    let other_day = html(&app, &cookie, &format!("/reports?bank=&date={yesterday}")).await;
    assert!(other_day.contains("id=\"no-runs\""));
    assert!(
        other_day.contains(&format!("value=\"{yesterday}\"")),
        "the filter is kept"
    );
}

async fn the_run_page_shows_the_summary_per_class_and_agency(backend: Backend) {
    let app = app_with_banks(backend).await;
    let run = run_with_discrepancies(&app).await;
    let cookie = signed_in(&app, &app.finance_key).await;
    let page = html(&app, &cookie, &format!("/reports/runs/{run}")).await;

    assert!(page.contains(&format!("Phiên đối soát #{run}: BIDV")));
    let missing = row(&page, "class-missing_at_bank");
    assert!(
        missing.contains(">2<") && missing.contains("1.300.000 ₫"),
        "{missing}"
    );
    let unknown = row(&page, "class-missing_in_payhub");
    assert!(
        unknown.contains(">1<") && unknown.contains("1.250.000 ₫"),
        "{unknown}"
    );
    assert!(row(&page, "class-matched").contains("0 ₫"));
    let by_agency = &page[page.find("id=\"summary-by-agency\"").unwrap()..];
    let by_agency = &by_agency[..by_agency.find("</table>").unwrap()];
    assert!(by_agency.contains(AGENCY), "{by_agency}");
    assert!(by_agency.contains("PayHub có, ngân hàng không có"));
    for id in [
        "download-csv",
        "download-xlsx",
        "filter-class",
        "filter-agency",
        "filter-resolved",
    ] {
        assert!(page.contains(&format!("id=\"{id}\"")), "{id}");
    }
    for id in ["filter-class", "filter-agency", "filter-resolved"] {
        assert!(
            page.contains(&format!("<label for=\"{id}\">")),
            "{id} has a label"
        );
    }
}

async fn filtering_by_class_shows_only_that_class(backend: Backend) {
    let app = app_with_banks(backend).await;
    let run = run_with_discrepancies(&app).await;
    let cookie = signed_in(&app, &app.finance_key).await;
    let rows_of = |html: &str| html.matches("<tr id=\"discrepancy-").count();

    let all = html(&app, &cookie, &format!("/reports/runs/{run}")).await;
    assert_eq!(rows_of(&all), 3);
    let at_bank = html(
        &app,
        &cookie,
        &format!("/reports/runs/{run}?class=missing_at_bank&agency=&resolved="),
    )
    .await;
    assert_eq!(rows_of(&at_bank), 2);
    assert_eq!(at_bank.matches("data-class=\"missing_at_bank\"").count(), 2);
    assert!(at_bank.contains("<option value=\"missing_at_bank\" selected>"));
    let in_payhub = html(
        &app,
        &cookie,
        &format!("/reports/runs/{run}?class=missing_in_payhub&agency={AGENCY}&resolved=false"),
    )
    .await;
    assert_eq!(rows_of(&in_payhub), 1);
    assert!(in_payhub.contains("NOSUCHREF"));
    let resolved = html(&app, &cookie, &format!("/reports/runs/{run}?resolved=true")).await;
    assert_eq!(rows_of(&resolved), 0);
    assert!(resolved.contains("id=\"no-discrepancies\""));
}

async fn resolving_through_the_page_writes_the_audit_log_and_marks_it_resolved(backend: Backend) {
    let app = app_with_banks(backend).await;
    let run = run_with_discrepancies(&app).await;
    let cookie = signed_in(&app, &app.finance_key).await;
    let id = discrepancies(&app, &Value::from(run), "?class=missing_in_payhub").await[0]["id"]
        .as_i64()
        .unwrap();
    let page = html(&app, &cookie, &format!("/reports/runs/{run}")).await;
    let form = row(&page, &format!("discrepancy-{id}"));
    assert!(form.contains(&format!("<label for=\"resolve-note-{id}\">")));
    let csrf = csrf_of(form);
    let path = format!("/reports/discrepancies/{id}/resolve");

    let empty = post_form(
        &app,
        &cookie,
        &path,
        &[("csrf", csrf.as_str()), ("note", "  ")],
    )
    .await;
    assert_eq!(empty.status(), 422);
    assert_eq!(audit_count(&app).await, 0);

    let note = "Ngân hàng ghi có nhầm, đã đề nghị thu hồi ngày 02/06";
    let done = post_form(
        &app,
        &cookie,
        &path,
        &[("csrf", csrf.as_str()), ("note", note)],
    )
    .await;
    assert_eq!(done.status(), 303);
    assert_eq!(
        location(&done),
        format!("/reports/runs/{run}#discrepancy-{id}")
    );
    let audit = app
        .store
        .audit_entries(Some(&format!("discrepancy:{id}")), None, 10)
        .await
        .unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].action, "discrepancy.resolved");
    assert!(
        audit[0].actor.starts_with("finance:test-finance#"),
        "{}",
        audit[0].actor
    );
    assert!(audit[0].after_json.as_deref().unwrap().contains("thu hồi"));
    let via_api = discrepancies(&app, &Value::from(run), "?resolved=true").await;
    assert_eq!(via_api.len(), 1);
    assert_eq!(
        (via_api[0]["id"].as_i64(), &via_api[0]["note"]),
        (Some(id), &Value::from(note))
    );

    let after = html(&app, &cookie, &format!("/reports/runs/{run}")).await;
    let resolved = row(&after, &format!("discrepancy-{id}"));
    assert!(
        resolved.contains("data-resolved=\"true\"") && resolved.contains(note),
        "{resolved}"
    );
    assert!(!resolved.contains("<form"), "no second resolve form");
    let again = post_form(
        &app,
        &cookie,
        &path,
        &[("csrf", csrf.as_str()), ("note", note)],
    )
    .await;
    assert_eq!(again.status(), 409);
    assert_eq!(audit_count(&app).await, 1);
}

async fn a_resolve_without_the_right_csrf_token_is_refused_and_changes_nothing(backend: Backend) {
    let app = app_with_banks(backend).await;
    let run = run_with_discrepancies(&app).await;
    let cookie = signed_in(&app, &app.finance_key).await;
    let other_session = signed_in(&app, &app.finance_key).await;
    let other_token = csrf_of(&html(&app, &other_session, "/reports").await);
    let id = discrepancies(&app, &Value::from(run), "").await[0]["id"].clone();
    let path = format!("/reports/discrepancies/{id}/resolve");
    let note = ("note", "Đã xử lý");

    let forms: [&[(&str, &str)]; 3] = [
        &[note],
        &[("csrf", "wrong"), note],
        &[("csrf", other_token.as_str()), note],
    ];
    for form in forms {
        let refused = post_form(&app, &cookie, &path, form).await;
        assert_eq!(refused.status(), 403, "{form:?}");
        assert!(refused
            .text()
            .await
            .unwrap()
            .contains("Biểu mẫu không hợp lệ"));
    }
    assert_eq!(audit_count(&app).await, 0);
    assert_eq!(
        discrepancies(&app, &Value::from(run), "?resolved=true")
            .await
            .len(),
        0
    );
    let sign_out = post_form(&app, &cookie, "/reports/sign-out", &[("csrf", "wrong")]).await;
    assert_eq!(sign_out.status(), 403);
    html(&app, &cookie, "/reports").await;
}

async fn an_admin_reads_the_pages_but_cannot_resolve(backend: Backend) {
    let app = app_with_banks(backend).await;
    let run = run_with_discrepancies(&app).await;
    let cookie = signed_in(&app, &app.admin_key).await;
    let page = html(&app, &cookie, &format!("/reports/runs/{run}")).await;
    assert!(page.contains("<tr id=\"discrepancy-"));
    assert!(
        !page.contains("id=\"resolve-note-"),
        "admin may read, finance resolves"
    );
    let id = discrepancies(&app, &Value::from(run), "").await[0]["id"].clone();
    let refused = post_form(
        &app,
        &cookie,
        &format!("/reports/discrepancies/{id}/resolve"),
        &[("csrf", csrf_of(&page).as_str()), ("note", "Đã xử lý")],
    )
    .await;
    assert_eq!(refused.status(), 403);
    assert_eq!(audit_count(&app).await, 0);
}

async fn signing_out_or_revoking_the_key_ends_the_session(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    let cookie = signed_in(&app, &app.finance_key).await;
    let csrf = csrf_of(&html(&app, &cookie, "/reports").await);
    let out = post_form(
        &app,
        &cookie,
        "/reports/sign-out",
        &[("csrf", csrf.as_str())],
    )
    .await;
    assert_eq!(out.status(), 303);
    assert_eq!(location(&out), "/reports/sign-in");
    assert!(set_cookie(&out, "payhub_reports")
        .unwrap()
        .contains("Max-Age=0"));
    let after = get_page(&app, &cookie, "/reports").await;
    assert_eq!(
        (after.status().as_u16(), location(&after)),
        (303, "/reports/sign-in")
    );

    let cookie = signed_in(&app, &app.finance_key).await;
    html(&app, &cookie, "/reports").await;
    let key_id: i64 = scalar(
        &app,
        "select cast(id as text) from api_keys where name = 'test-finance'",
    )
    .await
    .parse()
    .unwrap();
    assert!(app
        .store
        .revoke_key(key_id, "test", app.clock.now())
        .await
        .unwrap());
    let revoked = get_page(&app, &cookie, "/reports").await;
    assert_eq!(
        revoked.status(),
        303,
        "a revoked key ends its sessions at once"
    );
}

async fn the_download_buttons_return_csv_and_xlsx_with_the_session(backend: Backend) {
    let app = app_with_banks(backend).await;
    let run = run_with_discrepancies(&app).await;
    let cookie = signed_in(&app, &app.finance_key).await;
    let page = html(&app, &cookie, &format!("/reports/runs/{run}")).await;
    let href = |id: &str| {
        let at = page.find(&format!("id=\"{id}\" href=\"")).unwrap() + id.len() + 12;
        page[at..at + page[at..].find('"').unwrap()].to_owned()
    };

    let csv = get_page(&app, &cookie, &href("download-csv")).await;
    assert_eq!(csv.status(), 200);
    assert!(csv.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let csv = csv.text().await.unwrap();
    assert!(csv.starts_with('\u{feff}'), "a byte-order mark for Excel");
    assert_eq!(
        csv.lines().filter(|l| !l.starts_with("matched,")).count(),
        4,
        "a header and three discrepancies, besides the matched lines: {csv}"
    );
    assert!(csv.contains("NOSUCHREF"));

    let xlsx = get_page(&app, &cookie, &href("download-xlsx")).await;
    assert_eq!(xlsx.status(), 200);
    assert!(xlsx.headers()["content-type"]
        .to_str()
        .unwrap()
        .contains("spreadsheetml"));
    let bytes = xlsx.bytes().await.unwrap();
    assert!(bytes.starts_with(b"PK"), "an XLSX is a zip");

    let anonymous = get_page(&app, "", &href("download-csv")).await;
    assert_eq!(anonymous.status(), 303);
}
