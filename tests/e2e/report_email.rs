//! The daily report emailed on its schedule (messages.md §2) through an SMTP server of the
//! test's own, once however many instances see the firing.

use std::io::Cursor;
use std::sync::{Arc, Mutex};

use base64::Engine;
use calamine::{Data, Reader, Xlsx};
use chrono::Duration as Minutes;
use payhub::app::AppState;
use payhub::config::{EmailConfig, ReportRecipients};
use payhub::daily_report::schedule::{send_due, Sent};
use payhub::store::Store;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::daily_report::{paid, play};
use crate::helpers::{spawn_app_with_banks_and, Backend, AGENCY};
use crate::on_both_backends;
use crate::orders::count;
use crate::reconciliation::today;

on_both_backends!(the_daily_report_is_emailed_once_by_two_instances_at_its_hour);

/// One email as the server received it: the envelope's recipients and the message.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    pub(crate) to: Vec<String>,
    pub(crate) data: String,
}

/// A minimal SMTP server (RFC 5321's commands, no extensions): it takes every message.
pub(crate) async fn smtp_server() -> (u16, Arc<Mutex<Vec<Received>>>) {
    smtp_server_on(0).await
}

/// [`smtp_server`] on `port` of 127.0.0.1 (0 for a free one).
pub(crate) async fn smtp_server_on(port: u16) -> (u16, Arc<Mutex<Vec<Received>>>) {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    let port = listener.local_addr().unwrap().port();
    let inbox = Arc::new(Mutex::new(Vec::new()));
    let kept = inbox.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(session(socket, kept.clone()));
        }
    });
    (port, inbox)
}

async fn session(socket: tokio::net::TcpStream, inbox: Arc<Mutex<Vec<Received>>>) {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read).lines();
    let _ = write.write_all(b"220 test.local ESMTP\r\n").await;
    let mut to = Vec::new();
    while let Ok(Some(line)) = lines.next_line().await {
        let command = line.to_ascii_uppercase();
        let reply: &[u8] = if command.starts_with("EHLO") || command.starts_with("HELO") {
            b"250 test.local\r\n"
        } else if command.starts_with("RCPT TO:") {
            to.push(
                line[8..]
                    .trim_matches(|c| c == '<' || c == '>' || c == ' ')
                    .to_owned(),
            );
            b"250 OK\r\n"
        } else if command.starts_with("DATA") {
            let _ = write.write_all(b"354 go on\r\n").await;
            let mut data = String::new();
            while let Ok(Some(l)) = lines.next_line().await {
                if l == "." {
                    break;
                }
                data.push_str(&l);
                data.push('\n');
            }
            let to = std::mem::take(&mut to);
            inbox.lock().unwrap().push(Received { to, data });
            b"250 queued\r\n"
        } else if command.starts_with("QUIT") {
            let _ = write.write_all(b"221 bye\r\n").await;
            return;
        } else {
            b"250 OK\r\n"
        };
        let _ = write.write_all(reply).await;
    }
}

/// The base64 body of the part whose file name starts with `name`.
fn attachment(data: &str, name: &str) -> Vec<u8> {
    let at = data
        .find(&format!("filename=\"{name}"))
        .expect("the attachment");
    let body = &data[at + data[at..].find("\n\n").unwrap() + 2..];
    let b64: String = body.lines().take_while(|l| !l.starts_with("--")).collect();
    base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .unwrap()
}

async fn the_daily_report_is_emailed_once_by_two_instances_at_its_hour(backend: Backend) {
    let (port, inbox) = smtp_server().await;
    let app = spawn_app_with_banks_and(backend, |c| {
        c.reports.daily = Some("0 0 16 * * *".into());
        c.reports.recipients = vec![
            ReportRecipients {
                group: "H29".into(),
                emails: vec!["stc@hanoi.gov.vn".into()],
            },
            ReportRecipients {
                group: "ALL".into(),
                emails: vec!["ops@payhub.gov.vn".into(), "vpcp@chinhphu.vn".into()],
            },
        ];
        c.messages.email = Some(EmailConfig {
            smtp_url: format!("smtp://127.0.0.1:{port}"),
            from: "PayHub <payhub@dichvucong.gov.vn>".into(),
            username: None,
            password: None,
        });
    })
    .await;
    app.seed_agency(AGENCY, "http://localhost:9/notify").await;
    let id = play(&app, AGENCY, "000.00.12.H29-1", "vcb", "approve").await;
    paid(&app, &id).await;

    let one = AppState::new(app.store.clone(), app.config.clone(), app.clock.clone());
    let other_store = Store::connect(&app.config.database).await.unwrap();
    let two = AppState::new(other_store, app.config.clone(), app.clock.clone());
    assert_eq!(
        send_due(&one, app.clock.now()).await.unwrap(),
        None,
        "10:00 is before its hour"
    );

    app.move_clocks_by(Minutes::hours(6) + Minutes::seconds(30));
    let at = app.clock.now();
    let (a, b) = tokio::join!(send_due(&one, at), send_due(&two, at));
    let sent: Vec<Sent> = [a.unwrap(), b.unwrap()].into_iter().flatten().collect();
    assert_eq!(
        sent,
        [Sent::All { emails: 2 }],
        "one instance sent, once per recipient entry"
    );
    let later = send_due(&two, at + Minutes::minutes(10)).await.unwrap();
    assert_eq!(later, None, "the firing is not sent again");
    assert_eq!(
        count(
            &app,
            "select count(*) from job_runs where job = 'report:daily' and outcome = 'succeeded'"
        )
        .await,
        1
    );

    let inbox = inbox.lock().unwrap().clone();
    assert_eq!(inbox.len(), 2, "{inbox:?}");
    let province = inbox
        .iter()
        .find(|m| m.to == ["stc@hanoi.gov.vn"])
        .expect("H29's email");
    let national = inbox
        .iter()
        .find(|m| m.to.len() == 2)
        .expect("the national email");
    assert_eq!(national.to, ["ops@payhub.gov.vn", "vpcp@chinhphu.vn"]);
    assert!(province
        .data
        .contains("From: PayHub <payhub@dichvucong.gov.vn>"));
    assert!(province.data.contains("text/plain"));
    let name = format!("bao-cao-{}-H29.xlsx", today(&app));
    let bytes = attachment(&province.data, &name);
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    assert_eq!(book.sheet_names(), ["Toàn quốc", "H29"]);
    let h29 = book.worksheet_range("H29").unwrap();
    let paid_row = h29
        .rows()
        .find(|r| r.first() == Some(&Data::String("Đơn đã thanh toán".into())))
        .unwrap();
    assert_eq!(
        paid_row[1],
        Data::Float(1.0),
        "the day's payment is in the report"
    );
}
