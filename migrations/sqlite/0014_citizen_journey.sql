-- Same tables and columns as migrations/postgres/0014_citizen_journey.sql.
-- The citizen's pages asking a bank about an open attempt (bounded per attempt and per order, so
-- a reloading page cannot flood the bank), and when the citizen came back from the bank.
create table attempt_checks (
    attempt_id bigint primary key constraint attempt_checks_attempt_fkey references payment_attempts (id),
    order_id text not null constraint attempt_checks_order_fkey references orders (id),
    returned_at text,
    page_queries integer not null default 0,
    last_page_query_at text,
    -- The last time the bank, asked from a page, said the attempt was not paid.
    not_paid_at text
);
create index attempt_checks_order_idx on attempt_checks (order_id);

-- How to reach the payer (messages.md §1): kept apart from the order, only when given.
create table payer_contacts (
    order_id text primary key constraint payer_contacts_order_fkey references orders (id),
    phone text,
    email text
);

-- The citizen-message outbox: written in the same transaction as the order's change, one per
-- (order, event, channel), sent by the dispatcher with retries, every attempt kept.
create table citizen_messages (
    id integer primary key autoincrement,
    order_id text not null constraint citizen_messages_order_fkey references orders (id),
    event text not null,
    channel text not null constraint citizen_messages_channel_check check (channel in ('email', 'sms')),
    recipient text not null,
    request_id text not null constraint citizen_messages_request_key unique,
    status text not null constraint citizen_messages_status_check
        check (status in ('pending', 'sent', 'refused', 'dead', 'skipped')),
    attempts integer not null default 0,
    next_attempt_at text not null,
    lease_until text not null,
    created_at text not null,
    sent_at text,
    constraint citizen_messages_once_key unique (order_id, event, channel)
);
create index citizen_messages_due_idx on citizen_messages (next_attempt_at) where status = 'pending';

create table citizen_message_deliveries (
    id integer primary key autoincrement,
    message_id bigint not null constraint citizen_message_deliveries_fkey references citizen_messages (id),
    attempt integer not null,
    attempted_at text not null,
    outcome text,
    latency_ms bigint not null,
    error text,
    constraint citizen_message_deliveries_attempt_key unique (message_id, attempt)
);

-- A short code per receipt for the SMS's link (`/r/{code}`): 160 characters leave no room for
-- the 32-character verification token.
alter table receipts add column short_code text;
create unique index receipts_short_code_key on receipts (short_code);
