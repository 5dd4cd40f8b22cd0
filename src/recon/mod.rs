//! Reconciliation in the hub (statements.md): get a bank's daily statement (fetched over HTTP,
//! uploaded by finance staff, or given to the CLI), parse it whole with the bank's adapter, read
//! PayHub's own records of the neighbouring days and the beneficiary-account history, run the
//! pure `reconciliation` engine, store the run, and confirm lost callbacks with the bank.

pub mod cli;
pub mod csv;
pub mod entries;
pub mod fetch;
pub mod input;
pub mod money;
pub mod progress;
pub mod recover;
pub mod run;
pub mod settlement;
pub mod summary;
pub mod transfers;
pub mod xlsx;

pub use recover::confirm_and_apply_missing;
pub use run::{reconcile_statement, ReconError, Statement};
