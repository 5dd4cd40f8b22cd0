//! Fee orders: what a dossier system asks PayHub to collect (api.md, Orders).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;

use super::agency::{AgencyCode, FeeKind, FieldError, ProcedureCode};
use super::bank::BankCode;
use super::state::OrderStatus;
use super::text::check_text;
use super::Vnd;

/// api.md: an order's total is at most one trillion đồng.
pub const MAX_ORDER_TOTAL: i64 = 1_000_000_000_000;
pub const MAX_ITEMS: usize = 100;

/// The order as a dossier system posts it; amounts are parsed into `Vnd` by serde, so a
/// fraction, a negative, an exponent or an empty string fails with the item's field path.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrderBody {
    pub dossier_code: String,
    pub procedure_code: String,
    pub procedure_name: String,
    pub agency_code: String,
    pub payer: PayerBody,
    pub items: Vec<ItemBody>,
    pub return_url: String,
    #[serde(default)]
    pub expires_in_minutes: Option<i64>,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayerBody {
    pub name: String,
    #[serde(default)]
    pub id_number: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemBody {
    pub kind: FeeKind,
    pub code: String,
    pub name: String,
    #[schema(value_type = String, example = "150000")]
    pub amount: Vnd,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    pub kind: FeeKind,
    pub code: String,
    pub name: String,
    pub amount: Vnd,
}

/// A validated order, ready to store. Only the payer's name and identity number are kept:
/// they are what the receipt needs (reference-data.md: store only what is needed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrder {
    pub agency_code: AgencyCode,
    pub dossier_code: String,
    pub procedure_code: ProcedureCode,
    pub procedure_name: String,
    pub payer_name: String,
    pub payer_id_number: Option<String>,
    pub items: Vec<Item>,
    pub amount: Vnd,
    pub return_url: String,
    pub expires_in: Duration,
    /// Set when a partner of the previous platform created the order through INIT.
    pub legacy: Option<LegacyOrigin>,
    /// Where the payer hears about the payment (messages.md §1); both optional.
    pub contact: Contact,
}

/// The payer's phone (national form, `0` and 9 digits) and email, when given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Contact {
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// A Vietnamese mobile number in national form (messages.md §1: `0` or `+84`, 10 digits in
/// national form; mobile prefixes 03, 05, 07, 08, 09). Spaces, dots and dashes are ignored.
pub fn mobile_number(text: &str) -> Option<String> {
    let digits: String = text
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-'))
        .collect();
    let national = if let Some(rest) = digits.strip_prefix("+84") {
        format!("0{rest}")
    } else if let Some(rest) = digits.strip_prefix("84").filter(|r| r.len() == 9) {
        format!("0{rest}")
    } else {
        digits
    };
    let bytes = national.as_bytes();
    let ok = bytes.len() == 10
        && bytes[0] == b'0'
        && matches!(bytes[1], b'3' | b'5' | b'7' | b'8' | b'9')
        && bytes.iter().all(u8::is_ascii_digit);
    ok.then_some(national)
}

/// An email address plain enough for every SMTP server: one `@`, a dotted domain, no spaces.
pub fn email_address(text: &str) -> Option<String> {
    let text = text.trim();
    let (local, domain) = text.split_once('@')?;
    let fine = |s: &str| {
        !s.is_empty()
            && s.chars().all(|c| {
                c.is_ascii_graphic()
                    && !matches!(c, '@' | '<' | '>' | '(' | ')' | ',' | ';' | '"' | '\\')
            })
    };
    let ok = text.len() <= 254
        && local.len() <= 64
        && fine(local)
        && fine(domain)
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.');
    ok.then(|| text.to_owned())
}

fn contact(errors: &mut Vec<FieldError>, payer: &PayerBody) -> Contact {
    let given = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
    let phone = given(&payer.phone).and_then(|p| {
        let number = mobile_number(&p);
        if number.is_none() {
            errors.push(FieldError::new(
                "payer.phone",
                "must be a Vietnamese mobile number: 0 and 9 digits, or +84 and 9 digits",
            ));
        }
        number
    });
    let email = given(&payer.email).and_then(|e| {
        let address = email_address(&e);
        if address.is_none() {
            errors.push(FieldError::new("payer.email", "must be an email address"));
        }
        address
    });
    Contact { phone, email }
}

/// What a CONFIRM tells the partner of the previous platform when its INIT order is paid
/// (legacy-platform.md §CONFIRM), stored in the outbox as data; the message is made when sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfirmFacts {
    pub partner_code: String,
    pub reference: String,
    pub amount: Vnd,
    pub bank: BankCode,
    pub bank_txn_id: String,
    pub paid_at: DateTime<Utc>,
    pub transaction_info: String,
}

