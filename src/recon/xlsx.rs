//! `GET …/{id}/report.xlsx`: a workbook for finance staff, in Vietnamese. Sheets: "Tổng hợp"
//! (the run, its money tied out at the top right, and its totals per class), "Theo đơn vị" (per
//! agency and class), "Chênh lệch" (every discrepancy with both sides) and "Đối chiếu tiền" (the
//! money per agency and beneficiary account). Amounts are numbers shown as `#,##0 "₫"`, so they add up
//! in a spreadsheet.

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use super::csv::time;
use super::summary::{label, Summary};
use crate::store::reconciliation::Discrepancy;

pub const SUMMARY_SHEET: &str = "Tổng hợp";
pub const AGENCY_SHEET: &str = "Theo đơn vị";
pub const DISCREPANCY_SHEET: &str = "Chênh lệch";
pub const MONEY_SHEET: &str = "Đối chiếu tiền";
/// The row (0-based) of the per-class table's header on the summary sheet.
pub const CLASS_TABLE_ROW: u32 = 5;
pub const VND_FORMAT: &str = "#,##0 \"₫\"";

const DISCREPANCY_HEADERS: [&str; 19] = [
    "Mã",
    "Loại chênh lệch",
    "Đơn vị",
    "Mã tham chiếu",
    "Mã giao dịch ngân hàng",
    "Mã đơn hàng",
    "Số tiền",
    "Dòng sao kê",
    "Số tiền theo ngân hàng",
    "Trạng thái theo ngân hàng",
    "Thời gian theo ngân hàng",
    "Tài khoản được ghi có",
    "Số tiền theo PayHub",
    "Trạng thái theo PayHub",
    "Thời gian theo PayHub",
    "Tài khoản đúng",
    "Đã xử lý lúc",
    "Người xử lý",
    "Ghi chú",
];

struct Formats {
    bold: Format,
    vnd: Format,
}

/// The workbook's bytes.
pub fn report_xlsx(summary: &Summary, rows: &[Discrepancy]) -> Result<Vec<u8>, XlsxError> {
    let formats = Formats {
        bold: Format::new().set_bold(),
        vnd: Format::new().set_num_format(VND_FORMAT),
    };
    let mut workbook = Workbook::new();
    summary_sheet(
        workbook.add_worksheet().set_name(SUMMARY_SHEET)?,
        summary,
        &formats,
    )?;
    agency_sheet(
        workbook.add_worksheet().set_name(AGENCY_SHEET)?,
        summary,
        &formats,
    )?;
    discrepancy_sheet(
        workbook.add_worksheet().set_name(DISCREPANCY_SHEET)?,
        rows,
        &formats,
    )?;
    money_sheet(
        workbook.add_worksheet().set_name(MONEY_SHEET)?,
        summary,
        &formats,
    )?;
    workbook.save_to_buffer()
}

fn headers(sheet: &mut Worksheet, row: u32, names: &[&str], f: &Formats) -> Result<(), XlsxError> {
    for (col, name) in (0u16..).zip(names) {
        sheet.write_string_with_format(row, col, *name, &f.bold)?;
        sheet.set_column_width(col, (name.chars().count() as f64 + 4.0).max(14.0))?;
    }
    Ok(())
}

fn summary_sheet(sheet: &mut Worksheet, s: &Summary, f: &Formats) -> Result<(), XlsxError> {
    let run = &s.run;
    let title = format!(
        "Đối soát {} ngày {}",
        run.bank.as_str().to_uppercase(),
        run.business_date.format("%d/%m/%Y")
    );
    sheet.write_string_with_format(0, 0, title, &f.bold)?;
    let facts = [
        ("Lần chạy", format!("#{} ({})", run.id, run.status)),
        (
            "Nguồn sao kê",
            format!(
                "{} {}",
                run.source.as_str(),
                run.file_name.as_deref().unwrap_or("")
            ),
        ),
        (
            "Người chạy",
            format!("{} lúc {}", run.started_by, time(Some(run.started_at))),
        ),
    ];
    for (row, (name, value)) in (1u32..).zip(facts) {
        sheet.write_string(row, 0, name)?;
        sheet.write_string(row, 1, value)?;
    }
    let t = &s.totals;
    let money = [
        ("Ngân hàng ghi có", t.bank_credited),
        ("PayHub ghi nhận đã thu", t.payhub_recorded),
        ("Chênh lệch (= tiền của các chênh lệch)", t.difference),
    ];
    for (row, (name, dong)) in (1u32..).zip(money) {
        sheet.write_string_with_format(row, 3, name, &f.bold)?;
        sheet.write_number_with_format(row, 4, dong as f64, &f.vnd)?;
    }
    sheet.write_string(
        4,
        3,
        "Không chuyển tiền (số giao dịch, không cộng vào tiền)",
    )?;
    sheet.write_number(4, 4, s.no_money_moved.count as f64)?;
    sheet.set_column_width(3, 40)?;
    sheet.set_column_width(4, 18)?;
    let row = CLASS_TABLE_ROW;
    headers(
        sheet,
        row,
        &["Loại chênh lệch", "Mã loại", "Số giao dịch", "Số tiền"],
        f,
    )?;
    for (row, t) in (row + 1..).zip(&s.by_class) {
        sheet.write_string(row, 0, t.label)?;
        sheet.write_string(row, 1, t.class)?;
        sheet.write_number(row, 2, t.count as f64)?;
        sheet.write_number_with_format(row, 3, t.sum.dong() as f64, &f.vnd)?;
    }
    sheet.set_column_width(0, 36)?;
    Ok(())
}

