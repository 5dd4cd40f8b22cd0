-- Same tables and columns as migrations/postgres/0013_finance_reports.sql.
-- Finance reports that tie out (issue 14): a run's money per agency, beneficiary account and
-- class on each side; search keys; two-person refunds.

-- What each side moved, per (agency, account, class) of a run, signed (refunds out): the bank's
-- lines (`bank_vnd`) and PayHub's records of the day (`payhub_vnd`), so that bank minus PayHub
-- is the money of the discrepancies (statements.md). `moved` false: entries where neither side
-- moved money (declined, cancelled), counted apart and in no sum. `account` is the account the
-- bank credited, else the one the attempt was made to (for VNPAY, its terminal).
create table reconciliation_money (
    id integer primary key autoincrement,
    run_id bigint not null constraint reconciliation_money_run_fkey references reconciliation_runs (id),
    agency_code text,
    account text,
    class text not null,
    moved boolean not null,
    entries bigint not null,
    amount_vnd bigint not null,
    bank_vnd bigint not null,
    payhub_vnd bigint not null
);
create index reconciliation_money_run_idx on reconciliation_money (run_id);
-- The same for each discrepancy: what its bank line and PayHub's record of the day moved.
alter table discrepancies add column bank_money_vnd bigint not null default 0;
alter table discrepancies add column payhub_money_vnd bigint not null default 0;

-- Search (by dossier code, bank transaction id, payer name without accents). The folded name is
-- written by the order insert; rows written before (or by the cutover's import) are folded by
-- the first search that needs them (`store::search`), found through the partial index.
alter table orders add column payer_name_folded text;
create index orders_payer_name_folded_idx on orders (payer_name_folded);
create index orders_unfolded_idx on orders (id) where payer_name_folded is null;
create index orders_dossier_code_idx on orders (dossier_code);
-- Each word of the folded name, so a name is found by the beginnings of its words through an
-- index ("anh tuyet" finds "Trần Thị Ánh Tuyết") instead of a pattern scanning every order.
create table order_name_words (
    word text not null,
    order_id text not null constraint order_name_words_order_fkey references orders (id),
    constraint order_name_words_pkey primary key (word, order_id)
);

create index payments_bank_txn_idx on payments (bank_txn_id);
create index discrepancies_order_idx on discrepancies (order_id);
create index discrepancies_bank_txn_idx on discrepancies (bank_txn_id);
create index discrepancies_reference_idx on discrepancies (reference);

-- A refund asked for by one finance officer and sent to the bank only once a second one (another
-- key) approves it. `refund_id` is the refund made on approval.
create table refund_requests (
    id integer primary key autoincrement,
    order_id text not null constraint refund_requests_order_fkey references orders (id),
    payment_id bigint not null constraint refund_requests_payment_fkey references payments (id),
    discrepancy_id bigint constraint refund_requests_discrepancy_fkey references discrepancies (id),
    amount_vnd bigint not null constraint refund_requests_amount_check check (amount_vnd > 0),
    reason text not null,
    status text not null constraint refund_requests_status_check
        check (status in ('awaiting_approval', 'approved', 'rejected')),
    requested_by text not null,
    requested_key_id bigint not null constraint refund_requests_requested_key_fkey references api_keys (id),
    requested_at text not null,
    decided_by text,
    decided_key_id bigint constraint refund_requests_decided_key_fkey references api_keys (id),
    decided_at text,
    refund_id bigint constraint refund_requests_refund_fkey references refunds (id),
    -- Approving with the requester's own key is refused by the store; the database says so too
    -- (turning it down, the requester withdrawing it, is allowed).
    constraint refund_requests_two_people
        check (status <> 'approved' or decided_key_id <> requested_key_id)
);
create index refund_requests_order_idx on refund_requests (order_id, id);
create index refund_requests_open_idx on refund_requests (requested_at) where status = 'awaiting_approval';

-- The open items across runs: a late payment (paid after its order expired or was cancelled,
-- `orders.review_reason`) stays on the queue until an officer handles it with a note.
create table order_reviews_handled (
    order_id text not null constraint order_reviews_handled_pkey primary key
        constraint order_reviews_handled_order_fkey references orders (id),
    handled_by text not null,
    handled_at text not null,
    note text not null
);
create index orders_review_idx on orders (paid_at) where review_reason is not null;
