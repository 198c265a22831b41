#!/usr/bin/env python3
"""Turns the measurements run.sh collected into the Markdown results table and target checks.

    Benchmarks/summarize.py RESULTS.tsv META.tsv [--out FILE.md]

RESULTS.tsv has one line per measured run, tab-separated, no header:
    size  tool  rc  wall_s  rss_kb  rows  stderr_tail_file
tool is one of xmllint, python, td (trialdiff --format csv, default --jobs), td1 (trialdiff
--format csv --jobs 1), tdall (trialdiff with every output format, default --jobs; reported for
information, the targets are checked against td and td1), or one of the stage-ladder runs
ladder-io, ladder-parse, ladder-extract, ladder-rules (Benchmarks' TrialdiffLadder tool: the
per-file work of trialdiff cut off after that stage; information only). Ladder lines have an 8th
column, the tool's one-line stdout ("stage=... files=N records=N ...").
rc is the exit status, or "na" when the tool could not be run at all (stderr_tail_file then
holds the reason). META.tsv holds "key<TAB>value" lines (seed, nproc, machine, versions, ...).

Prints the report to stdout (and to --out). Exit status 0 if every run succeeded and every
check that could be evaluated passed, 1 otherwise. The ladder never fails a check; only a ladder
run that ran and failed makes the status 1 (a ladder that could not be built, "na", does not).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REF_SIZE = 10_000
RSS_SIZE = 100_000
RSS_LIMIT_MB = 400
LINEAR_TOLERANCE = 1.25  # time per record may grow at most 25% per size step


def fmt_size(n: int) -> str:
    return f"{n // 1000}k" if n % 1000 == 0 and n >= 1000 else str(n)


def ladder_rows(runs, size, tools, labels, td, ref, missing):
    """The stage ladder's rows for `size`: each stage's wall time, its increment and share of the
    full csv run `td` (while every stage before it ran), and its ratio to `ref` (`missing` when
    there is none). Also the last stage's wall time when every stage ran, else None."""
    rows = []
    prev, chain_ok = 0.0, True
    for tool in tools:
        r = runs.get((size, tool))
        if r is None or not r["ok"]:
            status = "not run" if r is None or r["rc"] == "na" else f"FAILED (exit {r['rc']})"
            rows.append(f"| {labels[tool]} | {status} | | | |")
            chain_ok = False
            continue
        w = r["wall"]
        inc = f"{w - prev:+.3f}" if chain_ok else ""
        share = f"{(w - prev) / td * 100:.0f}%" if chain_ok and td else ""
        rx = f"{w / ref:.2f}" if ref else missing
        rows.append(f"| {labels[tool]} | {w:.3f} | {inc} | {share} | {rx} |")
        prev = w
    return rows, (prev if chain_ok else None)


