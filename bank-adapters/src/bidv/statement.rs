//! BIDV's daily statement: pipe-delimited H / D / T records (statements.md "BIDV").

use crate::signing::sha256_hex;
use crate::statement::{non_empty, parse_vnd, utf8_text};
use crate::{compact_time, BankCode, LineKind, LineStatus, StatementError, StatementLine, Vnd};

/// Parses the BIDV statement and checks it against itself: exactly one header first, one trailer
/// last, details between; the header's count and sum equal the details'; the trailer is the
/// lowercase hex SHA-256 of every line above it, each ending in `\n`. Any mismatch rejects the
/// file with the offending line (the header's, for a wrong count or sum).
///
/// Lines may end in `\r\n`; the `\r` is not part of the line, so not of the hash either.
pub fn parse_statement(file: &[u8]) -> Result<Vec<StatementLine>, StatementError> {
    let text = utf8_text(file)?;
    let text = text.strip_suffix('\n').unwrap_or(text);
    let lines: Vec<&str> = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    let (count, sum) = parse_header(lines[0])?;
    let mut details = Vec::new();
    let mut trailer = None;
    for (i, &line) in lines.iter().enumerate().skip(1) {
        let line_no = i + 1;
        if trailer.is_some() {
            return Err(StatementError::new(line_no, "a line after the trailer"));
        }
        match line.split_once('|').map_or(line, |(record, _)| record) {
            "D" => details.push(parse_detail(line_no, line)?),
            "C" => details.push(parse_credit(line_no, line)?),
            "T" => trailer = Some((line_no, line)),
            "H" => return Err(StatementError::new(line_no, "a second header")),
            other => {
                return Err(StatementError::new(
                    line_no,
                    format!("unknown record type {other:?}"),
                ))
            }
        }
    }
    let Some((trailer_no, trailer)) = trailer else {
        return Err(StatementError::new(
            lines.len() + 1,
            "the trailer (T) is missing",
        ));
    };
    check_trailer(trailer_no, trailer, &lines[..trailer_no - 1])?;
    if details.len() != count {
        return Err(StatementError::new(
            HEADER_LINE,
            format!(
                "the header counts {count} detail lines, the file has {}",
                details.len()
            ),
        ));
    }
    let actual = Vnd::checked_sum(details.iter().map(|d| d.amount))
        .ok_or_else(|| StatementError::new(HEADER_LINE, "the detail amounts overflow"))?;
    if actual != sum {
        return Err(StatementError::new(
            HEADER_LINE,
            format!("the header sums to {sum}, the detail lines to {actual}"),
        ));
    }
    Ok(details)
}

/// The header is the first line.
const HEADER_LINE: usize = 1;

/// `H|partner|date|detail count|detail sum`; returns the count and the sum.
fn parse_header(line: &str) -> Result<(usize, Vnd), StatementError> {
    let error = |reason: String| StatementError::new(HEADER_LINE, reason);
    let fields: Vec<&str> = line.split('|').collect();
    let ["H", partner, date, count, sum] = fields[..] else {
        return Err(error(
            "the first line must be the header H|partner|date|count|sum".to_owned(),
        ));
    };
    if partner.is_empty() {
        return Err(error("the header's partner is empty".to_owned()));
    }
    compact_time::parse_date(date)
        .ok_or_else(|| error(format!("the header's date {date:?} is not YYYYMMDD")))?;
    if count.is_empty() || !count.bytes().all(|b| b.is_ascii_digit()) {
        return Err(error(format!(
            "the header's count {count:?} is not a number"
        )));
    }
    let count = count
        .parse()
        .map_err(|_| error(format!("the header's count {count:?} is too large")))?;
    Ok((count, parse_vnd(HEADER_LINE, "the header's sum", sum)?))
}

/// `D|MaGiaoDich|MaHoaDon|SoTien|ThoiGianGD|TKThuHuong|KenhThanhToan|TrangThai`.
fn parse_detail(line_no: usize, line: &str) -> Result<StatementLine, StatementError> {
    let error = |reason: String| StatementError::new(line_no, reason);
    let fields: Vec<&str> = line.split('|').collect();
    let ["D", txn_id, bill_code, amount, paid_at, account, _channel, status] = fields[..] else {
        return Err(error(format!(
            "a detail line needs 8 fields, found {}",
            fields.len()
        )));
    };
    if txn_id.is_empty() || bill_code.is_empty() {
        return Err(error("MaGiaoDich and MaHoaDon are required".to_owned()));
    }
    let (kind, status, original_txn_id) = match status {
        "PAID" => (LineKind::Payment, LineStatus::Paid, None),
        // The layout has no refund id: a REFUNDED line is the payment MaGiaoDich, now refunded.
        "REFUNDED" => (
            LineKind::Refund,
            LineStatus::Refunded,
            Some(txn_id.to_owned()),
        ),
        other => (LineKind::Payment, LineStatus::Other(other.to_owned()), None),
    };
    Ok(StatementLine {
        bank: BankCode::Bidv,
        line_no,
        bank_txn_id: txn_id.to_owned(),
        reference: bill_code.to_owned(),
        amount: parse_vnd(line_no, "SoTien", amount)?,
        kind,
        status,
        at: compact_time::parse(paid_at)
            .ok_or_else(|| error(format!("ThoiGianGD {paid_at:?} is not yyyyMMddHHmmss")))?,
        credited_to: non_empty(account),
        fee: None,
        original_txn_id,
        transfer_content: None,
    })
}

/// `C|MaGiaoDich|SoTien|ThoiGian|SoTaiKhoan|NoiDung`: a credit to the account by a transfer
/// (VietQR). `NoiDung` holds no `|`, so the record has exactly six fields.
fn parse_credit(line_no: usize, line: &str) -> Result<StatementLine, StatementError> {
    let error = |reason: String| StatementError::new(line_no, reason);
    let fields: Vec<&str> = line.split('|').collect();
    let ["C", txn_id, amount, at, account, content] = fields[..] else {
        return Err(error(format!(
            "a credit line needs 6 fields, found {}",
            fields.len()
        )));
    };
    if txn_id.is_empty() || account.is_empty() {
        return Err(error("MaGiaoDich and SoTaiKhoan are required".to_owned()));
    }
    Ok(StatementLine {
        bank: BankCode::Bidv,
        line_no,
        bank_txn_id: txn_id.to_owned(),
        reference: String::new(),
        amount: parse_vnd(line_no, "SoTien", amount)?,
        kind: LineKind::Payment,
        status: LineStatus::Paid,
        at: compact_time::parse(at)
            .ok_or_else(|| error(format!("ThoiGian {at:?} is not yyyyMMddHHmmss")))?,
        credited_to: Some(account.to_owned()),
        fee: None,
        original_txn_id: None,
        transfer_content: Some(content.to_owned()),
    })
}

fn check_trailer(line_no: usize, trailer: &str, above: &[&str]) -> Result<(), StatementError> {
    let given = trailer.strip_prefix("T|").unwrap_or_default();
    let mut covered = String::new();
    for line in above {
        covered.push_str(line);
        covered.push('\n');
    }
    let expected = sha256_hex(covered);
    if given != expected {
        return Err(StatementError::new(
            line_no,
            "the trailer hash does not match the lines above it".to_owned(),
        ));
    }
    Ok(())
}
