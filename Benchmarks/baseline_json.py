#!/usr/bin/env python3
"""The script a user would write instead of trialdiff for API v2 JSON: Python's json module.

    Benchmarks/baseline_json.py STUDIES.zip [--out FILE.csv]

Reads every `*.json` entry of the zip (the registry's bulk layout, one study per entry; an entry
that holds a page `{"studies": [...]}` or an array of studies is read whole) with `json.loads`
and writes one CSV row per study with the core fields trialdiff also extracts: NCT ID, org study
ID, brief title, overall status, phases, enrollment count and type, minimum and maximum age, sex,
and from the eligibility criteria an age band and an LVEF threshold, from the intervention and
arm descriptions a cyclophosphamide dose. The text patterns are those of `baseline_lxml.py`, so
the two baselines do the same work on the two formats. One process, like the XML baseline.
Entries that fail to parse are reported on stderr; the exit status is 1 if any did.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
import zipfile

from baseline_lxml import age_band, cyclophosphamide, lvef

HEADER = [
    "file", "nct_id", "org_study_id", "brief_title", "overall_status", "phase",
    "enrollment", "enrollment_type", "minimum_age", "maximum_age", "gender",
    "age_min_years", "age_max_years", "lvef_op", "lvef_percent",
    "cyclophosphamide_dose", "cyclophosphamide_unit",
]


def studies(value):
    if isinstance(value, list):
        return [s for s in value if isinstance(s, dict)]
    if isinstance(value, dict):
        return value["studies"] if isinstance(value.get("studies"), list) else [value]
    return []


def row(study: dict, name: str) -> list[str]:
    p = study.get("protocolSection", {})
    ident = p.get("identificationModule", {})
    status = p.get("statusModule", {})
    design = p.get("designModule", {})
    elig = p.get("eligibilityModule", {})
    arms = p.get("armsInterventionsModule", {})
    enrollment = design.get("enrollmentInfo", {})
    criteria = elig.get("eligibilityCriteria", "") or ""
    doses = [i.get("description", "") for i in arms.get("interventions", []) if i.get("description")]
    doses += [a.get("description", "") for a in arms.get("armGroups", []) if a.get("description")]
    doses += [i.get("name", "") for i in arms.get("interventions", []) if i.get("name")]
    band = age_band(criteria)
    ef = lvef(criteria)
    cy = cyclophosphamide(doses)
    return [
        name, ident.get("nctId", ""), ident.get("orgStudyIdInfo", {}).get("id", ""), ident.get("briefTitle", ""),
        status.get("overallStatus", ""), "/".join(design.get("phases", [])),
        str(enrollment.get("count", "")), enrollment.get("type", ""),
        elig.get("minimumAge", ""), elig.get("maximumAge", ""), elig.get("sex", ""),
        band[0], band[1], ef[0], ef[1], cy[0], cy[1],
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("zip")
    parser.add_argument("--out", default="-")
    args = parser.parse_args()
    started = time.perf_counter()
    out = sys.stdout if args.out == "-" else open(args.out, "w", newline="", encoding="utf-8")
    writer = csv.writer(out)
    writer.writerow(HEADER)
    records = failures = 0
    with zipfile.ZipFile(args.zip) as z:
        for name in sorted(z.namelist()):
            if not name.endswith(".json") or name.rsplit("/", 1)[-1].startswith("."):
                continue
            try:
                value = json.loads(z.read(name))
            except ValueError as e:
                print(f"{name}: {e}", file=sys.stderr)
                failures += 1
                continue
            for study in studies(value):
                writer.writerow(row(study, name))
                records += 1
    if out is not sys.stdout:
        out.close()
    print(f"baseline_json: {records} studies, {failures} failures, {time.perf_counter() - started:.2f} s", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
