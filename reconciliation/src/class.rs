//! The nine classes of statements.md ("What a reconciliation run classifies").

use serde::{Deserialize, Serialize};

/// The class every statement line and every PayHub record of the day ends in.
///
/// The variants are declared in the order reports list them: agreement first, then the classes
/// by who acts, the urgent ones early. When several problems apply to one line, the class is
/// chosen by a fixed precedence documented on [`crate::reconcile`], not by this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    /// Same reference, amount and status; credited to the right account. Nobody acts.
    Matched,
    /// The bank has a success PayHub never recorded (lost callback).
    MissingInPayhub,
    /// PayHub recorded a success the bank's statement lacks.
    MissingAtBank,
    /// Both sides have it; the amounts differ.
    AmountMismatch,
    /// Both sides have it; the statuses disagree (e.g. the bank says refunded, PayHub says paid).
    StatusMismatch,
    /// The same order was paid twice (two bank transactions).
    DuplicatePayment,
    /// Money went to an account other than the one configured for the agency at that time.
    WrongBeneficiary,
    /// A transaction near midnight sits in the neighbouring day's statement.
    CutoffShift,
    /// A transfer into an agency's account whose content names no PayHub order (VietQR,
    /// vietqr.md): the statement line carries no reference and no record has its transaction.
    UnidentifiedCredit,
}

impl Class {
    /// Every class, in declaration order.
    pub const ALL: [Class; 9] = [
        Class::Matched,
        Class::MissingInPayhub,
        Class::MissingAtBank,
        Class::AmountMismatch,
        Class::StatusMismatch,
        Class::DuplicatePayment,
        Class::WrongBeneficiary,
        Class::CutoffShift,
        Class::UnidentifiedCredit,
    ];

    /// The spec's snake_case name, the same as the serde name.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Matched => "matched",
            Class::MissingInPayhub => "missing_in_payhub",
            Class::MissingAtBank => "missing_at_bank",
            Class::AmountMismatch => "amount_mismatch",
            Class::StatusMismatch => "status_mismatch",
            Class::DuplicatePayment => "duplicate_payment",
            Class::WrongBeneficiary => "wrong_beneficiary",
            Class::CutoffShift => "cutoff_shift",
            Class::UnidentifiedCredit => "unidentified_credit",
        }
    }

    /// Whether someone has to look at it (everything but `matched`).
    pub fn is_discrepancy(self) -> bool {
        self != Class::Matched
    }
}

impl std::fmt::Display for Class {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::value::{Error, StrDeserializer};
    use serde::de::IntoDeserializer;

    #[test]
    fn serde_names_are_the_spec_names() {
        for class in Class::ALL {
            let name: StrDeserializer<Error> = class.as_str().into_deserializer();
            assert_eq!(Class::deserialize(name), Ok(class));
        }
        assert_eq!(Class::ALL.map(|c| c as usize), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
    }
}
