//! Reconciling generated days of 10k, 100k and 1M statement lines (about as many records),
//! 1% of them in discrepancy scenarios. Throughput is per statement line, so the time per line
//! can be compared across sizes: a linear engine keeps it flat.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use reconciliation::gen::{generate, DaySpec};
use reconciliation::reconcile;

fn reconcile_days(c: &mut Criterion) {
    let mut group = c.benchmark_group("reconcile");
    group.sample_size(10);
    for lines in [10_000, 100_000, 1_000_000] {
        let day = generate(&DaySpec::typical(42, lines));
        day.check(&reconcile(&day.input).expect("a valid run"))
            .expect("the generator's expectations");
        group.throughput(Throughput::Elements(day.input.lines.len() as u64));
        group.bench_with_input(
            BenchmarkId::from_parameter(lines),
            &day.input,
            |b, input| {
                // `iter` drops each report inside the timing: freeing it is part of a run's cost.
                b.iter(|| reconcile(input).expect("a valid run"))
            },
        );
    }
    group.finish();
}

criterion_group!(benches, reconcile_days);
criterion_main!(benches);
