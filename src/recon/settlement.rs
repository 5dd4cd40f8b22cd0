//! An agency's settlement for a period (issue 14): per agency (with its name) and beneficiary
//! account, per day and bank, the money received, as each agency's accountant compares it with
//! the State Treasury's or the bank's account statement; the day totals for the chart; and the
//! workbook.

use std::collections::BTreeMap;

use chrono::Datelike;
use chrono::NaiveDate;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};
use serde::Serialize;

use super::money::Totals;
use super::xlsx::VND_FORMAT;
use crate::store::settlement::SettlementRow;

/// At most a quarter at a time: a settlement is read per month or per quarter.
pub const MAX_DAYS: i64 = 92;

#[derive(Debug, Clone, Serialize)]
pub struct DayMoney {
    pub date: NaiveDate,
    pub bank: String,
    pub entries: i64,
    pub totals: Totals,
}

#[derive(Debug, Clone, Serialize)]
pub struct AccountSettlement {
    pub account: Option<String>,
    pub days: Vec<DayMoney>,
    pub totals: Totals,
}

#[derive(Debug, Clone, Serialize)]
pub struct AgencySettlement {
    pub agency_code: Option<String>,
    pub agency_name: Option<String>,
    pub accounts: Vec<AccountSettlement>,
    pub totals: Totals,
}

#[derive(Debug, Clone, Serialize)]
pub struct Settlement {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub agencies: Vec<AgencySettlement>,
    /// Every day of the period (zeros included), all agencies and banks of the selection.
    pub per_day: Vec<(NaiveDate, Totals)>,
    pub totals: Totals,
}

fn totals(bank: i64, payhub: i64) -> Totals {
    Totals {
        bank_credited: bank,
        payhub_recorded: payhub,
        difference: bank - payhub,
    }
}

fn add(t: &mut Totals, bank: i64, payhub: i64) {
    *t = totals(t.bank_credited + bank, t.payhub_recorded + payhub);
}

/// Groups the store's rows (sorted by agency, account, day, bank).
pub fn settle(rows: &[SettlementRow], from: NaiveDate, to: NaiveDate) -> Settlement {
    type Accounts = BTreeMap<Option<String>, Vec<DayMoney>>;
    let mut agencies: BTreeMap<Option<String>, (Option<String>, Accounts)> = BTreeMap::new();
    let mut per_day: BTreeMap<NaiveDate, Totals> = from
        .iter_days()
        .take_while(|d| *d <= to)
        .map(|d| (d, Totals::default()))
        .collect();
    let mut all = Totals::default();
    for r in rows {
        let agency = agencies
            .entry(r.agency_code.clone())
            .or_insert_with(|| (r.agency_name.clone(), BTreeMap::new()));
        agency
            .1
            .entry(r.account.clone())
            .or_default()
            .push(DayMoney {
                date: r.business_date,
                bank: r.bank.clone(),
                entries: r.entries,
                totals: totals(r.bank_vnd, r.payhub_vnd),
            });
        add(
            per_day.entry(r.business_date).or_default(),
            r.bank_vnd,
            r.payhub_vnd,
        );
        add(&mut all, r.bank_vnd, r.payhub_vnd);
    }
    let agencies = agencies
        .into_iter()
        .map(|(agency_code, (agency_name, accounts))| {
            let accounts: Vec<AccountSettlement> = accounts
                .into_iter()
                .map(|(account, days)| {
                    let mut t = Totals::default();
                    days.iter().for_each(|d| {
                        add(&mut t, d.totals.bank_credited, d.totals.payhub_recorded)
                    });
                    AccountSettlement {
                        account,
                        days,
                        totals: t,
                    }
                })
                .collect();
            let mut t = Totals::default();
            accounts
                .iter()
                .for_each(|a| add(&mut t, a.totals.bank_credited, a.totals.payhub_recorded));
            AgencySettlement {
                agency_code,
                agency_name,
                accounts,
                totals: t,
            }
        })
        .collect();
    Settlement {
        from,
        to,
        agencies,
        per_day: per_day.into_iter().collect(),
        totals: all,
    }
}

const HEADERS: [&str; 9] = [
    "Mã đơn vị",
    "Tên đơn vị",
    "Tài khoản thụ hưởng",
    "Ngày",
    "Ngân hàng",
    "Số giao dịch",
    "Ngân hàng ghi có",
    "PayHub ghi nhận",
    "Chênh lệch",
];

fn excel_date(d: NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)
}

/// One sheet, one row per (agency, account, day, bank), then the period's total. Days are
/// dates and amounts numbers, so the sheet sorts and sums.
pub fn settlement_xlsx(s: &Settlement) -> Result<Vec<u8>, XlsxError> {
    let bold = Format::new().set_bold();
    let vnd = Format::new().set_num_format(VND_FORMAT);
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet().set_name("Quyết toán")?;
    sheet.write_string_with_format(
        0,
        0,
        format!(
            "Quyết toán từ {} đến {}",
            s.from.format("%d/%m/%Y"),
            s.to.format("%d/%m/%Y")
        ),
        &bold,
    )?;
    for (col, name) in (0u16..).zip(HEADERS) {
        sheet.write_string_with_format(2, col, name, &bold)?;
        sheet.set_column_width(col, (name.chars().count() as f64 + 4.0).max(14.0))?;
    }
    let mut row = 3u32;
    for a in &s.agencies {
        for acc in &a.accounts {
            for d in &acc.days {
                sheet.write_string(
                    row,
                    0,
                    a.agency_code.as_deref().unwrap_or("(chưa xác định)"),
                )?;
                sheet.write_string(row, 1, a.agency_name.as_deref().unwrap_or(""))?;
                sheet.write_string(row, 2, acc.account.as_deref().unwrap_or("(không rõ)"))?;
                sheet.write_datetime_with_format(row, 3, excel_date(d.date)?, &date)?;
                sheet.write_string(row, 4, d.bank.to_uppercase())?;
                sheet.write_number(row, 5, d.entries as f64)?;
                sheet.write_number_with_format(row, 6, d.totals.bank_credited as f64, &vnd)?;
                sheet.write_number_with_format(row, 7, d.totals.payhub_recorded as f64, &vnd)?;
                sheet.write_number_with_format(row, 8, d.totals.difference as f64, &vnd)?;
                row += 1;
            }
        }
    }
    sheet.write_string_with_format(row, 0, "Tổng cộng", &bold)?;
    sheet.write_number_with_format(row, 6, s.totals.bank_credited as f64, &vnd)?;
    sheet.write_number_with_format(row, 7, s.totals.payhub_recorded as f64, &vnd)?;
    sheet.write_number_with_format(row, 8, s.totals.difference as f64, &vnd)?;
    workbook.save_to_buffer()
}
