//! Notifications to dossier systems (to be written).
