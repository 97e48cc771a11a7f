#!/usr/bin/env bash
# Flee 3.1 (PyPI) and Lifeline side by side on Flee's Mali 2012 case.
#
#   bench/flee_vs_lifeline.sh            # 3 Flee runs, 10 Lifeline runs, hasten 10
#   FLEE_RUNS=5 LIFELINE_RUNS=20 bench/flee_vs_lifeline.sh
#   LIFELINE=/path/to/lifeline bench/flee_vs_lifeline.sh   # use a prebuilt binary
#   FLEE_SRC=/path/to/flee-checkout bench/flee_vs_lifeline.sh
#       # also time Flee's current engine (github.com/djgroen/flee, runscripts/run.py) with
#       # the case's settings but diagnostic logs off, using the venv's Python
#
# Installs flee==3.1 into bench/.venv (gitignored) when missing, runs it through
# bench/flee_driver.py (3.1 ships no run script), runs `lifeline flee` on the same files, and
# prints median wall times, their ratio and both ARDs (same calculator for both).
# Flee: Groen et al., Brunel University London, BSD-3-Clause.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
case_dir="${CASE_DIR:-$repo/crates/flee/tests/data/mali2012}"
flee_runs="${FLEE_RUNS:-3}"
lifeline_runs="${LIFELINE_RUNS:-10}"
venv="$repo/bench/.venv"
driver="$repo/bench/flee_driver.py"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -c 'import flee' 2>/dev/null; then
    echo "installing flee==3.1 into $venv" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet 'flee==3.1'
fi

if [[ -n "${LIFELINE:-}" ]]; then
    lifeline="$LIFELINE" # a prebuilt binary
else
    echo "building lifeline (release)" >&2
    (cd "$repo" && cargo build --quiet --release -p lifeline-cli)
    lifeline="${CARGO_TARGET_DIR:-$repo/target}/release/lifeline"
fi

input="$case_dir/input_csv"
source_data="$case_dir/source_data"
settings="$case_dir/simsetting.yml"

seconds_now() { date +%s.%N; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Flee 3.1 reads demographics_*.csv from ./input_csv when it exists; run it from an empty
# directory so it skips that per-agent sampling (which does not affect movement).
mkdir -p "$work/flee-cwd"
: > "$work/flee.times"
: > "$work/flee.ards"
for seed in $(seq 1 "$flee_runs"); do
    start=$(seconds_now)
    (cd "$work/flee-cwd" && "$venv/bin/python" "$driver" run "$input" "$source_data" 0 "$settings" "$seed" \
        > "$work/flee-$seed.csv" 2> "$work/flee-$seed.log")
    end=$(seconds_now)
    echo "$end - $start" | bc -l >> "$work/flee.times"
    python3 "$driver" ard "$work/flee-$seed.csv" >> "$work/flee.ards"
done

: > "$work/lifeline.times"
: > "$work/lifeline.ards"
for seed in $(seq 1 "$lifeline_runs"); do
    start=$(seconds_now)
    "$lifeline" flee "$input" "$source_data" 0 "$settings" --seed "$seed" \
        > "$work/lifeline-$seed.csv" 2> /dev/null
    end=$(seconds_now)
    echo "$end - $start" | bc -l >> "$work/lifeline.times"
    python3 "$driver" ard "$work/lifeline-$seed.csv" >> "$work/lifeline.ards"
done

sed 's/hasten: *10/hasten: 1/' "$settings" > "$work/simsetting-hasten1.yml"
: > "$work/lifeline1.times"
for seed in 1 2 3; do
    start=$(seconds_now)
    "$lifeline" flee "$input" "$source_data" 0 "$work/simsetting-hasten1.yml" --seed "$seed" \
        > "$work/lifeline1-$seed.csv" 2> /dev/null
    end=$(seconds_now)
    echo "$end - $start" | bc -l >> "$work/lifeline1.times"
done

if [[ -n "${FLEE_SRC:-}" ]]; then
    "$venv/bin/pip" install --quiet beartype pyyaml pandas numpy
    sed 's/agent: *[0-9]/agent: 0/; s/link: *[0-9]/link: 0/' "$settings" > "$work/simsetting-nolog.yml"
    : > "$work/current.times"
    : > "$work/current.ards"
    for run in $(seq 1 "$flee_runs"); do
        start=$(seconds_now)
        (cd "$work/flee-cwd" && PYTHONPATH="$FLEE_SRC" "$venv/bin/python" "$FLEE_SRC/runscripts/run.py" \
            "$input" "$source_data" 0 "$work/simsetting-nolog.yml" > "$work/current-$run.csv" 2> "$work/current-$run.log")
        end=$(seconds_now)
        echo "$end - $start" | bc -l >> "$work/current.times"
        python3 "$driver" ard "$work/current-$run.csv" >> "$work/current.ards"
    done
fi

summary() { # file column -> "mean ± sd"
    awk -v c="$2" '{ s += $c; q += $c * $c; n++ } END { m = s / n; v = (n > 1) ? (q - n * m * m) / (n - 1) : 0; if (v < 0) v = 0; printf "%.4f ± %.4f", m, sqrt(v) }' "$1"
}

flee_time=$(median < "$work/flee.times")
lifeline_time=$(median < "$work/lifeline.times")
lifeline1_time=$(median < "$work/lifeline1.times")
echo
echo "Mali 2012, hasten 10, 300 days — $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores"
printf '%-26s %12s %10s %22s %22s\n' "engine" "median time" "agents" "ARD normal" "ARD rescaled"
printf '%-26s %11.2fs %10s %22s %22s\n' "Flee 3.1 (PyPI), $flee_runs runs" "$flee_time" \
    "$(awk '{print $3}' "$work/flee.ards" | head -1)" "$(summary "$work/flee.ards" 1)" "$(summary "$work/flee.ards" 2)"
printf '%-26s %11.3fs %10s %22s %22s\n' "Lifeline, $lifeline_runs runs" "$lifeline_time" \
    "$(awk '{print $3}' "$work/lifeline.ards" | head -1)" "$(summary "$work/lifeline.ards" 1)" "$(summary "$work/lifeline.ards" 2)"
if [[ -n "${FLEE_SRC:-}" ]]; then
    current_time=$(median < "$work/current.times")
    printf '%-26s %11.2fs %10s %22s %22s\n' "Flee current, $flee_runs runs" "$current_time" \
        "$(awk '{print $3}' "$work/current.ards" | head -1)" "$(summary "$work/current.ards" 1)" "$(summary "$work/current.ards" 2)"
    echo "time ratio Flee current / Lifeline: $(echo "$current_time / $lifeline_time" | bc -l | xargs printf '%.0f')x"
fi
echo "time ratio Flee 3.1 / Lifeline: $(echo "$flee_time / $lifeline_time" | bc -l | xargs printf '%.0f')x"
echo "Lifeline at hasten 1 (~90,000 agents): median $(printf '%.3f' "$lifeline1_time") s over 3 runs"
