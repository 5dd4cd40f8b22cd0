"""Turns one bench/results/<time>/ directory into the Markdown tables of BENCHMARKS.md."""

import json
import re
import sys
from pathlib import Path


def rows(path):
    return [json.loads(l) for l in path.read_text().splitlines() if l.strip()] if path.exists() else []


def f(x, digits=1):
    return "—" if x is None else f"{x:,.{digits}f}"


def load_table(out, bench, title):
    payhub = rows(out / f"{bench}.jsonl")
    base = {r["concurrency"]: r for r in rows(out / "pgbench.jsonl") if r["bench"] == bench}
    lines = [f"### {title}", "",
             "| backend | conc. | PayHub req/s | p50 ms | p90 ms | p99 ms | pgbench tps | pgbench p50 / p99 ms | PayHub ÷ pgbench | p50 added ms |" + (" exactly once |" if bench == "b1" else ""),
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|" + ("---|" if bench == "b1" else "")]
    for r in payhub:
        b = base.get(r["concurrency"])
        same_db = r["backend"] == "postgres" and b
        ratio = f(r["per_second"] / b["per_second"], 2) if same_db else "—"
        added = f(r["p50_ms"] - b["p50_ms"], 2) if same_db else "—"
        cells = [r["backend"], str(r["concurrency"]), f(r["per_second"], 0), f(r["p50_ms"], 2),
                 f(r["p90_ms"], 2), f(r["p99_ms"], 2),
                 f(b["per_second"], 0) if b else "—",
                 f"{f(b['p50_ms'], 2)} / {f(b['p99_ms'], 2)}" if b else "—", ratio, added]
        if bench == "b1":
            cells.append(f"{'yes' if r.get('exactly_once') else 'NO'} ({r.get('payments_added')} payments, {r.get('replayed')} replays)")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def recon_table(out):
    by = {}
    for r in rows(out / "b3.jsonl"):
        by.setdefault(r["lines"], {})[r["contender"]] = r
    lines = ["### B3 reconciliation", "",
             "| lines | engine s | engine lines/s | engine ns/line | PayHub process wall s (load + engine) | PayHub max RSS MiB | bytes/line (RSS) | DuckDB wall s (all threads / 1) | DuckDB query s | engine ÷ DuckDB query | DuckDB max RSS MiB |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    agreement = []
    for n in sorted(by):
        p, d, d1 = by[n].get("payhub"), by[n].get("duckdb"), by[n].get("duckdb-1thread")
        if not p:
            continue
        cells = [f"{n:,}", f(p["engine_s"], 3), f(p["engine_lines_per_s"], 0), f(p["engine_ns_per_line"], 0),
                 f(p["wall_s"], 2), f(p["max_rss_kb"] / 1024, 0), f(p["max_rss_kb"] * 1024 / n, 0),
                 f"{f(d['wall_s'], 2)} / {f(d1['wall_s'], 2) if d1 else '—'}" if d else "—",
                 f(d["query_s"], 3) if d else "—",
                 f(p["engine_s"] / d["query_s"], 2) if d else "—",
                 f(d["max_rss_kb"] / 1024, 0) if d else "—"]
        lines.append("| " + " | ".join(cells) + " |")
        if d:
            classes = sorted(set(p["classes"]) | set(d["classes"]))
            diff = {c: (p["classes"].get(c, 0), d["classes"].get(c, 0)) for c in classes
                    if p["classes"].get(c, 0) != d["classes"].get(c, 0)}
            agreement.append(f"- {n:,} lines: PayHub {json.dumps(p['classes'])}; "
                             + ("DuckDB identical." if not diff else f"DuckDB differs in {json.dumps(diff)} (PayHub, DuckDB)."))
    return "\n".join(lines + ["", "Class counts (the two must classify alike):", ""] + agreement)


def whole_table(out):
    lines = ["### B3, the whole `payhub reconcile --file` run (every line matched), beside DuckDB over the same day", "",
             "DuckDB: `bench/duckdb_recon.py` reading the same day's lines, records and accounts as CSV",
             "and classifying them (process wall, all threads). Ratio = PayHub's wall / DuckDB's.", "",
             "| backend | lines | statement MiB | wall s | lines/s | max RSS MiB | bytes/line (RSS) | matched | DuckDB wall s | DuckDB max RSS MiB | PayHub / DuckDB |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    duck = {r["size"]: r for r in rows(out / "b3.jsonl") if r.get("contender") == "duckdb-whole"}
    for r in rows(out / "b3-whole.jsonl"):
        n = r["lines"]
        d = duck.get(n)
        lines.append("| " + " | ".join([
            r.get("backend", "sqlite"), f"{n:,}", f(r["file_bytes"] / 2**20, 1), f(r["wall_s"], 2),
            f(n / r["wall_s"], 0), f(r["max_rss_kb"] / 1024, 0), f(r["max_rss_kb"] * 1024 / n, 0),
            f"{r['matched']:,}" + ("" if r["matched"] == n else " (NOT all)"),
            f(d["wall_s"], 2) if d else "-", f(d["max_rss_kb"] / 1024, 0) if d else "-",
            f(r["wall_s"] / d["wall_s"], 2) if d else "-"]) + " |")
    return "\n".join(lines)


def micro_table(out):
    lines = ["### Micro-benchmarks (criterion, median of the estimate)", "", "| benchmark | time | throughput |", "|---|---:|---:|"]
    for name in ["micro-adapters.txt", "micro-reconcile.txt"]:
        path = out / name
        if not path.exists():
            continue
        text = path.read_text()
        for m in re.finditer(r"^(\S.*?)\s*\n?\s+time:\s+\[\S+ \S+ (\S+ \S+) \S+ \S+\]\s*\n(?:\s+thrpt:\s+\[\S+ \S+ (\S+ \S+) \S+ \S+\])?", text, re.M):
            lines.append(f"| {m.group(1).strip()} | {m.group(2)} | {m.group(3) or '—'} |")
    return "\n".join(lines)


def main():
    out = Path(sys.argv[1])
    print(f"Results of `bench/run-all.sh` in `{out.name}`.\n")
    print("```\n" + (out / "machine.txt").read_text().strip() + "\n```\n")
    print(load_table(out, "b1", "B1 callback apply") + "\n")
    print(load_table(out, "b2", "B2 order create") + "\n")
    print(recon_table(out) + "\n")
    print(whole_table(out) + "\n")
    print(micro_table(out))


if __name__ == "__main__":
    main()
