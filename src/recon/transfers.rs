//! The transfers on a statement (VietQR credits, statements.md): their content is free text, so
//! the adapter leaves their reference empty and this names the order when the content names a
//! VietQR attempt of PayHub's. The candidates of every transfer line are looked up together, a
//! few hundred at a time on the unique `reference` index; a transfer that names none keeps its
//! empty reference and the engine classes it `unidentified_credit` unless PayHub recorded its
//! transaction.

use bank_adapters::vietqr::reference_candidates;

use super::run::ReconError;
use crate::app::AppState;

/// The statement's transfer lines: (index among the lines, candidates of its content).
#[derive(Default)]
pub struct Transfers(Vec<(usize, Vec<String>)>);

/// Candidates looked up per query.
const CHUNK: usize = 500;

impl Transfers {
    /// Notes line `index` when it is a transfer whose content has candidates.
    pub fn note(&mut self, index: usize, line: &bank_adapters::StatementLine) {
        if let Some(content) = &line.transfer_content {
            let candidates = reference_candidates(content);
            if !candidates.is_empty() {
                self.0.push((index, candidates));
            }
        }
    }
}

/// Gives each transfer line the reference of the VietQR attempt its content names, if any.
pub async fn name_orders(
    app: &AppState,
    lines: &mut [reconciliation::StatementLine],
    transfers: Transfers,
) -> Result<(), ReconError> {
    if transfers.0.is_empty() {
        return Ok(());
    }
    let all: Vec<String> = transfers.0.iter().flat_map(|(_, c)| c.clone()).collect();
    let mut known = std::collections::HashSet::new();
    for chunk in all.chunks(CHUNK) {
        known.extend(app.store.vietqr_references(chunk).await?);
    }
    for (index, candidates) in transfers.0 {
        if let Some(found) = candidates.into_iter().find(|c| known.contains(c)) {
            lines[index].reference = found;
        }
    }
    Ok(())
}
