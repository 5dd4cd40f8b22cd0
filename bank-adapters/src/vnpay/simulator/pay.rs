//! The payment page and the citizen's choice on it: book the outcome, send the IPN, return the
//! browser (vnpay.md §1–§2).

use std::collections::BTreeMap;

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::{DateTime, FixedOffset};

use super::ipn::{append_query, ipn, signed_query};
use super::{Session, Simulator};
use crate::simulator::{
    message_page, payment_page, ActionForm, Faults, PayAction, PaymentPage, Transaction, TxnId,
};
use crate::vnpay::verify_signed_query;
use crate::vnpay::wire;
use crate::{compact_time, BankCode, TxnStatus, Vnd};

/// `GET /paymentv2/vpcpay.html?<signed query>`.
pub(super) async fn show(State(sim): State<Simulator>, RawQuery(query): RawQuery) -> Response {
    let fields = match verify_signed_query(&query.unwrap_or_default(), |tmn| sim.secret(tmn)) {
        Ok(fields) => fields,
        // VNPAY's own page for a signature it cannot verify is error 70 (vnpay.md intro).
        Err(e) => {
            return message_page(
                StatusCode::BAD_REQUEST,
                "Sai chữ ký / Invalid signature (70)",
                &e.to_string(),
            )
        }
    };
    let session = match read_request(&fields) {
        Ok(session) => session,
        Err(reason) => {
            return message_page(
                StatusCode::BAD_REQUEST,
                "Dữ liệu không đúng định dạng / Invalid data format (03)",
                &reason,
            )
        }
    };
    let Some(session) = open(&sim, session) else {
        return message_page(
            StatusCode::CONFLICT,
            "Giao dịch đã được xử lý / Transaction already processed",
            "vnp_TxnRef đã được thanh toán / this vnp_TxnRef was already paid",
        );
    };
    payment_page(&PaymentPage {
        bank: "VNPAY",
        merchant: &session.tmn_code,
        reference: &session.txn_ref,
        description: &session.order_info,
        amount: session.amount,
        action: &format!("/sim/pay/{}", session.id),
    })
}

/// `POST /sim/pay/{id}`, `action=approve|decline|cancel`.
pub(super) async fn submit(
    State(sim): State<Simulator>,
    Path(id): Path<String>,
    Form(form): Form<ActionForm>,
) -> Response {
    let Some(session) = close(&sim, &id) else {
        return message_page(
            StatusCode::NOT_FOUND,
            "Không tìm thấy giao dịch / No open payment",
            "Trang thanh toán này không còn hiệu lực / this payment page is no longer open",
        );
    };
    let controls = sim.controls();
    let faults = controls.faults_for(&session.txn_ref);
    let now = controls.clock().now();
    let payments = if form.action == PayAction::Approve && faults.paid_twice {
        2
    } else {
        1
    };
    let mut outgoing = Vec::new();
    let mut return_query = None;
    for _ in 0..payments {
        let (txn, query) = book(&sim, &session, form.action, &faults, now);
        let ipn_url = append_query(&sim.config().ipn_url, &query);
        outgoing.push(ipn(&sim, txn, ipn_url));
        return_query.get_or_insert(query);
    }
    controls.dispatch(&faults, outgoing);
    // §2: the browser returns with the same signed parameters as the IPN.
    let query = return_query.expect("at least one payment is booked");
    Redirect::to(&append_query(&session.return_url, &query)).into_response()
}

/// Reads a verified §1 request into a session.
fn read_request(fields: &BTreeMap<String, String>) -> Result<Session, String> {
    let need = |key: &str| {
        fields
            .get(key)
            .cloned()
            .ok_or_else(|| format!("{key} is missing"))
    };
    for (key, expected) in [
        ("vnp_Version", wire::VERSION),
        ("vnp_Command", "pay"),
        ("vnp_CurrCode", "VND"),
    ] {
        if need(key)? != expected {
            return Err(format!("{key} must be {expected}"));
        }
    }
    let create_date = need("vnp_CreateDate")?;
    compact_time::parse(&create_date)
        .ok_or_else(|| format!("vnp_CreateDate {create_date:?} is not yyyyMMddHHmmss"))?;
    let amount = wire::amount_from_x100(&need("vnp_Amount")?)?;
    if amount.is_zero() {
        return Err("vnp_Amount must be more than 0".to_owned());
    }
    Ok(Session {
        id: String::new(),
        tmn_code: need("vnp_TmnCode")?,
        txn_ref: need("vnp_TxnRef")?,
        amount,
        order_info: need("vnp_OrderInfo")?,
        return_url: need("vnp_ReturnUrl")?,
        bank_code: fields.get("vnp_BankCode").cloned(),
        create_date,
        txns: Vec::new(),
        done: false,
    })
}

