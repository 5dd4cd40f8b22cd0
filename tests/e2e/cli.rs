//! The `payhub` binary as operators run it.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::helpers::{Backend, TestDb};
use crate::on_both_backends;

on_both_backends!(
    keys_are_created_listed_and_revoked_from_the_cli,
    serve_logs_json_and_stops_on_sigterm
);

fn payhub(db: &TestDb) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_payhub"));
    cmd.env("PAYHUB_DATABASE__URL", &db.url)
        .env_remove("PAYHUB_CONFIG");
    cmd
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

async fn keys_are_created_listed_and_revoked_from_the_cli(backend: Backend) {
    let db = TestDb::create(&backend).await;
    assert!(run(payhub(&db).arg("migrate")).contains("migrations applied"));
    let out = run(payhub(&db).args(["keys", "create", "--role", "finance", "--name", "kế toán"]));
    let key = out.lines().last().unwrap();
    assert!(
        key.starts_with("ph_") && key.len() == 35,
        "the key alone on the last line: {out:?}"
    );

    let config = crate::helpers::test_config(&db);
    let store = payhub::store::Store::connect(&config.database)
        .await
        .unwrap();
    let caller = store
        .caller_for_key(key)
        .await
        .unwrap()
        .expect("the printed key works");
    assert_eq!(caller.name, "kế toán");
    let listed = run(payhub(&db).args(["keys", "list"]));
    assert!(listed.contains("finance") && listed.contains("active") && !listed.contains(key));

    run(payhub(&db).args(["keys", "revoke", &caller.key_id.to_string()]));
    assert!(store.caller_for_key(key).await.unwrap().is_none());
    let audit = store
        .audit_entries(Some(&format!("key:{}", caller.key_id)), None, 10)
        .await
        .unwrap();
    let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["key.revoked", "key.created"]);
    assert!(audit[0].actor.starts_with("cli:"));
    store.close().await;
}

async fn serve_logs_json_and_stops_on_sigterm(backend: Backend) {
    let db = TestDb::create(&backend).await;
    let mut child = payhub(&db)
        .args(["serve", "--log-format", "json"])
        .env("PAYHUB_SERVER__LISTEN", "127.0.0.1:0")
        .env("PAYHUB_LOG", "info")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let first: serde_json::Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert_eq!(first["message"], "PayHub is serving");
    assert!(first["port"].as_u64().unwrap() > 0);
    let term = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "graceful exit on SIGTERM: {status:?}");
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(rest.iter().any(|l| l.contains("shutting down")), "{rest:?}");
}
