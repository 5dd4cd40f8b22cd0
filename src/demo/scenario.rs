//! The business day `payhub demo` plays: who pays what, through which bank, and what goes wrong
//! on purpose. Pure data, so a test can read what was injected and check that reconciliation
//! put each fault in its class (statements.md, "What a reconciliation run classifies").
//!
//! Agencies, procedures and amounts follow `reference-data.md`: ministries and provincial
//! departments with electronic identifiers in the `000.00.NN.Hxx` style, fees of 8.000–200.000 đ,
//! a land certificate's service price of 923.000 đ.

use std::collections::BTreeMap;

use bank_adapters::BankCode;
use chrono::NaiveTime;
use payhub_money::Vnd;
use reconciliation::Class;

/// An agency the demo seeds, with its beneficiary accounts (a State Treasury account held at
/// each bank) and the procedures citizens pay for.
pub struct Agency {
    pub code: &'static str,
    pub name: &'static str,
    /// `account_name` of its settings: the treasury office that collects for it.
    pub treasury: &'static str,
    pub vcb_account: &'static str,
    pub bidv_account: &'static str,
}

pub const AGENCIES: [Agency; 5] = [
    Agency {
        code: "000.00.00.G12",
        name: "Bộ Tư pháp – Trung tâm Lý lịch tư pháp quốc gia",
        treasury: "KBNN HA NOI",
        vcb_account: "0011000001201",
        bidv_account: "12010000012012",
    },
    Agency {
        code: "000.00.00.G10",
        name: "Bộ Công an – Cục Quản lý xuất nhập cảnh",
        treasury: "KBNN HA NOI",
        vcb_account: "0011000001002",
        bidv_account: "12010000010010",
    },
    Agency {
        code: "000.00.12.H26",
        name: "Sở Xây dựng Thành phố Hà Nội",
        treasury: "KBNN HA NOI",
        vcb_account: "0011001234567",
        bidv_account: "12010000123456",
    },
    Agency {
        code: "000.00.15.H29",
        name: "Sở Tư pháp Thành phố Hồ Chí Minh",
        treasury: "KBNN TP HO CHI MINH",
        vcb_account: "0071000987654",
        bidv_account: "31410000987654",
    },
    Agency {
        code: "000.00.20.H48",
        name: "Sở Nông nghiệp và Môi trường Thành phố Đà Nẵng",
        treasury: "KBNN DA NANG",
        vcb_account: "0041000456789",
        bidv_account: "56110000456789",
    },
];

/// One item of a procedure's fees: (kind, code, name, amount in đồng).
pub type Item = (&'static str, &'static str, &'static str, i64);

/// A procedure of the national database and what it costs.
pub struct Procedure {
    /// Index into [`AGENCIES`].
    pub agency: usize,
    pub code: &'static str,
    pub name: &'static str,
    pub items: &'static [Item],
}

impl Procedure {
    /// The order's total: what the citizen is asked to pay.
    pub fn total(&self) -> Vnd {
        Vnd::from_dong(self.items.iter().map(|i| i.3).sum()).expect("small positive sums")
    }
}

pub const CRIMINAL_RECORD: Procedure = Procedure {
    agency: 0,
    code: "1.001234",
    name: "Cấp Phiếu lý lịch tư pháp",
    items: &[(
        "charge",
        "2764",
        "Lệ phí cấp Phiếu lý lịch tư pháp",
        200_000,
    )],
};
pub const PASSPORT: Procedure = Procedure {
    agency: 1,
    code: "1.012805",
    name: "Cấp hộ chiếu phổ thông",
    items: &[("charge", "2752", "Lệ phí cấp hộ chiếu", 200_000)],
};
pub const BUILDING_PERMIT: Procedure = Procedure {
    agency: 2,
    code: "1.009972",
    name: "Cấp giấy phép xây dựng nhà ở riêng lẻ",
    items: &[
        ("charge", "2815", "Lệ phí cấp giấy phép xây dựng", 75_000),
        ("fee", "PTD", "Phí thẩm định hồ sơ", 500_000),
    ],
};
pub const CERTIFIED_COPY: Procedure = Procedure {
    agency: 3,
    code: "2.000815",
    name: "Chứng thực bản sao từ bản chính",
    // 2.000 đ per page, 1.000 đ from the third page: four pages.
    items: &[("fee", "2716", "Phí chứng thực bản sao (4 trang)", 6_000)],
};
pub const CIVIL_STATUS_EXTRACT: Procedure = Procedure {
    agency: 3,
    code: "2.000635",
    name: "Cấp bản sao trích lục hộ tịch",
    items: &[("charge", "2771", "Lệ phí trích lục hộ tịch (2 bản)", 16_000)],
};
pub const LAND_CERTIFICATE: Procedure = Procedure {
    agency: 4,
    code: "1.012767",
    name: "Đăng ký biến động đất đai, cấp Giấy chứng nhận",
    items: &[
        ("service", "GCN", "Giá dịch vụ cấp Giấy chứng nhận", 923_000),
        ("charge", "2801", "Lệ phí cấp Giấy chứng nhận", 100_000),
    ],
};

/// What the citizen does on the bank's page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Approve,
    /// The bank refuses (insufficient balance).
    Decline,
    /// The citizen gives up at the bank.
    Cancel,
}

