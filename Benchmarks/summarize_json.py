#!/usr/bin/env python3
"""The API v2 JSON part of the benchmark report (run.sh, runs g-k).

    Benchmarks/summarize_json.py JSON.tsv META.tsv [--out FILE.md]

JSON.tsv has run.sh's result lines (size, tool, rc, wall_s, rss_kb, rows, stderr_tail_file) for
the tools python-json (baseline_json.py), td (trialdiff --format csv, default jobs) and td1
(--jobs 1) on zips of N studies, tdarray (default jobs) on the same studies as one JSON array
file, and the stage ladder's ladder-io, ladder-parse, ladder-extract and ladder-rules (an 8th column holds the ladder's counts; shown for information, as in
summarize.py). Checks issue 23's targets where the sizes allow:
  - 10k: trialdiff at least 2x faster than the Python json script, and <= 0.6x its --jobs 1 time
  - 100k: time per study within 25 % of the 10k figure, peak RSS < 400 MB
and projects the whole registry (560,000 studies) from the largest size measured.
Exit status 0 when every run succeeded and every evaluated check passed, else 1.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from summarize import fmt_size, ladder_counts, ladder_rows

REGISTRY = 560_000
TARGET_VS_PYTHON = 2.0
TARGET_JOBS_RATIO = 0.6
RSS_LIMIT_MB = 400
LINEAR_TOLERANCE = 1.25


LADDER = {
    "ladder-io": "io: inflate every entry",
    "ladder-parse": "+ parse (JSON tape, field mapping)",
    "ladder-extract": "+ extract",
    "ladder-rules": "+ record rules",
}


def ladder(runs: dict, sizes: list[int], labels: dict) -> list[str]:
    """The stage ladder's table per size: each stage's wall time, its increment, and both against
    the Python script and the full `--format csv` run of the same size."""
    out: list[str] = []
    ladder_sizes = [s for s in sizes if any((s, t) in runs for t in LADDER)]
    if not ladder_sizes:
        return out
    out += ["", "### Stage ladder (information)", "",
            "The per-study work of `trialdiff report` on the same zip, cut off after each stage "
            "(`TrialdiffLadder`, default jobs, same warm-up): **io** inflates every entry "
            "(`ZipReader.extract`); **+ parse** adds the JSON reader (`ReaderRegistry.read`); "
            "**+ extract** adds `TrialExtractor.extract`; **+ record rules** adds `FindingRules.check`. "
            "Each stage's time includes the earlier ones and the process start. The last rows are "
            "what the product does after the per-study work, and the whole run.", ""]
    for size in ladder_sizes:
        rows = [runs.get((size, t)) for t in LADDER]
        if all(r is None or r["rc"] == "na" for r in rows):
            reason = next((r["tail"] for r in rows if r is not None and r["tail"]), "")
            out += [f"{fmt_size(size)}: the stage ladder was not run:", "", "```",
                    *(reason or "unknown reason").splitlines(), "```", ""]
            continue
        td, py = (runs[(size, t)]["wall"] if runs.get((size, t), {}).get("ok") else None for t in ("td", "python-json"))
        out += [f"#### {fmt_size(size)} studies", "",
                "| stage | wall s | increment s | increment ÷ full csv run | wall ÷ Python |",
                "|---|---:|---:|---:|---:|"]
        stage_rows, rules = ladder_rows(runs, size, LADDER, LADDER, td, py, missing="")
        out += stage_rows
        if td:
            if rules:
                rest = td - rules
                out.append(f"| full report minus rules stage (sha256, parse cache, landscape, snapshot, csv) "
                           f"| | {rest:+.3f} | {rest / td * 100:.0f}% | |")
            out.append(f"| {labels['td']}, the whole run | {td:.3f} | | 100% | {f'{td / py:.2f}' if py else ''} |")
        counts = ladder_counts(runs, size, LADDER, "entries")
        if counts:
            out += ["", counts]
        out.append("")
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("meta")
    ap.add_argument("--out")
    args = ap.parse_args()
    meta = dict(l.split("\t", 1) for l in Path(args.meta).read_text().splitlines() if "\t" in l)
    nproc = meta.get("nproc", "?")
    runs: dict[tuple[int, str], dict] = {}
    sizes: list[int] = []
    for line in Path(args.results).read_text().splitlines():
        if not line.strip():
            continue
        size, tool, rc, wall, rss, rows, tail, info = (line.split("\t") + [""] * 8)[:8]
        size = int(size)
        if size not in sizes:
            sizes.append(size)
        runs[(size, tool)] = {
            "ok": rc == "0", "rc": rc,
            "wall": float(wall) if wall else None,
            "rss": int(rss) / 1024 if rss else None,
            "rows": rows,
            "tail": Path(tail).read_text(errors="replace").rstrip() if tail and Path(tail).is_file() else "",
            "info": dict(kv.split("=", 1) for kv in info.split() if "=" in kv),
        }
    labels = {"python-json": "Python json (one process)", "td": f"trialdiff (default jobs = {nproc})",
              "td1": "trialdiff --jobs 1",
              "tdarray": f"trialdiff, the same studies as one JSON array file (default jobs = {nproc})"}
    out = ["## API v2 JSON (zip of N studies, `--format csv`)", "",
           "| studies | tool | wall s | studies/s | ms/study | peak RSS MB | rows | vs Python | vs --jobs 1 | vs the zip |",
           "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    failed = False
    for size in sizes:
        py = runs.get((size, "python-json"), {}).get("wall")
        one = runs.get((size, "td1"), {}).get("wall")
        zipped = runs.get((size, "td"), {}).get("wall")
        for tool in ("python-json", "td", "td1", "tdarray"):
            r = runs.get((size, tool))
            if r is None:
                continue
            if not r["ok"]:
                failed = True
                out.append(f"| {fmt_size(size)} | {labels[tool]} | failed (exit {r['rc']}) | | | | | | | |")
                continue
            w = r["wall"]
            vs_py = ""
            if tool != "python-json" and py:
                vs_py = f"{py / w:.2f}x faster" if py >= w else f"{w / py:.2f}x slower"
            vs_one = f"{w / one:.2f}x" if tool in ("td", "tdarray") and one else ""
            vs_zip = f"{w / zipped:.2f}x" if tool == "tdarray" and zipped else ""
            out.append(f"| {fmt_size(size)} | {labels[tool]} | {w:.2f} | {size / w:,.0f} | {1000 * w / size:.3f} "
                       f"| {r['rss']:.0f} | {r['rows']} | {vs_py} | {vs_one} | {vs_zip} |")
    out += ["", "Checks (issue 23):", ""]
    checks: list[tuple[str, bool | None, str]] = []

    def wall(size, tool):
        r = runs.get((size, tool))
        return r["wall"] if r and r["ok"] else None

    if 10_000 in sizes:
        td, py, one = wall(10_000, "td"), wall(10_000, "python-json"), wall(10_000, "td1")
        if td and py:
            checks.append(("10k: trialdiff >= 2x faster than Python json", py / td >= TARGET_VS_PYTHON,
                           f"{py / td:.2f}x"))
        if td and one:
            checks.append(("10k: trialdiff <= 0.6x its --jobs 1 time", td / one <= TARGET_JOBS_RATIO, f"{td / one:.2f}x"))
    if 100_000 in sizes and 10_000 in sizes:
        a, b = wall(10_000, "td"), wall(100_000, "td")
        if a and b:
            growth = (b / 100_000) / (a / 10_000)
            checks.append(("100k: time per study within 25 % of 10k", growth <= LINEAR_TOLERANCE, f"{growth:.2f}x"))
    if 100_000 in sizes:
        r = runs.get((100_000, "td"))
        if r and r["ok"]:
            checks.append(("100k: peak RSS < 400 MB", r["rss"] < RSS_LIMIT_MB, f"{r['rss']:.0f} MB"))
    for name, ok, value in checks:
        out.append(f"- {name}: {value} — {'met' if ok else 'NOT met'}")
        failed |= ok is False
    measured = [s for s in sizes if wall(s, "td")]
    if measured:
        s = max(measured)
        minutes = wall(s, "td") / s * REGISTRY / 60
        out += ["", f"Projection for the whole registry ({REGISTRY:,} studies) from the {fmt_size(s)} run: "
                    f"{minutes:.1f} minutes on {nproc} cores."]
    out += ladder(runs, sizes, labels)
    failed |= any(not r["ok"] and r["rc"] != "na" for (_, t), r in runs.items() if t in LADDER)
    text = "\n".join(out) + "\n"
    print(text, end="")
    if args.out:
        Path(args.out).write_text(text)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
