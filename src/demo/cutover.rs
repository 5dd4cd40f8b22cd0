//! `payhub demo --cutover`: the cutover night (cutover.md) rehearsed on the demo's PayHub and
//! bank simulators. The old platform's evening is played at the banks (its callbacks went to
//! the old platform, so PayHub never saw them), its export written, then the night as the
//! README's runbook has it: dry run, import, the banks re-pointed, a late callback, the pending
//! sync, the day's reconciliation, and the way back. Each step prints what happened.

use std::path::Path;

use anyhow::{ensure, Context};
use bank_adapters::simulator::Faults;
use bank_adapters::BankCode;
use chrono::{DateTime, Duration, Utc};
use payhub_money::Vnd;

use super::play::press;
use super::scenario::{Action, AGENCIES};
use super::Demo;
use crate::config::{Config, LegacyPartner};
use crate::cutover::file::{row_fields, BankAttempt, LegacyPayment, LegacyState, COLUMNS};
use crate::cutover::{export, import};
use crate::domain::agency::{AgencyCode, FeeKind, ProcedureCode};

/// The dossier system that used the old platform, and the secret it signs with.
pub const PARTNER: &str = "DVC_DEMO";
const PARTNER_SECRET: &str = "demo-partner-secret";
/// What each of the night's payments costs: phí 150.000 and lệ phí 50.000.
const FEE: i64 = 150_000;
const CHARGE: i64 = 50_000;

/// The partner as PayHub is configured for it; its CONFIRMs go to the stand-in portal.
pub fn partner(portal_url: &str) -> LegacyPartner {
    LegacyPartner {
        code: PARTNER.into(),
        secret: PARTNER_SECRET.to_owned().into(),
        agencies: AGENCIES.iter().map(|a| a.code.to_owned()).collect(),
        confirm_url: format!("{portal_url}/legacy/confirm"),
        return_url: None,
    }
}

/// The stand-in portal's answer to a CONFIRM: a `00` signed as the partner signs.
pub fn confirm_reply(message: &serde_json::Value, now: DateTime<Utc>) -> serde_json::Value {
    let text = |f: &str| message[f].as_str().unwrap_or_default().to_owned();
    let (partner, reference) = (text("MaDoiTac"), text("MaThamChieu"));
    let time = crate::legacy::checksum::legacy_time(now);
    let sum =
        crate::legacy::checksum::checksum(&["00", &partner, &reference, &time], PARTNER_SECRET);
    serde_json::json!({"MaLoi": "00", "MoTaLoi": "", "MaDoiTac": partner,
        "MaThamChieu": reference, "ThoiGianGD": time, "MaXacThuc": sum})
}

/// The old platform's VNPAY payment page for `reference`: the same terminal and protocol as
/// PayHub's, its own reference and time.
pub fn old_platform_vnpay_url(
    config: &Config,
    reference: &str,
    amount: Vnd,
    created: DateTime<Utc>,
) -> anyhow::Result<String> {
    let vnpay = config.banks.vnpay.as_ref().context("VNPAY is configured")?;
    let terminal = vnpay.terminals.first().context("a VNPAY terminal")?;
    let terminal = bank_adapters::vnpay::Terminal {
        code: &terminal.code,
        hash_secret: secrecy::ExposeSecret::expose_secret(&terminal.hash_secret),
    };
    let gmt7 = crate::clock::vietnam();
    let request = bank_adapters::vnpay::PaymentRequest {
        txn_ref: reference.into(),
        amount,
        order_info: format!("Thanh toan ho so {reference}"),
        order_type: "billpayment".into(),
        create_date: created.with_timezone(&gmt7),
        expire_date: (created + Duration::hours(1)).with_timezone(&gmt7),
        ip_addr: std::net::IpAddr::from([10, 0, 0, 8]),
        locale: bank_adapters::vnpay::Locale::Vn,
        return_url: "https://old-platform.example.gov.vn/return".into(),
        bank_code: None,
    };
    Ok(bank_adapters::vnpay::payment_url(
        &vnpay.pay_url,
        &terminal,
        &request,
    )?)
}

