//! INIT (legacy-platform.md §INIT): the partner's bill becomes an ordinary PayHub order through
//! the same `Store::create_order` as `POST /api/v1/orders` — same validation, same idempotency
//! (the partner's own key, idempotency key `legacy:<MaThamChieu>`), same stored reply. The
//! message's wire form and the reply are `http/legacy/`'s; this is the operation.

use chrono::{DateTime, Utc};
use payhub_money::Vnd;
use serde_json::Value;

use super::wire::{BillInfo, InitRequest, ReplyCode};
use crate::app::AppState;
use crate::config::LegacyPartner;
use crate::domain::agency::{single_account, FeeKind};
use crate::domain::keys::request_fingerprint;
use crate::domain::order::{CreateOrderBody, ItemBody, LegacyOrigin, NewOrder, PayerBody};
use crate::store::orders::CreateOrderError;
use crate::store::StoreError;

/// `MaNganHang`: `PAYMENT` lets the citizen choose; a bank's code goes straight to it.
const BANK_CHOICES: [&str; 4] = ["PAYMENT", "VNPAY", "VCB", "BIDV"];

/// What became of an INIT.
#[derive(Debug)]
pub enum Init {
    /// The order was created, or this INIT was taken before: the first reply's content as
    /// stored (the order's snapshot).
    Taken { stored: String },
    /// Refused with this code and text, nothing written.
    Refused { code: ReplyCode, text: String },
}

impl Init {
    fn refused(code: ReplyCode, text: impl Into<String>) -> Init {
        Init::Refused {
            code,
            text: text.into(),
        }
    }

    fn failed(e: StoreError) -> Init {
        tracing::error!(error.cause_chain = ?e, "INIT failed");
        Init::refused(
            ReplyCode::Other,
            "PayHub could not take the payment now; try again",
        )
    }
}

/// Takes the INIT `message` of an authenticated `partner`: checks what only the message set
/// has, the beneficiary account it names, and creates the order once.
pub async fn take_init(
    app: &AppState,
    req: &InitRequest,
    partner: &LegacyPartner,
    message: Value,
    now: DateTime<Utc>,
) -> Init {
    let new = match new_order(req, partner) {
        Ok(new) => new,
        Err(errors) => return Init::refused(ReplyCode::InvalidData, errors.join("; ")),
    };
    match beneficiary_problem(app, &req.bill, &new, now).await {
        Ok(None) => {}
        Ok(Some(text)) => return Init::refused(ReplyCode::InvalidData, text),
        Err(e) => return Init::failed(e),
    }
    let caller = match app.store.legacy_partner_caller(&partner.code, now).await {
        Ok(c) => c,
        Err(e) => return Init::failed(e),
    };
    let key = format!("legacy:{}", req.reference);
    let print = init_fingerprint(message);
    let banks = app.config.banks.configured();
    let created = (app.store)
        .create_order(&caller, &key, &print, &new, &banks, now)
        .await;
    match created {
        Ok(stored) => Init::Taken {
            stored: stored.body,
        },
        Err(CreateOrderError::IdempotencyMismatch) => Init::refused(
            ReplyCode::ReferenceReused,
            "MaThamChieu: already used with different content",
        ),
        Err(CreateOrderError::Store(e)) => Init::failed(e),
        Err(e @ (CreateOrderError::UnknownAgency(_) | CreateOrderError::NoBankAvailable)) => {
            Init::refused(
                ReplyCode::InvalidData,
                format!("ThongTinBienLai.MaDonVi: {e}"),
            )
        }
        Err(e @ CreateOrderError::OpenOrder { .. }) => Init::refused(
            ReplyCode::InvalidData,
            format!("ThongTinBienLai.MaHoSo: {e}"),
        ),
    }
}

/// The content of an INIT: everything but its send time and checksum, so that a partner's retry
/// of the same payment with a fresh `ThoiGianGD` is the same INIT.
fn init_fingerprint(mut message: Value) -> String {
    if let Some(fields) = message.as_object_mut() {
        fields.remove("ThoiGianGD");
        fields.remove("MaXacThuc");
    }
    request_fingerprint(&message)
}

