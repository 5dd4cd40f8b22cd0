//! Scheduled jobs claimed through the database (to be written).