/// One row of the old platform's export for the first agency.
fn row(
    n: usize,
    state: LegacyState,
    bank: Option<BankAttempt>,
    at: DateTime<Utc>,
) -> LegacyPayment {
    let agency = &AGENCIES[2];
    let paid = state.is_paid();
    LegacyPayment {
        partner: PARTNER.into(),
        reference: format!("DVC-{n:04}"),
        dossier_code: format!("{}-OLD-{n:04}", agency.code),
        agency_code: AgencyCode::parse(agency.code).expect("a scenario agency"),
        procedure_code: ProcedureCode::parse("1.009994").expect("a procedure code"),
        amount: FEE + CHARGE,
        by_kind: [
            (FeeKind::Fee, FEE),
            (FeeKind::Charge, CHARGE),
            (FeeKind::Service, 0),
        ],
        state,
        bank,
        created_at: at,
        paid_at: paid.then_some(at + Duration::minutes(3)),
        account: agency.vcb_account.into(),
        account_bin: "970436".into(),
        payer_name: "Trần Thị Bình".into(),
    }
}

fn at_bank(bank: BankCode, reference: &str, txn: Option<String>) -> Option<BankAttempt> {
    Some(BankAttempt {
        bank,
        reference: reference.into(),
        txn_id: txn,
    })
}

/// Plays the night; `data` is where the export files are written.
pub async fn rehearse(demo: &Demo, data: &Path) -> anyhow::Result<()> {
    // On PostgreSQL (`--database-url`) nothing else has made the demo's folder.
    std::fs::create_dir_all(data).with_context(|| format!("creating {}", data.display()))?;
    let vnpay = demo.banks_controls(BankCode::Vnpay);
    let config = &demo.state.config;
    let amount = Vnd::from_dong(FEE + CHARGE)?;
    let evening = demo.state.clock.now() - Duration::minutes(40);
    let yesterday = evening - Duration::days(1);
    println!("\n1. The old platform's evening, before the banks are re-pointed");
    // Its callbacks went to the old platform: PayHub never sees them.
    vnpay.set_faults(Faults::default().drop_callback());
    let paid_url = old_platform_vnpay_url(config, "OLD0001", amount, evening)?;
    pay_page(demo, &paid_url, Action::Approve).await?;
    let lost_url = old_platform_vnpay_url(config, "OLD0003", amount, evening)?;
    let late_url = old_platform_vnpay_url(config, "OLD0002", amount, evening)?;
    let paid_txn = vnpay
        .transactions_for("OLD0001")
        .first()
        .and_then(|t| t.bank_txn_id.clone())
        .context("VNPAY's transaction for OLD0001")?;
    let rows = vec![
        row(
            1,
            LegacyState::Paid,
            at_bank(BankCode::Vnpay, "OLD0001", Some(paid_txn)),
            evening,
        ),
        row(
            2,
            LegacyState::Started,
            at_bank(BankCode::Vnpay, "OLD0002", None),
            evening,
        ),
        row(
            3,
            LegacyState::Started,
            at_bank(BankCode::Vnpay, "OLD0003", None),
            evening,
        ),
        row(4, LegacyState::Started, None, evening),
        row(
            5,
            LegacyState::Paid,
            at_bank(BankCode::Vcb, "OLD0005", Some("FT0005".into())),
            yesterday,
        ),
        row(
            6,
            LegacyState::Failed,
            at_bank(BankCode::Bidv, "OLD0006", None),
            yesterday,
        ),
        row(
            7,
            LegacyState::Refunded,
            at_bank(BankCode::Vcb, "OLD0007", Some("FT0007".into())),
            yesterday,
        ),
    ];
    let file = data.join("legacy-export.csv");
    write_export(&file, &rows)?;
    println!(
        "   paid at VNPAY (OLD0001), two VNPAY pages open (OLD0002, OLD0003), one not yet at a \
         bank, and yesterday's history (paid, failed, refunded): {} rows in {}",
        rows.len(),
        file.display()
    );
    // During the night OLD0003's citizen pays; VNPAY's callback is lost on the way.
    pay_page(demo, &lost_url, Action::Approve).await?;
    vnpay.clear_faults();

    let night = demo.state.clock.now();
    let now = || demo.state.clock.now();
    println!(
        "\n2. payhub import legacy --file {} --dry-run",
        file.display()
    );
    let dry =
        import::import_file(&demo.state.store, config, &file, true, "demo", now(), false).await?;
    println!("   {dry}");
    println!("\n3. payhub import legacy --file {}", file.display());
    let done = import::import_file(
        &demo.state.store,
        config,
        &file,
        false,
        "demo",
        now(),
        false,
    )
    .await?;
    println!("   {done}");
    let again = import::import_file(
        &demo.state.store,
        config,
        &file,
        false,
        "demo",
        now(),
        false,
    )
    .await?;
    println!("   the same file again: {again}");
    ensure!(
        done.imported() == 7 && again.unchanged == 7,
        "the import took every row once"
    );

    println!("\n4. The banks are re-pointed: their callbacks now come to PayHub");
    println!("\n5. A late callback: OLD0002's citizen pays on the old platform's VNPAY page");
    pay_page(demo, &late_url, Action::Approve).await?;
    let late = wait_until_paid(demo, "DVC-0002").await?;
    println!("   order {late} is paid once");

    println!("\n6. The pending sync asks the banks about the in-flight attempts");
    let asked = crate::pending_sync::sync_pass(&demo.state).await?;
    let lost = wait_until_paid(demo, "DVC-0003").await?;
    println!("   {asked} asked; OLD0003, whose callback was lost, is paid (order {lost})");
    deliver_confirms(demo).await?;
    for (reference, id) in [("DVC-0002", &late), ("DVC-0003", &lost)] {
        let confirms = demo.state.store.notifications_of_order(id).await?;
        let delivered = confirms
            .iter()
            .filter(|n| n.event == "legacy.confirm")
            .filter(|n| n.status == crate::domain::notification::DeliveryStatus::Delivered)
            .count();
        ensure!(
            delivered == 1,
            "{reference}: {delivered} CONFIRMs delivered"
        );
        println!("   {PARTNER} acknowledged one CONFIRM for {reference}");
    }

    println!("\n7. The day reconciles as one: PayHub's own payment beside the old platform's");
    let order = demo.create_order("CUTOVER-OWN-1", &own_order(demo)).await?;
    let id = order["id"].as_str().context("order id")?;
    let page = demo.choose_bank(id, "vnpay").await?;
    pay_page(demo, &page, Action::Approve).await?;
    wait_until_paid_id(demo, id).await?;
    let run = super::reconcile::reconcile_bank(demo, BankCode::Vnpay).await?;
    for line in super::reconcile::summary_lines(std::slice::from_ref(&run)) {
        println!("{line}");
    }

    let back = data.join("handback.csv");
    println!(
        "\n8. The way back: payhub export legacy --since {} --out {}",
        night.to_rfc3339(),
        back.display()
    );
    let summary = export::export_file(&demo.state.store, night, &back).await?;
    println!(
        "   {} rows created or changed since the night began, sha256 {}",
        summary.rows, summary.sha256
    );
    Ok(())
}

