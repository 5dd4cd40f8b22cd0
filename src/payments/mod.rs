//! The payment operations a handler calls: start a payment at the citizen's chosen bank, and
//! refund a payment. Each is the whole business step (records, bank call, outcome), so handlers
//! only extract, call and respond.

pub mod approval;
pub mod open_attempt;
pub mod refund;
pub mod start;
pub mod vietqr;
