//! Which beneficiary account was in force for a payment.
//!
//! api.md (beneficiary accounts): a setting is never edited in place; a new one supersedes the old
//! for the same (agency, fee kind, procedure) from its `effective_from`, and "reconciliation
//! judges each payment by the setting in force at its payment time". An optional procedure code
//! "overrides the agency-wide setting for that procedure", and `fee_kind` may be `any`.

use serde::{Deserialize, Serialize};

use crate::hash::{id_map, IdMap};
use crate::input::{FeeKind, FeeKinds};

/// The items a setting applies to: one kind, or `any`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SettingKind {
    /// Phí only.
    Fee,
    /// Lệ phí only.
    Charge,
    /// Service prices only.
    Service,
    /// Every kind that has no setting of its own.
    Any,
}

impl From<FeeKind> for SettingKind {
    fn from(kind: FeeKind) -> SettingKind {
        match kind {
            FeeKind::Fee => SettingKind::Fee,
            FeeKind::Charge => SettingKind::Charge,
            FeeKind::Service => SettingKind::Service,
        }
    }
}

/// One beneficiary-account setting of one agency with the run's bank.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSetting {
    /// The agency.
    pub agency_code: String,
    /// The items it applies to.
    pub fee_kind: SettingKind,
    /// `Some` for a setting that applies to one procedure only.
    pub procedure_code: Option<String>,
    /// The account number, or the terminal code for VNPAY (statements.md: "Settlement of a
    /// terminal goes to the beneficiary account registered for that terminal").
    pub account: String,
    /// From when it applies, Unix seconds.
    pub effective_from: i64,
}

/// Settings of one key, sorted by `(effective_from, account)`: indices into `settings`.
type Versions = Vec<u32>;
/// Versions per [`SettingKind`], indexed by `kind as usize`.
type Slots = [Versions; 4];

#[derive(Default)]
struct AgencySettings {
    agency_wide: Slots,
    by_procedure: IdMap<String, Slots>,
}

/// Every beneficiary-account setting of every agency for the run's bank, indexed for the
/// question "which account was in force for (agency, fee kind, procedure) at time T".
pub struct AccountHistory {
    settings: Vec<AccountSetting>,
    agencies: IdMap<String, AgencySettings>,
    /// Account → the one agency that ever used it (`None` when several did).
    owners: IdMap<String, Option<u32>>,
}

impl AccountHistory {
    /// Indexes the settings (in any order).
    pub fn new(settings: Vec<AccountSetting>) -> AccountHistory {
        let mut agencies: IdMap<String, AgencySettings> = id_map(64);
        let mut owners: IdMap<String, Option<u32>> = id_map(settings.len());
        for (i, s) in settings.iter().enumerate() {
            let i = i as u32;
            let agency = agencies.entry(s.agency_code.clone()).or_default();
            let slots = match &s.procedure_code {
                Some(p) => agency.by_procedure.entry(p.clone()).or_default(),
                None => &mut agency.agency_wide,
            };
            slots[s.fee_kind as usize].push(i);
            owners
                .entry(s.account.clone())
                .and_modify(|o| {
                    if o.is_some_and(|j| settings[j as usize].agency_code != s.agency_code) {
                        *o = None;
                    }
                })
                .or_insert(Some(i));
        }
        // Two settings of one key from the same instant should not exist; if they do, the
        // larger account number wins so that the answer does not depend on input order.
        let order = |a: &u32, b: &u32| {
            let (a, b) = (&settings[*a as usize], &settings[*b as usize]);
            (a.effective_from, &a.account).cmp(&(b.effective_from, &b.account))
        };
        for agency in agencies.values_mut() {
            agency.agency_wide.iter_mut().for_each(|v| v.sort_by(order));
            for slots in agency.by_procedure.values_mut() {
                slots.iter_mut().for_each(|v| v.sort_by(order));
            }
        }
        AccountHistory {
            settings,
            agencies,
            owners,
        }
    }

    /// The settings, as given.
    pub fn settings(&self) -> &[AccountSetting] {
        &self.settings
    }

