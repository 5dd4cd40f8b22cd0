//! The previous platform's transaction export (cutover.md §1): its columns, a row read into what
//! PayHub can store, and a row written back from PayHub's records.

use chrono::{DateTime, Utc};

use crate::domain::agency::{AgencyCode, FeeKind, ProcedureCode};
use crate::domain::bank::BankCode;
use crate::domain::order::MAX_ORDER_TOTAL;
use crate::domain::text::text_problem;
use crate::legacy::bank_short_code;
use crate::legacy::checksum::{legacy_time, parse_legacy_time};

/// The export's columns, in the order PayHub writes them.
pub const COLUMNS: [&str; 18] = [
    "MaDoiTac",
    "MaThamChieu",
    "MaHoSo",
    "MaDonVi",
    "MaTTHC",
    "SoTien",
    "Phi",
    "LePhi",
    "KhoanKhac",
    "TrangThai",
    "MaNganHang",
    "MaThamChieuNH",
    "MaGiaoDich",
    "ThoiGianTao",
    "ThoiGianThanhToan",
    "TKThuHuong",
    "MaNHThuHuong",
    "HoTenNguoiNop",
];

/// `TrangThai`: where the payment request stood on the platform that wrote the row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LegacyState {
    /// `khoi-tao`: started, not final; continues in PayHub.
    Started,
    /// `thanh-cong`
    Paid,
    /// `that-bai`: failed or expired.
    Failed,
    /// `hoan-tien`
    Refunded,
}

impl LegacyState {
    pub fn parse(text: &str) -> Option<LegacyState> {
        match text {
            "khoi-tao" => Some(LegacyState::Started),
            "thanh-cong" => Some(LegacyState::Paid),
            "that-bai" => Some(LegacyState::Failed),
            "hoan-tien" => Some(LegacyState::Refunded),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LegacyState::Started => "khoi-tao",
            LegacyState::Paid => "thanh-cong",
            LegacyState::Failed => "that-bai",
            LegacyState::Refunded => "hoan-tien",
        }
    }

    /// Money moved: the row carries the bank's transaction and its time.
    pub fn is_paid(self) -> bool {
        matches!(self, LegacyState::Paid | LegacyState::Refunded)
    }
}

/// `MaNganHang` read back.
fn parse_bank(text: &str) -> Option<BankCode> {
    [BankCode::Vnpay, BankCode::Vcb, BankCode::Bidv]
        .into_iter()
        .find(|b| bank_short_code(*b) == text)
}

/// One row of the export, checked: everything PayHub stores of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyPayment {
    pub partner: String,
    pub reference: String,
    pub dossier_code: String,
    pub agency_code: AgencyCode,
    pub procedure_code: ProcedureCode,
    pub amount: i64,
    /// Phí, lệ phí and other items, in that order; 0 where the row has none.
    pub by_kind: [(FeeKind, i64); 3],
    pub state: LegacyState,
    /// The bank, its reference for the attempt, and its transaction id once known.
    pub bank: Option<BankAttempt>,
    pub created_at: DateTime<Utc>,
    pub paid_at: Option<DateTime<Utc>>,
    pub account: String,
    pub account_bin: String,
    pub payer_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankAttempt {
    pub bank: BankCode,
    pub reference: String,
    pub txn_id: Option<String>,
}

/// Where each of [`COLUMNS`] sits in a file's header: files are read by column name, so a
/// reordered export still reads; a missing column refuses every row, naming it.
pub struct ColumnMap([usize; 18]);

impl ColumnMap {
    pub fn new(header: &csv::StringRecord) -> Result<ColumnMap, String> {
        let mut at = [0; 18];
        for (i, name) in COLUMNS.iter().enumerate() {
            at[i] = header
                .iter()
                .position(|h| h.trim_start_matches('\u{feff}') == *name)
                .ok_or_else(|| format!("the file has no column {name}"))?;
        }
        Ok(ColumnMap(at))
    }

    /// The row's fields in [`COLUMNS`] order.
    pub fn fields<'r>(&self, record: &'r csv::StringRecord) -> [&'r str; 18] {
        self.0.map(|i| record.get(i).unwrap_or(""))
    }
}