fn write_export(file: &Path, rows: &[LegacyPayment]) -> anyhow::Result<()> {
    let mut csv = csv::Writer::from_path(file)?;
    csv.write_record(COLUMNS)?;
    for row in rows {
        csv.write_record(row_fields(row))?;
    }
    csv.flush()?;
    Ok(())
}

async fn pay_page(demo: &Demo, page: &str, action: Action) -> anyhow::Result<()> {
    let html = demo.client.get(page).send().await?.text().await?;
    press(demo, page, &html, action)
        .await
        .with_context(|| format!("paying {page}"))?;
    Ok(())
}

fn own_order(demo: &Demo) -> serde_json::Value {
    let agency = &AGENCIES[2];
    serde_json::json!({"dossier_code": format!("{}-NEW-0001", agency.code),
        "procedure_code": "1.009994", "procedure_name": "Cấp giấy phép xây dựng",
        "agency_code": agency.code, "payer": {"name": "Lê Văn Cường"},
        "items": [{"kind": "fee", "code": "PTD", "name": "Phí thẩm định", "amount": "150000"},
                  {"kind": "charge", "code": "LPXD", "name": "Lệ phí", "amount": "50000"}],
        "return_url": format!("{}/dossiers/{}-NEW-0001", demo.portal_url, agency.code)})
}

/// Waits for the order the partner knows as `reference` to be paid; returns its id.
async fn wait_until_paid(demo: &Demo, reference: &str) -> anyhow::Result<String> {
    let id = demo
        .state
        .store
        .legacy_order_id(PARTNER, reference)
        .await?
        .with_context(|| format!("{reference} was imported"))?;
    wait_until_paid_id(demo, &id).await?;
    Ok(id)
}

async fn wait_until_paid_id(demo: &Demo, id: &str) -> anyhow::Result<()> {
    for _ in 0..300 {
        let order = demo.state.store.order(id).await?.context("the order")?;
        if order.status == crate::domain::state::OrderStatus::Paid {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    anyhow::bail!("order {id} was not paid within 15 s")
}

/// Runs the outbox until nothing is due, so the CONFIRMs are delivered before the next step.
async fn deliver_confirms(demo: &Demo) -> anyhow::Result<()> {
    while crate::notify::deliver_due(&demo.state).await? == crate::workers::Outcome::Done {}
    Ok(())
}
