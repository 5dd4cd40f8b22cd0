//! Builds a day's lines and records one order at a time, with unique ids for every attempt.

use payhub_money::Vnd;

use super::world::{self, Rng};
use super::{Expected, Injection, Item};
use crate::class::Class;
use crate::day::BusinessDay;
use crate::input::{
    FeeKind, FeeKinds, LineKind, LineStatus, Record, RecordKind, RecordStatus, StatementLine,
};

/// An order of the generated world.
pub(crate) struct Order {
    pub agency: usize,
    pub procedure: Option<&'static str>,
    pub kinds: FeeKinds,
    pub amount: Vnd,
    pub order_id: String,
}

/// The ids of one attempt to pay (or of one refund).
pub(crate) struct Attempt {
    pub payment_id: String,
    pub reference: String,
    pub txn: String,
}

pub(crate) struct Builder {
    pub rng: Rng,
    pub day: BusinessDay,
    lines: Vec<StatementLine>,
    records: Vec<Record>,
    expected: Vec<Expected>,
    next_id: u64,
}

const KIND_MIXES: [&[FeeKind]; 5] = [
    &[FeeKind::Fee],
    &[FeeKind::Charge],
    &[FeeKind::Charge],
    &[FeeKind::Service],
    &[FeeKind::Fee, FeeKind::Charge],
];

impl Builder {
    pub fn new(seed: u64, day: BusinessDay) -> Builder {
        Builder {
            rng: Rng::new(seed),
            day,
            lines: Vec::new(),
            records: Vec::new(),
            expected: Vec::new(),
            next_id: 0,
        }
    }

    pub fn finish(self) -> (Vec<StatementLine>, Vec<Record>, Vec<Expected>) {
        (self.lines, self.records, self.expected)
    }

    /// A random order of a random agency.
    pub fn order(&mut self) -> Order {
        let agency = self.rng.range(0, world::AGENCIES as i64) as usize;
        let procedure = match self.rng.range(0, 5) {
            4 => None,
            i => Some(world::PROCEDURES[i as usize]),
        };
        let kinds = FeeKinds::of(self.rng.pick(&KIND_MIXES));
        self.order_of(agency, procedure, kinds)
    }

    /// An order with the given routing and a random amount of 8,000–2,000,000 đ.
    pub fn order_of(
        &mut self,
        agency: usize,
        procedure: Option<&'static str>,
        kinds: FeeKinds,
    ) -> Order {
        let amount = Vnd::from_dong(self.rng.range(8, 2_001) * 1_000).expect("in range");
        let order_id = format!("ORD{:09}", self.fresh());
        Order {
            agency,
            procedure,
            kinds,
            amount,
            order_id,
        }
    }