/// Where an INIT order came from, and what its CONFIRM will need (legacy-platform.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyOrigin {
    pub partner_code: String,
    /// `MaThamChieu`: the partner's unique reference.
    pub reference: String,
    pub confirm_url: String,
    /// `ThongTinGiaoDich`, returned in CONFIRM as it was sent.
    pub transaction_info: String,
}

/// The longest URL an integrator may give (return and notification URLs).
pub const MAX_URL_CHARS: usize = 2000;

fn text(errors: &mut Vec<FieldError>, field: &str, value: &str, max: usize) -> String {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > max {
        errors.push(FieldError::new(
            field,
            format!("must be 1-{max} characters"),
        ));
    }
    value.to_owned()
}

/// `https`, or `http` only for a local address (a system under development): return URLs and
/// notification URLs.
pub fn check_https_url(field: &str, url: &str) -> Result<(), FieldError> {
    let parsed = reqwest::Url::parse(url).map_err(|_| FieldError::new(field, "must be a URL"))?;
    let local = matches!(parsed.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if local => Ok(()),
        _ => Err(FieldError::new(
            field,
            "must be https (http only for localhost)",
        )),
    }
}

impl TryFrom<CreateOrderBody> for NewOrder {
    type Error = Vec<FieldError>;

    /// Reports every invalid field at once.
    fn try_from(body: CreateOrderBody) -> Result<NewOrder, Vec<FieldError>> {
        let mut errors = Vec::new();
        let agency_code = AgencyCode::parse(&body.agency_code)
            .map_err(|e| errors.push(e))
            .ok();
        let procedure_code = ProcedureCode::parse(&body.procedure_code)
            .map_err(|e| errors.push(e))
            .ok();
        let dossier_code = text(&mut errors, "dossier_code", &body.dossier_code, 100);
        let procedure_name = text(&mut errors, "procedure_name", &body.procedure_name, 500);
        let payer_name = text(&mut errors, "payer.name", &body.payer.name, 200);
        if body.items.is_empty() || body.items.len() > MAX_ITEMS {
            errors.push(FieldError::new(
                "items",
                format!("must hold 1-{MAX_ITEMS} items"),
            ));
        }
        let mut items = Vec::with_capacity(body.items.len());
        for (i, item) in body.items.iter().enumerate() {
            if item.amount.is_zero() {
                errors.push(FieldError::new(
                    format!("items[{i}].amount"),
                    "must be more than 0",
                ));
            }
            items.push(Item {
                kind: item.kind,
                code: text(&mut errors, &format!("items[{i}].code"), &item.code, 50),
                name: text(&mut errors, &format!("items[{i}].name"), &item.name, 300),
                amount: item.amount,
            });
        }
        let amount = Vnd::checked_sum(items.iter().map(|i| i.amount))
            .filter(|total| total.dong() <= MAX_ORDER_TOTAL);
        if amount.is_none() {
            errors.push(FieldError::new(
                "items",
                "the total exceeds 1,000,000,000,000 đồng",
            ));
        }
        errors.extend(check_https_url("return_url", &body.return_url).err());
        errors.extend(check_text("return_url", &body.return_url, MAX_URL_CHARS).err());
        if let Some(id_number) = &body.payer.id_number {
            // A citizen id card has 12 digits, a passport 8 or 9 characters.
            errors.extend(check_text("payer.id_number", id_number.trim(), 20).err());
        }
        let contact = contact(&mut errors, &body.payer);
        let minutes = body.expires_in_minutes.unwrap_or(30);
        if !(5..=10080).contains(&minutes) {
            errors.push(FieldError::new("expires_in_minutes", "must be 5-10080"));
        }
        match (agency_code, procedure_code, amount) {
            (Some(agency_code), Some(procedure_code), Some(amount)) if errors.is_empty() => {
                Ok(NewOrder {
                    agency_code,
                    dossier_code,
                    procedure_code,
                    procedure_name,
                    payer_name,
                    payer_id_number: body.payer.id_number.filter(|s| !s.trim().is_empty()),
                    items,
                    amount,
                    return_url: body.return_url,
                    expires_in: Duration::minutes(minutes),
                    legacy: None,
                    contact,
                })
            }
            _ => Err(errors),
        }
    }
}

impl NewOrder {
    /// The distinct fee kinds of the items, sorted: what a beneficiary setting must cover.
    pub fn kinds(&self) -> Vec<FeeKind> {
        kinds_of(&self.items)
    }
}

pub fn kinds_of(items: &[Item]) -> Vec<FeeKind> {
    let mut kinds: Vec<FeeKind> = items.iter().map(|i| i.kind).collect();
    kinds.sort();
    kinds.dedup();
    kinds
}

