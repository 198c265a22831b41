#!/usr/bin/env bash
# Extraction accuracy on the labelled sets: writes Benchmarks/results/accuracy.md (per-parameter
# precision, recall and exact agreement; every miss and extra value) and fails when a figure falls
# under its floor in Tests/AccuracyTests. Labels: Benchmarks/accuracy/gold/ (README there).
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 Benchmarks/accuracy/derive_gold.py >/dev/null
TRIALDIFF_ACCURACY_REPORT="$PWD/Benchmarks/results/accuracy.md" swift test --filter AccuracyTests "$@"
