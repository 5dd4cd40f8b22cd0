-- A claimed scheduled job holds a lease that its instance renews while the job runs. A slot
-- whose instance died mid-run (no outcome, lease past) is claimed again by another instance,
-- instead of staying claimed forever. Rows claimed before this migration have no lease: if
-- they never finished, they may be taken over at once.
alter table job_runs add column lease_until text;
