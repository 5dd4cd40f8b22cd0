-- The daily report's benchmark database (PayHub's own schema, applied by `payhub migrate`):
-- :n paid orders, each with its attempt, its payment and the bank's callback, spread evenly over
-- the 365 days before :'day' (GMT+7), plus the same 10 000 paid orders on :'day' itself at any
-- size, so the report reads the same day on a small and on a large history. 60 agencies in 30
-- groups; the three banks in turn; every tenth attempt of the day declined.
insert into api_keys (name, role, key_hash, key_prefix, created_at)
values ('bench', 'portal', 'bench-key-hash', 'bench', now());
insert into agencies (code, name, notify_url, webhook_secret, created_at, updated_at)
select format('000.00.%s.H%s', lpad((g % 2)::text, 2, '0'), lpad((g / 2 + 1)::text, 2, '0')),
       'Sở (benchmark) ' || g, null, 'whsec_bench', now(), now()
from generate_series(0, 59) g;

create temporary table bench_orders as
select n,
       case when n <= :n
            then (:'day'::date - 365 + ((n - 1) % 365))::timestamp + (((n - 1) / 365) % 86000) * interval '1 second'
            else :'day'::date + ((n - :n) * 8) * interval '1 second'
       end at time zone 'Asia/Ho_Chi_Minh' as created_at,
       format('000.00.%s.H%s', lpad((n % 2)::text, 2, '0'), lpad(((n % 60) / 2 + 1)::text, 2, '0')) as agency,
       (array['vnpay', 'vcb', 'bidv'])[n % 3 + 1] as bank,
       n > :n and n % 10 = 0 as declined
from generate_series(1, :n + 10000) n;

insert into orders (id, agency_code, dossier_code, procedure_code, procedure_name, payer_name,
  amount_vnd, status, return_url, created_by_key_id, expires_at, created_at, updated_at, paid_at)
select 'o' || n, agency, agency || '-' || n, '1.001234', 'Cấp giấy phép xây dựng', 'Nguyễn Văn A',
  650000, case when declined then 'pending' else 'paid' end, 'https://portal.example.gov.vn/', 1,
  created_at + interval '30 minutes', created_at, created_at,
  case when declined then null else created_at + interval '90 seconds' end
from bench_orders;
insert into payment_attempts (order_id, bank, reference, status, amount_vnd, account_no,
  account_name, bank_bin, result_code, created_at, updated_at, result_at)
select 'o' || n, bank, 'R' || n, case when declined then 'failed' else 'succeeded' end, 650000,
  '0011007654321', 'KBNN HA NOI', '970436', case when declined then '24' else '00' end,
  created_at + interval '10 seconds', created_at + interval '90 seconds', created_at + interval '90 seconds'
from bench_orders;
insert into payments (order_id, attempt_id, bank, bank_txn_id, amount_vnd, kind, paid_at, recorded_at)
select 'o' || b.n, a.id, b.bank, 'T' || b.n, 650000, 'payment', b.created_at + interval '90 seconds',
  b.created_at + interval '91 seconds'
from bench_orders b join payment_attempts a on a.reference = 'R' || b.n
where not b.declined;
insert into inbound_callbacks (bank, endpoint, received_at, raw_headers, raw_body, reference,
  verdict, reply_status, reply_body)
select bank, 'bench', created_at + interval '91 seconds', '', '', 'R' || n, 'Paid', 200, '{}'
from bench_orders where not declined;
vacuum analyze;