/// The money that settled an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PaymentSummary {
    pub bank: BankCode,
    pub bank_txn_id: String,
    pub amount: Vnd,
    pub paid_at: DateTime<Utc>,
    pub reference: String,
}

/// A stored order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    pub id: String,
    pub agency_code: String,
    pub dossier_code: String,
    pub procedure_code: String,
    pub procedure_name: String,
    pub payer_name: String,
    pub payer_id_number: Option<String>,
    pub amount: Vnd,
    pub refunded: Vnd,
    pub status: OrderStatus,
    pub review_reason: Option<String>,
    pub return_url: String,
    pub created_by_key_id: i64,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub paid_at: Option<DateTime<Utc>>,
    pub items: Vec<Item>,
    pub payment: Option<PaymentSummary>,
}

impl Order {
    pub fn kinds(&self) -> Vec<FeeKind> {
        kinds_of(&self.items)
    }

    /// The order's facts as the API and the notifications show them (api.md, Orders), without
    /// the links PayHub gives out: those are added where the JSON is sent ([`crate::links`]),
    /// so a stored snapshot never holds an address.
    pub fn snapshot(&self) -> Value {
        json!({
            "id": self.id,
            "agency_code": self.agency_code,
            "dossier_code": self.dossier_code,
            "procedure_code": self.procedure_code,
            "procedure_name": self.procedure_name,
            "payer": {"name": self.payer_name, "id_number": self.payer_id_number},
            "items": self.items,
            "amount": self.amount,
            "refunded_amount": self.refunded,
            "currency": "VND",
            "status": self.status,
            "needs_review": self.review_reason,
            "return_url": self.return_url,
            "expires_at": self.expires_at,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "payment": self.payment,
        })
    }
}

#[cfg(test)]
mod contact_tests {
    use super::*;

    #[test]
    fn mobile_numbers_are_taken_in_national_or_international_form() {
        assert_eq!(mobile_number("0912345678").as_deref(), Some("0912345678"));
        assert_eq!(
            mobile_number("+84 912 345 678").as_deref(),
            Some("0912345678")
        );
        assert_eq!(mobile_number("84912345678").as_deref(), Some("0912345678"));
        for bad in [
            "091234567",
            "09123456789",
            "0212345678",
            "abc",
            "+1 912345678",
            "0912-34567x",
        ] {
            assert_eq!(mobile_number(bad), None, "{bad}");
        }
    }

    #[test]
    fn email_addresses_are_plain() {
        assert!(email_address("nguyen.van.a@example.vn").is_some());
        for bad in ["a@b", "@b.vn", "a b@c.vn", "a@b.vn>", "a@@b.vn", "a@.vn"] {
            assert_eq!(email_address(bad), None, "{bad}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body() -> Value {
        json!({"dossier_code":"000.00.12.H29-260530-0001","procedure_code":"1.001234",
            "procedure_name":"Cấp giấy phép xây dựng","agency_code":"000.00.12.H29",
            "payer":{"name":"Nguyễn Văn A","id_number":"001090012345","phone":"0912345678","email":null},
            "items":[{"kind":"charge","code":"LPXD","name":"Lệ phí cấp giấy phép xây dựng","amount":"150000"},
                     {"kind":"fee","code":"PTD","name":"Phí thẩm định","amount":500000}],
            "return_url":"https://portal.example.gov.vn/dossiers/1","expires_in_minutes":30})
    }

    fn parse(v: Value) -> Result<NewOrder, Vec<FieldError>> {
        NewOrder::try_from(
            serde_json::from_value::<CreateOrderBody>(v)
                .map_err(|e| vec![FieldError::new("serde", e.to_string())])?,
        )
    }

    #[test]
    fn the_api_md_example_is_a_valid_order_of_650000() {
        let order = parse(body()).unwrap();
        assert_eq!(order.amount.dong(), 650_000);
        assert_eq!(order.kinds(), [FeeKind::Fee, FeeKind::Charge]);
        assert_eq!(order.expires_in, Duration::minutes(30));
    }

    #[test]
    fn every_bad_field_is_named() {
        let mut b = body();
        b["return_url"] = json!("http://portal.example.gov.vn/");
        b["expires_in_minutes"] = json!(4);
        b["procedure_name"] = json!("  ");
        b["items"][0]["amount"] = json!("0");
        let errors = parse(b).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "procedure_name",
                "items[0].amount",
                "return_url",
                "expires_in_minutes"
            ]
        );
    }

    #[test]
    fn a_total_over_one_trillion_is_refused() {
        let mut b = body();
        b["items"][0]["amount"] = json!("999999999999");
        b["items"][1]["amount"] = json!("2");
        let errors = parse(b).unwrap_err();
        assert_eq!(errors[0].field, "items");
    }
}
