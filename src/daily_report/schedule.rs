//! The daily report on a schedule (messages.md §2): `[reports] daily` (cron with seconds, GMT+7)
//! makes the report of the firing's day and emails each `[[reports.recipients]]` entry its
//! group's report (the national summary included; group `ALL` gets every group), as text with
//! the workbook attached. Once across all instances: each firing is claimed in `job_runs` as
//! reconciliation's are (`scheduler`), so the instance whose claim succeeds sends, the others
//! skip it.

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, FixedOffset, Utc};
use cron::Schedule;
use serde::Deserialize;

use super::{daily_report, text, xlsx, DailyReport, NATIONAL};
use crate::app::{AppState, Shutdown};
use crate::messages::email::{Email, EmailAttachment, Mailer};
use crate::scheduler::{instance, latest_slot, LEASE};
use crate::store::StoreError;

/// The daily operations report (messages.md §2): when it is made and emailed, and to whom.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct ReportsConfig {
    /// Cron with seconds, GMT+7 (`"0 0 16 * * *"`); without it the report is not emailed.
    pub daily: Option<String>,
    pub recipients: Vec<ReportRecipients>,
}

/// Who receives one agency group's report (`group = "H26"`), or the national one (`"ALL"`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportRecipients {
    pub group: String,
    pub emails: Vec<String>,
}

/// Refuses at start-up what would only fail at 16:00: a cron that does not parse, a schedule
/// with no SMTP server to send through, a group that is not `Gxx`, `Hxx` or `ALL`, an address
/// that is not one.
pub fn validate(
    r: &ReportsConfig,
    email: Option<&crate::messages::EmailConfig>,
) -> Result<(), String> {
    if let Some(cron) = &r.daily {
        Schedule::from_str(cron).map_err(|e| format!("daily {cron:?}: {e}"))?;
        if email.is_none() {
            return Err("daily needs [messages.email] to send the report through".into());
        }
    }
    for to in &r.recipients {
        if to.group != NATIONAL && !super::figures::is_group_code(&to.group) {
            return Err(format!("recipients group {:?}: Gxx, Hxx or ALL", to.group));
        }
        if to.emails.is_empty() {
            return Err(format!("recipients of {}: no email", to.group));
        }
        for address in &to.emails {
            address
                .parse::<lettre::message::Mailbox>()
                .map_err(|e| format!("recipients of {}: {address:?}: {e}", to.group))?;
        }
    }
    Ok(())
}

pub const JOB: &str = "report:daily";
const TICK: Duration = Duration::from_secs(20);
/// A send the SMTP server refused is tried again this many times, after these pauses.
const RETRIES: [Duration; 2] = [Duration::from_secs(2), Duration::from_secs(10)];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    /// Every recipient entry got its email.
    All { emails: usize },
    /// Some could not be sent (named in `job_runs.detail`).
    Partly { sent: usize, failed: usize },
}

fn configured(app: &AppState) -> Option<(Schedule, Mailer)> {
    let cron = app.config.reports.daily.as_deref()?;
    let schedule = Schedule::from_str(cron)
        .map_err(|e| tracing::error!(error = %e, "reports.daily is not a valid cron expression"))
        .ok()?;
    let Some(email) = &app.config.messages.email else {
        tracing::error!("reports.daily is set but [messages.email] is not: no report is sent");
        return None;
    };
    let mailer = Mailer::new(email)
        .map_err(|e| tracing::error!(error = %e, "the daily report cannot be emailed"))
        .ok()?;
    Some((schedule, mailer))
}

/// Claims the firing due at `now` if no instance has, makes the report and sends it: `None`
/// when nothing was due or another instance has it.
pub async fn send_due(app: &AppState, now: DateTime<Utc>) -> Result<Option<Sent>, StoreError> {
    let Some((schedule, mailer)) = configured(app) else {
        return Ok(None);
    };
    let Some(slot) = latest_slot(&schedule, now) else {
        return Ok(None);
    };
    send_slot(app, &mailer, slot, now).await
}

async fn send_slot(
    app: &AppState,
    mailer: &Mailer,
    slot: DateTime<FixedOffset>,
    now: DateTime<Utc>,
) -> Result<Option<Sent>, StoreError> {
    let slot_name = slot.to_rfc3339();
    if !(app.store)
        .claim_job(JOB, &slot_name, &instance(), now, now + LEASE)
        .await?
    {
        return Ok(None);
    }
    let (outcome, detail) = match daily_report(app, slot.date_naive(), None).await {
        Ok(report) => send_all(app, mailer, &report).await,
        Err(e) => (Sent::Partly { sent: 0, failed: 1 }, Some(e.to_string())),
    };
    let name = match outcome {
        Sent::All { .. } => "succeeded",
        Sent::Partly { .. } => "failed",
    };
    (app.store)
        .finish_job(
            JOB,
            &slot_name,
            name,
            None,
            detail.as_deref(),
            app.clock.now(),
        )
        .await?;
    Ok(Some(outcome))
}

