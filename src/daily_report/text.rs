//! The report in the words of its readers (Vietnamese): one list of labelled figures per group,
//! shared by the workbook's sheets, the command line's print-out and the email.

use std::fmt::Write;

use chrono::{DateTime, Utc};
use payhub_money::Vnd;

use super::figures::GroupReport;
use super::DailyReport;
use crate::clock::vietnam;
use crate::domain::bank::display_name;

/// One figure's value, typed so a workbook keeps numbers as numbers.
#[derive(Debug, Clone, PartialEq)]
pub enum Figure {
    Count(i64),
    Money(i64),
    Text(String),
}

impl Figure {
    pub fn shown(&self) -> String {
        match self {
            Figure::Count(n) => n.to_string(),
            Figure::Money(d) => money(*d),
            Figure::Text(t) => t.clone(),
        }
    }
}

pub fn money(dong: i64) -> String {
    Vnd::from_dong(dong).map_or_else(|_| dong.to_string(), |v| v.to_vietnamese())
}

pub fn local(at: DateTime<Utc>) -> String {
    at.with_timezone(&vietnam())
        .format("%H:%M %d/%m/%Y")
        .to_string()
}

fn duration(seconds: Option<i64>) -> Figure {
    Figure::Text(seconds.map_or("—".into(), |s| {
        format!("{} giờ {} phút {} giây", s / 3600, s % 3600 / 60, s % 60)
    }))
}

/// The group's figures, labelled, in the order of messages.md §2.
pub fn figures(g: &GroupReport) -> Vec<(String, Figure)> {
    use Figure::{Count, Money};
    let o = &g.orders;
    let mut rows: Vec<(String, Figure)> = vec![
        ("Hồ sơ tạo đơn thanh toán".into(), Count(o.created)),
        ("Đơn đã thanh toán".into(), Count(o.paid)),
        ("Số tiền đã thanh toán".into(), Money(o.paid_amount)),
        ("Lượt thanh toán không thành công".into(), Count(o.failed)),
        ("Đơn bị hủy".into(), Count(o.cancelled)),
        ("Đơn hết hạn".into(), Count(o.expired)),
    ];
    for b in &g.banks {
        let name = display_name(b.bank);
        rows.push((format!("{name}: đã thanh toán"), Count(b.paid)));
        rows.push((format!("{name}: số tiền"), Money(b.amount)));
        rows.push((format!("{name}: lượt bắt đầu"), Count(b.started)));
        rows.push((format!("{name}: thành công"), Count(b.succeeded)));
        let rate = b
            .success_rate_percent
            .map_or("—".into(), |r| format!("{r:.1}%"));
        rows.push((format!("{name}: tỷ lệ thành công"), Figure::Text(rate)));
    }
    let (c, d, r, n) = (
        &g.callbacks,
        &g.discrepancies,
        &g.refunds,
        &g.notifications_failed,
    );
    rows.extend([
        (
            "Thời gian đến khi thanh toán (trung vị)".into(),
            duration(g.time_to_pay.median_seconds),
        ),
        (
            "Thời gian đến khi thanh toán (95%)".into(),
            duration(g.time_to_pay.p95_seconds),
        ),
        ("Báo có đến muộn (quá 5 phút)".into(), Count(c.late)),
        ("Báo có không đến".into(), Count(c.never)),
        ("Chênh lệch phát sinh".into(), Count(d.opened)),
        ("Chênh lệch đã xử lý".into(), Count(d.resolved)),
        ("Chênh lệch còn mở".into(), Count(d.open)),
        (
            "Chênh lệch mở lâu nhất".into(),
            duration(d.oldest_open_age_seconds),
        ),
        ("Yêu cầu hoàn tiền".into(), Count(r.requested)),
        ("Số tiền hoàn".into(), Money(r.amount)),
        (
            "Thông báo đến hệ thống hồ sơ thất bại".into(),
            Count(n.dead + n.retrying),
        ),
        ("Sự cố ngân hàng".into(), Count(g.incidents.len() as i64)),
    ]);
    rows
}

/// The whole report as plain text: the command line prints it, the email carries it.
pub fn report_text(report: &DailyReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Báo cáo vận hành ngày {} (số liệu đến {})",
        report.date.format("%d/%m/%Y"),
        report.as_of.format("%H:%M %d/%m/%Y")
    );
    for g in std::iter::once(&report.national).chain(&report.groups) {
        group_text(&mut out, g);
    }
    out
}

/// One group's section: its figures, then its incidents.
pub fn group_text(out: &mut String, g: &GroupReport) {
    let title = if g.group == super::NATIONAL {
        "Toàn quốc".to_owned()
    } else {
        format!("Nhóm {} ({})", g.group, g.agencies.join(", "))
    };
    let _ = writeln!(out, "\n== {title} ==");
    for (label, value) in figures(g) {
        let _ = writeln!(out, "{label}: {}", value.shown());
    }
    for i in &g.incidents {
        let end = i.ended_at.map_or("đang diễn ra".into(), local);
        let _ = writeln!(
            out,
            "Sự cố {}: {} – {}, {} đơn bị ảnh hưởng",
            display_name(i.bank),
            local(i.started_at),
            end,
            i.orders_touched
        );
    }
}
