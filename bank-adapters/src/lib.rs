//! Sans-IO adapters for the banks PayHub collects through (see ../shared/spec/banks/).
//!
//! Everything here is a pure, synchronous function: build a URL or a signed request body, verify
//! and parse what a bank sent, parse a daily statement. The hub does the HTTP and the storage.
//! Each bank's wire details live in its own `wire.rs` (`vnpay::wire`, `vcb::wire`, `bidv::wire`);
//! what leaves a bank module is one of the normalized types below.
//!
//! The only way to get a [`Callback`] is through a bank's verify function, so code holding one
//! knows its signature was good.
#![warn(missing_docs)] // STYLE.md rule 11: `///` on every pub item of this crate.

use std::fmt;

use serde::{Deserialize, Serialize};

pub mod bidv;
mod callback;
mod compact_time;
mod csv;
mod query;
pub mod signing;
#[cfg(feature = "simulator")]
pub mod simulator;
mod statement;
mod text;
pub mod vcb;
pub mod vietqr;
pub mod vnpay;

pub use callback::{Callback, CallbackDetail, RefundStatus, TxnStatus};
pub use payhub_money::Vnd;
pub use statement::{LineKind, LineStatus, StatementError, StatementLine};
/// Vietnamese text without diacritics, as banks and SMS brandname gateways take it.
pub use text::plain_ascii;

/// The banks PayHub collects through. Serialized lowercase, as in api.md (`"bank":"vcb"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BankCode {
    /// VNPAY payment gateway (vnpay.md).
    Vnpay,
    /// Vietcombank collection gateway (vcb.md).
    Vcb,
    /// BIDV bill collection (bidv.md).
    Bidv,
}

impl BankCode {
    /// Every bank, in a stable order (for menus, schedulers and tests).
    pub const ALL: [BankCode; 3] = [BankCode::Vnpay, BankCode::Vcb, BankCode::Bidv];

    /// Parses the lowercase code used in routes, forms and config (`vnpay`, `vcb`, `bidv`).
    pub fn parse(code: &str) -> Result<BankCode, BankError> {
        match code {
            "vnpay" => Ok(BankCode::Vnpay),
            "vcb" => Ok(BankCode::Vcb),
            "bidv" => Ok(BankCode::Bidv),
            other => Err(BankError::UnknownBank(other.chars().take(40).collect())),
        }
    }

    /// The lowercase code, the inverse of [`BankCode::parse`].
    pub fn as_str(self) -> &'static str {
        match self {
            BankCode::Vnpay => "vnpay",
            BankCode::Vcb => "vcb",
            BankCode::Bidv => "bidv",
        }
    }
}

impl fmt::Display for BankCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for BankCode {
    type Err = BankError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        BankCode::parse(s)
    }
}

/// Any adapter's error, for code that handles all banks alike.
#[derive(Debug, thiserror::Error)]
pub enum BankError {
    /// A bank code that is not `vnpay`, `vcb` or `bidv`.
    #[error("unknown bank {0:?}")]
    UnknownBank(String),
    /// From the VNPAY adapter.
    #[error(transparent)]
    Vnpay(#[from] vnpay::VnpayError),
    /// From the VCB adapter.
    #[error(transparent)]
    Vcb(#[from] vcb::VcbError),
    /// From the BIDV adapter.
    #[error(transparent)]
    Bidv(#[from] bidv::BidvError),
    /// A statement file that was rejected whole.
    #[error(transparent)]
    Statement(#[from] StatementError),
}

/// Parses one day's statement file of `bank`, fetched or uploaded (statements.md: both paths parse
/// the same way). A file that fails anywhere is rejected whole.
pub fn parse_statement(bank: BankCode, file: &[u8]) -> Result<Vec<StatementLine>, StatementError> {
    match bank {
        BankCode::Vnpay => vnpay::parse_statement(file),
        BankCode::Vcb => vcb::parse_statement(file),
        BankCode::Bidv => bidv::parse_statement(file),
    }
}

/// [`parse_statement`], each line handed to `emit` as it is parsed, so the caller can keep lines
/// in its own form without holding the adapter's too (VNPAY and VCB are read a record at a time;
/// BIDV's count, sum and hash are checked over the whole file first). On an error some lines may
/// already have been emitted: the file is still rejected whole, and the caller drops them.
pub fn each_statement_line(
    bank: BankCode,
    file: &[u8],
    emit: impl FnMut(StatementLine),
) -> Result<(), StatementError> {
    match bank {
        BankCode::Vnpay => vnpay::each_statement_line(file, emit),
        BankCode::Vcb => vcb::each_statement_line(file, emit),
        BankCode::Bidv => {
            bidv::parse_statement(file)?.into_iter().for_each(emit);
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bank_codes_round_trip_through_text_and_json() {
        for bank in BankCode::ALL {
            assert_eq!(BankCode::parse(bank.as_str()).unwrap(), bank);
            let json = serde_json::to_string(&bank).unwrap();
            assert_eq!(json, format!("\"{bank}\""));
            assert_eq!(serde_json::from_str::<BankCode>(&json).unwrap(), bank);
        }
        assert!(BankCode::parse("VCB").is_err());
        assert!(BankCode::parse("").is_err());
    }
}