async fn send_all(app: &AppState, mailer: &Mailer, report: &DailyReport) -> (Sent, Option<String>) {
    let (mut sent, mut failures) = (0, Vec::new());
    for to in &app.config.reports.recipients {
        match send_one(mailer, report, to).await {
            Ok(()) => sent += 1,
            Err(e) => {
                tracing::error!(group = %to.group, error = %e, "the daily report was not sent");
                failures.push(format!("{}: {e}", to.group));
            }
        }
    }
    if failures.is_empty() {
        (Sent::All { emails: sent }, None)
    } else {
        let failed = failures.len();
        (Sent::Partly { sent, failed }, Some(failures.join("; ")))
    }
}

async fn send_one(
    mailer: &Mailer,
    report: &DailyReport,
    to: &ReportRecipients,
) -> Result<(), crate::messages::email::EmailError> {
    let mut of_group = report.clone();
    if to.group != NATIONAL {
        of_group.groups.retain(|g| g.group == to.group);
    }
    let workbook = xlsx::report_xlsx(&of_group)
        .map_err(|e| crate::messages::email::EmailError::Build(format!("the workbook: {e}")))?;
    let email = Email {
        to: to.emails.clone(),
        subject: format!(
            "Báo cáo vận hành PayHub ngày {} – {}",
            report.date.format("%d/%m/%Y"),
            to.group
        ),
        text: text::report_text(&of_group),
        html: None,
        attachments: vec![EmailAttachment {
            file_name: format!("bao-cao-{}-{}.xlsx", report.date, to.group),
            content_type: XLSX_MIME.into(),
            bytes: workbook,
        }],
    };
    let mut result = mailer.send(&email).await;
    for pause in RETRIES {
        if result.is_ok() {
            break;
        }
        tokio::time::sleep(pause).await;
        result = mailer.send(&email).await;
    }
    result
}

pub const XLSX_MIME: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The loop: every tick, send the due report if no instance has. A firing stays due for the
/// scheduler's lookback; this instance asks for it once per lease, not every tick (each ask is
/// a write). Stops on shutdown.
pub async fn run(app: AppState, mut stop: Shutdown) {
    let Some((schedule, mailer)) = configured(&app) else {
        return;
    };
    let mut asked: Option<(DateTime<FixedOffset>, DateTime<Utc>)> = None;
    while !*stop.borrow() {
        let now = app.clock.now();
        let due = latest_slot(&schedule, now).filter(|slot| match asked {
            Some((last, again)) => *slot != last || now >= again,
            None => true,
        });
        if let Some(slot) = due {
            asked = Some((slot, now + LEASE));
            if let Err(e) = send_slot(&app, &mailer, slot, now).await {
                tracing::error!(error.cause_chain = ?e, "the daily report's schedule failed");
                asked = None;
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(TICK) => {}
            changed = stop.changed() => if changed.is_err() { break },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reports(daily: Option<&str>, group: &str, email: &str) -> ReportsConfig {
        ReportsConfig {
            daily: daily.map(str::to_owned),
            recipients: vec![ReportRecipients {
                group: group.into(),
                emails: vec![email.into()],
            }],
        }
    }

    #[test]
    fn a_schedule_that_could_not_send_is_refused_at_start_up() {
        let smtp = crate::messages::EmailConfig {
            smtp_url: "smtp://127.0.0.1:25".into(),
            from: "payhub@dichvucong.gov.vn".into(),
            username: None,
            password: None,
        };
        let ok = reports(Some("0 0 16 * * *"), "H26", "stc@hanoi.gov.vn");
        assert_eq!(validate(&ok, Some(&smtp)), Ok(()));
        assert!(validate(&ok, None).is_err(), "no SMTP server");
        let bad_cron = reports(Some("at four"), "H26", "stc@hanoi.gov.vn");
        assert!(validate(&bad_cron, Some(&smtp)).is_err());
        assert!(validate(&reports(None, "Hanoi", "stc@hanoi.gov.vn"), None).is_err());
        assert!(validate(&reports(None, "ALL", "not an address"), None).is_err());
    }
}
