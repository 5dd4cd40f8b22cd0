-- B3, the whole `payhub reconcile --file` run: a day of :n VCB payments in a PayHub SQLite
-- database (migrated by `payhub migrate`), as PayHub's own flows leave them (a paid order with
-- two items (item_kinds 3: fee and charge, as the store writes it), its succeeded attempt, its payment row), spread over the business day :day in
-- GMT+7 away from midnight. Then `statement.csv` is that day's VCB statement of the same
-- payments (statements.md), written by run-all.sh with the select at the end.
pragma foreign_keys = on;
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

-- i = 1..n; t = the payment's Unix time, 00:20 to 23:20 GMT+7 of :day.
create temp table day_payments as
with recursive i(i) as (select 1 union all select i + 1 from i where i < :n)
select i,
       printf('bench-%08d', i) as order_id,
       printf('B%011d', i) as reference,
       printf('FT%014d', i) as txn,
       unixepoch(:day) - 7 * 3600 + 1200 + (i * 82800) / :n as t
from i;

insert into orders (id, agency_code, dossier_code, procedure_code, procedure_name, payer_name,
                    amount_vnd, status, return_url, created_by_key_id, expires_at, created_at,
                    updated_at, paid_at, item_kinds)
select order_id, '000.00.99.H29', printf('000.00.12.H29-%08d', i), '1.001234',
       'Cấp giấy phép xây dựng', 'Nguyễn Văn An', 650000, 'paid', 'https://portal.example/r', 1,
       strftime('%Y-%m-%dT%H:%M:%S+00:00', t + 1800, 'unixepoch'),
       strftime('%Y-%m-%dT%H:%M:%S+00:00', t - 60, 'unixepoch'),
       strftime('%Y-%m-%dT%H:%M:%S+00:00', t, 'unixepoch'),
       strftime('%Y-%m-%dT%H:%M:%S+00:00', t, 'unixepoch'), 3
from day_payments;

insert into order_items (order_id, position, kind, code, name, amount_vnd)
select order_id, 0, 'charge', 'LPXD', 'Lệ phí cấp giấy phép xây dựng', 150000 from day_payments
union all
select order_id, 1, 'fee', 'PTD', 'Phí thẩm định', 500000 from day_payments;

insert into payment_attempts (id, order_id, bank, reference, status, amount_vnd, account_no,
                              account_name, bank_bin, result_code, created_at, updated_at,
                              result_at)
select i, order_id, 'vcb', reference, 'succeeded', 650000, '0011001234567', 'KBNN HA NOI',
       '970436', '00',
       strftime('%Y-%m-%dT%H:%M:%S+00:00', t - 30, 'unixepoch'),
       strftime('%Y-%m-%dT%H:%M:%S+00:00', t, 'unixepoch'),
       strftime('%Y-%m-%dT%H:%M:%S+00:00', t, 'unixepoch')
from day_payments;

insert into payments (order_id, attempt_id, bank, bank_txn_id, amount_vnd, kind, credit_account,
                      paid_at, recorded_at)
select order_id, i, 'vcb', txn, 650000, 'payment', '0011001234567',
       strftime('%Y-%m-%dT%H:%M:%S+00:00', t, 'unixepoch'),
       strftime('%Y-%m-%dT%H:%M:%S+00:00', t + 1, 'unixepoch')
from day_payments;
commit;

-- The bank's side: VCB's statement of the same payments (statements.md, VCB).
.headers on
.mode csv
.output statement.csv
select txn as bank_txn_id, printf('VCB%013d', i) as payment_id, reference as order_ref,
       650000 as amount, 'VND' as currency, 'SUCCESS' as status,
       strftime('%Y-%m-%dT%H:%M:%S+07:00', t + 7 * 3600, 'unixepoch') as paid_at,
       '0011001234567' as credit_account_no, 0 as fee
from day_payments order by t, i;
.output stdout
