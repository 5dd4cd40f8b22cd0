//! Reconciliation end to end (to be written).
