//! Reconciliation runs and discrepancies (to be written).
