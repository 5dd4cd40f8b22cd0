"""B3 baseline: the reconciliation engine's matching and classification as DuckDB SQL over the
same three CSV files (`payhub-loadgen recon-gen`). Prints one JSON line: load and query
seconds, and the count of each class, to compare with `payhub-loadgen recon-engine`.

Usage: duckdb_recon.py DIR [THREADS]

The SQL follows reconciliation/src/lib.rs: a line takes its record by bank transaction id, else
by reference (refund lines among refund records, else via the payment they refund); a record
is taken once, money-moving lines first, then lower line numbers; precedence
wrong_beneficiary > duplicate_payment > missing_in_payhub/status_mismatch > amount_mismatch >
cutoff_shift > matched; unclaimed records of the day that moved money are missing_at_bank, or
cutoff_shift within 600 s of midnight. The beneficiary check resolves, per fee kind, the most
specific setting in force ((procedure, kind), (procedure, any), (agency, kind), (agency, any),
latest effective_from first).
"""

import json
import os
import sys
import time

import duckdb

# 2026-05-30 00:00:00 GMT+7, recon-gen's day; run-all.sh's whole run passes its own.
DAY_START = int(os.environ.get("BENCH_DAY_START", "1780074000"))
DAY_END = DAY_START + 86400
CUTOFF = 600

LOAD = """
create table lines as select * from read_csv('{d}/lines.csv', header = true, all_varchar = false,
  columns = {{'line_no': 'INTEGER', 'bank_txn_id': 'VARCHAR', 'reference': 'VARCHAR',
  'amount': 'BIGINT', 'kind': 'VARCHAR', 'status': 'VARCHAR', 'at': 'BIGINT',
  'credited_to': 'VARCHAR', 'original_txn_id': 'VARCHAR'}});
create table records as select row_number() over () - 1 as rid, * from read_csv('{d}/records.csv',
  header = true, columns = {{'payment_id': 'VARCHAR', 'order_id': 'VARCHAR',
  'agency_code': 'VARCHAR', 'procedure_code': 'VARCHAR', 'fee_kinds': 'VARCHAR',
  'reference': 'VARCHAR', 'bank_txn_id': 'VARCHAR', 'amount': 'BIGINT', 'kind': 'VARCHAR',
  'status': 'VARCHAR', 'paid_at': 'BIGINT'}});
create table accounts as select * from read_csv('{d}/accounts.csv', header = true,
  columns = {{'agency_code': 'VARCHAR', 'fee_kind': 'VARCHAR', 'procedure_code': 'VARCHAR',
  'account': 'VARCHAR', 'effective_from': 'BIGINT'}});
"""