/// What only the message set has, checked: one text per problem.
fn message_problems(req: &InitRequest, partner: &LegacyPartner) -> Vec<String> {
    let bill = &req.bill;
    let checks = [
        (
            !req.reference.trim().is_empty() && req.reference.len() <= 100,
            "MaThamChieu: must be 1-100 characters".to_owned(),
        ),
        (
            req.payment_type == "PAY",
            "LoaiHinhThanhToan: must be PAY".to_owned(),
        ),
        (req.currency == "VND", "MaTienTe: must be VND".to_owned()),
        (
            req.ip.parse::<std::net::IpAddr>().is_ok(),
            "Ip: must be an IPv4 or IPv6 address".to_owned(),
        ),
        (
            BANK_CHOICES.contains(&req.bank.as_str()),
            "MaNganHang: must be PAYMENT, VNPAY, VCB or BIDV".to_owned(),
        ),
        (
            bill.service == "2",
            "ThongTinBienLai.MaDichVu: only 2 (fees of an administrative procedure) is accepted"
                .to_owned(),
        ),
        (
            partner.agencies.contains(&bill.agency_code),
            format!(
                "ThongTinBienLai.MaDonVi: partner {} may not collect for agency {:?}",
                partner.code, bill.agency_code
            ),
        ),
    ];
    checks
        .into_iter()
        .filter(|(ok, _)| !ok)
        .map(|(_, text)| text)
        .collect()
}

/// Checks what only the message set has, then builds the order through the JSON API's own
/// validation (`NewOrder::try_from`), naming fields as the partner wrote them.
fn new_order(req: &InitRequest, partner: &LegacyPartner) -> Result<NewOrder, Vec<String>> {
    let mut errors = message_problems(req, partner);
    let bill = &req.bill;
    let items = items(bill, &mut errors);
    match (Vnd::parse(&req.amount), &items) {
        (Err(_), _) => errors.push("SoTien: must be whole đồng, digits only".into()),
        (Ok(total), Some(items)) => {
            let sum = Vnd::checked_sum(items.iter().map(|i| i.amount));
            if sum != Some(total) {
                let sum = sum.map_or("too much".to_owned(), |s| s.to_string());
                errors.push(format!(
                    "SoTien: the items add up to {sum} đồng, not {total}"
                ));
            }
        }
        (Ok(_), None) => {}
    }
    let (Some(items), true) = (items, errors.is_empty()) else {
        return Err(errors);
    };
    let body = CreateOrderBody {
        dossier_code: bill.dossier_code.clone(),
        procedure_code: bill.procedure_code.clone(),
        procedure_name: bill.procedure_name.clone(),
        agency_code: bill.agency_code.clone(),
        payer: PayerBody {
            name: bill.payer_name.clone(),
            id_number: Some(bill.payer_id_number.clone()),
            phone: None,
            email: None,
        },
        items,
        return_url: partner.return_url(),
        expires_in_minutes: None,
    };
    let list = if bill.fees.is_empty() {
        "DSKhoanNop"
    } else {
        "PhiLePhi"
    };
    let mut new = NewOrder::try_from(body).map_err(|errors| {
        errors
            .iter()
            .map(|e| format!("{}: {}", legacy_field(&e.field, list), e.reason))
            .collect::<Vec<_>>()
    })?;
    new.legacy = Some(LegacyOrigin {
        partner_code: partner.code.clone(),
        reference: req.reference.clone(),
        confirm_url: partner.confirm_url.clone(),
        transaction_info: req.transaction_info.clone(),
    });
    Ok(new)
}

/// `PhiLePhi` (phí "1", lệ phí "2") or, when empty, `DSKhoanNop` (neither: a service price).
fn items(bill: &BillInfo, errors: &mut Vec<String>) -> Option<Vec<ItemBody>> {
    let before = errors.len();
    let mut items = Vec::new();
    for (i, line) in bill.fees.iter().enumerate() {
        let kind = match line.kind.as_str() {
            "1" => FeeKind::Fee,
            "2" => FeeKind::Charge,
            _ => {
                errors.push(format!(
                    "PhiLePhi[{i}].LoaiPhiLePhi: must be 1 (phí) or 2 (lệ phí)"
                ));
                continue;
            }
        };
        let Ok(amount) = Vnd::parse(&line.amount) else {
            errors.push(format!(
                "PhiLePhi[{i}].SoTien: must be whole đồng, digits only"
            ));
            continue;
        };
        items.push(ItemBody {
            kind,
            code: line.code.clone(),
            name: line.name.clone(),
            amount,
        });
    }
    if bill.fees.is_empty() {
        for (i, line) in bill.other_items.iter().enumerate() {
            let Ok(amount) = Vnd::parse(&line.amount) else {
                errors.push(format!(
                    "DSKhoanNop[{i}].SoTien: must be whole đồng, digits only"
                ));
                continue;
            };
            let (code, name) = (format!("KN{}", i + 1), line.description.clone());
            items.push(ItemBody {
                kind: FeeKind::Service,
                code,
                name,
                amount,
            });
        }
    }
    if items.is_empty() && errors.len() == before {
        errors.push("ThongTinBienLai.PhiLePhi: there are no items (nor DSKhoanNop)".into());
    }
    (errors.len() == before).then_some(items)
}

