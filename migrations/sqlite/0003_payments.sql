-- Same tables and columns as migrations/postgres/0003_payments.sql; timestamps are RFC 3339 UTC text.
-- One row per bank redirect of an order. `reference` is what the bank knows the attempt by
-- (vnp_TxnRef, orderRef, MaHoaDon): alphanumeric, unique, never the dossier code.
create table payment_attempts (
    id integer primary key autoincrement,
    order_id text not null constraint payment_attempts_order_fkey references orders (id),
    bank text not null constraint payment_attempts_bank_check check (bank in ('vnpay', 'vcb', 'bidv')),
    reference text not null constraint payment_attempts_reference_key unique,
    status text not null constraint payment_attempts_status_check
        check (status in ('created', 'redirected', 'succeeded', 'failed', 'unknown')),
    amount_vnd bigint not null constraint payment_attempts_amount_check check (amount_vnd > 0),
    -- Snapshot of the beneficiary setting in force when the citizen chose the bank.
    account_no text not null,
    account_name text not null,
    bank_bin text not null,
    terminal_code text,
    bank_payment_id text,
    bank_create_date text,
    client_ip text,
    result_code text,
    query_count integer not null default 0,
    next_query_at text,
    created_at text not null,
    updated_at text not null,
    result_at text
);
create index payment_attempts_order_idx on payment_attempts (order_id, id);
create index payment_attempts_query_idx on payment_attempts (next_query_at) where status = 'redirected';

-- Money that moved. Unique on the bank's transaction id: a callback applied twice cannot
-- create a second row (STYLE rule 4: exactly once from a unique key).
create table payments (
    id integer primary key autoincrement,
    order_id text not null constraint payments_order_fkey references orders (id),
    attempt_id bigint not null constraint payments_attempt_fkey references payment_attempts (id),
    bank text not null,
    bank_txn_id text not null,
    amount_vnd bigint not null constraint payments_amount_check check (amount_vnd > 0),
    kind text not null constraint payments_kind_check
        check (kind in ('payment', 'duplicate', 'amount_mismatch')),
    credit_account text,
    paid_at text not null,
    recorded_at text not null,
    refunded_vnd bigint not null default 0 constraint payments_refunded_check check (refunded_vnd >= 0),
    constraint payments_bank_txn_key unique (bank, bank_txn_id)
);
create index payments_order_idx on payments (order_id, id);
create index payments_paid_idx on payments (bank, paid_at);

create table refunds (
    id integer primary key autoincrement,
    payment_id bigint not null constraint refunds_payment_fkey references payments (id),
    order_id text not null constraint refunds_order_fkey references orders (id),
    refund_ref text not null constraint refunds_ref_key unique,
    amount_vnd bigint not null constraint refunds_amount_check check (amount_vnd > 0),
    reason text not null,
    status text not null constraint refunds_status_check check (status in ('pending', 'succeeded', 'failed')),
    bank_refund_id text,
    bank_code text,
    requested_by text not null,
    created_at text not null,
    updated_at text not null
);
create index refunds_order_idx on refunds (order_id, id);

-- The inbound ledger: every callback as received, with the verdict and the reply we gave.
create table inbound_callbacks (
    id integer primary key autoincrement,
    bank text not null,
    endpoint text not null,
    received_at text not null,
    raw_query text,
    raw_headers text not null,
    raw_body text not null,
    reference text,
    verdict text not null,
    reply_status integer not null,
    reply_body text not null
);
create index inbound_callbacks_reference_idx on inbound_callbacks (bank, reference);
