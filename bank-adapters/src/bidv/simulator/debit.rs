//! Booking a debit of a bill and notifying PayHub of it (bidv.md §3).

use serde::Serialize;

use super::pay::BillPayment;
use super::{Bill, Channel, Simulator};
use crate::bidv::bills::verify_about;
use crate::bidv::wire;
use crate::bidv::NotifyCode;
use crate::simulator::{Faults, Outcome, Outgoing, Transaction, TxnId};
use crate::{compact_time, BankCode, TxnStatus, Vnd};

/// §3's notification body (before its `ChuKy`).
#[derive(Serialize)]
#[allow(non_snake_case)] // BIDV's field names.
struct NotifyBody<'a> {
    MaDoiTac: &'a str,
    MaHoaDon: &'a str,
    MaGiaoDich: &'a str,
    SoTien: i64,
    ThoiGianGD: String,
    TKThuHuong: &'a str,
    KenhThanhToan: &'a str,
}

/// Books one debit; returns it with its signed notification body.
pub(super) fn book(
    sim: &Simulator,
    bill: &Bill,
    asked: Vnd,
    channel: Channel,
    faults: &Faults,
) -> (TxnId, BillPayment, String) {
    let controls = sim.controls();
    let now = controls.clock().now();
    // Like bidv.md's `BIDV26053000012345`: the date and 8 digits.
    let bank_txn_id = format!(
        "BIDV{}{:08}",
        now.format("%y%m%d"),
        controls.next_seq() % 100_000_000
    );
    let amount = faults.wrong_amount.unwrap_or(asked);
    let account = faults
        .wrong_account
        .clone()
        .unwrap_or_else(|| bill.account_no.clone());
    let body = NotifyBody {
        MaDoiTac: &sim.inner.config.partner_code,
        MaHoaDon: &bill.code,
        MaGiaoDich: &bank_txn_id,
        SoTien: amount.dong(),
        ThoiGianGD: compact_time::format(&now),
        TKThuHuong: &account,
        KenhThanhToan: channel.as_str(),
    };
    let body = wire::signed_json(&sim.inner.config.secret, wire::NOTIFY, &body);
    let txn = record(
        sim,
        bill,
        Some(bank_txn_id.clone()),
        amount,
        TxnStatus::Paid,
        account,
        channel,
    );
    let refund_id = format!(
        "HT{}{:08}",
        now.format("%y%m%d"),
        controls.next_seq() % 100_000_000
    );
    controls.post(txn, faults, refund_id);
    let payment = BillPayment {
        bill_code: bill.code.clone(),
        bank_txn_id,
        amount,
        channel,
    };
    (txn, payment, body)
}

pub(super) fn record(
    sim: &Simulator,
    bill: &Bill,
    bank_txn_id: Option<String>,
    amount: Vnd,
    status: TxnStatus,
    credited_account: String,
    channel: Channel,
) -> TxnId {
    let txn = sim.controls().record(Transaction {
        bank: BankCode::Bidv,
        merchant: sim.inner.config.partner_code.clone(),
        reference: bill.code.clone(),
        bank_txn_id,
        amount,
        requested_amount: bill.amount,
        status,
        at: sim.controls().clock().now(),
        credited_account,
        channel: channel.as_str().to_owned(),
        refunded: Vnd::ZERO,
        posted_on: Some(sim.controls().clock().now().date_naive()),
        callback: Default::default(),
    });
    if let Some(bill) = sim.bills().get_mut(&bill.code) {
        bill.txns.push(txn);
    }
    txn
}

/// `POST {notify_url}` with `body` (signed once: the notification has no `ThoiGian`).
pub(super) fn notification(
    sim: &Simulator,
    txn: TxnId,
    bank_txn_id: String,
    body: String,
) -> Outgoing {
    let sim = sim.clone();
    Outgoing::new(txn, move || {
        let (sim, bank_txn_id, body) = (sim.clone(), bank_txn_id.clone(), body.clone());
        async move { send(&sim, &bank_txn_id, body).await }
    })
}

/// §3: BIDV stops on `00` or `02`, judged from a reply whose `ChuKy` over `MaLoi|MaGiaoDich`
/// verifies.
async fn send(sim: &Simulator, bank_txn_id: &str, body: String) -> Outcome {
    let url = sim.inner.config.notify_url.clone();
    let response = match sim
        .controls()
        .client()
        .post(url)
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await
    {
        Ok(response) => response,
        Err(e) => return Outcome::failed(e),
    };
    let status = response.status().as_u16();
    let reply = match response.bytes().await {
        Ok(reply) => reply,
        Err(e) => return Outcome::failed(e),
    };
    let verified = verify_about(
        &sim.partner(),
        &reply,
        wire::NOTIFY_REPLY,
        "MaGiaoDich",
        bank_txn_id,
    );
    let (code, error) = match verified.map(|message| message.text("MaLoi")) {
        Ok(Ok(code)) => (Some(code), None),
        Ok(Err(e)) => (None, Some(e)),
        Err(e) => (None, Some(format!("reply not trusted: {e}"))),
    };
    let acknowledged = matches!(
        code.as_deref(),
        Some(c) if c == NotifyCode::Recorded.as_str() || c == NotifyCode::PaidByAnother.as_str()
    );
    Outcome {
        http_status: Some(status),
        code,
        acknowledged,
        error,
    }
}
