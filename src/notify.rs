//! Signed notifications to dossier systems: the outbox dispatcher (to be written).
