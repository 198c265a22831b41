#!/usr/bin/env bash
# trialdiff benchmark, one command (issue 6, "Speed and scale").
#
#   Benchmarks/run.sh [SIZES...]          # default: 1000 10000
#   Benchmarks/run.sh 1000 10000 100000   # include the 100k corpus (~4.7 GB on disk)
#
# For each size: builds (or reuses) a corpus of N real ClinicalTrials.gov legacy XML records with
# fresh IDs under Benchmarks/.corpus/N, then measures on that same corpus, each run under
# /usr/bin/time -v after an untimed warm-up read of every file:
#   a. xmllint --noout over all files (libxml2's bare parse: the floor)
#   b. Benchmarks/baseline_lxml.py (Python + lxml: what a user writes instead)
#   c. trialdiff report CORPUS --output TMP --format csv        (default --jobs = cores)
#   d. trialdiff report CORPUS --output TMP --format csv --jobs 1
#   e. trialdiff report CORPUS --output TMP                     (no --format: all formats, default --jobs)
#      i.e. report.md, report.html, trials.json, matrix.csv and their companions
#   f. the stage ladder (information, unless LADDER=0): Benchmarks' TrialdiffLadder tool runs the
#      per-file work of `trialdiff report` on the same corpus, default jobs, cut off after
#        io       reading every file's bytes
#        parse    + libxml2 parse via XMLKit and field mapping (ReaderRegistry.read)
#        extract  + TrialExtractor.extract
#        rules    + record-level review rules (FindingRules.check): Pipeline.parse's work
#      so the summary can show what each stage costs against the xmllint floor and run c.
# Then, for each JSON size (JSON_SIZES, default 10000): builds (or reuses) a zip of N real
# ClinicalTrials.gov API v2 studies with fresh IDs (Benchmarks/.corpus/json-N.zip, the registry's
# bulk layout, make_json_corpus.py) and measures on it, in the same way:
#   g. Benchmarks/baseline_json.py (Python's json module: the same core fields as b.)
#   h. trialdiff report ZIP --output TMP --format csv             (default --jobs)
#   i. trialdiff report ZIP --output TMP --format csv --jobs 1
#   j. the stage ladder on the zip (unless LADDER=0): io inflates each entry, parse adds the JSON
#      reader, then extract and rules as in f.
#   k. trialdiff report ARRAY --output TMP --format csv (default --jobs), ARRAY being the same
#      studies in one JSON array (Benchmarks/.corpus/json-N.json, the layout of the registry
#      site's ctg-studies.json download), for sizes up to ARRAY_MAX: one file of many studies
#      against a zip of the same.
# Every trialdiff run writes to a fresh, empty output folder (a reused one would hold the previous
# run's snapshot store in .trialdiff/ and turn the run into an unchanged re-run). The issue's
# targets are checked against the --format csv runs (c, d); run e is reported for information.
# Prints a Markdown table plus the target checks and the stage ladder, also written to
# Benchmarks/results/latest.md.
#
# Environment:
#   TRIALDIFF=PATH          trialdiff binary to measure (default .build/release/trialdiff,
#                           built with `swift build -c release --product trialdiff` if missing)
#   SWIFT_SCRATCH_PATH=DIR  build into DIR instead of .build (binary: DIR/release/trialdiff)
#   TRIALDIFF_REBUILD=1     run `swift build` even if the binary exists (it is incremental)
#   LADDER=0                skip the stage ladders (f, j) and their build
#   LADDER_BIN=PATH         TrialdiffLadder binary to run (the script then does not build it)
#   LADDER_SCRATCH_PATH=DIR scratch path for building TrialdiffLadder from the Benchmarks package
#                           (default: Benchmarks/.build, or $SWIFT_SCRATCH_PATH-bench when
#                           SWIFT_SCRATCH_PATH is set); it is rebuilt (incrementally) every run
#   REPEAT=N                run each measurement N times (default 1) and report the fastest
#                           wall time and the largest peak RSS: on a shared machine single runs
#                           vary by 10-20 %, and the floor's own time varies with them
#   ALL_FORMATS_MAX=N       run e (every format) only for sizes up to N records (default: every
#                           size); at 100k it writes about 7 GB of reports, and the targets are
#                           checked on the csv runs anyway
#   SEED=S                  corpus seed (default 42)
#   XML=0                   skip the legacy XML runs (a-f); JSON_SIZES="" skips the JSON runs
#   JSON_SIZES="N ..."      JSON corpus sizes (default 10000; 100000 is a 470 MB zip)
#   ARRAY_MAX=N             run k (one JSON array file) only for sizes up to N studies (default
#                           10000: 10k studies are a 160 MB file; trialdiff reads files up to
#                           256 MiB); 0 skips it
#   PYTHON=python3          interpreter for the generator, the baseline and the summary
#
# Installs nothing, needs no network and no sudo (the ladder's first build needs the Benchmarks
# package's dependencies in SwiftPM's cache or the network; without them it is "not run").
# Exit status: 0 all runs succeeded and every evaluated check passed; 1 some run failed or some
# check failed; 2 prerequisites missing or bad arguments. The ladder is informational: only a
# ladder run that fails makes the status 1 (a ladder that cannot be built is reported as "not
# run" and does not).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SELF="$HERE/$(basename "${BASH_SOURCE[0]}")"
ROOT=$(cd "$HERE/.." && pwd)
cd "$ROOT"

