//! A bar chart of money per day drawn on the server as SVG (issue 14: "a chart where people would
//! rather look than read ... no JavaScript"). Only numbers and dates go into the markup, so it
//! needs no escaping; each bar has a `<title>` for screen readers and hover.

use chrono::NaiveDate;

use crate::recon::money::Totals;

const WIDTH: f64 = 760.0;
const HEIGHT: f64 = 240.0;
const LEFT: f64 = 90.0;
const BOTTOM: f64 = 30.0;
const TOP: f64 = 12.0;

/// `1.234.567` (whole đồng, Vietnamese grouping), minus sign kept.
fn grouped(dong: i64) -> String {
    let digits = dong.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    if dong < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// The bank-credited money of each day as bars, with the largest day's value on the axis.
pub fn money_per_day_svg(days: &[(NaiveDate, Totals)]) -> String {
    let max = days
        .iter()
        .map(|(_, t)| t.bank_credited.max(0))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let plot_w = WIDTH - LEFT - 10.0;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let slot = plot_w / days.len().max(1) as f64;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"money-chart\" role=\"img\" \
         viewBox=\"0 0 {WIDTH} {HEIGHT}\" width=\"100%\" aria-labelledby=\"money-chart-title\">\
         <title id=\"money-chart-title\">Tiền ngân hàng ghi có theo ngày</title>\
         <line x1=\"{LEFT}\" y1=\"{TOP}\" x2=\"{LEFT}\" y2=\"{y0}\" stroke=\"#5f6770\"/>\
         <line x1=\"{LEFT}\" y1=\"{y0}\" x2=\"{x1}\" y2=\"{y0}\" stroke=\"#5f6770\"/>\
         <text x=\"{lx}\" y=\"{ty}\" text-anchor=\"end\" font-size=\"11\">{top} ₫</text>\
         <text x=\"{lx}\" y=\"{y0}\" text-anchor=\"end\" font-size=\"11\">0</text>",
        y0 = TOP + plot_h,
        x1 = WIDTH - 10.0,
        lx = LEFT - 6.0,
        ty = TOP + 10.0,
        top = grouped(max as i64),
    );
    let label_every = (days.len() / 12).max(1);
    for (i, (day, t)) in days.iter().enumerate() {
        let h = (t.bank_credited.max(0) as f64 / max * plot_h).round();
        let x = LEFT + i as f64 * slot + slot * 0.15;
        let w = (slot * 0.7).max(1.0);
        svg.push_str(&format!(
            "<rect class=\"bar\" data-date=\"{day}\" data-amount=\"{amount}\" x=\"{x:.1}\" \
             y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" fill=\"#0b5394\">\
             <title>{d}: {g} ₫</title></rect>",
            amount = t.bank_credited,
            y = TOP + plot_h - h,
            d = day.format("%d/%m/%Y"),
            g = grouped(t.bank_credited),
        ));
        if i % label_every == 0 {
            svg.push_str(&format!(
                "<text x=\"{cx:.1}\" y=\"{ly}\" text-anchor=\"middle\" font-size=\"10\">{d}</text>",
                cx = x + w / 2.0,
                ly = HEIGHT - 12.0,
                d = day.format("%d/%m"),
            ));
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_day_is_a_bar_as_tall_as_its_money() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 5, d).unwrap();
        let t = |b| Totals {
            bank_credited: b,
            payhub_recorded: b,
            difference: 0,
        };
        let svg = money_per_day_svg(&[(day(1), t(100)), (day(2), t(0)), (day(3), t(50))]);
        assert_eq!(svg.matches("<rect class=\"bar\"").count(), 3);
        assert!(svg.contains("data-date=\"2026-05-01\" data-amount=\"100\""));
        let tall = |amount: &str| {
            let at = svg.find(&format!("data-amount=\"{amount}\"")).unwrap();
            let h = &svg[at..][svg[at..].find("height=\"").unwrap() + 8..];
            h[..h.find('"').unwrap()].parse::<f64>().unwrap()
        };
        assert_eq!(tall("100"), 2.0 * tall("50"));
        assert_eq!(tall("0"), 0.0);
        assert!(!svg.contains("<script"));
        assert_eq!(grouped(1_234_567), "1.234.567");
    }
}