/// Reads one row; the error is the reason the row is refused, for the refused file.
pub fn parse_row(f: [&str; 18]) -> Result<LegacyPayment, String> {
    for (name, value) in COLUMNS.iter().zip(f) {
        if let Some(problem) = text_problem(value, 400) {
            return Err(format!("{name} {problem}"));
        }
    }
    let [partner, reference, dossier, agency, procedure, amount, fee, charge, other, state, bank, bank_ref, txn, created, paid, account, bin, payer] =
        f;
    let required = |name: &str, v: &str| {
        if v.trim().is_empty() {
            Err(format!("{name} is empty"))
        } else {
            Ok(v.trim().to_owned())
        }
    };
    let state =
        LegacyState::parse(state).ok_or_else(|| format!("TrangThai {state:?} is not known"))?;
    let amount = dong("SoTien", amount, false)?;
    let by_kind = [
        (FeeKind::Fee, dong("Phi", fee, true)?),
        (FeeKind::Charge, dong("LePhi", charge, true)?),
        (FeeKind::Service, dong("KhoanKhac", other, true)?),
    ];
    let items: i64 = by_kind.iter().map(|(_, v)| v).sum();
    if items != amount {
        return Err(format!(
            "Phi + LePhi + KhoanKhac = {items}, not SoTien {amount}"
        ));
    }
    let bank = parse_attempt(state, bank, bank_ref, txn)?;
    let time = |name: &str, v: &str| {
        parse_legacy_time(v).ok_or_else(|| format!("{name} {v:?} is not yyyyMMddHHmmss"))
    };
    let paid_at = match (state.is_paid(), paid.is_empty()) {
        (true, _) => Some(time("ThoiGianThanhToan", paid)?),
        (false, true) => None,
        (false, false) => return Err("ThoiGianThanhToan is set on an unpaid row".into()),
    };
    Ok(LegacyPayment {
        partner: required("MaDoiTac", partner)?,
        reference: required("MaThamChieu", reference)?,
        dossier_code: required("MaHoSo", dossier)?,
        agency_code: AgencyCode::parse(agency).map_err(|e| format!("MaDonVi {}", e.reason))?,
        procedure_code: ProcedureCode::parse(procedure)
            .map_err(|e| format!("MaTTHC {}", e.reason))?,
        amount,
        by_kind,
        state,
        bank,
        created_at: time("ThoiGianTao", created)?,
        paid_at,
        account: account.trim().to_owned(),
        account_bin: bin.trim().to_owned(),
        payer_name: payer.trim().to_owned(),
    })
}

/// Whole đồng as digits; `optional` columns may be empty (0).
fn dong(name: &str, text: &str, optional: bool) -> Result<i64, String> {
    if optional && text.is_empty() {
        return Ok(0);
    }
    let bad = || format!("{name} {text:?} is not a whole number of đồng");
    if text.is_empty() || text.len() > 13 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let value: i64 = text.parse().map_err(|_| bad())?;
    match (value, optional) {
        (0, false) => Err(format!("{name} is 0")),
        (v, _) if v > MAX_ORDER_TOTAL => Err(format!("{name} is over {MAX_ORDER_TOTAL}")),
        (v, _) => Ok(v),
    }
}

/// The bank columns: a bank needs its reference; money moved needs a bank and its transaction.
fn parse_attempt(
    state: LegacyState,
    bank: &str,
    reference: &str,
    txn: &str,
) -> Result<Option<BankAttempt>, String> {
    if bank.is_empty() {
        if state.is_paid() {
            return Err(format!("MaNganHang is empty on a {} row", state.as_str()));
        }
        if !reference.is_empty() || !txn.is_empty() {
            return Err("MaThamChieuNH or MaGiaoDich is set without MaNganHang".into());
        }
        return Ok(None);
    }
    let bank = parse_bank(bank).ok_or_else(|| format!("MaNganHang {bank:?} is not known"))?;
    if reference.is_empty() || !reference.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(format!(
            "MaThamChieuNH {reference:?} is not a bank reference (letters and digits)"
        ));
    }
    if state.is_paid() && txn.is_empty() {
        return Err(format!("MaGiaoDich is empty on a {} row", state.as_str()));
    }
    Ok(Some(BankAttempt {
        bank,
        reference: reference.to_owned(),
        txn_id: (!txn.is_empty()).then(|| txn.to_owned()),
    }))
}

