//! `POST /thuho/v1/bill/register` (bidv.md §1).

use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;
use serde::Serialize;

use super::{refusal_code, Bill, Simulator};
use crate::bidv::{check_fresh, check_partner, echo, required, verify_fields, wire, BidvError};
use crate::{compact_time, Vnd};

/// §1's reply, `ChuKy` over `MaLoi|MaHoaDon|UrlThanhToan`.
#[derive(Serialize)]
#[allow(non_snake_case)] // BIDV's field names.
struct RegisterReply<'a> {
    MaLoi: &'a str,
    MoTa: &'a str,
    MaHoaDon: &'a str,
    UrlThanhToan: &'a str,
}

pub(super) async fn register(State(sim): State<Simulator>, body: Bytes) -> Response {
    let reply = |code: &str, message: &str, bill_code: &str, url: &str| {
        let body = RegisterReply {
            MaLoi: code,
            MoTa: message,
            MaHoaDon: bill_code,
            UrlThanhToan: url,
        };
        sim.signed(wire::REGISTER_REPLY, &body)
    };
    let bill = match read(&sim, &body) {
        Ok(bill) => bill,
        Err(e) => {
            return reply(
                refusal_code(&e),
                &e.to_string(),
                &echo(&body, "MaHoaDon"),
                "",
            )
        }
    };
    {
        let mut bills = sim.bills();
        if bills.contains_key(&bill.code) {
            return reply("05", "Ma hoa don da duoc dang ky", &bill.code, "");
        }
        bills.insert(bill.code.clone(), bill.clone());
    }
    let url = format!(
        "{}/pay?bill={}",
        sim.inner.base_url,
        crate::query::encode_component(&bill.code)
    );
    reply("00", "Thanh cong", &bill.code, &url)
}

/// Verifies the request (checksum, partner, `ThoiGian` within 15 minutes) and reads the bill.
fn read(sim: &Simulator, body: &[u8]) -> Result<Bill, BidvError> {
    let partner = sim.partner();
    let message = verify_fields(&partner, body, wire::REGISTER)?;
    check_partner(&partner, &message)?;
    check_fresh(
        &required(&message, "ThoiGian")?,
        sim.controls().clock().now_unix(),
    )?;
    let malformed = |reason: String| BidvError::Malformed(reason);
    let amount = required(&message, "SoTien")?;
    let amount = Vnd::parse(&amount)
        .ok()
        .filter(|a| !a.is_zero())
        .ok_or_else(|| malformed(format!("SoTien {amount:?}")))?;
    let due = required(&message, "HanThanhToan")?;
    let due =
        compact_time::parse(&due).ok_or_else(|| malformed(format!("HanThanhToan {due:?}")))?;
    let text = |key: &str| message.text(key).map_err(malformed);
    Ok(Bill {
        code: required(&message, "MaHoaDon")?,
        amount,
        description: text("NoiDung")?,
        due,
        account_no: required(&message, "TKThuHuong")?,
        account_name: text("TenTKThuHuong")?,
        txns: Vec::new(),
    })
}
