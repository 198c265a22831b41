#!/usr/bin/env python3
"""Build an N-study ClinicalTrials.gov API v2 JSON corpus, zipped as the registry's bulk download ships it.

    Benchmarks/make_json_corpus.py N OUT.zip [--seed S] [--source DIR]

The real API v2 studies in `../shared/realdata` (single study files, the website's JSON
downloads, which are arrays of studies, and API pages, `{"studies": [...]}`) are the sources;
each distinct NCT ID is taken once. Output study i is a copy of one source study (chosen
round-robin over a shuffle drawn from random.Random(seed)) in which every occurrence of the
study's own NCT ID is replaced by a fresh one (`NCT9` + 7 digits) and every EudraCT number by a
fresh `2099-NNNNNN-NN`, so copies are distinct trials; the replacements keep the byte length.
Each study is written as `ctg-studies/<new id>.json`, compact, one file per study (the layout of
the "all studies" zip). Same N + seed + sources gives a byte-identical zip (fixed timestamps,
sorted names). The zip is written to a temporary file and renamed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import zipfile
from pathlib import Path

NCT = re.compile(r"NCT\d{8}")
EUDRACT = re.compile(r"(?<![0-9])((?:19|20)\d{2}-\d{6}-\d{2})(?![0-9])")


def default_source() -> Path:
    repo = Path(__file__).resolve().parent.parent
    return Path(os.environ.get("TRIALDIFF_SHARED", repo.parent / "shared")) / "realdata"


def studies_in(value) -> list[dict]:
    if isinstance(value, list):
        return [s for s in value if isinstance(s, dict) and "protocolSection" in s]
    if isinstance(value, dict):
        if "protocolSection" in value:
            return [value]
        if isinstance(value.get("studies"), list):
            return studies_in(value["studies"])
    return []


def load_sources(root: Path) -> list[tuple[str, str]]:
    """(NCT ID, compact JSON text) of every distinct full study, sorted by ID."""
    found: dict[str, str] = {}
    folders = ["ctgov-json", "ctgov-json-bulk/single", "ctgov-json-bulk/bundles", "api-pages"]
    for folder in folders:
        for path in sorted((root / folder).rglob("*.json")):
            if "fields-subset" in path.name:
                continue  # requested with fields=: not a whole study
            try:
                value = json.loads(path.read_text(encoding="utf-8"))
            except (ValueError, UnicodeDecodeError):
                continue
            for study in studies_in(value):
                nct = study.get("protocolSection", {}).get("identificationModule", {}).get("nctId", "")
                if NCT.fullmatch(nct) and nct not in found:
                    found[nct] = json.dumps(study, ensure_ascii=False, separators=(",", ":"), sort_keys=False)
    return sorted(found.items())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--source", type=Path, default=default_source())
    args = parser.parse_args()
    if not 0 < args.n < 10_000_000:
        print("make_json_corpus: N must be 1 to 9,999,999", file=sys.stderr)
        return 2
    sources = load_sources(args.source)
    if not sources:
        print(f"make_json_corpus: no API v2 studies under {args.source}", file=sys.stderr)
        return 2
    rng = random.Random(args.seed)
    order: list[int] = []
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_name(args.out.name + ".tmp")
    total = 0
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as z:
        for i in range(args.n):
            if not order:
                order = list(range(len(sources)))
                rng.shuffle(order)
            nct, text = sources[order.pop()]
            new = f"NCT9{i:07d}"
            copy = text.replace(nct, new)
            copy = EUDRACT.sub(lambda m, i=i: f"2099-{i % 1_000_000:06d}-{(i // 1_000_000) % 100:02d}", copy)
            data = copy.encode("utf-8")
            total += len(data)
            info = zipfile.ZipInfo(f"ctg-studies/{new}.json", date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    os.replace(tmp, args.out)
    print(
        f"make_json_corpus: wrote {args.n} studies ({total / 1e6:.1f} MB of JSON, "
        f"{args.out.stat().st_size / 1e6:.1f} MB zipped) from {len(sources)} sources to {args.out} (seed {args.seed})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