impl Action {
    /// The simulator's form value.
    pub fn form_value(self) -> &'static str {
        match self {
            Action::Approve => "approve",
            Action::Decline => "decline",
            Action::Cancel => "cancel",
        }
    }
}

/// What goes wrong on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    None,
    /// The bank sends its callback three times at once.
    DuplicateCallbacks,
    /// The bank books the payment but never calls back.
    LostCallback,
    /// The bank debits this many đồng instead of the order's total.
    WrongAmount(i64),
    /// The bank credits this account instead of the agency's.
    WrongAccount(&'static str),
    /// The citizen approves after the order expired.
    PaidAfterExpiry,
    /// The bank debits the citizen twice.
    PaidTwice,
    /// The dossier system cancels the order before the citizen pays.
    CancelledByPortal,
}

/// One citizen's payment during the day.
pub struct Visit {
    /// GMT+7 time of day the citizen opens the checkout page.
    pub at: (u32, u32),
    pub citizen: &'static str,
    pub procedure: &'static Procedure,
    pub bank: BankCode,
    pub action: Action,
    pub fault: Fault,
}

impl Visit {
    pub fn time(&self) -> NaiveTime {
        NaiveTime::from_hms_opt(self.at.0, self.at.1, 0).expect("valid times of day")
    }

    /// The classes reconciliation must put this visit's bank transactions in, each with the
    /// amount the bank reports, as the summary tallies money. A declined or cancelled attempt
    /// that both sides recorded as failed moved no money: it is counted apart and in no class's
    /// tally (statements.md); an order cancelled before the citizen chose a bank never reached
    /// one. A double debit adds a `duplicate_payment` line.
    pub fn expected(&self) -> Vec<(Class, Vnd)> {
        let total = self.procedure.total();
        if self.fault == Fault::CancelledByPortal {
            return Vec::new();
        }
        if self.action != Action::Approve {
            return Vec::new();
        }
        match self.fault {
            Fault::None | Fault::DuplicateCallbacks | Fault::PaidAfterExpiry => {
                vec![(Class::Matched, total)]
            }
            Fault::LostCallback => vec![(Class::MissingInPayhub, total)],
            Fault::WrongAmount(dong) => {
                vec![(
                    Class::AmountMismatch,
                    Vnd::from_dong(dong).expect("positive"),
                )]
            }
            Fault::WrongAccount(_) => vec![(Class::WrongBeneficiary, total)],
            Fault::PaidTwice => vec![(Class::Matched, total), (Class::DuplicatePayment, total)],
            Fault::CancelledByPortal => Vec::new(),
        }
    }
}

use Action::{Approve, Cancel, Decline};
use BankCode::{Bidv, Vcb, Vnpay};

