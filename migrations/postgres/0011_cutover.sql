-- The cutover (cutover.md): a payment taken over from the previous platform is an ordinary order
-- with its partner's reference (legacy_orders), marked by when it was imported. The export's
-- beneficiary columns are kept as the file gave them, because an in-flight row may name no bank
-- yet, and the way back must give the old platform its own rows unchanged.
alter table legacy_orders add column imported_at timestamptz;
alter table legacy_orders add column beneficiary_account text;
alter table legacy_orders add column beneficiary_bin text;

-- `payhub export legacy --since`: every order created or changed since a time.
create index orders_updated_idx on orders (updated_at, id);
