//! The citizen's browser, without a browser: fetch the payment page, post its form.

use reqwest::{Client, Response, StatusCode};

/// A client that does not follow redirects, so tests see the bank's `303`.
pub fn browser() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Opens the payment page at `page_url` and submits its form with `action`; returns the bank's
/// answer to the form (a `303` on success).
pub async fn choose(browser: &Client, page_url: &str, action: &str) -> Response {
    let page = browser.get(page_url).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK, "{page_url}");
    let html = page.text().await.unwrap();
    assert!(html.contains("<button"), "{html}");
    let origin = origin(page_url);
    browser
        .post(format!("{origin}{}", form_action(&html)))
        .form(&[("action", action)])
        .send()
        .await
        .unwrap()
}

/// The `Location` of a `303 See Other`.
pub fn redirect(response: &Response) -> String {
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    response.headers()["location"].to_str().unwrap().to_owned()
}

/// The query string of a URL.
pub fn query_of(url: &str) -> &str {
    url.split_once('?').map_or("", |(_, query)| query)
}

fn form_action(html: &str) -> &str {
    let start = html.find("action=\"").expect("the page has a form") + "action=\"".len();
    let end = start + html[start..].find('"').unwrap();
    &html[start..end]
}

fn origin(url: &str) -> &str {
    let after_scheme = url.find("://").unwrap() + 3;
    let end = url[after_scheme..]
        .find('/')
        .map_or(url.len(), |i| after_scheme + i);
    &url[..end]
}
