//! [`Controls`]: a simulator's knobs and its ledger, shared by its routes, its delivery tasks and
//! the test (or demo) that drives it.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, FixedOffset, NaiveDate, TimeDelta};
use rand::seq::SliceRandom;
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::api_faults::{ApiFault, ApiOp};
use super::clock::Clock;
use super::delivery::{self, Job, Outgoing};
use super::faults::{FaultBook, Faults, FlushOrder, Posting};
use super::ledger::{CallbackState, Ledger, Refund, Transaction, TxnId};
use super::settings::{RetrySchedule, Settings};
use crate::BankCode;
use crate::TxnStatus;

/// The knobs and the ledger of one simulated bank. Cheap to clone; every clone controls the same
/// bank. A [`super::SimHandle`] dereferences to it.
#[derive(Clone)]
pub struct Controls {
    inner: Arc<Inner>,
}

struct Inner {
    bank: BankCode,
    clock: Clock,
    ledger: Mutex<Ledger>,
    faults: Mutex<FaultBook>,
    api_faults: Mutex<HashMap<ApiOp, ApiFault>>,
    held: Mutex<Vec<Job>>,
    tasks: Mutex<JoinSet<()>>,
    client: reqwest::Client,
    retry: RetrySchedule,
    changed: watch::Sender<u64>,
    seq: AtomicU64,
}

impl fmt::Debug for Controls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Controls")
            .field("bank", &self.inner.bank)
            .finish_non_exhaustive()
    }
}

impl Controls {
    pub(crate) fn new(bank: BankCode, settings: &Settings) -> Controls {
        let client = reqwest::Client::builder()
            .timeout(settings.callback_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a plain HTTP client always builds");
        Controls {
            inner: Arc::new(Inner {
                bank,
                clock: Clock::new(settings.clock_offset),
                ledger: Mutex::default(),
                faults: Mutex::default(),
                api_faults: Mutex::default(),
                held: Mutex::default(),
                tasks: Mutex::new(JoinSet::new()),
                client,
                retry: settings.retry.clone(),
                changed: watch::Sender::new(0),
                // Ids start at a random point so a restarted demo does not reuse the bank ids a
                // PayHub database already holds.
                seq: AtomicU64::new(rand::random::<u64>() % 1_000_000 * 100),
            }),
        }
    }

    /// Applies `faults` to every payment that has no more specific faults (see
    /// [`Controls::fault_next`] and [`Controls::fault_reference`]).
    pub fn set_faults(&self, faults: Faults) {
        self.faults().default = Some(faults);
    }

    /// Applies `faults` to the next payment only; several calls queue up, one per payment.
    pub fn fault_next(&self, faults: Faults) {
        self.faults().next.push_back(faults);
    }

    /// Applies `faults` to every payment of `reference` (`vnp_TxnRef`, `orderRef`, `MaHoaDon`);
    /// this wins over the queue and the default.
    pub fn fault_reference(&self, reference: impl Into<String>, faults: Faults) {
        self.faults().by_reference.insert(reference.into(), faults);
    }

    /// Back to a well-behaved bank (API faults included).
    pub fn clear_faults(&self) {
        *self.faults() = FaultBook::default();
        self.api_faults().clear();
    }

    /// Answers every `op` call of PayHub's with `fault` until [`Controls::clear_api_fault`].
    pub fn set_api_fault(&self, op: ApiOp, fault: ApiFault) {
        self.api_faults().insert(op, fault);
    }

    /// Answers `op` calls well again.
    pub fn clear_api_fault(&self, op: ApiOp) {
        self.api_faults().remove(&op);
    }

    pub(crate) fn api_fault(&self, op: ApiOp) -> Option<ApiFault> {
        self.api_faults().get(&op).copied()
    }

    fn api_faults(&self) -> std::sync::MutexGuard<'_, HashMap<ApiOp, ApiFault>> {
        self.inner.api_faults.lock().expect("api faults lock")
    }

    /// Delivers every held callback (see [`Faults::hold`]) in `order`, one payment after
    /// another, and returns once all are acknowledged or out of retries. Returns how many
    /// payments' callbacks it delivered.
    pub async fn flush(&self, order: FlushOrder) -> usize {
        let mut jobs = std::mem::take(&mut *self.inner.held.lock().expect("held lock"));
        match order {
            FlushOrder::Fifo => {}
            FlushOrder::Reversed => jobs.reverse(),
            FlushOrder::Shuffled => jobs.shuffle(&mut rand::thread_rng()),
        }
        let count = jobs.len();
        for job in jobs {
            delivery::mark_delivering(self, &job);
            delivery::run(self.clone(), job).await;
        }
        count
    }

    /// How many payments' callbacks are held.
    pub fn held_callbacks(&self) -> usize {
        self.inner.held.lock().expect("held lock").len()
    }

    /// The bank's clock now (GMT+7).
    pub fn now(&self) -> DateTime<FixedOffset> {
        self.inner.clock.now()
    }

    /// Moves the bank's clock to the system clock plus `offset` (see [`Settings::clock_offset`]).
    pub fn set_clock_offset(&self, offset: TimeDelta) {
        self.inner.clock.set_offset(offset);
    }

