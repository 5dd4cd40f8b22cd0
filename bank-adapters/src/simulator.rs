//! What the three bank simulators share: the ledger of what a simulated bank processed, the fault
//! knobs, the delivery of signed callbacks with each bank's retries, the clock, the payment page
//! and the running server's handle.
//!
//! The banks themselves are in [`crate::vnpay::simulator`], [`crate::vcb::simulator`] and
//! [`crate::bidv::simulator`]. They live beside each bank's adapter so that they sign and verify
//! with the very `wire` code the golden vectors pin (STYLE.md "Sans-IO adapters"): a signing bug
//! cannot hide by being symmetric.

mod api_faults;
mod clock;
mod controls;
mod csv;
mod delivery;
mod faults;
mod handle;
mod ledger;
mod page;
mod settings;
mod transfer;

pub use api_faults::{ApiFault, ApiOp};
pub use controls::Controls;
pub use faults::{Faults, FlushOrder, Posting};
pub use handle::SimHandle;
pub use ledger::{CallbackAttempt, CallbackLog, CallbackState, Refund, Transaction};
pub use settings::{RetrySchedule, Settings, DEFAULT_RETRY_INTERVAL};
pub use transfer::{is_transfer, AppTransfer, BookedTransfer, TransferError, TRANSFER_CHANNEL};

pub(crate) use api_faults::{ApiFaultLayer, Signature};
pub(crate) use csv::csv_row;
pub(crate) use delivery::{Outcome, Outgoing};
pub(crate) use handle::start;
pub(crate) use ledger::TxnId;
pub(crate) use page::{message_page, payment_page, ActionForm, PayAction, PaymentPage};
pub(crate) use transfer::{book as book_transfer, scan as scan_transfer};
