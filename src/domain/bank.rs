//! The banks and gateways PayHub collects through.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BankCode {
    Vnpay,
    Vcb,
    Bidv,
}

impl BankCode {
    pub const ALL: [BankCode; 3] = [BankCode::Vnpay, BankCode::Vcb, BankCode::Bidv];

    pub fn parse(text: &str) -> Option<BankCode> {
        match text {
            "vnpay" => Some(BankCode::Vnpay),
            "vcb" => Some(BankCode::Vcb),
            "bidv" => Some(BankCode::Bidv),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            BankCode::Vnpay => "vnpay",
            BankCode::Vcb => "vcb",
            BankCode::Bidv => "bidv",
        }
    }

    /// The name citizens know the bank by, for pages.
    pub fn display_name(self) -> &'static str {
        match self {
            BankCode::Vnpay => "VNPAY",
            BankCode::Vcb => "Vietcombank",
            BankCode::Bidv => "BIDV",
        }
    }
}

impl std::fmt::Display for BankCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// NAPAS bank ids (reference-data.md, "Banks"). Agribank's cards use 970499 besides 970405.
pub const NAPAS_BANK_IDS: &[(&str, &str)] = &[
    ("970436", "Vietcombank"),
    ("970415", "VietinBank"),
    ("970418", "BIDV"),
    ("970405", "Agribank"),
    ("970499", "Agribank"),
    ("970407", "Techcombank"),
    ("970422", "MB"),
    ("970416", "ACB"),
    ("970432", "VPBank"),
    ("970403", "Sacombank"),
    ("970423", "TPBank"),
    ("970437", "HDBank"),
    ("970441", "VIB"),
    ("970443", "SHB"),
    ("970426", "MSB"),
    ("970449", "LPBank"),
    ("970440", "SeABank"),
    ("970431", "Eximbank"),
    ("970448", "OCB"),
    ("970419", "NCB"),
    ("970414", "MBV"),
    ("971011", "VNPT Money"),
    ("971005", "Viettel Money"),
];

pub fn is_known_bank_bin(bin: &str) -> bool {
    NAPAS_BANK_IDS.iter().any(|(id, _)| *id == bin)
}