fn agency_sheet(sheet: &mut Worksheet, s: &Summary, f: &Formats) -> Result<(), XlsxError> {
    headers(
        sheet,
        0,
        &[
            "Đơn vị",
            "Loại chênh lệch",
            "Mã loại",
            "Số giao dịch",
            "Số tiền",
        ],
        f,
    )?;
    for (row, t) in (1u32..).zip(&s.by_agency) {
        sheet.write_string(
            row,
            0,
            t.agency_code.as_deref().unwrap_or("(không xác định)"),
        )?;
        sheet.write_string(row, 1, label(&t.class))?;
        sheet.write_string(row, 2, &t.class)?;
        sheet.write_number(row, 3, t.count as f64)?;
        sheet.write_number_with_format(row, 4, t.sum.dong() as f64, &f.vnd)?;
    }
    sheet.set_column_width(1, 36)?;
    Ok(())
}

fn money_sheet(sheet: &mut Worksheet, s: &Summary, f: &Formats) -> Result<(), XlsxError> {
    headers(
        sheet,
        0,
        &[
            "Đơn vị",
            "Tên đơn vị",
            "Tài khoản thụ hưởng",
            "Ngân hàng ghi có",
            "PayHub ghi nhận",
            "Chênh lệch",
        ],
        f,
    )?;
    let mut row = 1u32;
    for a in &s.agencies {
        for acc in &a.accounts {
            let code = a.agency_code.as_deref().unwrap_or("(không xác định)");
            sheet.write_string(row, 0, code)?;
            sheet.write_string(row, 1, a.agency_name.as_deref().unwrap_or(""))?;
            sheet.write_string(row, 2, acc.account.as_deref().unwrap_or("(không rõ)"))?;
            let t = &acc.totals;
            for (col, dong) in [
                (3, t.bank_credited),
                (4, t.payhub_recorded),
                (5, t.difference),
            ] {
                sheet.write_number_with_format(row, col, dong as f64, &f.vnd)?;
            }
            row += 1;
        }
    }
    Ok(())
}

fn discrepancy_sheet(
    sheet: &mut Worksheet,
    rows: &[Discrepancy],
    f: &Formats,
) -> Result<(), XlsxError> {
    headers(sheet, 0, &DISCREPANCY_HEADERS, f)?;
    sheet.set_freeze_panes(1, 0)?;
    for (row, d) in (1u32..).zip(rows) {
        let x = &d.facts;
        let texts = [
            (1, label(&x.class).to_owned()),
            (2, x.agency_code.clone().unwrap_or_default()),
            (3, x.reference.clone()),
            (4, x.bank_txn_id.clone().unwrap_or_default()),
            (5, x.order_id.clone().unwrap_or_default()),
            (9, x.bank_status.clone().unwrap_or_default()),
            (10, time(x.bank_at)),
            (11, x.credited_account.clone().unwrap_or_default()),
            (13, x.payhub_status.clone().unwrap_or_default()),
            (14, time(x.payhub_at)),
            (15, x.expected_accounts.clone().unwrap_or_default()),
            (16, time(d.resolved_at)),
            (17, d.resolved_by.clone().unwrap_or_default()),
            (18, d.note.clone().unwrap_or_default()),
        ];
        sheet.write_number(row, 0, d.id as f64)?;
        for (col, text) in texts {
            sheet.write_string(row, col, text)?;
        }
        sheet.write_number_with_format(row, 6, x.amount_vnd as f64, &f.vnd)?;
        if let Some(line) = x.line_no {
            sheet.write_number(row, 7, line)?;
        }
        for (col, amount) in [(8, x.bank_amount_vnd), (12, x.payhub_amount_vnd)] {
            if let Some(amount) = amount {
                sheet.write_number_with_format(row, col, amount as f64, &f.vnd)?;
            }
        }
    }
    Ok(())
}
