#!/usr/bin/env python3
"""The script a user would write instead of trialdiff: Python + lxml, one process.

    Benchmarks/baseline_lxml.py DIR [--out FILE.csv]

Walks DIR (recursively, sorted, hidden files and folders skipped), parses every `*.xml` file with
lxml.etree (entity substitution and network access off, like trialdiff) and writes one CSV row
per ClinicalTrials.gov legacy XML record with the core fields trialdiff also extracts:

  nct_id, org_study_id, brief_title, overall_status, phase, enrollment, enrollment_type,
  minimum_age, maximum_age, gender,
  from the eligibility criteria text: an age band ("18 years and older", "aged 18 to 65",
  "≥ 18 years") and an LVEF threshold ("LVEF ≥ 50%", "ejection fraction > 40%"),
  from intervention and arm descriptions: a cyclophosphamide dose ("cyclophosphamide 300 mg/m2",
  "Cyclophosphamide: 300-450mg/m²").

It is meant to be an honest baseline, not a straw man: regexes are compiled once, the parser is
built once, elements are found with direct child paths (no XPath), and output goes through one
buffered csv.writer. Records that fail to parse are reported on stderr and counted; the exit
status is 1 if any did (like trialdiff), 0 otherwise.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import sys
import time

try:
    from lxml import etree
except ImportError:  # the text patterns below are shared with baseline_json.py, which needs no lxml
    etree = None

HEADER = [
    "file", "nct_id", "org_study_id", "brief_title", "overall_status", "phase",
    "enrollment", "enrollment_type", "minimum_age", "maximum_age", "gender",
    "age_min_years", "age_max_years", "lvef_op", "lvef_percent",
    "cyclophosphamide_dose", "cyclophosphamide_unit",
]

I = re.IGNORECASE
NUM = r"(\d{1,3})"
YEARS = r"\s*(?:years?|yrs?)(?:\s*(?:of\s+age|old))?"
# Age band, most specific first. Each yields (min, max); either may be None.
AGE_RANGE = re.compile(
    r"\bage[sd]?\s*(?:of\s+|between\s+|from\s+|:\s*)?" + NUM + r"\s*(?:years?\s*)?(?:-|–|to|and|through)\s*" + NUM + YEARS, I
)
AGE_RANGE_BARE = re.compile(r"(?:\bbetween\s+" + NUM + r"\s*(?:and|-|–|to)|" + NUM + r"\s*(?:-|–|to))\s*" + NUM + YEARS, I)
AGE_MIN_WORDS = re.compile(NUM + YEARS + r"\s*(?:and|or)\s*(?:older|over|above|greater)", I)
AGE_MIN_SYMBOL = re.compile(r"(?:≥|>=|=>|>|at\s+least|greater\s+than\s+or\s+equal\s+to)\s*" + NUM + YEARS, I)
AGE_MIN_AGE = re.compile(r"\bage\s*(?:≥|>=|=>|>)\s*" + NUM, I)
AGE_MAX_SYMBOL = re.compile(r"(?:≤|<=|=<|<|no\s+older\s+than|up\s+to)\s*" + NUM + YEARS, I)

LVEF = re.compile(
    r"(?:\bLVEF\b|ejection\s+fraction|\bEF\b)"  # "left ventricular ejection fraction" ends in the 2nd
    r"\s*(?:\((?:LVEF|EF)\)\s*)?(?:of\s+|:\s*|must\s+be\s+|is\s+|was\s+)?"
    r"(≥|>=|=>|>|≤|<=|=<|<|=|at\s+least|greater\s+than\s+or\s+equal\s+to|greater\s+than|more\s+than|above|below|less\s+than)?"
    r"\s*(\d{1,2}(?:\.\d+)?)\s*%",
    I,
)
OPS = {
    "≥": ">=", ">=": ">=", "=>": ">=", "at least": ">=", "greater than or equal to": ">=",
    ">": ">", "greater than": ">", "more than": ">", "above": ">",
    "≤": "<=", "<=": "<=", "=<": "<=", "<": "<", "below": "<", "less than": "<", "=": "=",
}
WS = re.compile(r"\s+")

CYCLO = re.compile(
    r"cyclophosphamide\b[^0-9.;\n]{0,40}?(\d+(?:\.\d+)?)(?:\s*(?:-|–|to)\s*(\d+(?:\.\d+)?))?"
    r"\s*(mg\s*/\s*m(?:2|²|\^2)|mg\s*/\s*kg|g\s*/\s*m(?:2|²|\^2)|mg)",
    I,
)


def age_band(text: str) -> tuple[str, str]:
    m = AGE_RANGE.search(text)
    if m:
        return m.group(1), m.group(2)
    m = AGE_RANGE_BARE.search(text)
    if m:
        return m.group(1) or m.group(2), m.group(3)
    lo = AGE_MIN_WORDS.search(text) or AGE_MIN_SYMBOL.search(text) or AGE_MIN_AGE.search(text)
    hi = AGE_MAX_SYMBOL.search(text)
    return (lo.group(1) if lo else ""), (hi.group(1) if hi else "")


def lvef(text: str) -> tuple[str, str]:
    m = LVEF.search(text)
    if not m:
        return "", ""
    op = WS.sub(" ", m.group(1) or "").lower()
    return OPS.get(op, op or "="), m.group(2)


def cyclophosphamide(texts: list[str]) -> tuple[str, str]:
    for t in texts:
        m = CYCLO.search(t)
        if m:
            dose = m.group(1) + ("-" + m.group(2) if m.group(2) else "")
            unit = WS.sub("", m.group(3)).lower().replace("²", "2").replace("^2", "2")
            return dose, unit
    return "", ""


def text(el, path: str) -> str:
    v = el.findtext(path)
    return v.strip() if v else ""


def extract(root, name: str) -> list[str]:
    criteria = root.findtext("eligibility/criteria/textblock") or ""
    doses = [d for d in (e.text for e in root.iterfind("intervention/description")) if d]
    doses += [d for d in (e.text for e in root.iterfind("arm_group/description")) if d]
    doses += [d for d in (e.text for e in root.iterfind("intervention/intervention_name")) if d]
    enrollment = root.find("enrollment")
    band = age_band(criteria)
    ef = lvef(criteria)
    cy = cyclophosphamide(doses)
    return [
        name,
        text(root, "id_info/nct_id"),
        text(root, "id_info/org_study_id"),
        text(root, "brief_title"),
        text(root, "overall_status"),
        text(root, "phase"),
        (enrollment.text or "").strip() if enrollment is not None else "",
        enrollment.get("type", "") if enrollment is not None else "",
        text(root, "eligibility/minimum_age"),
        text(root, "eligibility/maximum_age"),
        text(root, "eligibility/gender"),
        band[0], band[1], ef[0], ef[1], cy[0], cy[1],
    ]


def walk(top: str):
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for f in sorted(filenames):
            if f.endswith(".xml") and not f.startswith("."):
                yield os.path.join(dirpath, f)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dir")
    ap.add_argument("--out", help="CSV file to write (default: stdout)")
    args = ap.parse_args()
    if etree is None:
        print("baseline_lxml: needs lxml (python3 -m pip install lxml)", file=sys.stderr)
        return 2
    if not os.path.isdir(args.dir):
        print(f"baseline_lxml: not a folder: {args.dir}", file=sys.stderr)
        return 2

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    start = time.perf_counter()
    out = open(args.out, "w", newline="", encoding="utf-8") if args.out else sys.stdout
    rows = errors = 0
    try:
        w = csv.writer(out)
        w.writerow(HEADER)
        for path in walk(args.dir):
            try:
                root = etree.parse(path, parser).getroot()
            except (etree.XMLSyntaxError, OSError) as e:
                errors += 1
                print(f"baseline_lxml: {path}: {e}", file=sys.stderr)
                continue
            studies = [root] if root.tag == "clinical_study" else root.findall("clinical_study")
            for study in studies:
                w.writerow(extract(study, os.path.relpath(path, args.dir)))
                rows += 1
    finally:
        if out is not sys.stdout:
            out.close()
    secs = time.perf_counter() - start
    print(f"baseline_lxml: {rows} records, {errors} unreadable files, {secs:.2f} s", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
