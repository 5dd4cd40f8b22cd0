//! The notification outbox: claiming due notifications and recording deliveries (to be written).