    /// The account in force for items of `kind` of a payment to `agency` for `procedure` at `at`.
    ///
    /// The most specific key that has a setting in force wins, in this order: (procedure, kind),
    /// (procedure, `any`), (agency-wide, kind), (agency-wide, `any`). A procedure setting beats
    /// an agency-wide one even when the latter names the kind, because api.md says it
    /// "overrides the agency-wide setting for that procedure". Within a key, the latest
    /// `effective_from <= at` wins; a key whose settings all start later falls through.
    pub fn account_in_force(
        &self,
        agency: &str,
        kind: FeeKind,
        procedure: Option<&str>,
        at: i64,
    ) -> Option<&str> {
        self.resolve(self.route(agency, procedure)?, SettingKind::from(kind), at)
    }

    /// The accounts a payment of these kinds may be credited to: one per kind (or the `any`
    /// account when `kinds` is empty), sorted and without repeats. Empty when none is in force.
    pub fn expected_accounts(
        &self,
        agency: &str,
        kinds: FeeKinds,
        procedure: Option<&str>,
        at: i64,
    ) -> Vec<&str> {
        self.route(agency, procedure)
            .map_or_else(Vec::new, |route| self.expected(route, kinds, at))
    }

    /// The one agency whose settings ever named `account`, to label a line PayHub has no record
    /// of. `None` when no agency or several did.
    pub fn agency_of_account(&self, account: &str) -> Option<&str> {
        let owner = (*self.owners.get(account)?)?;
        Some(&self.settings[owner as usize].agency_code)
    }

    /// The settings that can apply to orders of `agency` for `procedure`, looked up once per
    /// record so that judging a line needs no string lookups. `None` for an agency without any.
    pub(crate) fn route(&self, agency: &str, procedure: Option<&str>) -> Option<Route<'_>> {
        let agency = self.agencies.get(agency)?;
        let procedure = match procedure {
            Some(p) if !agency.by_procedure.is_empty() => agency.by_procedure.get(p),
            _ => None,
        };
        Some(Route { agency, procedure })
    }

    pub(crate) fn expected(&self, route: Route<'_>, kinds: FeeKinds, at: i64) -> Vec<&str> {
        let mut accounts: Vec<&str> = setting_kinds(kinds)
            .filter_map(|k| self.resolve(route, k, at))
            .collect();
        accounts.sort_unstable();
        accounts.dedup();
        accounts
    }

    /// Whether crediting `account` at `at` was right for an order of `kinds` on `route`.
    ///
    /// An order with items of several kinds is one payment with one credit, so it can reach only
    /// one account. When its kinds resolve to different accounts, no credit can satisfy all of
    /// them: the credit counts as right when it is the account of any of its kinds, and the
    /// split itself is a configuration matter for the staff, not a wrong credit.
    pub(crate) fn credit_is_expected(
        &self,
        route: Option<Route<'_>>,
        kinds: FeeKinds,
        at: i64,
        account: &str,
    ) -> bool {
        route.is_some_and(|route| {
            setting_kinds(kinds).any(|k| self.resolve(route, k, at) == Some(account))
        })
    }

    fn resolve(&self, route: Route<'_>, kind: SettingKind, at: i64) -> Option<&str> {
        let keys = [
            route.procedure.map(|s| &s[kind as usize]),
            route.procedure.map(|s| &s[SettingKind::Any as usize]),
            Some(&route.agency.agency_wide[kind as usize]),
            Some(&route.agency.agency_wide[SettingKind::Any as usize]),
        ];
        keys.into_iter()
            .flatten()
            .find_map(|versions| self.in_force(versions, at))
    }

    fn in_force(&self, versions: &Versions, at: i64) -> Option<&str> {
        let n = versions.partition_point(|i| self.settings[*i as usize].effective_from <= at);
        let latest = *versions.get(n.checked_sub(1)?)?;
        Some(&self.settings[latest as usize].account)
    }
}

/// The settings of one agency, narrowed to one procedure; see [`AccountHistory::route`].
#[derive(Clone, Copy)]
pub(crate) struct Route<'h> {
    agency: &'h AgencySettings,
    procedure: Option<&'h Slots>,
}

