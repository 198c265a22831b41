#!/usr/bin/env python3
"""Build an N-record benchmark corpus from the real ClinicalTrials.gov legacy XML records.

    Benchmarks/make_corpus.py N OUTDIR [--seed S] [--source DIR]

Each output file is a byte copy of one real `<clinical_study>` record in which every occurrence
of that record's own NCT ID (in `<nct_id>`, `<url>`, free text, ...) is replaced by a fresh,
unique ID (`NCT9` + 7 digits, numbered 0..N-1). EudraCT numbers the record carries
(`YYYY-NNNNNN-NN`, e.g. in `<secondary_id>`) are also replaced by fresh ones (`2099-NNNNNN-NN`),
so that copies of one source record never share a global registry ID and a tool that groups
records by ID sees N distinct trials. Replacements keep the byte length, so the corpus has
exactly the size profile of the real records. Mentions of *other* trials' NCT IDs are left as
they are (they are references, not identities).

Source records are chosen round-robin with a shuffle: every round visits every source record
once, in an order drawn from random.Random(seed). Same N + seed + sources -> byte-identical
corpus. Files are named `<new id>.xml` and spread over subfolders of 1000 files (`OUTDIR/000/`,
`OUTDIR/001/`, ...). A hidden manifest (`OUTDIR/.manifest.json`, hidden so that tools walking
the corpus skip it) records N, seed, generator version and a digest of the sources; if it
matches, the corpus is left alone (idempotent). The corpus is built in a sibling temporary
folder and renamed into place, so an interrupted run never leaves a half corpus that looks done.

No XML parsing happens here: it only reads bytes, replaces IDs and writes bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import shutil
import sys
import time
from pathlib import Path

GENERATOR_VERSION = 1
FILES_PER_FOLDER = 1000
MANIFEST = ".manifest.json"
MAX_RECORDS = 10_000_000  # NCT9 + 7 digits

NCT_ID = re.compile(rb"<nct_id>\s*(NCT\d{8})\s*</nct_id>")
EUDRACT = re.compile(rb"(?<![0-9])((?:19|20)\d{2}-\d{6}-\d{2})(?![0-9])")


def default_source() -> Path:
    repo = Path(__file__).resolve().parent.parent
    candidates = [
        repo / "Tests/TestSupport/Fixtures/realdata/ctgov-xml",
        repo.parent / "shared/realdata/ctgov-xml",
    ]
    for c in candidates:
        if c.is_dir() and any(c.glob("*.xml")):
            return c
    sys.exit(
        "make_corpus: no source records found; looked in:\n  "
        + "\n  ".join(str(c) for c in candidates)
        + "\n(pass --source DIR with ClinicalTrials.gov legacy XML files)"
    )


def load_sources(folder: Path) -> list[tuple[str, bytes, bytes, list[bytes]]]:
    """Returns (file name, bytes, own NCT ID, EudraCT IDs) for every usable record, sorted by name."""
    records = []
    for path in sorted(folder.glob("*.xml")):
        data = path.read_bytes()
        if b"<clinical_study" not in data:
            print(f"make_corpus: skipping {path.name}: not a <clinical_study> record", file=sys.stderr)
            continue
        m = NCT_ID.search(data)
        if not m:
            print(f"make_corpus: skipping {path.name}: no <nct_id>", file=sys.stderr)
            continue
        eudract = sorted(set(EUDRACT.findall(data)))
        records.append((path.name, data, m.group(1), eudract))
    if not records:
        sys.exit(f"make_corpus: no usable <clinical_study> records in {folder}")
    return records


def sources_digest(records) -> str:
    h = hashlib.sha256()
    for name, data, _, _ in records:
        h.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return h.hexdigest()


def read_manifest(outdir: Path) -> dict | None:
    try:
        return json.loads((outdir / MANIFEST).read_text())
    except (OSError, ValueError):
        return None


def build(n: int, seed: int, records, tmp: Path) -> int:
    rng = random.Random(seed)
    width = max(3, len(str((n - 1) // FILES_PER_FOLDER)))
    order: list[int] = []
    total = 0
    folder = None
    for i in range(n):
        if not order:
            order = list(range(len(records)))
            rng.shuffle(order)
            order.reverse()  # pop() from the end == walk the shuffled round front to back
        _, data, nct, eudract = records[order.pop()]
        new_nct = b"NCT9%07d" % i
        data = data.replace(nct, new_nct)
        for k, e in enumerate(eudract):
            # Same length as the original: 2099-<6 digits>-<2 digits>, unique per (copy, slot).
            data = data.replace(e, b"2099-%06d-%02d" % (i % 1_000_000, (i // 1_000_000) * 10 + k))
        if i % FILES_PER_FOLDER == 0:
            folder = tmp / f"{i // FILES_PER_FOLDER:0{width}d}"
            folder.mkdir()
        with open(folder / (new_nct.decode() + ".xml"), "wb") as f:
            f.write(data)
        total += len(data)
    return total


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("n", type=int, help="number of records (files) to generate")
    ap.add_argument("outdir", type=Path)
    ap.add_argument("--seed", type=int, default=42, help="shuffle seed (default 42)")
    ap.add_argument("--source", type=Path, help="folder of legacy XML records (default: in-repo fixtures)")
    ap.add_argument("--force", action="store_true", help="regenerate even if the manifest matches")
    args = ap.parse_args()

    if not 1 <= args.n <= MAX_RECORDS:
        sys.exit(f"make_corpus: N must be between 1 and {MAX_RECORDS}")
    source = args.source or default_source()
    records = load_sources(source)
    if any(len(e) > 10 for *_, e in records):
        sys.exit("make_corpus: a source record has more than 10 EudraCT IDs; not supported")

    wanted = {
        "generator_version": GENERATOR_VERSION,
        "n": args.n,
        "seed": args.seed,
        "sources_sha256": sources_digest(records),
        "source_records": len(records),
    }
    outdir: Path = args.outdir
    existing = read_manifest(outdir) if outdir.exists() else None
    if existing and not args.force and all(existing.get(k) == v for k, v in wanted.items()):
        print(f"make_corpus: {outdir} is up to date ({args.n} records, seed {args.seed})", file=sys.stderr)
        return 0
    if outdir.exists() and existing is None and any(outdir.iterdir()):
        sys.exit(f"make_corpus: {outdir} exists, is not empty and is not a corpus made by this script; refusing to touch it")

    start = time.perf_counter()
    outdir.parent.mkdir(parents=True, exist_ok=True)
    tmp = outdir.parent / f".{outdir.name}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    try:
        total = build(args.n, args.seed, records, tmp)
        manifest = dict(wanted, total_bytes=total, folders=(args.n + FILES_PER_FOLDER - 1) // FILES_PER_FOLDER)
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        if outdir.exists():
            shutil.rmtree(outdir)
        tmp.rename(outdir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    secs = time.perf_counter() - start
    print(
        f"make_corpus: wrote {args.n} records ({total / 1e6:.1f} MB) from {len(records)} sources "
        f"to {outdir} in {secs:.1f} s (seed {args.seed})",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