/// The JSON API's field names as the message set spells them.
fn legacy_field(field: &str, list: &str) -> String {
    let bill_field = match field {
        "dossier_code" => Some("MaHoSo"),
        "procedure_code" => Some("MaTTHC"),
        "procedure_name" => Some("TenTTHC"),
        "agency_code" => Some("MaDonVi"),
        "payer.name" => Some("HoTenNguoiNop"),
        "items" => Some(list),
        _ => None,
    };
    if let Some(name) = bill_field {
        return format!("ThongTinBienLai.{name}");
    }
    if let Some(rest) = field.strip_prefix("items") {
        let (code, name) = if list == "PhiLePhi" {
            ("MaPhiLePhi", "TenPhiLePhi")
        } else {
            ("MaKhoanNop", "NoiDung")
        };
        return format!("{list}{rest}")
            .replace(".code", &format!(".{code}"))
            .replace(".name", &format!(".{name}"))
            .replace(".amount", ".SoTien");
    }
    field.to_owned()
}

/// legacy-platform.md: "money must never go to an account PayHub does not know". The account the
/// partner names must be the one in force for the agency, procedure and the order's fee kinds
/// at one of the configured banks; `MaNHThuHuong`, when given, must name that account's bank.
async fn beneficiary_problem(
    app: &AppState,
    bill: &BillInfo,
    new: &NewOrder,
    now: DateTime<Utc>,
) -> Result<Option<String>, StoreError> {
    let settings = app
        .store
        .beneficiary_settings(new.agency_code.as_str(), None)
        .await?;
    let kinds = new.kinds();
    let procedure = Some(new.procedure_code.as_str());
    let known = app.config.banks.configured().into_iter().any(|bank| {
        let of_bank: Vec<_> = settings
            .iter()
            .filter(|s| s.bank == bank)
            .cloned()
            .collect();
        single_account(&of_bank, &kinds, procedure, now).is_some_and(|s| {
            s.account_no == bill.account_no && names_bank(&bill.account_bank, &s.bank_bin)
        })
    });
    Ok((!known).then(|| {
        format!(
            "ThongTinBienLai.TKThuHuong: {:?} at {:?} is not the beneficiary account PayHub has \
             in force for agency {} and procedure {}",
            bill.account_no,
            bill.account_bank,
            new.agency_code.as_str(),
            new.procedure_code.as_str()
        )
    }))
}

/// Short codes of reference-data.md's bank table, by NAPAS id.
const SHORT_CODES: &[(&str, &str)] = &[
    ("970436", "VCB"),
    ("970415", "ICB"),
    ("970418", "BIDV"),
    ("970405", "VBA"),
    ("970499", "VBA"),
    ("970407", "TCB"),
    ("970422", "MB"),
    ("970416", "ACB"),
    ("970432", "VPB"),
    ("970403", "STB"),
    ("970423", "TPB"),
    ("970437", "HDB"),
    ("970441", "VIB"),
    ("970443", "SHB"),
    ("970426", "MSB"),
    ("970449", "LPB"),
    ("970440", "SEAB"),
    ("970431", "EIB"),
    ("970448", "OCB"),
    ("970419", "NCB"),
    ("970414", "MBV"),
    ("971011", "VNPTMONEY"),
    ("971005", "VTLMONEY"),
];

/// `MaNHThuHuong` may be empty, the NAPAS id itself, or the bank's short code.
fn names_bank(given: &str, bank_bin: &str) -> bool {
    let given = given.trim();
    given.is_empty()
        || given == bank_bin
        || SHORT_CODES
            .iter()
            .any(|(bin, code)| *bin == bank_bin && code.eq_ignore_ascii_case(given))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_json_apis_fields_are_named_as_the_partner_wrote_them() {
        assert_eq!(
            legacy_field("dossier_code", "PhiLePhi"),
            "ThongTinBienLai.MaHoSo"
        );
        assert_eq!(
            legacy_field("items[1].name", "PhiLePhi"),
            "PhiLePhi[1].TenPhiLePhi"
        );
        assert_eq!(
            legacy_field("items[0].amount", "DSKhoanNop"),
            "DSKhoanNop[0].SoTien"
        );
    }

    #[test]
    fn the_beneficiary_bank_may_be_named_by_napas_id_or_short_code() {
        assert!(names_bank("970436", "970436"));
        assert!(names_bank("VCB", "970436"));
        assert!(names_bank("", "970436"));
        assert!(!names_bank("BIDV", "970436"));
    }
}
