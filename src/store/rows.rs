//! Conversions between stored columns and domain types, in one place each.

use payhub_money::Vnd;

use super::StoreError;

/// The one conversion from a stored `amount_vnd bigint` to money.
pub fn vnd(dong: i64) -> Result<Vnd, StoreError> {
    Vnd::from_dong(dong).map_err(|e| StoreError::Corrupt(format!("amount {dong}: {e}")))
}

/// Parses a stored enum column through its domain `parse`, naming the column when it fails.
pub fn parse_col<T>(
    column: &str,
    text: &str,
    parse: fn(&str) -> Option<T>,
) -> Result<T, StoreError> {
    parse(text).ok_or_else(|| StoreError::Corrupt(format!("{column} = {text:?}")))
}