    fn fresh(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Fresh ids. References look like PayHub's 8-character ones; multiplying by an odd number
    /// modulo 2^40 is a bijection, so they stay unique.
    pub fn attempt(&mut self) -> Attempt {
        const ALPHABET: &[u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        let n = self.fresh();
        let mut x = n.wrapping_mul(0x9e37_79b9_7f4b) & ((1 << 40) - 1);
        let mut reference = String::with_capacity(8);
        for _ in 0..8 {
            reference.push(ALPHABET[(x & 31) as usize] as char);
            x >>= 5;
        }
        Attempt {
            payment_id: format!("PAY{n:09}"),
            reference,
            txn: format!("FT2615{n:010}"),
        }
    }

    /// A time well inside the day, away from both midnights.
    pub fn midday(&mut self) -> i64 {
        self.rng
            .range(self.day.start() + 3600, self.day.end() - 3600)
    }

    /// The account `order`'s money should reach at `at` (its first kind's).
    pub fn right_account(&self, order: &Order, at: i64) -> String {
        let kind = order.kinds.iter().next().unwrap_or(FeeKind::Fee);
        world::account_for(self.day, order.agency, kind, order.procedure, at)
    }

    /// Adds a payment record; `txn` says whether PayHub knows the bank's id.
    pub fn record(
        &mut self,
        order: &Order,
        attempt: &Attempt,
        status: RecordStatus,
        at: i64,
        txn: bool,
    ) -> &mut Record {
        self.records.push(Record {
            payment_id: attempt.payment_id.clone(),
            order_id: order.order_id.clone(),
            agency_code: world::agency_code(order.agency),
            procedure_code: order.procedure.map(str::to_owned),
            fee_kinds: order.kinds,
            reference: attempt.reference.clone(),
            bank_txn_id: txn.then(|| attempt.txn.clone()),
            amount: order.amount,
            kind: RecordKind::Payment,
            status,
            paid_at: at,
        });
        self.records.last_mut().expect("just pushed")
    }

    /// The record added last, to bend it into a scenario.
    pub fn last_record(&mut self) -> &mut Record {
        self.records.last_mut().expect("a record was added")
    }

    /// The line added last, to bend it into a scenario.
    pub fn last_line(&mut self) -> &mut StatementLine {
        self.lines.last_mut().expect("a line was added")
    }

    /// Adds a payment line credited to `credited`, numbered after the lines so far.
    pub fn line(
        &mut self,
        order: &Order,
        attempt: &Attempt,
        status: LineStatus,
        at: i64,
        credited: String,
    ) -> &mut StatementLine {
        self.lines.push(StatementLine {
            line_no: self.lines.len() as u32 + 1,
            bank_txn_id: attempt.txn.clone(),
            reference: attempt.reference.clone(),
            amount: order.amount,
            kind: LineKind::Payment,
            status,
            at,
            credited_to: Some(credited),
            original_txn_id: None,
        });
        self.lines.last_mut().expect("just pushed")
    }

    /// A record and a line of one payment that agree, the line credited rightly at `at` and the
    /// callback a few seconds later. Returns the line number.
    pub fn paid(&mut self, order: &Order, attempt: &Attempt, at: i64) -> u32 {
        let delay = self.rng.range(0, 30);
        self.record(order, attempt, RecordStatus::Paid, at + delay, true);
        let account = self.right_account(order, at);
        self.line(order, attempt, LineStatus::Paid, at, account)
            .line_no
    }

    /// Adds a refund line for `attempt`'s payment, with the refund's own bank id.
    pub fn refund_line(&mut self, refund: &Attempt, paid: &Attempt, amount: Vnd, at: i64) -> u32 {
        self.lines.push(StatementLine {
            line_no: self.lines.len() as u32 + 1,
            bank_txn_id: refund.txn.clone(),
            // VNPAY repeats the payment's reference on refund lines.
            reference: paid.reference.clone(),
            amount,
            kind: LineKind::Refund,
            status: LineStatus::Paid,
            at,
            credited_to: None,
            original_txn_id: Some(paid.txn.clone()),
        });
        self.lines.len() as u32
    }

    /// Adds PayHub's refund record for `order`.
    pub fn refund_record(
        &mut self,
        order: &Order,
        refund: &Attempt,
        amount: Vnd,
        at: i64,
    ) -> &mut Record {
        let record = self.record(order, refund, RecordStatus::Refunded, at, true);
        record.kind = RecordKind::Refund;
        record.amount = amount;
        record
    }

    /// An ordinary payment that matches; one in twenty has no bank id on PayHub's side, so it
    /// matches by reference.
    pub fn ordinary_payment(&mut self) {
        let order = self.order();
        let attempt = self.attempt();
        let at = self.midday();
        self.paid(&order, &attempt, at);
        if self.rng.range(0, 20) == 0 {
            self.records.last_mut().expect("just pushed").bank_txn_id = None;
        }
    }

    pub fn expect(&mut self, item: Item, class: Option<Class>, because: Injection) {
        self.expected.push(Expected {
            item,
            class,
            because,
        });
    }

    pub fn expect_line(&mut self, line_no: u32, class: Class, because: Injection) {
        self.expect(Item::Line(line_no), Some(class), because);
    }

    pub fn expect_record(&mut self, attempt: &Attempt, class: Option<Class>, because: Injection) {
        self.expect(Item::Record(attempt.payment_id.clone()), class, because);
    }
}