/// The setting kinds to resolve for an order: each of its kinds, or `any` when it has none.
fn setting_kinds(kinds: FeeKinds) -> impl Iterator<Item = SettingKind> {
    let any = kinds.is_empty().then_some(SettingKind::Any);
    kinds.iter().map(SettingKind::from).chain(any)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setting(
        kind: SettingKind,
        procedure: Option<&str>,
        account: &str,
        from: i64,
    ) -> AccountSetting {
        AccountSetting {
            agency_code: "000.00.12.H29".into(),
            fee_kind: kind,
            procedure_code: procedure.map(Into::into),
            account: account.into(),
            effective_from: from,
        }
    }

    const AGENCY: &str = "000.00.12.H29";

    #[test]
    fn the_latest_setting_in_force_wins_and_later_ones_do_not_apply_yet() {
        let history = AccountHistory::new(vec![
            setting(SettingKind::Any, None, "0011001234567", 100),
            setting(SettingKind::Any, None, "0011009999999", 200),
        ]);
        let at = |t| history.account_in_force(AGENCY, FeeKind::Fee, None, t);
        assert_eq!(at(99), None);
        assert_eq!(at(100), Some("0011001234567"));
        assert_eq!(at(199), Some("0011001234567"));
        assert_eq!(at(200), Some("0011009999999"));
    }

    #[test]
    fn a_procedure_setting_beats_the_agency_wide_one_even_for_a_named_kind() {
        let history = AccountHistory::new(vec![
            setting(SettingKind::Charge, None, "AGENCY-CHARGE", 0),
            setting(SettingKind::Any, None, "AGENCY-ANY", 0),
            setting(SettingKind::Any, Some("1.001234"), "PROC-ANY", 0),
            setting(SettingKind::Fee, Some("1.001234"), "PROC-FEE", 50),
        ]);
        let q = |kind, proc, t| history.account_in_force(AGENCY, kind, proc, t);
        assert_eq!(q(FeeKind::Charge, None, 10), Some("AGENCY-CHARGE"));
        assert_eq!(q(FeeKind::Fee, None, 10), Some("AGENCY-ANY"));
        assert_eq!(q(FeeKind::Charge, Some("1.001234"), 10), Some("PROC-ANY"));
        assert_eq!(q(FeeKind::Fee, Some("1.001234"), 10), Some("PROC-ANY"));
        assert_eq!(q(FeeKind::Fee, Some("1.001234"), 60), Some("PROC-FEE"));
        assert_eq!(q(FeeKind::Fee, Some("2.002189"), 60), Some("AGENCY-ANY"));
    }

    #[test]
    fn an_order_of_several_kinds_expects_each_kinds_account() {
        let history = AccountHistory::new(vec![
            setting(SettingKind::Charge, None, "CHARGE-ACC", 0),
            setting(SettingKind::Any, None, "ANY-ACC", 0),
        ]);
        let kinds = FeeKinds::of(&[FeeKind::Fee, FeeKind::Charge]);
        assert_eq!(
            history.expected_accounts(AGENCY, kinds, None, 5),
            ["ANY-ACC", "CHARGE-ACC"]
        );
        assert_eq!(
            history.expected_accounts(AGENCY, FeeKinds::NONE, None, 5),
            ["ANY-ACC"]
        );
        assert!(history
            .expected_accounts("other", kinds, None, 5)
            .is_empty());
    }

    #[test]
    fn an_account_names_its_agency_unless_shared() {
        let mut shared = setting(SettingKind::Any, None, "SHARED", 0);
        shared.agency_code = "000.00.00.H41".into();
        let history = AccountHistory::new(vec![
            setting(SettingKind::Any, None, "OWN", 0),
            setting(SettingKind::Fee, None, "SHARED", 0),
            shared,
        ]);
        assert_eq!(history.agency_of_account("OWN"), Some(AGENCY));
        assert_eq!(history.agency_of_account("SHARED"), None);
        assert_eq!(history.agency_of_account("nobody"), None);
    }
}
