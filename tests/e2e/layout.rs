//! The shape of the code (STYLE.md, "Layout we recommend"), read from `src/`: the web layer is a
//! leaf, the store speaks domain types, and no file grows past what a reader takes in.

use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every `src/**/*.rs`, as (path relative to `src/`, text).
fn hub_files() -> Vec<(String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut paths = Vec::new();
    sources(&src, &mut paths);
    paths.sort();
    let files: Vec<_> = paths
        .iter()
        .map(|p| {
            let relative = p
                .strip_prefix(&src)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (relative, std::fs::read_to_string(p).unwrap())
        })
        .collect();
    assert!(files.len() > 50, "the hub's sources were not found");
    files
}

/// The lines of `text` outside its `#[cfg(test)]` module, if it has one at the end.
fn code(text: &str) -> &str {
    text.split("#[cfg(test)]\nmod tests").next().unwrap_or(text)
}

#[test]
fn nothing_outside_the_web_layer_start_up_and_the_demo_imports_it() {
    let offenders: Vec<String> = hub_files()
        .into_iter()
        .filter(|(path, _)| {
            !(path.starts_with("http/") || path == "startup.rs" || path.starts_with("demo/"))
        })
        .filter(|(_, text)| text.contains("crate::http"))
        .map(|(path, _)| path)
        .collect();
    assert!(
        offenders.is_empty(),
        "these import the web layer: {offenders:?}"
    );
}

#[test]
fn the_shared_state_lives_in_app_rs() {
    let defined: Vec<String> = hub_files()
        .into_iter()
        .filter(|(_, text)| text.contains("pub struct AppState"))
        .map(|(path, _)| path)
        .collect();
    assert_eq!(defined, ["app.rs"]);
}

#[test]
fn the_store_takes_domain_types_and_renders_nothing() {
    for (path, text) in hub_files() {
        if !path.starts_with("store/") {
            continue;
        }
        for banned in ["bank_adapters", "public_url", "crate::links", "LoaiBanTin"] {
            assert!(
                !code(&text).contains(banned),
                "src/{path} mentions {banned}: the store keeps facts in domain types"
            );
        }
    }
}

/// The calls of `text` to an adapter's request builders: `vnpay::…_body(`, `vcb::payment_url(`…
fn request_builder_calls(text: &str) -> Vec<String> {
    let mut calls = Vec::new();
    for bank in ["vnpay::", "vcb::", "bidv::"] {
        for (at, _) in text.match_indices(bank) {
            let rest = &text[at + bank.len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let called = rest[name.len()..].starts_with('(');
            if called && (name.ends_with("_body") || name == "payment_url") {
                calls.push(format!("{bank}{name}"));
            }
        }
    }
    calls
}

#[test]
fn only_the_bank_clients_call_the_banks() {
    // The adapters build what goes to a bank; only `banks/` sends it. Callbacks verify what a
    // bank sent (the web layer), and the simulators are the banks themselves. The cutover
    // rehearsal plays the previous platform too, which made its own bank pages.
    let mut builders_called_in_banks = 0;
    for (path, text) in hub_files() {
        let calls = request_builder_calls(code(&text));
        if path.starts_with("banks/") {
            builders_called_in_banks += calls.len();
        } else if path != "demo/cutover.rs" {
            assert!(calls.is_empty(), "src/{path} sends to a bank: {calls:?}");
        }
    }
    assert!(
        builders_called_in_banks >= 6,
        "the bank clients' calls were not found"
    );
}

#[test]
fn no_source_file_of_the_hub_is_over_500_lines() {
    let long: Vec<(String, usize)> = hub_files()
        .into_iter()
        .map(|(path, text)| (path, text.lines().count()))
        .filter(|(_, lines)| *lines > 500)
        .collect();
    assert!(long.is_empty(), "split these: {long:?}");
}
