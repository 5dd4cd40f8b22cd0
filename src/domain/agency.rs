//! Agencies and their beneficiary accounts (tài khoản thụ hưởng), as api.md fixes them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::bank::BankCode;

/// Why a value is not a valid agency field; `field` names the JSON field for problem details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct FieldError {
    pub field: String,
    pub reason: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

fn all_digits(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_digit())
}

/// An agency's electronic identifier, e.g. `000.00.12.H29` (reference-data.md, "Codes").
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct AgencyCode(String);

impl AgencyCode {
    pub fn parse(text: &str) -> Result<AgencyCode, FieldError> {
        let parts: Vec<&str> = text.split('.').collect();
        let ok = parts.len() == 4
            && all_digits(parts[0], 3)
            && all_digits(parts[1], 2)
            && all_digits(parts[2], 2)
            && parts[3].len() == 3
            && parts[3].as_bytes()[0].is_ascii_uppercase()
            && all_digits(&parts[3][1..], 2);
        if ok {
            Ok(AgencyCode(text.to_owned()))
        } else {
            Err(FieldError::new(
                "agency_code",
                "must look like 000.00.12.H29",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for AgencyCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A procedure code from the national database: `1.012805`, optionally followed by a local or
/// public-service suffix (`1.011442.000.00.00.H38`, `2.002189.01`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct ProcedureCode(String);

impl ProcedureCode {
    pub fn parse(text: &str) -> Result<ProcedureCode, FieldError> {
        let bytes = text.as_bytes();
        let head_ok = text.len() >= 8
            && bytes[0].is_ascii_digit()
            && bytes[1] == b'.'
            && all_digits(&text[2..8], 6);
        let tail = text.get(8..).unwrap_or("");
        let tail_ok = tail.is_empty()
            || (tail.starts_with('.')
                && tail.len() <= 40
                && tail[1..]
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.'));
        if head_ok && tail_ok {
            Ok(ProcedureCode(text.to_owned()))
        } else {
            Err(FieldError::new("procedure_code", "must look like 1.012805"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What an order item is: phí, lệ phí, or neither (api.md, Orders).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum FeeKind {
    Fee,
    Charge,
    Service,
}

impl FeeKind {
    pub const ALL: [FeeKind; 3] = [FeeKind::Fee, FeeKind::Charge, FeeKind::Service];

    pub fn parse(text: &str) -> Option<FeeKind> {
        match text {
            "fee" => Some(FeeKind::Fee),
            "charge" => Some(FeeKind::Charge),
            "service" => Some(FeeKind::Service),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FeeKind::Fee => "fee",
            FeeKind::Charge => "charge",
            FeeKind::Service => "service",
        }
    }

    /// The Vietnamese name citizens and receipts use.
    pub fn vietnamese(self) -> &'static str {
        match self {
            FeeKind::Fee => "Phí",
            FeeKind::Charge => "Lệ phí",
            FeeKind::Service => "Khoản khác",
        }
    }
}

/// The fee kinds a beneficiary setting covers: one kind, or `any`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FeeKindScope {
    Fee,
    Charge,
    Service,
    Any,
}

impl FeeKindScope {
    pub fn parse(text: &str) -> Option<FeeKindScope> {
        match text {
            "any" => Some(FeeKindScope::Any),
            other => FeeKind::parse(other).map(FeeKindScope::from),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FeeKindScope::Fee => "fee",
            FeeKindScope::Charge => "charge",
            FeeKindScope::Service => "service",
            FeeKindScope::Any => "any",
        }
    }
}

impl From<FeeKind> for FeeKindScope {
    fn from(kind: FeeKind) -> Self {
        match kind {
            FeeKind::Fee => FeeKindScope::Fee,
            FeeKind::Charge => FeeKindScope::Charge,
            FeeKind::Service => FeeKindScope::Service,
        }
    }
}

/// A beneficiary account number, kept as a string: 5–19 letters and digits (leading zeros
/// matter), or a State Treasury account `NNNN.N.NNNNNNN` with an optional `.NNNNN` (api.md).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct AccountNo(String);

impl AccountNo {
    pub fn parse(text: &str) -> Result<AccountNo, FieldError> {
        let bank_style =
            (5..=19).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_alphanumeric());
        let parts: Vec<&str> = text.split('.').collect();
        let treasury = matches!(parts.len(), 3 | 4)
            && all_digits(parts[0], 4)
            && all_digits(parts[1], 1)
            && all_digits(parts[2], 7)
            && parts.get(3).is_none_or(|p| all_digits(p, 5));
        if bank_style || treasury {
            Ok(AccountNo(text.to_owned()))
        } else {
            Err(FieldError::new(
                "account_no",
                "must be 5-19 letters and digits, or a State Treasury account like 3511.0.1104195",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A beneficiary-account setting as an admin submits it, validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewBeneficiarySetting {
    pub bank: BankCode,
    pub fee_kind: FeeKindScope,
    pub procedure_code: Option<ProcedureCode>,
    pub account_no: AccountNo,
    pub account_name: String,
    pub bank_bin: String,
    pub terminal_code: Option<String>,
    pub effective_from: DateTime<Utc>,
}

/// A stored beneficiary-account setting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BeneficiarySetting {
    pub id: i64,
    pub agency_code: String,
    pub bank: BankCode,
    pub fee_kind: FeeKindScope,
    pub procedure_code: Option<String>,
    pub account_no: String,
    pub account_name: String,
    pub bank_bin: String,
    pub terminal_code: Option<String>,
    pub effective_from: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

/// Of the settings for one agency and bank, the one in force for `kind` and `procedure` at `at`:
/// a procedure-specific setting beats the agency-wide one, a specific kind beats `any`, and for
/// the same key the latest `effective_from <= at` wins (api.md: a newer setting supersedes).
pub fn setting_in_force<'a>(
    settings: &'a [BeneficiarySetting],
    kind: FeeKind,
    procedure: Option<&str>,
    at: DateTime<Utc>,
) -> Option<&'a BeneficiarySetting> {
    let rank = |s: &BeneficiarySetting| -> Option<u8> {
        let proc_rank = match (&s.procedure_code, procedure) {
            (Some(p), Some(q)) if p == q => 2,
            (None, _) => 0,
            _ => return None,
        };
        let kind_rank = match s.fee_kind {
            FeeKindScope::Any => 0,
            k if k == FeeKindScope::from(kind) => 1,
            _ => return None,
        };
        Some(proc_rank + kind_rank)
    };
    settings
        .iter()
        .filter(|s| s.effective_from <= at)
        .filter_map(|s| rank(s).map(|r| (r, s)))
        .max_by_key(|(r, s)| (*r, s.effective_from, s.id))
        .map(|(_, s)| s)
}

/// The one account that every kind of an order resolves to at `at`, from the settings of one
/// bank. A single bank payment credits a single account, so a bank whose settings send the
/// order's phí and lệ phí to different accounts cannot take that order.
pub fn single_account<'a>(
    settings: &'a [BeneficiarySetting],
    kinds: &[FeeKind],
    procedure: Option<&str>,
    at: DateTime<Utc>,
) -> Option<&'a BeneficiarySetting> {
    let mut chosen: Option<&BeneficiarySetting> = None;
    for kind in kinds {
        let s = setting_in_force(settings, *kind, procedure, at)?;
        match chosen {
            Some(c) if (&c.account_no, &c.terminal_code) != (&s.account_no, &s.terminal_code) => {
                return None
            }
            _ => chosen = Some(chosen.unwrap_or(s)),
        }
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agency_codes_follow_the_national_pattern() {
        assert!(AgencyCode::parse("000.00.12.H29").is_ok());
        assert!(AgencyCode::parse("000.00.00.G12").is_ok());
        for bad in [
            "",
            "000.00.12",
            "000.00.12.h29",
            "00.00.12.H29",
            "000.00.12.H2",
        ] {
            assert!(AgencyCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn account_numbers_keep_leading_zeros_and_accept_treasury_accounts() {
        assert_eq!(
            AccountNo::parse("0011001234567").unwrap().as_str(),
            "0011001234567"
        );
        assert!(AccountNo::parse("3511.0.1104195").is_ok());
        assert!(AccountNo::parse("3511.0.1004872.00000").is_ok());
        for bad in [
            "1234",
            "12345678901234567890",
            "3511.0.110419",
            "3511.0.1104195.0",
            "12 345",
        ] {
            assert!(AccountNo::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn procedure_codes_allow_local_and_service_suffixes() {
        for good in ["1.012805", "2.002189.01", "1.011442.000.00.00.H38"] {
            assert!(ProcedureCode::parse(good).is_ok(), "{good}");
        }
        for bad in ["1.01280", "1012805", "1.012805-", "x.012805"] {
            assert!(ProcedureCode::parse(bad).is_err(), "{bad}");
        }
    }
}
