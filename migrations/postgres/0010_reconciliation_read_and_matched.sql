-- A reconciliation run reads each record's order kinds (the engine picks the account in force
-- by kind). They were found by three `exists` subqueries into order_items per row; now the order
-- keeps them, written with its items by the store's order insert (`store::orders::insert_order`,
-- through `item_kinds_mask`): bit 1 fee, bit 2 charge, bit 4 service; 0 for no items.
alter table orders add column item_kinds integer not null default 0;
update orders o set item_kinds = k.mask
  from (select order_id,
               bit_or(case kind when 'fee' then 1 when 'charge' then 2 when 'service' then 4 end)
                 as mask
          from order_items group by order_id) k
 where k.order_id = o.id;

-- Every matched entry of a run (discrepancies have their own rows), so a report can list every
-- line of the run without the statement file. Kept in batches, not one row per line: a day of a
-- million lines is a hundred rows. `body` holds one entry per line, tab-separated fields
-- (store `reconciliation::matched` documents them). Stored as is: the text is mostly ids that
-- compress little, and compressing it would cost the run more than the disk it saves.
create table reconciliation_matched (
    run_id bigint not null constraint reconciliation_matched_run_fkey references reconciliation_runs (id),
    batch integer not null,
    entries integer not null,
    body text not null,
    constraint reconciliation_matched_pkey primary key (run_id, batch)
);
alter table reconciliation_matched alter column body set storage external;
