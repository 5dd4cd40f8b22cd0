//! The report as a workbook (messages.md §2): the national summary first ("Toàn quốc"), then one
//! sheet per agency group named by its code (`H29`, `G12`). Each sheet lists the figures as
//! label and value (amounts as numbers shown `#,##0 "₫"`), then the bank incidents.

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use super::figures::GroupReport;
use super::text::{figures, local, Figure};
use super::DailyReport;
use crate::domain::bank::display_name;

pub const NATIONAL_SHEET: &str = "Toàn quốc";
const VND_FORMAT: &str = "#,##0 \"₫\"";

/// The workbook's bytes.
pub fn report_xlsx(report: &DailyReport) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let title = format!(
        "Báo cáo vận hành ngày {} (số liệu đến {})",
        report.date.format("%d/%m/%Y"),
        report.as_of.format("%H:%M %d/%m/%Y")
    );
    let national = workbook.add_worksheet().set_name(NATIONAL_SHEET)?;
    group_sheet(national, &title, &report.national)?;
    for g in &report.groups {
        group_sheet(workbook.add_worksheet().set_name(&g.group)?, &title, g)?;
    }
    workbook.save_to_buffer()
}

fn group_sheet(sheet: &mut Worksheet, title: &str, g: &GroupReport) -> Result<(), XlsxError> {
    let bold = Format::new().set_bold();
    let vnd = Format::new().set_num_format(VND_FORMAT);
    sheet.write_string_with_format(0, 0, title, &bold)?;
    sheet.write_string(1, 0, g.agencies.join(", "))?;
    sheet.set_column_width(0, 44)?;
    sheet.set_column_width(1, 22)?;
    let mut row = 3;
    for (label, value) in figures(g) {
        sheet.write_string(row, 0, label)?;
        match value {
            Figure::Count(n) => sheet.write_number(row, 1, n as f64)?,
            Figure::Money(d) => sheet.write_number_with_format(row, 1, d as f64, &vnd)?,
            Figure::Text(t) => sheet.write_string(row, 1, t)?,
        };
        row += 1;
    }
    row += 1;
    for (col, name) in (0u16..).zip(["Sự cố ngân hàng", "Bắt đầu", "Kết thúc", "Số đơn"])
    {
        sheet.write_string_with_format(row, col, name, &bold)?;
    }
    for i in &g.incidents {
        row += 1;
        sheet.write_string(row, 0, display_name(i.bank))?;
        sheet.write_string(row, 1, local(i.started_at))?;
        sheet.write_string(row, 2, i.ended_at.map_or("đang diễn ra".into(), local))?;
        sheet.write_number(row, 3, i.orders_touched as f64)?;
    }
    Ok(())
}
