-- B3, the whole `payhub reconcile --file` run on PostgreSQL: the same day as
-- recon_day_sqlite.sql (:n VCB payments of business day :day, each a paid order of two items,
-- its succeeded attempt and its payment row), in a database migrated by `payhub migrate`.
-- The statement is the one the SQLite seed writes: the same payments.
-- The rows are consistent by construction; foreign-key triggers are skipped while seeding
-- (`session_replication_role = replica`), which at 10M rows saves most of the seeding time.
set session_replication_role = replica;
begin;
insert into api_keys (id, name, role, key_hash, key_prefix, created_at)
values (1, 'bench-portal', 'portal', 'bench', 'ph_bench', '2026-01-01T00:00:00+00:00');
insert into agencies (code, name, webhook_secret, created_at, updated_at)
values ('000.00.99.H29', 'Sở Xây dựng (benchmark)', 'whsec_bench', '2026-01-01T00:00:00+00:00',
        '2026-01-01T00:00:00+00:00');
insert into beneficiary_accounts (agency_code, bank, fee_kind, account_no, account_name, bank_bin,
                                  effective_from, created_at, created_by)
values ('000.00.99.H29', 'vcb', 'any', '0011001234567', 'KBNN HA NOI', '970436',
        '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00', 'bench');

-- i = 1..n; t = the payment's time, 00:20 to 23:20 GMT+7 of :day.
create temp table day_payments as
select i,
       'bench-' || lpad(i::text, 8, '0') as order_id,
       'B' || lpad(i::text, 11, '0') as reference,
       'FT' || lpad(i::text, 14, '0') as txn,
       (:'day'::timestamp at time zone 'Asia/Ho_Chi_Minh' + make_interval(secs => 1200 + (i::bigint * 82800) / :n))
         as t
from generate_series(1, :n) i;

insert into orders (id, agency_code, dossier_code, procedure_code, procedure_name, payer_name,
                    amount_vnd, status, return_url, created_by_key_id, expires_at, created_at,
                    updated_at, paid_at, item_kinds)
select order_id, '000.00.99.H29', '000.00.12.H29-' || lpad(i::text, 8, '0'), '1.001234',
       'Cấp giấy phép xây dựng', 'Nguyễn Văn An', 650000, 'paid', 'https://portal.example/r', 1,
       t + interval '30 minutes', t - interval '1 minute', t, t, 3
from day_payments;

insert into order_items (order_id, position, kind, code, name, amount_vnd)
select order_id, 0, 'charge', 'LPXD', 'Lệ phí cấp giấy phép xây dựng', 150000 from day_payments
union all
select order_id, 1, 'fee', 'PTD', 'Phí thẩm định', 500000 from day_payments;

insert into payment_attempts (id, order_id, bank, reference, status, amount_vnd, account_no,
                              account_name, bank_bin, result_code, created_at, updated_at,
                              result_at)
select i, order_id, 'vcb', reference, 'succeeded', 650000, '0011001234567', 'KBNN HA NOI',
       '970436', '00', t - interval '30 seconds', t, t
from day_payments;

insert into payments (order_id, attempt_id, bank, bank_txn_id, amount_vnd, kind, credit_account,
                      paid_at, recorded_at)
select order_id, i, 'vcb', txn, 650000, 'payment', '0011001234567', t, t + interval '1 second'
from day_payments;
commit;
reset session_replication_role;
vacuum analyze;

