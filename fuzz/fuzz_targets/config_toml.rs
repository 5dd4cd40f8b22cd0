//! PayHub's configuration (src/config.rs): `Config::load_with_env`, the real path from a TOML file
//! plus `PAYHUB_*__*` overrides to a validated `Config`. The input is the file's text, then
//! optionally a NUL byte and override lines `NAME=value`.
#![no_main]

use std::io::Write;
use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use payhub::config::Config;

/// One file per fuzzing process, in memory where the machine has /dev/shm.
fn config_path() -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let dir = std::path::Path::new("/dev/shm");
        let dir = if dir.is_dir() {
            dir.to_path_buf()
        } else {
            std::env::temp_dir()
        };
        dir.join(format!("payhub-fuzz-config-{}.toml", std::process::id()))
    })
}

fuzz_target!(|data: &[u8]| {
    let (text, overrides) = match data.iter().position(|&b| b == 0) {
        Some(cut) => (&data[..cut], &data[cut + 1..]),
        None => (data, &[][..]),
    };
    let Ok(overrides) = std::str::from_utf8(overrides) else {
        return;
    };
    let env: Vec<(String, String)> = overrides
        .lines()
        .filter_map(|line| line.split_once('='))
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect();
    let path = config_path();
    std::fs::File::create(path)
        .and_then(|mut file| file.write_all(text))
        .expect("the fuzzer's own config file is writable");
    if let Ok(config) = Config::load_with_env(Some(path), env.clone()) {
        // Loading is deterministic, and a loaded config's public URL never ends in '/'.
        assert!(!config.server.public_url.ends_with('/'));
        assert!(Config::load_with_env(Some(path), env).is_ok());
    }
});