/// Opens (or reopens, on a reload or a new URL for an unpaid reference) the page's session;
/// `None` once the reference was paid, declined or cancelled (vnpay.md §1: unique per day).
fn open(sim: &Simulator, mut session: Session) -> Option<Session> {
    let mut sessions = sim.sessions();
    let key = (session.tmn_code.clone(), session.txn_ref.clone());
    if let Some(id) = sessions.by_ref.get(&key) {
        if sessions.by_id[id].done {
            return None;
        }
        session.id = id.clone();
    } else {
        session.id = format!("S{}", sim.controls().next_seq());
        sessions.by_ref.insert(key, session.id.clone());
    }
    sessions.by_id.insert(session.id.clone(), session.clone());
    Some(session)
}

/// Marks the session done and returns it, `None` if it is unknown or already done.
fn close(sim: &Simulator, id: &str) -> Option<Session> {
    let mut sessions = sim.sessions();
    let session = sessions.by_id.get_mut(id).filter(|s| !s.done)?;
    session.done = true;
    Some(session.clone())
}

/// Books one transaction and returns it with its signed IPN / return query (§2's fields).
fn book(
    sim: &Simulator,
    session: &Session,
    action: PayAction,
    faults: &Faults,
    now: DateTime<FixedOffset>,
) -> (TxnId, String) {
    let controls = sim.controls();
    let seq = controls.next_seq();
    // §2 codes: 00/00 success, 51 insufficient balance, 24 customer cancelled. A cancelled
    // payment has no VNPAY transaction: vnp_TransactionNo is 0.
    let (response_code, transaction_status, status, transaction_no) = match action {
        PayAction::Approve => ("00", "00", TxnStatus::Paid, Some(transaction_no(seq))),
        PayAction::Decline => (
            "51",
            "02",
            TxnStatus::Failed { code: "51".into() },
            Some(transaction_no(seq)),
        ),
        PayAction::Cancel => ("24", "02", TxnStatus::Cancelled, None),
    };
    let amount: Vnd = faults.wrong_amount.unwrap_or(session.amount);
    let bank_code = session.bank_code.clone().unwrap_or_else(|| "NCB".into());
    let txn = controls.record(Transaction {
        bank: BankCode::Vnpay,
        merchant: session.tmn_code.clone(),
        reference: session.txn_ref.clone(),
        bank_txn_id: transaction_no.clone(),
        amount,
        requested_amount: session.amount,
        status,
        at: now,
        credited_account: faults
            .wrong_account
            .clone()
            .unwrap_or_else(|| session.tmn_code.clone()),
        channel: bank_code.clone(),
        refunded: Vnd::ZERO,
        posted_on: Some(now.date_naive()),
        callback: Default::default(),
    });
    controls.post(txn, faults, self::transaction_no(controls.next_seq()));
    sim.sessions()
        .by_id
        .get_mut(&session.id)
        .expect("a closed session stays")
        .txns
        .push(txn);
    let bank_tran_no = match action {
        PayAction::Approve => format!("VNP{seq}"),
        PayAction::Decline | PayAction::Cancel => String::new(),
    };
    let fields = [
        ("vnp_Amount", wire::amount_x100(amount)),
        ("vnp_BankCode", bank_code),
        ("vnp_BankTranNo", bank_tran_no),
        ("vnp_CardType", "ATM".to_owned()),
        ("vnp_OrderInfo", session.order_info.clone()),
        ("vnp_PayDate", compact_time::format(&now)),
        ("vnp_ResponseCode", response_code.to_owned()),
        ("vnp_TmnCode", session.tmn_code.clone()),
        (
            "vnp_TransactionNo",
            transaction_no.unwrap_or_else(|| "0".into()),
        ),
        ("vnp_TransactionStatus", transaction_status.to_owned()),
        ("vnp_TxnRef", session.txn_ref.clone()),
    ];
    let secret = sim
        .secret(&session.tmn_code)
        .expect("a session's terminal was verified");
    (txn, signed_query(&secret, &fields))
}

/// VNPAY's `vnp_TransactionNo`: 8 digits, like `14980726` in statements.md.
pub(super) fn transaction_no(seq: u64) -> String {
    (10_000_000 + seq % 90_000_000).to_string()
}
