//! The banks and gateways PayHub collects through (the adapters' `BankCode`), and NAPAS ids.

pub use bank_adapters::BankCode;

/// Parses a stored or submitted bank code.
pub fn bank_code(text: &str) -> Option<BankCode> {
    BankCode::parse(text).ok()
}

/// The name citizens know the bank by, for pages.
pub fn display_name(bank: BankCode) -> &'static str {
    match bank {
        BankCode::Vnpay => "VNPAY",
        BankCode::Vcb => "Vietcombank",
        BankCode::Bidv => "BIDV",
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
