//! What a run reads: the bank's statement lines and PayHub's records, in forms the hub converts
//! its parsed statement and its rows into. Nothing here is validated further: the adapters parse
//! the statement (statements.md: a bad file "is rejected whole") and the store owns the records.

use payhub_money::Vnd;
use serde::{Deserialize, Serialize};

/// Whether a statement line moves money to the agency or back to the payer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    /// A payment (VNPAY `transaction_type` 01; a VCB or BIDV line with a positive amount).
    Payment,
    /// A refund (VNPAY types 02 and 03; a VCB `REFUNDED` line, whose amount the hub makes positive).
    Refund,
}

/// What the bank says became of a line's transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineStatus {
    /// Succeeded (VNPAY status `00`, VCB `SUCCESS`, BIDV `PAID`).
    Paid,
    /// Succeeded and was refunded since (BIDV `PAID` turned `REFUNDED`, VCB `REFUNDED`). On a
    /// refund line it means the same as `Paid`: the refund went through.
    Refunded,
    /// Did not succeed.
    Failed,
    /// Any other status; treated like `Failed` (statements.md: "only status 00 lines are money
    /// that moved").
    Other,
}

impl LineStatus {
    /// Whether the line is money that moved.
    pub fn moved_money(self) -> bool {
        match self {
            LineStatus::Paid | LineStatus::Refunded => true,
            LineStatus::Failed | LineStatus::Other => false,
        }
    }
}

/// One line of a bank's daily statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementLine {
    /// Line number in the file, unique within the statement; the tie-breaker of every ordering.
    pub line_no: u32,
    /// The bank's transaction id (VNPAY `transaction_no`, VCB `bank_txn_id`, BIDV `MaGiaoDich`).
    pub bank_txn_id: String,
    /// PayHub's attempt reference as the bank echoes it (`txn_ref`, `order_ref`, `MaHoaDon`).
    pub reference: String,
    /// Whole đồng, never negative: the hub drops VCB's minus sign on refund lines.
    pub amount: Vnd,
    /// Payment or refund.
    pub kind: LineKind,
    /// What the bank says happened.
    pub status: LineStatus,
    /// When the bank says it happened, Unix seconds.
    pub at: i64,
    /// The beneficiary account credited; for VNPAY, the terminal code. `None` when the statement
    /// does not say, in which case the credit cannot be checked.
    pub credited_to: Option<String>,
    /// For a refund line, the bank transaction id of the payment it refunds, when given.
    pub original_txn_id: Option<String>,
}

/// A kind of item on an order (api.md: `fee` is phí, `charge` is lệ phí, `service` neither).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeeKind {
    /// Phí.
    Fee,
    /// Lệ phí.
    Charge,
    /// A service price or postal fee.
    Service,
}

impl FeeKind {
    /// Every kind, in order.
    pub const ALL: [FeeKind; 3] = [FeeKind::Fee, FeeKind::Charge, FeeKind::Service];

    fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// The set of kinds an order's items have; a compact set, because every record carries one.
/// Serialised as a list such as `["fee","charge"]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct FeeKinds(u8);

impl FeeKinds {
    /// No kinds: an order whose items are unknown to the run. Judged by `any` settings alone.
    pub const NONE: FeeKinds = FeeKinds(0);

    /// The set of the given kinds.
    pub fn of(kinds: &[FeeKind]) -> FeeKinds {
        kinds.iter().fold(FeeKinds::NONE, |set, &k| set.with(k))
    }

    /// The set with `kind` added.
    pub fn with(self, kind: FeeKind) -> FeeKinds {
        FeeKinds(self.0 | kind.bit())
    }

    /// Whether `kind` is in the set.
    pub fn contains(self, kind: FeeKind) -> bool {
        self.0 & kind.bit() != 0
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The kinds in the set, in [`FeeKind::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = FeeKind> {
        FeeKind::ALL.into_iter().filter(move |k| self.contains(*k))
    }
}

impl From<FeeKind> for FeeKinds {
    fn from(kind: FeeKind) -> FeeKinds {
        FeeKinds(kind.bit())
    }
}

impl Serialize for FeeKinds {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for FeeKinds {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<FeeKinds, D::Error> {
        Ok(FeeKinds::of(&Vec::<FeeKind>::deserialize(d)?))
    }
}

/// Whether a PayHub record is a payment attempt or a refund.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// An attempt to pay an order.
    Payment,
    /// A refund against a paid order (reference-data.md: "its own audited money movement").
    Refund,
}

/// PayHub's state of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordStatus {
    /// Started, no outcome recorded (an abandoned checkout, or a lost callback).
    Pending,
    /// Paid.
    Paid,
    /// Paid, then refunded in full. On a refund record: the refund went through.
    Refunded,
    /// Paid, then refunded in part.
    PartiallyRefunded,
    /// Paid, but PayHub recorded it as a second payment of an already paid order.
    Duplicate,
    /// The bank reported a failure.
    Failed,
}

impl RecordStatus {
    /// Whether PayHub believes money moved.
    pub fn moved_money(self) -> bool {
        match self {
            RecordStatus::Paid
            | RecordStatus::Refunded
            | RecordStatus::PartiallyRefunded
            | RecordStatus::Duplicate => true,
            RecordStatus::Pending | RecordStatus::Failed => false,
        }
    }
}

/// PayHub's record of one payment attempt (or one refund) with the run's bank.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// PayHub's payment (or refund) id; unique, and the tie-breaker of every ordering.
    pub payment_id: String,
    /// The order paid (or refunded).
    pub order_id: String,
    /// The agency the order belongs to.
    pub agency_code: String,
    /// The order's procedure, which may route it to a procedure-specific account.
    pub procedure_code: Option<String>,
    /// The kinds of the order's items.
    pub fee_kinds: FeeKinds,
    /// PayHub's reference sent to the bank for this attempt.
    pub reference: String,
    /// The bank's transaction id, once a callback or query told PayHub.
    pub bank_txn_id: Option<String>,
    /// Whole đồng: the attempt's amount, or the refunded amount for a refund.
    pub amount: Vnd,
    /// Payment or refund.
    pub kind: RecordKind,
    /// PayHub's state.
    pub status: RecordStatus,
    /// When the money moved (payment time, or refund time for a refund), Unix seconds; for an
    /// attempt that never succeeded, when it was made.
    pub paid_at: i64,
}
