//! A run's money, tied out (statements.md: "what the bank credited minus what PayHub recorded as
//! paid equals the money of the run's discrepancies"): for the run, per agency and per
//! beneficiary account. Read from the run's money rows (migration 0013); a run stored before
//! them has none and shows zeros.

use std::collections::{BTreeMap, HashMap};

use serde::{Serialize, Serializer};

use crate::store::reconciliation::MoneyTotal;

/// Whole đồng as a string of digits, with a minus sign when negative (a difference, or a day of
/// more refunds than payments): api.md's money, signed.
fn as_text<S: Serializer>(dong: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&dong.to_string())
}

/// What the bank credited, what PayHub recorded as paid, and the difference (bank − PayHub).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    #[serde(serialize_with = "as_text")]
    pub bank_credited: i64,
    #[serde(serialize_with = "as_text")]
    pub payhub_recorded: i64,
    #[serde(serialize_with = "as_text")]
    pub difference: i64,
}

impl Totals {
    fn add(&mut self, m: &MoneyTotal) {
        self.bank_credited += m.bank_vnd;
        self.payhub_recorded += m.payhub_vnd;
        self.difference = self.bank_credited - self.payhub_recorded;
    }
}

/// Entries where neither side moved money (declined, cancelled, abandoned): counted, never
/// summed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct NoMoney {
    pub count: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct AccountMoney {
    /// The account credited (VNPAY: the terminal); `None` when neither side names one.
    pub account: Option<String>,
    pub totals: Totals,
}

#[derive(Debug, Clone, Serialize)]
pub struct AgencyMoney {
    pub agency_code: Option<String>,
    pub agency_name: Option<String>,
    pub totals: Totals,
    pub no_money_moved: NoMoney,
    pub accounts: Vec<AccountMoney>,
}

/// The run's totals, the count of entries that moved nothing, and the same per agency and
/// account (agencies by code, accounts by number).
pub fn tie_out(
    rows: &[MoneyTotal],
    names: &HashMap<String, String>,
) -> (Totals, NoMoney, Vec<AgencyMoney>) {
    let (mut run, mut none) = (Totals::default(), NoMoney::default());
    type Agency = (Totals, NoMoney, BTreeMap<Option<String>, Totals>);
    let mut agencies: BTreeMap<Option<String>, Agency> = BTreeMap::new();
    for m in rows {
        let agency = agencies.entry(m.agency_code.clone()).or_default();
        if !m.moved {
            none.count += m.entries;
            agency.1.count += m.entries;
            continue;
        }
        run.add(m);
        agency.0.add(m);
        agency.2.entry(m.account.clone()).or_default().add(m);
    }
    let agencies = agencies
        .into_iter()
        .map(|(code, (totals, no_money_moved, accounts))| AgencyMoney {
            agency_name: code.as_ref().and_then(|c| names.get(c).cloned()),
            agency_code: code,
            totals,
            no_money_moved,
            accounts: accounts
                .into_iter()
                .map(|(account, totals)| AccountMoney { account, totals })
                .collect(),
        })
        .collect();
    (run, none, agencies)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(
        agency: &str,
        account: &str,
        class: &str,
        moved: bool,
        bank: i64,
        payhub: i64,
    ) -> MoneyTotal {
        MoneyTotal {
            agency_code: Some(agency.into()),
            account: Some(account.into()),
            class: class.into(),
            moved,
            entries: 1,
            amount_vnd: bank.max(payhub),
            bank_vnd: bank,
            payhub_vnd: payhub,
        }
    }

    #[test]
    fn declined_attempts_are_counted_apart_and_differences_add_up_per_agency_and_account() {
        let rows = [
            row("A", "1", "matched", true, 100, 100),
            row("A", "1", "matched", false, 0, 0),
            row("A", "2", "missing_at_bank", true, 0, 50),
            row("B", "3", "missing_in_payhub", true, 70, 0),
        ];
        let names = HashMap::from([("A".to_owned(), "Sở A".to_owned())]);
        let (run, none, agencies) = tie_out(&rows, &names);
        assert_eq!(
            run,
            Totals {
                bank_credited: 170,
                payhub_recorded: 150,
                difference: 20
            }
        );
        assert_eq!(none.count, 1);
        assert_eq!(agencies[0].agency_name.as_deref(), Some("Sở A"));
        assert_eq!(agencies[0].totals.difference, -50);
        assert_eq!(agencies[0].accounts[1].totals.payhub_recorded, 50);
        assert_eq!(agencies[1].totals.difference, 70);
        assert_eq!(
            serde_json::to_value(agencies[0].totals).unwrap(),
            serde_json::json!({"bank_credited": "100", "payhub_recorded": "150", "difference": "-50"})
        );
    }
}
