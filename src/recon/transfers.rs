//! The transfers on a statement (VietQR credits, statements.md): their content is free text, so
//! the adapter leaves their reference empty and this names the order when the content names a
//! VietQR attempt of PayHub's. The candidates of every transfer line are looked up together, a
//! few hundred at a time on the unique `reference` index; a transfer that names none keeps its
//! empty reference and the engine classes it `unidentified_credit` unless PayHub recorded its
//! transaction.

use bank_adapters::vietqr::reference_candidates;

use super::run::ReconError;
use crate::app::AppState;
use crate::store::reconciliation::DiscrepancyFacts;

/// The statement's transfer lines: (index among the lines, its content, its candidates).
#[derive(Default)]
pub struct Transfers(Vec<(usize, String, Vec<String>)>);

/// The content of each transfer line that names no order, by line number: what finance staff
/// trace the payer by, kept in the discrepancy's detail (the engine's line has no content).
pub type Unnamed = std::collections::HashMap<u32, String>;

/// Candidates looked up per query.
const CHUNK: usize = 500;

impl Transfers {
    /// Notes line `index` when it is a transfer.
    pub fn note(&mut self, index: usize, line: &bank_adapters::StatementLine) {
        if let Some(content) = &line.transfer_content {
            let candidates = reference_candidates(content);
            self.0.push((index, content.clone(), candidates));
        }
    }
}

/// Gives each transfer line the reference of the VietQR attempt its content names, if any;
/// returns the contents of those that name none.
pub async fn name_orders(
    app: &AppState,
    lines: &mut [reconciliation::StatementLine],
    transfers: Transfers,
) -> Result<Unnamed, ReconError> {
    let mut unnamed = Unnamed::new();
    if transfers.0.is_empty() {
        return Ok(unnamed);
    }
    let all: Vec<String> = transfers.0.iter().flat_map(|(_, _, c)| c.clone()).collect();
    let mut known = std::collections::HashSet::new();
    for chunk in all.chunks(CHUNK) {
        known.extend(app.store.vietqr_references(chunk).await?);
    }
    for (index, content, candidates) in transfers.0 {
        match candidates.into_iter().find(|c| known.contains(c)) {
            Some(found) => lines[index].reference = found,
            None => {
                unnamed.insert(lines[index].line_no, content);
            }
        }
    }
    Ok(unnamed)
}

/// Adds the content of an unidentified credit's transfer to its discrepancy's detail.
pub fn keep_contents(discrepancies: &mut [DiscrepancyFacts], unnamed: &Unnamed) {
    for d in discrepancies.iter_mut() {
        let content = d.line_no.and_then(|n| unnamed.get(&(n as u32)));
        let (Some(content), true) = (content, d.class == "unidentified_credit") else {
            continue;
        };
        if let Ok(serde_json::Value::Object(mut detail)) = serde_json::from_str(&d.detail_json) {
            detail.insert("transfer_content".into(), content.clone().into());
            d.detail_json = serde_json::Value::Object(detail).to_string();
        }
    }
}
