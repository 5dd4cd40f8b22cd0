-- B3 whole run: the day seeded by recon_day_sqlite.sql as the engine's input fields, in the
-- CSV files bench/duckdb_recon.py reads (lines.csv, records.csv, accounts.csv). The lines are
-- the statement's: one paid VCB payment per payment row, numbered as in statement.csv.
.headers on
.mode csv
.output lines.csv
select row_number() over (order by t, i) + 1 as line_no, txn as bank_txn_id,
       reference, 650000 as amount, 'payment' as kind, 'paid' as status, t as at,
       '0011001234567' as credited_to, '' as original_txn_id
from (select a.id as i, p.bank_txn_id as txn, a.reference, unixepoch(p.paid_at) as t
      from payments p join payment_attempts a on a.id = p.attempt_id);
.output records.csv
select 'p' || p.id as payment_id, o.id as order_id, o.agency_code, o.procedure_code,
       'fee|charge' as fee_kinds, a.reference, p.bank_txn_id, p.amount_vnd as amount,
       'payment' as kind, 'paid' as status, unixepoch(p.paid_at) as paid_at
from payments p join payment_attempts a on a.id = p.attempt_id join orders o on o.id = p.order_id;
.output accounts.csv
select agency_code, fee_kind, coalesce(procedure_code, '') as procedure_code,
       account_no as account, unixepoch(effective_from) as effective_from
from beneficiary_accounts;
.output stdout