CLASSIFY = f"""
with
l as (select *, status in ('paid', 'refunded') as moved from lines),
r as (select *, status in ('paid', 'refunded', 'partially_refunded', 'duplicate') as moved from records),
-- candidates: by bank id within the same kind, by reference within the same kind, and a refund
-- line's payment (by original_txn_id, else by reference)
cand as (
  select l.line_no, r.rid, 0 as how from l join r on r.bank_txn_id = l.bank_txn_id and r.kind = l.kind
  union all
  select l.line_no, r.rid, 1 from l join r on r.reference = l.reference and r.kind = l.kind
    and (r.bank_txn_id is null or r.bank_txn_id = l.bank_txn_id)
  union all
  select l.line_no, r.rid, 2 from l join r on l.kind = 'refund' and r.kind = 'payment'
    and r.bank_txn_id = l.original_txn_id
  union all
  select l.line_no, r.rid, 3 from l join r on l.kind = 'refund' and r.kind = 'payment'
    and l.original_txn_id is null and r.reference = l.reference
),
best as (select line_no, rid, how from (select *, row_number() over (partition by line_no order by how, rid) as k from cand) where k = 1),
-- a record goes to one line: money-moving lines first, then lower line numbers
taken as (
  select b.line_no, b.rid, b.how from (
    select b.*, row_number() over (partition by b.rid order by l.moved desc, l.line_no) as k
    from best b join l using (line_no)) b where k = 1
),
-- a payment line whose reference belongs to a record another bank transaction paid
other_paid as (
  select l.line_no, min(r.rid) as rid from l join r on r.reference = l.reference and r.kind = 'payment'
    and r.bank_txn_id is not null and r.bank_txn_id <> l.bank_txn_id and r.moved
  where l.kind = 'payment' and l.moved and l.line_no not in (select line_no from taken)
  group by l.line_no
),
-- expected accounts per record and fee kind: the most specific setting in force at paid_at
kinds as (select rid, unnest(case when fee_kinds is null or fee_kinds = '' then ['any'] else string_split(fee_kinds, '|') end) as fk from r),
resolved as (
  select rid, account from (
    select k.rid, a.account, row_number() over (partition by k.rid, k.fk order by
      (a.procedure_code is not null) desc, (a.fee_kind <> 'any') desc, a.effective_from desc) as n
    from kinds k join r using (rid) join accounts a on a.agency_code = r.agency_code
      and (a.procedure_code is null or a.procedure_code = r.procedure_code)
      and (a.fee_kind = k.fk or a.fee_kind = 'any') and a.effective_from <= r.paid_at
  ) where n = 1
),
expected as (select rid, list(account) as accounts from resolved group by rid),
paired as (
  select l.*, t.rid, t.how, r.amount as r_amount, r.status as r_status, r.moved as r_moved,
    r.kind as r_kind, r.order_id, e.accounts, o.rid as other_rid
  from l left join taken t using (line_no) left join r on r.rid = t.rid
    left join expected e on e.rid = t.rid left join other_paid o on o.line_no = l.line_no
),
-- second and later paid lines of one order
order_pay as (
  select line_no, row_number() over (partition by order_id order by line_no) as nth
  from paired where moved and kind = 'payment' and rid is not null and r_kind = 'payment'
),
line_class as (
  select p.line_no,
    case
      when p.moved and p.credited_to is not null and p.accounts is not null
        and not list_contains(p.accounts, p.credited_to) then 'wrong_beneficiary'
      when p.other_rid is not null or p.r_status = 'duplicate' or coalesce(op.nth, 1) > 1 then 'duplicate_payment'
      when p.moved and (p.rid is null or p.r_status = 'pending') then 'missing_in_payhub'
      when p.rid is not null and p.how < 2 and (p.moved <> p.r_moved
        or (p.kind = 'payment' and p.status = 'refunded' and p.r_status = 'paid')) then 'status_mismatch'
      when p.rid is not null and p.how < 2 and p.amount <> p.r_amount then 'amount_mismatch'
      when p.at < {DAY_START} or p.at >= {DAY_END} then 'cutoff_shift'
      else 'matched'
    end as class
  from paired p left join order_pay op using (line_no)
),
record_class as (
  select case
      when r.moved and least(r.paid_at - {DAY_START}, {DAY_END} - r.paid_at) < {CUTOFF} then 'cutoff_shift'
      when r.moved then 'missing_at_bank'
      else 'matched' end as class
  from r where r.rid not in (select rid from taken)
    and r.paid_at >= {DAY_START} and r.paid_at < {DAY_END}
)
select class, count(*) from (select class from line_class union all select class from record_class)
group by class order by class
"""


def main():
    directory = sys.argv[1]
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    con = duckdb.connect()
    if threads:
        con.execute(f"set threads = {threads}")
    started = time.perf_counter()
    con.execute(LOAD.format(d=directory))
    loaded = time.perf_counter()
    classes = dict(con.execute(CLASSIFY).fetchall())
    done = time.perf_counter()
    lines = con.execute("select count(*) from lines").fetchone()[0]
    print(json.dumps({
        "lines": lines,
        "threads": int(con.execute("select current_setting('threads')").fetchone()[0]),
        "load_s": loaded - started,
        "query_s": done - loaded,
        "total_s": done - started,
        "duckdb_version": duckdb.__version__,
        "classes": classes,
    }))


if __name__ == "__main__":
    main()
