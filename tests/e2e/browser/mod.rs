//! Pages tested in a real browser: headless Chromium driven over WebDriver (chromedriver, which
//! each test starts on a free port). Every step saves a screenshot under
//! `target/browser-screenshots/<test>/`. Without Chromium the tests are skipped, except when
//! `CI` is set: then they fail, so a CI machine without a browser cannot pass them silently.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

mod citizen;
mod finance;
mod journey;
mod refund;
mod vietqr;

const CHROMIUM: &str = "/usr/bin/chromium";

/// Runs in the page: fields without a label, and texts whose contrast is below WCAG AA (the
/// background is the nearest ancestor's opaque background colour).
const ACCESSIBILITY_CHECK: &str = r#"
const channels = c => (c.match(/[\d.]+/g) || []).map(Number);
const luminance = c => {
  const [r, g, b] = channels(c).slice(0, 3).map(v => {
    v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
const opaque = c => c.startsWith('rgb') && (channels(c)[3] ?? 1) > 0;
const background = e => {
  for (; e; e = e.parentElement) {
    const c = getComputedStyle(e).backgroundColor;
    if (opaque(c)) return c;
  }
  return 'rgb(255, 255, 255)';
};
const low_contrast = [];
for (const e of document.querySelectorAll('body *')) {
  const text = [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
  const style = getComputedStyle(e);
  if (!text || style.display === 'none' || style.visibility === 'hidden') continue;
  if (!style.color.startsWith('rgb')) continue;
  const [a, b] = [luminance(style.color), luminance(background(e))];
  const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  const size = parseFloat(style.fontSize), bold = Number(style.fontWeight) >= 700;
  const large = size >= 24 || (bold && size >= 18.66);
  if (ratio < (large ? 3 : 4.5)) {
    low_contrast.push(`${e.tagName} "${e.textContent.trim().slice(0, 40)}" ${ratio.toFixed(2)}`);
  }
}
const unlabelled = [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
  .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
  .map(e => e.id || e.name);
return { unlabelled, low_contrast };
"#;
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// A headless Chromium session and the folder its screenshots go to.
pub struct Browser {
    pub client: Client,
    driver: Child,
    shots: PathBuf,
    step: usize,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium; `None` (skip) when they are not installed
    /// and `CI` is not set. `test` names the screenshot folder.
    pub async fn start(test: &str) -> Option<Browser> {
        let installed = [CHROMIUM, CHROMEDRIVER]
            .iter()
            .all(|p| std::path::Path::new(p).exists());
        if !installed {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI is set but {CHROMIUM} or {CHROMEDRIVER} is missing: run .ci/browser-deps"
            );
            eprintln!("browser test skipped: Chromium is not installed (.ci/browser-deps)");
            return None;
        }
        let port = free_port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let shots = screenshot_dir(test);
        let _ = std::fs::remove_dir_all(&shots);
        let downloads = shots.join("downloads");
        std::fs::create_dir_all(&downloads).unwrap();
        let client = connect(port, &downloads).await;
        Some(Browser {
            client,
            driver,
            shots,
            step: 0,
        })
    }

    /// Saves `NN-name.png` of the page as it is now, and checks the page's accessibility.
    pub async fn shot(&mut self, name: &str) {
        self.step += 1;
        let png = self.client.screenshot().await.expect("a screenshot");
        let path = self.shots.join(format!("{:02}-{name}.png", self.step));
        std::fs::write(&path, png).unwrap();
        self.assert_accessible(name).await;
    }

    /// Every visible form field has a label, and every text passes WCAG AA contrast against the
    /// background it is drawn on (4.5:1, or 3:1 for large text).
    pub async fn assert_accessible(&self, page: &str) {
        let found = self
            .client
            .execute(ACCESSIBILITY_CHECK, vec![])
            .await
            .unwrap();
        assert_eq!(
            found["unlabelled"],
            json!([]),
            "{page}: fields without a label"
        );
        assert_eq!(
            found["low_contrast"],
            json!([]),
            "{page}: text below WCAG AA contrast"
        );
    }

    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.unwrap();
    }

    pub async fn text(&self, id: &str) -> String {
        let element = self.client.find(Locator::Id(id)).await;
        let element = element.unwrap_or_else(|e| panic!("#{id}: {e}"));
        element.text().await.unwrap()
    }

    pub async fn click(&self, css: &str) {
        let element = self.client.find(Locator::Css(css)).await;
        let element = element.unwrap_or_else(|e| panic!("{css}: {e}"));
        element.click().await.unwrap();
    }

    /// Types `text` into the field `#id`.
    pub async fn fill(&self, id: &str, text: &str) {
        let element = self.client.find(Locator::Id(id)).await;
        let element = element.unwrap_or_else(|e| panic!("#{id}: {e}"));
        element.send_keys(text).await.unwrap();
    }

    /// Chooses the option whose value is `value` in the select `#id`.
    pub async fn select(&self, id: &str, value: &str) {
        let element = self.client.find(Locator::Id(id)).await;
        let element = element.unwrap_or_else(|e| panic!("#{id}: {e}"));
        element.select_by_value(value).await.unwrap();
    }

    /// Waits (at most 15 s) until the attribute `name` of the elements matching `css` is
    /// `expected`, and returns what it last read: the page a form posts to may still be loading.
    pub async fn wait_for_attributes(
        &self,
        css: &str,
        name: &str,
        expected: &[&str],
    ) -> Vec<String> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            let mut values = Vec::new();
            if let Ok(elements) = self.client.find_all(Locator::Css(css)).await {
                for element in elements {
                    let value = element.attr(name).await.ok().flatten();
                    values.push(value.unwrap_or_default());
                }
            }
            if values == expected || tokio::time::Instant::now() > deadline {
                return values;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The attribute `name` of every element matching `css`.
    pub async fn attributes(&self, css: &str, name: &str) -> Vec<String> {
        let mut values = Vec::new();
        for element in self.client.find_all(Locator::Css(css)).await.unwrap() {
            values.push(element.attr(name).await.unwrap().unwrap_or_default());
        }
        values
    }

    /// Waits (at most 15 s) for a finished download ending in `extension`; returns its bytes.
    pub async fn downloaded(&self, extension: &str) -> Vec<u8> {
        let dir = self.shots.join("downloads");
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            let found = std::fs::read_dir(&dir)
                .unwrap()
                .filter_map(|e| e.ok().map(|e| e.path()))
                .find(|p| p.extension().is_some_and(|e| e == extension));
            if let Some(path) = found {
                return std::fs::read(path).unwrap();
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no .{extension} downloaded into {}",
                dir.display()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn url(&self) -> String {
        self.client.current_url().await.unwrap().to_string()
    }

    /// Waits (at most 15 s) until the browser is on a page whose URL contains `part`, and
    /// returns that URL: a click that submits a form may return before the next page has loaded.
    pub async fn wait_for_url(&self, part: &str) -> String {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            let url = self.url().await;
            if url.contains(part) || tokio::time::Instant::now() > deadline {
                return url;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits (reloading the page, at most 15 s) until `#id` contains `text`.
    pub async fn wait_for_text(&self, id: &str, text: &str) -> String {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            let shown = match self.client.find(Locator::Id(id)).await {
                Ok(element) => element.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if shown.contains(text) || tokio::time::Instant::now() > deadline {
                return shown;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
            self.client.refresh().await.unwrap();
        }
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}

pub fn backend_name(backend: &crate::helpers::Backend) -> &'static str {
    match backend {
        crate::helpers::Backend::Sqlite => "sqlite",
        crate::helpers::Backend::Postgres(_) => "postgres",
    }
}

/// `target/browser-screenshots/<test>/` of this workspace.
fn screenshot_dir(test: &str) -> PathBuf {
    // CARGO_TARGET_TMPDIR is `<target>/tmp`.
    let target = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    target
        .parent()
        .unwrap_or(&target)
        .join("browser-screenshots")
        .join(test)
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// Connects to chromedriver once it listens (it binds its port itself, so this polls) and
/// opens a headless Chromium session that saves downloads into `downloads`.
async fn connect(port: u16, downloads: &std::path::Path) -> Client {
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({"binary": CHROMIUM, "args": ["--headless=new", "--no-sandbox",
            "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1100,1000",
            "--lang=vi-VN"],
            "prefs": {"download.default_directory": downloads.display().to_string(),
                      "download.prompt_for_download": false}}),
    );
    let url = format!("http://127.0.0.1:{port}");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let attempt = ClientBuilder::new(connector)
            .capabilities(capabilities.clone())
            .connect(&url)
            .await;
        match attempt {
            Ok(client) => return client,
            Err(e) if tokio::time::Instant::now() > deadline => {
                panic!("chromedriver on port {port}: {e}")
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}