def ladder_counts(runs, size, tools, unit):
    """The ladder's counts line for `size` (files or entries, records, values, findings), or
    None when no stage reported any."""
    counts = []
    for tool in tools:
        r = runs.get((size, tool))
        if r and r["ok"] and r["info"]:
            i = r["info"]
            extra = "".join(f", {k} {i[k]}" for k in ("values", "findings") if k in i)
            counts.append(f"{i.get('stage', tool)}: {i.get('files', '?')} {unit}, {i.get('records', '?')} records{extra}")
    return "Counts (to check the stages did the work): " + "; ".join(counts) + "." if counts else None


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("meta")
    ap.add_argument("--out")
    args = ap.parse_args()

    meta = {}
    for line in Path(args.meta).read_text().splitlines():
        if "\t" in line:
            k, v = line.split("\t", 1)
            meta[k] = v
    nproc = int(meta.get("nproc", "1") or 1)
    labels = {
        "xmllint": "xmllint --noout",
        "python": "python + lxml",
        "td": f"trialdiff (default jobs = {nproc})",
        "td1": "trialdiff --jobs 1",
        "tdall": f"trialdiff, all formats (default jobs = {nproc})",
    }
    ladder_labels = {
        "ladder-io": "ladder: io",
        "ladder-parse": "ladder: + parse (libxml2 via XMLKit, field mapping)",
        "ladder-extract": "ladder: + extract",
        "ladder-rules": "ladder: + record rules",
    }
    labels.update(ladder_labels)
    ladder_tools = tuple(ladder_labels)

    def is_ladder(tool):
        return tool in ladder_tools

    runs: dict[tuple[int, str], dict] = {}
    sizes: list[int] = []
    for line in Path(args.results).read_text().splitlines():
        if not line.strip():
            continue
        size, tool, rc, wall, rss, rows, tail, info = (line.split("\t") + [""] * 8)[:8]
        size = int(size)
        if size not in sizes:
            sizes.append(size)
        ok = rc == "0"
        runs[(size, tool)] = {
            "rc": rc,
            "ok": ok,
            "wall": max(float(wall), 0.001) if ok and wall else None,  # never divide by 0
            "rss_mb": int(rss) / 1024 if rss else None,
            "rows": int(rows) if rows.isdigit() else None,
            "tail": Path(tail).read_text(errors="replace").rstrip() if tail and Path(tail).is_file() else "",
            # ladder runs: their counts, e.g. {"stage": "rules", "records": "1000", ...}
            "info": dict(kv.split("=", 1) for kv in info.split() if "=" in kv),
        }

    def wall(size, tool):
        r = runs.get((size, tool))
        return r["wall"] if r and r["ok"] else None

    out: list[str] = []
    p = out.append
    p("# trialdiff benchmark")
    p("")
    p(
        f"Corpus: copies of {meta.get('source_records', '?')} real ClinicalTrials.gov legacy XML records with "
        f"fresh IDs (`make_corpus.py`, seed {meta.get('seed', '?')}), one record per file, "
        "page cache warmed before every run."
    )
    repeat = int(meta.get("repeat", "1") or 1)
    if repeat > 1:
        p(f"Each figure is the fastest of {repeat} runs (peak RSS: the largest of them).")
    if meta.get("all_formats_max"):
        p(f"All formats (run e) only up to {int(meta['all_formats_max']):,} records (`ALL_FORMATS_MAX`).")
    p(f"Machine: {nproc} cores, {meta.get('machine', '?')}.")
    p(f"Tools: {meta.get('versions', '?')}.")
    p("")
    p("| size | tool | wall s | records/s | peak RSS MB | ratio to xmllint | ratio to python |")
    p("|---:|---|---:|---:|---:|---:|---:|")
    for size in sizes:
        x, py = wall(size, "xmllint"), wall(size, "python")
        for tool in ("xmllint", "python", "td", "td1", "tdall") + ladder_tools:
            r = runs.get((size, tool))
            if r is None:
                continue
            if r["rc"] == "na":
                p(f"| {size} | {labels[tool]} | not run | | | | |")
                continue
            if not r["ok"]:
                rss = f"{r['rss_mb']:.1f}" if r["rss_mb"] is not None else ""
                p(f"| {size} | {labels[tool]} | FAILED (exit {r['rc']}) | | {rss} | | |")
                continue
            w = r["wall"]
            rps = f"{size / w:,.0f}" if w > 0 else "∞"
            rx = f"{w / x:.2f}" if x else "–"
            rp = f"{w / py:.2f}" if py else "–"
            p(f"| {size} | {labels[tool]} | {w:.3f} | {rps} | {r['rss_mb']:.1f} | {rx} | {rp} |")
    p("")
    p("Ratios are wall-time ratios (tool ÷ reference): below 1 means faster than the reference. "
      "MB = 2^20 bytes (GNU time's maximum resident set size).")
    p("")

    # --- target checks (issue 6) ---
    checks: list[tuple[str, str, str]] = []  # (check, measured, result)
    ref = REF_SIZE if REF_SIZE in sizes else (max(sizes) if sizes else None)
    ref_note = "" if ref == REF_SIZE else f" (10k not run; at {fmt_size(ref)})" if ref else ""

    def verdict(value, limit):
        return "PASS" if value <= limit else "FAIL"

    def td_problem(size, tool="td"):
        r = runs.get((size, tool))
        if r is None or r["rc"] == "na":
            return "n/a (trialdiff not run)"
        if not r["ok"]:
            return f"FAIL (trialdiff exit {r['rc']})"
        return None

    if ref is not None:
        t, x, py, t1 = wall(ref, "td"), wall(ref, "xmllint"), wall(ref, "python"), wall(ref, "td1")
        name = f"trialdiff ≤ 0.75 × xmllint{ref_note}"
        if td_problem(ref):
            checks.append((name, "", td_problem(ref)))
        elif not x:
            checks.append((name, "", "n/a (xmllint failed)"))
        else:
            checks.append((name, f"{t / x:.2f} × ({t:.3f} s vs {x:.3f} s)", verdict(t / x, 0.75)))
        name = f"trialdiff ≥ 3 × faster than python + lxml{ref_note}"
        if td_problem(ref):
            checks.append((name, "", td_problem(ref)))
        elif not py:
            checks.append((name, "", "n/a (python baseline failed)"))
        else:
            checks.append((name, f"speed-up {py / t:.2f} × ({t:.3f} s vs {py:.3f} s)", verdict(t, py / 3)))
        name = f"default jobs ({nproc}) ≤ 0.6 × --jobs 1{ref_note}"
        if nproc < 2:
            checks.append((name, "", "n/a (1 core)"))
        elif td_problem(ref) or td_problem(ref, "td1"):
            checks.append((name, "", td_problem(ref) or td_problem(ref, "td1")))
        else:
            checks.append((name, f"{t / t1:.2f} × ({t:.3f} s vs {t1:.3f} s)", verdict(t / t1, 0.6)))

    name = f"linear growth: time per record grows ≤ {int((LINEAR_TOLERANCE - 1) * 100)}% per size step"
    ordered = sorted(sizes)
    if len(ordered) < 2:
        checks.append((name, "", "n/a (needs 2 sizes)"))
    else:
        problems = [td_problem(s) for s in ordered if td_problem(s)]
        if problems:
            checks.append((name, "", problems[0]))
        else:
            per = [(s, wall(s, "td") / s * 1e6) for s in ordered]
            ok = all(b <= a * LINEAR_TOLERANCE for (_, a), (_, b) in zip(per, per[1:]))
            measured = " → ".join(f"{fmt_size(s)}: {us:.0f} µs" for s, us in per)
            checks.append((name, measured, "PASS" if ok else "FAIL"))

    name = f"peak RSS at 100k < {RSS_LIMIT_MB} MB"
    if RSS_SIZE not in sizes:
        checks.append((name, "", "n/a (100k not run)"))
    else:
        rs = [runs[(RSS_SIZE, k)] for k in ("td", "td1") if (RSS_SIZE, k) in runs]
        measured_rs = [r for r in rs if r["rc"] != "na" and r["rss_mb"] is not None]
        if td_problem(RSS_SIZE) or not measured_rs:
            checks.append((name, "", td_problem(RSS_SIZE) or "n/a (trialdiff not run)"))
        else:
            peak = max(r["rss_mb"] for r in measured_rs)
            checks.append((name, f"{peak:.1f} MB", "PASS" if peak < RSS_LIMIT_MB else "FAIL"))

    # Informational, never PASS/FAIL: what writing every format costs on top of --format csv.
    name = "all formats vs --format csv, default jobs (information)"
    parts = []
    for size in sizes:
        r = runs.get((size, "tdall"))
        if r is None or r["rc"] == "na":
            continue
        if not r["ok"]:
            parts.append(f"{fmt_size(size)}: FAILED (exit {r['rc']})")
            continue
        c = runs.get((size, "td"))
        c_ok = c is not None and c["ok"]
        rt = f" ({r['wall'] / c['wall']:.2f} × csv)" if c_ok else ""
        rm = f" ({r['rss_mb'] / c['rss_mb']:.2f} × csv)" if c_ok and r["rss_mb"] and c["rss_mb"] else ""
        rss = f"{r['rss_mb']:.1f} MB" if r["rss_mb"] is not None else "? MB"
        parts.append(f"{fmt_size(size)}: {r['wall']:.3f} s{rt}, {rss}{rm}")
    checks.append((name, "; ".join(parts), "info" if parts else "n/a (trialdiff not run)"))

    p("## Targets (issue 6)")
    p("")
    p("| check | measured | result |")
    p("|---|---|---|")
    for c, m, v in checks:
        p(f"| {c} | {m} | {v} |")
    p("")

    # --- stage ladder (information only) ---
    ladder_sizes = [s for s in sizes if any((s, t) in runs for t in ladder_tools)]
    ladder_na = [r for (_, t), r in runs.items() if is_ladder(t) and r["rc"] == "na"]
    if ladder_sizes:
        p("## Stage ladder (information)")
        p("")
        p("The per-file work of `trialdiff report`, cut off after each stage (`TrialdiffLadder`, default jobs, "
          "same corpus and warm-up): **io** reads every file's bytes; **+ parse** adds the libxml2 parse via "
          "XMLKit and the field mapping (`ReaderRegistry.read`); **+ extract** adds `TrialExtractor.extract`; "
          "**+ record rules** adds `FindingRules.check`, i.e. all of `Pipeline.parse`. Each stage's time "
          "includes the earlier ones and the process start. The increment is the stage's own cost; its share "
          "is of the full `trialdiff --format csv` run (default jobs). The last row is what the product does "
          "after the per-file work.")
        p("")
    if ladder_na:
        reason = ladder_na[0]["tail"] or "unknown reason"
        p("The stage ladder was not run:")
        p("")
        p("```")
        out.extend(reason.splitlines())
        p("```")
        p("")
    for size in ladder_sizes:
        if all(runs.get((size, t), {}).get("rc") == "na" for t in ladder_tools):
            continue
        td = wall(size, "td")
        x = wall(size, "xmllint")
        p(f"### {fmt_size(size)} records")
        p("")
        p("| stage | wall s | increment s | increment ÷ full csv run | wall ÷ xmllint |")
        p("|---|---:|---:|---:|---:|")
        if x:
            p(f"| xmllint --noout (the floor, for reference) | {x:.3f} | | | 1.00 |")
        rows, rules = ladder_rows(runs, size, ladder_tools, labels, td, x, missing="–")
        out.extend(rows)
        if td:
            if rules:
                rest = td - rules
                p(f"| full report minus rules stage: what the product does after the per-file work "
                  f"(sha256, parse cache, landscape, snapshot, csv) | | {rest:+.3f} | {rest / td * 100:.0f}% | |")
            rx = f"{td / x:.2f}" if x else "–"
            p(f"| {labels['td']}, `--format csv` (run c, the whole) | {td:.3f} | | 100% | {rx} |")
        else:
            p(f"| {labels['td']}, `--format csv` (run c) | not measured | | | |")
        p("")
        counts = ladder_counts(runs, size, ladder_tools, "files")
        if counts:
            p(counts)
            p("")

    # --- notes: row counts and failures ---
    notes = []
    for size in sizes:
        for tool, what in (("python", "CSV rows"), ("td", "matrix.csv rows"), ("td1", "matrix.csv rows"),
                           ("tdall", "matrix.csv rows")):
            r = runs.get((size, tool))
            if r and r["ok"] and r["rows"] != size:
                notes.append(f"- {size} / {labels[tool]}: {what} = {r['rows']}, expected {size}.")
    reported_unavailable = False
    for (size, tool), r in runs.items():
        if r["rc"] == "na" and is_ladder(tool):
            continue  # reported in the stage-ladder section; never a failure
        if r["rc"] == "na":
            if not reported_unavailable:
                reported_unavailable = True
                notes.append("- trialdiff could not be run:")
                if r["tail"]:
                    notes.extend(["", "  ```"] + ["  " + l for l in r["tail"].splitlines()] + ["  ```", ""])
            continue
        if not r["ok"]:
            notes.append(f"- {size} / {labels[tool]} failed (exit {r['rc']}); last lines of its stderr:")
            if r["tail"]:
                notes.append("")
                notes.append("  ```")
                notes.extend("  " + l for l in r["tail"].splitlines())
                notes.append("  ```")
                notes.append("")
    if notes:
        p("## Notes")
        p("")
        out.extend(notes)
        p("")
    else:
        p("Every run exited 0; the Python CSV and every trialdiff run's matrix.csv have one row per record.")
        p("")

    text = "\n".join(out).rstrip("\n") + "\n"
    sys.stdout.write(text)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text)

    failed = any(not r["ok"] and not (is_ladder(t) and r["rc"] == "na") for (_, t), r in runs.items())
    failed = failed or any(v.startswith("FAIL") for _, _, v in checks)
    failed = failed or bool(notes)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
