#!/usr/bin/env bash
# Whole-process timing of `lifeline ensemble` (default scenario, 180 days): wall time, CPU
# time, runs/s and peak memory, with and without runs.parquet. Results go to docs/bench-ensemble.md
# by hand.
#
#   bench/ensemble.sh                 # 10,000 runs, all cores
#   RUNS=2000 THREADS=1 bench/ensemble.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${RUNS:-10000}"
THREADS="${THREADS:-$(nproc)}"
OUT="${OUT:-$(mktemp -d)}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
cargo build --release -q -p lifeline-cli
BIN="$CARGO_TARGET_DIR/release/lifeline"
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "needs GNU time (/usr/bin/time; apt-get install time)" >&2; exit 1; }

echo "machine: $(nproc) cores, $(uname -sr); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for mode in no-parquet parquet; do
  flag=()
  [ "$mode" = no-parquet ] && flag=(--no-parquet)
  rm -rf "$OUT/ens"
  "$TIME" -f "%e %U %S %M" -o "$OUT/time.txt" \
    "$BIN" ensemble --runs "$RUNS" --threads "$THREADS" "${flag[@]}" --out "$OUT/ens" >"$OUT/stdout.txt"
  read -r wall user sys rss <"$OUT/time.txt"
  size=$(du -sh "$OUT/ens" | cut -f1)
  echo "== $mode: $RUNS runs, $THREADS threads"
  grep -E "runs in" "$OUT/stdout.txt"
  awk -v w="$wall" -v u="$user" -v s="$sys" -v r="$rss" -v n="$RUNS" -v size="$size" 'BEGIN {
    printf "wall %.2f s (%.0f runs/s); CPU user %.2f s + sys %.2f s = %.2f s (%.0f µs CPU per run); peak RSS %.0f MB; outputs %s\n",
      w, n / w, u, s, u + s, 1e6 * (u + s) / n, r / 1024, size }'
done
rm -rf "$OUT/ens"
