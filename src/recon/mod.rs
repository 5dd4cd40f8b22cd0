//! Reconciliation in the hub: fetching statements, running the engine, storing runs (to be written).
