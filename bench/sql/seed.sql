-- The pgbench baselines' scratch database (PayHub's own schema, applied by `payhub migrate`):
-- one API key, the bench agency with its VNPAY setting, and :n pending orders, each with its
-- items and a redirected VNPAY attempt whose reference is the order's number. callback_apply.sql
-- takes them one by one through the sequence bench_reference, so each is applied once.
insert into api_keys (name, role, key_hash, key_prefix, created_at)
values ('pgbench', 'portal', 'pgbench-key-hash', 'pgbench', now());
insert into agencies (code, name, notify_url, webhook_secret, created_at, updated_at)
values ('000.00.99.H29', 'Sở Xây dựng (benchmark)', 'http://dossiers.example.gov.vn/notify', 'whsec_bench', now(), now());
insert into beneficiary_accounts (agency_code, bank, fee_kind, procedure_code, account_no,
  account_name, bank_bin, terminal_code, effective_from, created_at, created_by)
values ('000.00.99.H29', 'vnpay', 'any', null, '0011007654321', 'KBNN HA NOI', '970436', 'BENCH001',
  now() - interval '1 hour', now(), 'pgbench'),
       ('000.00.99.H29', 'vcb', 'any', null, '0011001234567', 'KBNN HA NOI', '970436', null,
  now() - interval '1 hour', now(), 'pgbench');

insert into orders (id, agency_code, dossier_code, procedure_code, procedure_name, payer_name,
  payer_id_number, amount_vnd, status, return_url, created_by_key_id, expires_at, created_at, updated_at,
  item_kinds)
select 'o' || n, '000.00.99.H29', '000.00.12.H29-seed-' || n, '1.001234', 'Cấp giấy phép xây dựng',
  'Nguyễn Văn A', '001090012345', 650000, 'pending', 'https://portal.example.gov.vn/dossiers/1',
  1, now() + interval '1 hour', now(), now(), 3
from generate_series(1, :n) n;
insert into order_items (order_id, position, kind, code, name, amount_vnd)
select 'o' || n, p, case p when 0 then 'charge' else 'fee' end, case p when 0 then 'LPXD' else 'PTD' end,
  case p when 0 then 'Lệ phí cấp giấy phép xây dựng' else 'Phí thẩm định' end,
  case p when 0 then 150000 else 500000 end
from generate_series(1, :n) n, generate_series(0, 1) p;
insert into order_events (order_id, at, event, from_status, to_status, actor, detail)
select 'o' || n, now(), 'created', null, 'pending', 'key:1', null from generate_series(1, :n) n;
insert into payment_attempts (order_id, bank, reference, status, amount_vnd, account_no, account_name,
  bank_bin, terminal_code, bank_payment_id, bank_create_date, client_ip, next_query_at, created_at, updated_at)
select 'o' || n, 'vnpay', n::text, 'redirected', 650000, '0011007654321', 'KBNN HA NOI', '970436',
  'BENCH001', '-', '20260530120000', '127.0.0.1', now() + interval '15 minutes', now(), now()
from generate_series(1, :n) n;
create sequence bench_reference;
-- The order create baseline's idempotency keys and dossier codes.
create sequence bench_order;
vacuum analyze;
