//! PayHub end to end: one test binary, real HTTP, real databases (SQLite always, PostgreSQL when
//! `PAYHUB_TEST_POSTGRES_URL` is set, and always in CI).

mod helpers;

mod agencies;
mod bank_faults;
mod bank_incidents;
mod browser;
mod callbacks;
mod checkout;
mod cli;
mod cutover;
mod daily_report;
mod demo;
mod finance_money;
mod finance_tools;
mod foundation;
mod hostile;
mod layout;
mod legacy;
mod notifications;
mod ops_signals;
mod orders;
mod outage;
mod reconciliation;
mod reconciliation_classes;
mod refunds;
mod report_email;
mod report_pages;
mod sync;
mod volume;
