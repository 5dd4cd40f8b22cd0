//! The previous national payment platform's message set 1.0.6 (legacy-platform.md), so that a
//! dossier system built for it moves to PayHub by changing one URL. The HTTP side is
//! `http/legacy/`; this module holds the protocol (checksums, wire fields, CONFIRM delivery) and
//! the INIT operation.

pub mod checksum;
pub mod confirm;
pub mod init;
pub mod wire;

use crate::config::{Config, LegacyPartner};
use crate::domain::bank::BankCode;

/// The configured partner with this `MaDoiTac`.
pub fn partner<'a>(config: &'a Config, code: &str) -> Option<&'a LegacyPartner> {
    config.legacy.partners.iter().find(|p| p.code == code)
}

/// `MaNganHang` as the message set writes banks (and as INIT accepts them).
pub fn bank_short_code(bank: BankCode) -> &'static str {
    match bank {
        BankCode::Vnpay => "VNPAY",
        BankCode::Vcb => "VCB",
        BankCode::Bidv => "BIDV",
    }
}