SEED=${SEED:-42}
LADDER=${LADDER:-1}
XML=${XML:-1}
JSON_SIZES=${JSON_SIZES-10000}
REPEAT=${REPEAT:-1}
ALL_FORMATS_MAX=${ALL_FORMATS_MAX:-}
ARRAY_MAX=${ARRAY_MAX:-10000}
PYTHON=${PYTHON:-python3}
GNU_TIME=/usr/bin/time

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$SELF"; }

sizes=()
for a in "$@"; do
    case "$a" in
        -h|--help) usage; exit 0 ;;
        *) [[ "$a" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: size must be a positive integer: '$a'" >&2; usage >&2; exit 2; }
           sizes+=("$a") ;;
    esac
done
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000)
[ "$XML" != 0 ] || sizes=()
json_sizes=()
for a in $JSON_SIZES; do
    [[ "$a" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: JSON_SIZES must hold positive integers: '$a'" >&2; exit 2; }
    json_sizes+=("$a")
done
[[ "$SEED" =~ ^[0-9]+$ ]] || { echo "run.sh: SEED must be a non-negative integer" >&2; exit 2; }
[[ "$REPEAT" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: REPEAT must be a positive integer" >&2; exit 2; }
[[ -z "$ALL_FORMATS_MAX" || "$ALL_FORMATS_MAX" =~ ^[0-9]+$ ]] || { echo "run.sh: ALL_FORMATS_MAX must be a number of records" >&2; exit 2; }
[[ "$ARRAY_MAX" =~ ^[0-9]+$ ]] || { echo "run.sh: ARRAY_MAX must be a number of studies" >&2; exit 2; }

# ---------------------------------------------------------------- prerequisites
missing=()
[ ${#sizes[@]} -eq 0 ] || command -v xmllint >/dev/null 2>&1 ||
    missing+=("xmllint (libxml2's command-line tool) not found: apt-get install -y libxml2-utils (macOS: it ships with the system)")
if ! command -v "$PYTHON" >/dev/null 2>&1; then
    missing+=("$PYTHON not found: install Python 3.9+ or set PYTHON=/path/to/python3")
elif [ ${#sizes[@]} -gt 0 ] && ! "$PYTHON" -c 'import lxml.etree' >/dev/null 2>&1; then
    missing+=("Python module lxml not importable by $PYTHON: $PYTHON -m pip install lxml")
fi
if [ ! -x "$GNU_TIME" ] || ! "$GNU_TIME" -v true >/dev/null 2>&1; then
    missing+=("GNU time with -v not found at $GNU_TIME (needed for wall time and peak RSS): apt-get install -y time")
fi
if [ ${#missing[@]} -gt 0 ]; then
    echo "run.sh: missing prerequisites:" >&2
    for m in "${missing[@]}"; do echo "  - $m" >&2; done
    exit 2
fi

mkdir -p "$HERE/results" "$HERE/.corpus"
SCRATCH=$(mktemp -d "$HERE/results/run.XXXXXX.tmp")
cleanup() { rm -rf "$SCRATCH"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
RESULTS="$SCRATCH/results.tsv"
META="$SCRATCH/meta.tsv"
: >"$RESULTS"

# announce REASON WHAT FILE READY: with a REASON, warns "WHAT:" and the reason on stderr and
# writes the reason to FILE (the summary reports it); without one, prints READY.
announce() {
    if [ -n "$1" ]; then
        echo "run.sh: WARNING: $2:" >&2
        printf '%s\n' "$1" | sed 's/^/  /' >&2
        printf '%s\n' "$1" >"$3"
    else
        echo "run.sh: $4" >&2
    fi
}

# Runs `swift build ARGS...` with its output in LOG. On failure prints the first distinct error
# lines (or the log's tail) for the caller's "not measured" reason, and returns 1.
swift_build() {
    local log=$1 errs
    shift
    swift build "$@" >"$log" 2>&1 && return 0
    errs=$(grep -E 'error: ' "$log" | grep -vE '^[[:space:]|]' | awk '!seen[$0]++' | head -n 12 || true)
    [ -n "$errs" ] || errs=$(tail -n 12 "$log")
    printf '%s' "$errs"
    return 1
}

# ---------------------------------------------------------------- trialdiff binary
td_reason=""   # non-empty: trialdiff cannot be measured, and why
if [ -n "${TRIALDIFF:-}" ]; then
    [ -f "$TRIALDIFF" ] && [ -x "$TRIALDIFF" ] || td_reason="\$TRIALDIFF=$TRIALDIFF is not an executable file"
else
    build_args=(-c release --product trialdiff)
    if [ -n "${SWIFT_SCRATCH_PATH:-}" ]; then
        build_args+=(--scratch-path "$SWIFT_SCRATCH_PATH")
        TRIALDIFF="$SWIFT_SCRATCH_PATH/release/trialdiff"
    else
        TRIALDIFF="$ROOT/.build/release/trialdiff"
    fi
    case "$TRIALDIFF" in /*) ;; *) TRIALDIFF="$ROOT/$TRIALDIFF" ;; esac
    if [ ! -x "$TRIALDIFF" ] || [ "${TRIALDIFF_REBUILD:-0}" = 1 ]; then
        if ! command -v swift >/dev/null 2>&1; then
            td_reason="no trialdiff binary at $TRIALDIFF and no swift toolchain to build it (set TRIALDIFF=/path/to/trialdiff)"
        else
            echo "run.sh: building trialdiff: swift build ${build_args[*]} (log: $SCRATCH/build.log)" >&2
            if ! errs=$(swift_build "$SCRATCH/build.log" "${build_args[@]}"); then
                td_reason="swift build ${build_args[*]} failed (the package does not compile right now); trialdiff rows are skipped. First errors:"$'\n'"$errs"
            elif [ ! -x "$TRIALDIFF" ]; then
                td_reason="swift build succeeded but $TRIALDIFF does not exist"
            fi
        fi
    fi
fi
announce "$td_reason" "trialdiff will not be measured" "$SCRATCH/trialdiff-unavailable.txt" "trialdiff binary: $TRIALDIFF"

# ---------------------------------------------------------------- stage-ladder binary
ladder_reason=""   # non-empty: the ladder cannot be run, and why (reported, never a failure)
if [ "$LADDER" != 0 ]; then
    if [ -n "${LADDER_BIN:-}" ]; then
        [ -f "$LADDER_BIN" ] && [ -x "$LADDER_BIN" ] || ladder_reason="\$LADDER_BIN=$LADDER_BIN is not an executable file"
    elif ! command -v swift >/dev/null 2>&1; then
        ladder_reason="no swift toolchain to build TrialdiffLadder (set LADDER_BIN=/path/to/TrialdiffLadder or LADDER=0)"
    else
        # The Benchmarks package is a separate root package: it needs its own scratch path (never
        # the main package's), by default its own Benchmarks/.build.
        if [ -n "${LADDER_SCRATCH_PATH:-}" ]; then
            ladder_scratch=$LADDER_SCRATCH_PATH
        elif [ -n "${SWIFT_SCRATCH_PATH:-}" ]; then
            ladder_scratch="${SWIFT_SCRATCH_PATH%/}-bench"
        else
            ladder_scratch="$HERE/.build"
        fi
        case "$ladder_scratch" in /*) ;; *) ladder_scratch="$ROOT/$ladder_scratch" ;; esac
        LADDER_BIN="$ladder_scratch/release/TrialdiffLadder"
        ladder_args=(-c release --package-path "$HERE" --scratch-path "$ladder_scratch" --product TrialdiffLadder)
        # Always built: incremental (a few seconds when up to date), so the ladder measures the
        # current library sources. (The trialdiff binary follows its own rules above.)
        echo "run.sh: building the stage ladder: swift build ${ladder_args[*]} (log: $SCRATCH/ladder-build.log)" >&2
        if ! errs=$(swift_build "$SCRATCH/ladder-build.log" "${ladder_args[@]}"); then
            ladder_reason="swift build ${ladder_args[*]} failed; the stage ladder is not run. First errors:"$'\n'"$errs"
        elif [ ! -x "$LADDER_BIN" ]; then
            ladder_reason="swift build succeeded but $LADDER_BIN does not exist"
        fi
    fi
    announce "$ladder_reason" "the stage ladder will not be run" "$SCRATCH/ladder-unavailable.txt" \
        "stage ladder binary: $LADDER_BIN"
fi

# ---------------------------------------------------------------- helpers
# Untimed warm-up: read every corpus file once so the page cache is warm for every contender.
warm() {
    if [ -f "$1" ]; then cat "$1" >/dev/null; else (cd "$1" && find . -type f -name '*.xml' -print0 | xargs -0 cat >/dev/null); fi
}

# Counts CSV records (quoted cells may span lines), excluding the header.
csv_rows() {
    [ -f "$1" ] || { echo ""; return; }
    "$PYTHON" -c 'import csv,sys; print(max(sum(1 for _ in csv.reader(open(sys.argv[1], newline="", encoding="utf-8"))) - 1, 0))' "$1"
}

# measure SIZE TOOL CORPUS ROWS_CSV FRESH -- COMMAND...   (appends one line to $RESULTS)
# Runs COMMAND $REPEAT times, each after the warm-up and with the folder FRESH (if any) removed,
# and records the fastest wall time and the largest peak RSS; a failing run ends the series.
# For the ladder-* tools the 8th column holds the tool's one-line stdout (its counts).
measure() {
    local size=$1 tool=$2 corpus=$3 rows_csv=$4 fresh=$5; shift 6
    local tf="$SCRATCH/time-$size-$tool.txt" err="$SCRATCH/stderr-$size-$tool.txt" tail="$SCRATCH/tail-$size-$tool.txt"
    local rc=0 wall="" rss="" rows="" r t0 t1 w m
    for ((r = 1; r <= REPEAT; r++)); do
        warm "$corpus"
        [ -z "$fresh" ] || rm -rf "$fresh"
        echo "run.sh: [$size] $tool (run $r of $REPEAT) ..." >&2
        t0=${EPOCHREALTIME:-}
        "$GNU_TIME" -v -o "$tf" "$@" >"$SCRATCH/stdout-$size-$tool.txt" 2>"$err" || rc=$?
        t1=${EPOCHREALTIME:-}
        # GNU time's "Elapsed (wall clock) time (h:mm:ss or m:ss): 1:02.03" has 10 ms resolution,
        # too coarse for the 1k runs; bash 5's $EPOCHREALTIME around the same call gives µs (it
        # adds only the fork/exec of /usr/bin/time itself). Fall back to GNU time's figure.
        if [ -n "$t0" ] && [ -n "$t1" ]; then
            w=$(awk -v a="${t0/,/.}" -v b="${t1/,/.}" 'BEGIN { printf "%.3f", b - a }')
        else
            w=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.3f", s }' "$tf" 2>/dev/null || true)
        fi
        m=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$tf" 2>/dev/null || true)
        if [ -z "$wall" ] || awk -v a="$w" -v b="$wall" 'BEGIN { exit !(a < b) }'; then wall=$w; fi
        if [ -z "$rss" ] || { [ -n "$m" ] && [ "$m" -gt "$rss" ]; }; then rss=$m; fi
        [ "$rc" -eq 0 ] || break
        [ "$REPEAT" -eq 1 ] || sync   # untimed: the next run must not pay for this run's writeback
    done
    [ "$rc" -ne 0 ] || [ -z "$rows_csv" ] || rows=$(csv_rows "$rows_csv")
    tail -n 20 "$err" >"$tail"
    local info=""
    case "$tool" in ladder-*) info=$(head -n 1 "$SCRATCH/stdout-$size-$tool.txt" | tr -d '\t\r') ;; esac
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$size" "$tool" "$rc" "$wall" "$rss" "$rows" "$tail" "$info" >>"$RESULTS"
    if [ "$rc" -ne 0 ]; then
        echo "run.sh: [$size] $tool FAILED (exit $rc); last lines of its stderr:" >&2
        tail -n 5 "$err" | sed 's/^/  /' >&2
    else
        echo "run.sh: [$size] $tool: ${wall}s, peak RSS ${rss} kB${rows:+, $rows rows}" >&2
    fi
}

# ladder SIZE CORPUS   (unless LADDER=0: the four cumulative stages, each a line in $RESULTS;
# "na" lines with the reason's file when the ladder could not be built)
ladder() {
    [ "$LADDER" != 0 ] || return 0
    local stage
    for stage in io parse extract rules; do
        if [ -n "$ladder_reason" ]; then
            printf '%s\t%s\tna\t\t\t\t%s\t\n' "$1" "ladder-$stage" "$SCRATCH/ladder-unavailable.txt" >>"$RESULTS"
            continue
        fi
        measure "$1" "ladder-$stage" "$2" "" "" -- "$LADDER_BIN" "$stage" "$2"
    done
}

# ---------------------------------------------------------------- runs
for n in "${sizes[@]}"; do
    corpus="$HERE/.corpus/$n"
    "$PYTHON" "$HERE/make_corpus.py" "$n" "$corpus" --seed "$SEED"

    # a. the floor: one xmllint process at a time (xargs only splits the argument list; no -P)
    measure "$n" xmllint "$corpus" "" "" -- \
        bash -c 'cd "$1" && find . -type f -name "*.xml" -print0 | xargs -0 xmllint --noout' _ "$corpus"
    # b. the alternative a user writes
    measure "$n" python "$corpus" "$SCRATCH/python-$n.csv" "" -- \
        "$PYTHON" "$HERE/baseline_lxml.py" "$corpus" --out "$SCRATCH/python-$n.csv"
    rm -f "$SCRATCH/python-$n.csv"
    # c./d./e. trialdiff: --format csv with default jobs and --jobs 1, then all formats (no --format)
    for tool in td td1 tdall; do
        if [ "$tool" = tdall ] && [ -n "$ALL_FORMATS_MAX" ] && [ "$n" -gt "$ALL_FORMATS_MAX" ]; then
            echo "run.sh: [$n] tdall skipped (ALL_FORMATS_MAX=$ALL_FORMATS_MAX)" >&2
            continue
        fi
        if [ -n "$td_reason" ]; then
            printf '%s\t%s\tna\t\t\t\t%s\n' "$n" "$tool" "$SCRATCH/trialdiff-unavailable.txt" >>"$RESULTS"
            continue
        fi
        outdir="$SCRATCH/trialdiff-$n-$tool"   # removed before each run: no snapshot store from an earlier one
        args=()
        case "$tool" in
            td) args=(--format csv) ;;
            td1) args=(--format csv --jobs 1) ;;
            tdall) ;;   # trialdiff's default: every format
        esac
        measure "$n" "$tool" "$corpus" "$outdir/matrix.csv" "$outdir" -- \
            "$TRIALDIFF" report "$corpus" --output "$outdir" ${args[@]+"${args[@]}"}
        rm -rf "$outdir"
        sync   # untimed: the next run must not pay for this run's writeback (~1 GB at 10k)
    done
    # f. the stage ladder (cumulative stages, default jobs; writes nothing)
    ladder "$n" "$corpus"
done

# ---------------------------------------------------------------- JSON runs
JSON_RESULTS="$SCRATCH/json.tsv"
: >"$JSON_RESULTS"
for n in ${json_sizes[@]+"${json_sizes[@]}"}; do
    zip="$HERE/.corpus/json-$n.zip"
    [ -f "$zip" ] || "$PYTHON" "$HERE/make_json_corpus.py" "$n" "$zip" --seed "$SEED"
    saved=$RESULTS
    RESULTS=$JSON_RESULTS
    measure "$n" python-json "$zip" "$SCRATCH/python-json-$n.csv" "" -- \
        "$PYTHON" "$HERE/baseline_json.py" "$zip" --out "$SCRATCH/python-json-$n.csv"
    rm -f "$SCRATCH/python-json-$n.csv"
    for tool in td td1; do
        if [ -n "$td_reason" ]; then
            printf '%s\t%s\tna\t\t\t\t%s\n' "$n" "$tool" "$SCRATCH/trialdiff-unavailable.txt" >>"$RESULTS"
            continue
        fi
        outdir="$SCRATCH/trialdiff-json-$n-$tool"
        args=(--format csv)
        [ "$tool" = td ] || args+=(--jobs 1)
        measure "$n" "$tool" "$zip" "$outdir/matrix.csv" "$outdir" -- \
            "$TRIALDIFF" report "$zip" --output "$outdir" "${args[@]}"
        rm -rf "$outdir"
        sync
    done
    # j. the stage ladder on the zip (as f.)
    ladder "$n" "$zip"
    # k. the same studies as one JSON array file
    if [ "$n" -le "$ARRAY_MAX" ] && [ -z "$td_reason" ]; then
        array="$HERE/.corpus/json-$n.json"
        if [ ! -f "$array" ]; then
            "$PYTHON" - "$zip" "$array" <<'PY'
import os, sys, zipfile
source, target = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(source) as z, open(target + ".tmp", "wb") as out:
    out.write(b"[")
    for i, name in enumerate(sorted(n for n in z.namelist() if n.endswith(".json"))):
        if i:
            out.write(b",\n")
        out.write(z.read(name).strip())
    out.write(b"]\n")
os.replace(target + ".tmp", target)
PY
        fi
        outdir="$SCRATCH/trialdiff-json-$n-tdarray"
        measure "$n" tdarray "$array" "$outdir/matrix.csv" "$outdir" -- \
            "$TRIALDIFF" report "$array" --output "$outdir" --format csv
        rm -rf "$outdir"
        sync
    fi
    RESULTS=$saved
done

# ---------------------------------------------------------------- summary
{
    printf 'seed\t%s\n' "$SEED"
    printf 'repeat\t%s\n' "$REPEAT"
    printf 'all_formats_max\t%s\n' "$ALL_FORMATS_MAX"
    printf 'nproc\t%s\n' "$(getconf _NPROCESSORS_ONLN 2>/dev/null || nproc)"
    cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
    printf 'machine\t%s %s%s\n' "$(uname -s)" "$(uname -m)" "${cpu:+, $cpu}"
    printf 'source_records\t%s\n' "$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["source_records"])' "$HERE/.corpus/${sizes[0]-none}/.manifest.json" 2>/dev/null || echo '?')"
    printf 'versions\t%s\n' "$(xmllint --version 2>&1 | head -n 1 | sed 's/^xmllint: using //'), $("$PYTHON" -c 'import platform
try:
    import lxml.etree as e
    print("Python %s, lxml %s (libxml2 %s)" % (platform.python_version(), e.__version__, ".".join(map(str, e.LIBXML_VERSION))))
except ImportError:
    print("Python %s" % platform.python_version())')"
} >"$META"

rc=0
# latest.md holds the XML section, then the JSON section from "## API v2 JSON"; a run that skips
# one part keeps that part of the previous latest.md.
previous="$HERE/results/latest.md"
if [ ${#sizes[@]} -gt 0 ]; then
    "$PYTHON" "$HERE/summarize.py" "$RESULTS" "$META" --out "$SCRATCH/xml.md" || rc=$?
elif [ -f "$previous" ]; then
    awk '/^## API v2 JSON/ { exit } { print }' "$previous" >"$SCRATCH/xml.md"
else
    : >"$SCRATCH/xml.md"
fi
if [ ${#json_sizes[@]} -gt 0 ]; then
    "$PYTHON" "$HERE/summarize_json.py" "$JSON_RESULTS" "$META" --out "$SCRATCH/json.md" || rc=1
elif [ -f "$previous" ]; then
    awk '/^## API v2 JSON/ { on = 1 } on { print }' "$previous" >"$SCRATCH/json.md"
else
    : >"$SCRATCH/json.md"
fi
{ sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' "$SCRATCH/xml.md"; [ ! -s "$SCRATCH/json.md" ] || { printf '\n'; cat "$SCRATCH/json.md"; }; } >"$SCRATCH/latest.md"
mv "$SCRATCH/latest.md" "$HERE/results/latest.md"
echo "run.sh: wrote $HERE/results/latest.md" >&2
exit "$rc"
