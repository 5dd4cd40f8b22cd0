-- Same tables and columns as migrations/postgres/0015_vietqr.sql.

alter table payment_attempts add column channel text not null default 'gateway'
    constraint payment_attempts_channel_check check (channel in ('gateway', 'vietqr'));

create table account_credits (
    id integer primary key autoincrement,
    bank text not null constraint account_credits_bank_check check (bank in ('vcb', 'bidv')),
    bank_txn_id text not null,
    event_id text not null,
    account_no text not null,
    amount_vnd bigint not null constraint account_credits_amount_check check (amount_vnd >= 0),
    currency_is_vnd boolean not null,
    credited_at text not null,
    content text not null,
    counterparty text,
    reference text,
    order_id text,
    outcome text not null constraint account_credits_outcome_check check (outcome in ('paid',
        'repeat', 'duplicate_payment', 'amount_mismatch', 'wrong_account', 'unidentified')),
    source text not null constraint account_credits_source_check
        check (source in ('notification', 'statement')),
    received_at text not null,
    constraint account_credits_txn_key unique (bank, bank_txn_id)
);
create index account_credits_received_idx on account_credits (received_at);
create index account_credits_open_idx on account_credits (outcome) where outcome <> 'paid';

-- SQLite cannot change a check constraint: the table is rebuilt with the new class, its rows
-- and indexes kept. (Any column a later branch adds to `discrepancies` must be listed here too.)
create table discrepancies_0015 (
    id integer primary key autoincrement,
    run_id bigint not null constraint discrepancies_run_fkey references reconciliation_runs (id),
    class text not null constraint discrepancies_class_check check (class in ('missing_in_payhub',
        'missing_at_bank', 'amount_mismatch', 'status_mismatch', 'duplicate_payment',
        'wrong_beneficiary', 'cutoff_shift', 'unidentified_credit')),
    agency_code text,
    reference text not null,
    bank_txn_id text,
    order_id text,
    amount_vnd bigint not null,
    line_no integer,
    bank_amount_vnd bigint,
    bank_status text,
    bank_at text,
    credited_account text,
    payment_ref text,
    payhub_amount_vnd bigint,
    payhub_status text,
    payhub_at text,
    expected_accounts text,
    detail_json text not null,
    resolved_at text,
    resolved_by text,
    note text,
    bank_money_vnd bigint not null default 0,
    payhub_money_vnd bigint not null default 0
);
insert into discrepancies_0015 (id, run_id, class, agency_code, reference, bank_txn_id, order_id,
    amount_vnd, line_no, bank_amount_vnd, bank_status, bank_at, credited_account, payment_ref,
    payhub_amount_vnd, payhub_status, payhub_at, expected_accounts, detail_json, resolved_at,
    resolved_by, note, bank_money_vnd, payhub_money_vnd)
select id, run_id, class, agency_code, reference, bank_txn_id, order_id, amount_vnd, line_no,
    bank_amount_vnd, bank_status, bank_at, credited_account, payment_ref, payhub_amount_vnd,
    payhub_status, payhub_at, expected_accounts, detail_json, resolved_at, resolved_by, note,
    bank_money_vnd, payhub_money_vnd
from discrepancies;
drop table discrepancies;
alter table discrepancies_0015 rename to discrepancies;
create index discrepancies_run_idx on discrepancies (run_id, class, id);
create index discrepancies_resolved_idx on discrepancies (resolved_at);
create index discrepancies_open_idx on discrepancies (run_id) where resolved_at is null;
-- Migration 0013's (finance reports).
create index discrepancies_order_idx on discrepancies (order_id);
create index discrepancies_bank_txn_idx on discrepancies (bank_txn_id);
create index discrepancies_reference_idx on discrepancies (reference);
