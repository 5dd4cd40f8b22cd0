//! PayHub: the payment hub of the National Public Service Portal.

pub mod app;
pub mod banks;
pub mod cli;
pub mod clock;
pub mod config;
pub mod cutover;
pub mod daily_report;
pub mod demo;
pub mod domain;
pub mod http;
pub mod legacy;
pub mod links;
pub mod messages;
pub mod metrics;
pub mod notify;
pub mod payments;
pub mod pending_sync;
pub mod receipt;
pub mod recon;
pub mod scheduler;
pub mod simulated_banks;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod workers;