    /// Closes `day` now, so its statement is served before 01:00 the next day (vcb.md §5).
    pub fn close_day(&self, day: NaiveDate) {
        self.inner.clock.close_day(day);
    }

    /// Every transaction so far, in the order booked.
    pub fn transactions(&self) -> Vec<Transaction> {
        self.read(|ledger| ledger.transactions.clone())
    }

    /// The transactions of one reference, in the order booked.
    pub fn transactions_for(&self, reference: &str) -> Vec<Transaction> {
        self.read(|ledger| {
            ledger
                .transactions
                .iter()
                .filter(|t| t.reference == reference)
                .cloned()
                .collect()
        })
    }

    /// Every refund so far.
    pub fn refunds(&self) -> Vec<Refund> {
        self.read(|ledger| ledger.refunds.clone())
    }

    /// Waits until `done` holds for the transactions, at most `timeout`; returns whether it
    /// held. Wakes on every change of the ledger, so it never sleeps longer than needed.
    pub async fn wait_until(
        &self,
        timeout: Duration,
        done: impl Fn(&[Transaction]) -> bool,
    ) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut changes = self.inner.changed.subscribe();
        loop {
            if self.read(|ledger| done(&ledger.transactions)) {
                return true;
            }
            if tokio::time::timeout_at(deadline, changes.changed())
                .await
                .is_err()
            {
                return false;
            }
        }
    }

    pub(crate) fn bank(&self) -> BankCode {
        self.inner.bank
    }

    pub(crate) fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    pub(crate) fn client(&self) -> &reqwest::Client {
        &self.inner.client
    }

    pub(crate) fn retry(&self) -> &RetrySchedule {
        &self.inner.retry
    }

    /// A number for the next bank id, unique within this simulator.
    pub(crate) fn next_seq(&self) -> u64 {
        self.inner.seq.fetch_add(1, Ordering::Relaxed) + 1
    }

    pub(crate) fn faults_for(&self, reference: &str) -> Faults {
        self.faults().take_for(reference)
    }

    pub(crate) fn read<R>(&self, f: impl FnOnce(&Ledger) -> R) -> R {
        f(&self.inner.ledger.lock().expect("ledger lock"))
    }

    /// Changes the ledger and wakes [`Controls::wait_until`].
    pub(crate) fn update<R>(&self, f: impl FnOnce(&mut Ledger) -> R) -> R {
        let result = f(&mut self.inner.ledger.lock().expect("ledger lock"));
        self.inner.changed.send_modify(|version| *version += 1);
        result
    }

    pub(crate) fn record(&self, transaction: Transaction) -> TxnId {
        self.update(|ledger| {
            ledger.transactions.push(transaction);
            TxnId(ledger.transactions.len() - 1)
        })
    }

    /// Applies the statement faults to a transaction just booked: the day its statement lists
    /// it ([`Faults::posting`]) and, for a success, the bank's own reversal
    /// ([`Faults::reversed`]) booked as a full refund with id `refund_id`.
    pub(crate) fn post(&self, txn: TxnId, faults: &Faults, refund_id: String) {
        let now = self.clock().now();
        self.update(|ledger| {
            let booked = ledger.get_mut(txn);
            booked.posted_on = match faults.posting {
                Posting::SameDay => Some(booked.at.date_naive()),
                Posting::NextDay => booked.at.date_naive().succ_opt(),
                Posting::Omitted => None,
            };
            if !faults.reversed || booked.status != TxnStatus::Paid {
                return;
            }
            booked.refunded = booked.amount;
            let refund = Refund {
                bank: booked.bank,
                merchant: booked.merchant.clone(),
                reference: booked.reference.clone(),
                original_txn_id: booked.bank_txn_id.clone().unwrap_or_default(),
                refund_id,
                refund_ref: String::new(),
                amount: booked.amount,
                at: now,
            };
            ledger.refunds.push(refund);
        });
    }

    /// Sends a payment's callbacks as `faults` say: dropped, held, or delivered in the
    /// background with retries.
    pub(crate) fn dispatch(&self, faults: &Faults, outgoing: Vec<Outgoing>) {
        let job = Job {
            outgoing,
            copies: faults.copies.max(1),
            concurrent: faults.concurrent,
            delay: faults.delay,
        };
        if faults.drop_callback || faults.hold {
            let state = if faults.drop_callback {
                CallbackState::Dropped
            } else {
                CallbackState::Held
            };
            self.update(|ledger| {
                for out in &job.outgoing {
                    ledger.get_mut(out.txn).callback.state = state;
                }
            });
            if !faults.drop_callback {
                self.inner.held.lock().expect("held lock").push(job);
            }
            return;
        }
        delivery::mark_delivering(self, &job);
        let controls = self.clone();
        let mut tasks = self.inner.tasks.lock().expect("tasks lock");
        while tasks.try_join_next().is_some() {}
        tasks.spawn(delivery::run(controls, job));
    }

    /// Stops every callback still being delivered.
    pub(crate) fn abort_deliveries(&self) {
        self.inner.tasks.lock().expect("tasks lock").abort_all();
    }

    fn faults(&self) -> std::sync::MutexGuard<'_, FaultBook> {
        self.inner.faults.lock().expect("faults lock")
    }
}
