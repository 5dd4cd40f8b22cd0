//! PayHub end to end: one test binary, real HTTP, real databases (SQLite always, PostgreSQL when
//! `PAYHUB_TEST_POSTGRES_URL` is set, and always in CI).

mod helpers;

mod agencies;
mod bank_faults;
mod bank_incidents;
mod browser;
mod callbacks;
mod checkout;
mod citizen_messages;
mod cli;
mod cutover;
mod daily_report;
mod demo;
mod finance_money;
mod finance_tools;
mod foundation;
mod hostile;
mod journey;
mod layout;
mod legacy;
mod notifications;
mod ops_signals;
mod orders;
mod outage;
mod receipts;
mod reconciliation;
mod reconciliation_classes;
mod refunds;
mod report_email;
mod report_pages;
mod sync;
mod vietqr;
mod vietqr_faults;
mod vietqr_recon;
mod volume;