/// The day: 24 citizens from 08:05 to 16:40, every bank, every fault once or more.
#[rustfmt::skip]
pub const DAY: [Visit; 24] = [
    visit((8, 5), "Nguyễn Văn An", &CRIMINAL_RECORD, Vcb, Approve, Fault::None),
    visit((8, 20), "Trần Thị Bình", &PASSPORT, Vnpay, Approve, Fault::None),
    visit((8, 40), "Lê Hoàng Cường", &BUILDING_PERMIT, Bidv, Approve, Fault::None),
    visit((9, 0), "Phạm Thu Dung", &CERTIFIED_COPY, Vnpay, Decline, Fault::None),
    visit((9, 5), "Nguyễn Thị Hồng", &CIVIL_STATUS_EXTRACT, Vnpay, Approve, Fault::DuplicateCallbacks),
    visit((9, 30), "Hoàng Minh Đức", &LAND_CERTIFICATE, Vcb, Approve, Fault::None),
    visit((9, 50), "Vũ Thị Hà", &CRIMINAL_RECORD, Bidv, Cancel, Fault::None),
    visit((10, 10), "Đặng Quốc Huy", &PASSPORT, Vcb, Approve, Fault::LostCallback),
    visit((10, 30), "Bùi Thị Lan", &BUILDING_PERMIT, Vnpay, Approve, Fault::PaidAfterExpiry),
    visit((11, 0), "Đỗ Văn Long", &CERTIFIED_COPY, Bidv, Approve, Fault::None),
    visit((11, 20), "Hồ Thị Mai", &LAND_CERTIFICATE, Vcb, Approve, Fault::WrongAmount(923_000)),
    visit((11, 45), "Ngô Thanh Nam", &PASSPORT, Bidv, Approve, Fault::WrongAccount("12010000999999")),
    visit((13, 15), "Dương Thị Ngọc", &CIVIL_STATUS_EXTRACT, Vcb, Cancel, Fault::None),
    visit((13, 30), "Lý Văn Phúc", &CRIMINAL_RECORD, Vnpay, Approve, Fault::None),
    visit((13, 50), "Phan Thị Quỳnh", &BUILDING_PERMIT, Vcb, Decline, Fault::None),
    visit((14, 0), "Trịnh Văn Sơn", &PASSPORT, Vnpay, Approve, Fault::CancelledByPortal),
    visit((14, 20), "Mai Thị Thảo", &CERTIFIED_COPY, Vcb, Approve, Fault::DuplicateCallbacks),
    visit((14, 40), "Đinh Công Tuấn", &LAND_CERTIFICATE, Bidv, Approve, Fault::PaidTwice),
    visit((15, 0), "Tạ Thị Uyên", &CRIMINAL_RECORD, Bidv, Approve, Fault::None),
    visit((15, 20), "Lương Văn Việt", &CIVIL_STATUS_EXTRACT, Bidv, Decline, Fault::None),
    visit((15, 40), "Châu Thị Xuân", &PASSPORT, Vnpay, Cancel, Fault::None),
    visit((16, 0), "Kiều Minh Khôi", &BUILDING_PERMIT, Vcb, Approve, Fault::None),
    visit((16, 20), "Tôn Nữ Yến", &LAND_CERTIFICATE, Vnpay, Approve, Fault::None),
    visit((16, 40), "La Văn Bảo", &CERTIFIED_COPY, Vcb, Approve, Fault::None),
];

const fn visit(
    at: (u32, u32),
    citizen: &'static str,
    procedure: &'static Procedure,
    bank: BankCode,
    action: Action,
    fault: Fault,
) -> Visit {
    Visit {
        at,
        citizen,
        procedure,
        bank,
        action,
        fault,
    }
}

/// (count, sum) per (bank, class): what reconciliation must report for the day.
pub fn expected_totals(visits: &[Visit]) -> BTreeMap<(BankCode, Class), (i64, Vnd)> {
    let mut totals: BTreeMap<(BankCode, Class), (i64, Vnd)> = BTreeMap::new();
    for visit in visits {
        for (class, amount) in visit.expected() {
            let entry = totals
                .entry((visit.bank, class))
                .or_insert((0, Vnd::from_dong(0).expect("zero")));
            entry.0 += 1;
            entry.1 = entry.1.checked_add(amount).expect("a day's sums fit");
        }
    }
    totals
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_day_injects_every_fault_and_is_in_time_order() {
        let faults: Vec<Fault> = DAY.iter().map(|v| v.fault).collect();
        for fault in [
            Fault::DuplicateCallbacks,
            Fault::LostCallback,
            Fault::WrongAmount(923_000),
            Fault::WrongAccount("12010000999999"),
            Fault::PaidAfterExpiry,
            Fault::PaidTwice,
            Fault::CancelledByPortal,
        ] {
            assert!(faults.contains(&fault), "{fault:?}");
        }
        assert!(DAY.windows(2).all(|w| w[0].time() < w[1].time()));
    }

    #[test]
    fn a_wrong_amount_is_expected_at_what_the_bank_debited() {
        let totals = expected_totals(&DAY);
        assert_eq!(
            totals[&(BankCode::Vcb, Class::AmountMismatch)],
            (1, Vnd::from_dong(923_000).unwrap())
        );
        assert_eq!(
            totals[&(BankCode::Bidv, Class::DuplicatePayment)],
            (1, LAND_CERTIFICATE.total())
        );
    }
}