/// One row written back, in [`COLUMNS`] order.
pub fn row_fields(p: &LegacyPayment) -> [String; 18] {
    let attempt = p.bank.as_ref();
    let amount = |v: i64| if v == 0 { String::new() } else { v.to_string() };
    [
        p.partner.clone(),
        p.reference.clone(),
        p.dossier_code.clone(),
        p.agency_code.as_str().to_owned(),
        p.procedure_code.as_str().to_owned(),
        p.amount.to_string(),
        amount(p.by_kind[0].1),
        amount(p.by_kind[1].1),
        amount(p.by_kind[2].1),
        p.state.as_str().to_owned(),
        attempt
            .map(|a| bank_short_code(a.bank))
            .unwrap_or("")
            .to_owned(),
        attempt.map(|a| a.reference.clone()).unwrap_or_default(),
        attempt.and_then(|a| a.txn_id.clone()).unwrap_or_default(),
        legacy_time(p.created_at),
        p.paid_at.map(legacy_time).unwrap_or_default(),
        p.account.clone(),
        p.account_bin.clone(),
        p.payer_name.clone(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAID: [&str; 18] = [
        "STP_HANOI",
        "TC-0001",
        "000.00.12.H26-261207-0001",
        "000.00.12.H26",
        "1.001234",
        "150000",
        "100000",
        "50000",
        "",
        "thanh-cong",
        "VCB",
        "OLD0001",
        "FT26341000001",
        "20261207091500",
        "20261207091830",
        "0011001234567",
        "970436",
        "Nguyễn Văn An",
    ];

    #[test]
    fn a_paid_row_reads_and_writes_back_as_it_was() {
        let p = parse_row(PAID).unwrap();
        assert_eq!(p.state, LegacyState::Paid);
        assert_eq!(p.by_kind[0], (FeeKind::Fee, 100_000));
        assert_eq!(p.bank.as_ref().unwrap().bank, BankCode::Vcb);
        assert_eq!(row_fields(&p), PAID.map(str::to_owned));
    }

    fn refused(change: &[(usize, &str)]) -> String {
        let mut row = PAID;
        for (i, v) in change {
            row[*i] = v;
        }
        parse_row(row).unwrap_err()
    }

    #[test]
    fn each_bad_field_refuses_the_row_and_says_why() {
        assert!(refused(&[(5, "150.000")]).starts_with("SoTien"));
        assert!(refused(&[(5, "-150000")]).starts_with("SoTien"));
        assert!(refused(&[(7, "40000")]).contains("not SoTien 150000"));
        assert!(refused(&[(9, "paid")]).starts_with("TrangThai"));
        assert!(refused(&[(10, "ACB")]).starts_with("MaNganHang"));
        assert!(refused(&[(12, "")]).starts_with("MaGiaoDich is empty"));
        assert!(refused(&[(11, "OLD 1")]).starts_with("MaThamChieuNH"));
        assert!(refused(&[(13, "2026-12-07")]).starts_with("ThoiGianTao"));
        assert!(refused(&[(14, "")]).starts_with("ThoiGianThanhToan"));
        assert!(refused(&[(3, "H26")]).starts_with("MaDonVi"));
        assert!(refused(&[(1, "")]).starts_with("MaThamChieu is empty"));
        assert!(refused(&[(17, "An\u{0}")]).contains("U+0000"));
    }

    #[test]
    fn a_started_row_may_have_no_bank_yet_but_not_a_payment_time() {
        let row = refused(&[(9, "khoi-tao"), (10, ""), (11, ""), (12, "")]);
        assert!(row.starts_with("ThoiGianThanhToan is set"), "{row}");
        let mut started = PAID;
        for (i, v) in [(9, "khoi-tao"), (10, ""), (11, ""), (12, ""), (14, "")] {
            started[i] = v;
        }
        let p = parse_row(started).unwrap();
        assert_eq!(
            (p.state, p.bank, p.paid_at),
            (LegacyState::Started, None, None)
        );
    }

    #[test]
    fn columns_are_found_by_name_in_any_order() {
        let mut names: Vec<&str> = COLUMNS.to_vec();
        names.reverse();
        let header = csv::StringRecord::from(names.clone());
        let map = ColumnMap::new(&header).unwrap();
        let mut values = PAID.to_vec();
        values.reverse();
        assert_eq!(map.fields(&csv::StringRecord::from(values)), PAID);
        names.retain(|n| *n != "SoTien");
        let missing = ColumnMap::new(&csv::StringRecord::from(names)).err();
        assert_eq!(missing.as_deref(), Some("the file has no column SoTien"));
    }
}
