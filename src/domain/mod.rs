//! Domain types: parsed at the edge, trusted everywhere else. No I/O here.

pub mod agency;
pub mod attempt;
pub mod bank;
pub mod credit;
pub mod fold;
pub mod keys;
pub mod notification;
pub mod order;
pub mod refund;
pub mod state;
pub mod text;

pub use payhub_money::{MoneyError, Vnd};
