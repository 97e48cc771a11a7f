#!/usr/bin/env bash
# Flee's current engine and `lifeline flee` side by side on any Flee case folder.
#
#   FLEE_SRC=/path/to/flee bench/flee_vs_lifeline.sh CASE_DIR [SETTINGS.yml]
#
# CASE_DIR is a Flee case folder as in FabFlee's config_files/ (input_csv/, source_data/ and
# simsetting.yml); SETTINGS.yml defaults to CASE_DIR/simsetting.yml. FLEE_SRC is a checkout of
# github.com/djgroen/flee: its runscripts/run.py is run with the venv's Python. Environment:
#
#   FLEE_RUNS=10 LIFELINE_RUNS=10   runs of each engine (default 10 each)
#   FLEE_JOBS=1                     Flee runs at a time (more is faster but skews its timing)
#   HASTEN=n                        override optimisations.hasten (both engines)
#   DAYS=n                          simulate n days instead of sim_period.csv's length
#   LIFELINE=/path/to/lifeline      use a prebuilt binary (otherwise built here, release)
#   KEEP=dir                        keep every out.csv and log in dir
#
# Both engines read the same files with the same settings, except that Flee's diagnostic logs
# (log_levels agent/link/camp/init/conflict) are switched off for both. It prints each engine's
# ARD (normal and rescaled, mean ± sample sd over the runs, from the same calculator,
# bench/flee_driver.py ard), its median wall time per run and the time ratio.
# Flee: Groen et al., Brunel University London, BSD-3-Clause.
set -euo pipefail

if [[ $# -lt 1 || -z "${FLEE_SRC:-}" ]]; then
    sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
case_dir="$(cd "$1" && pwd)"
settings="${2:-$case_dir/simsetting.yml}"
flee_runs="${FLEE_RUNS:-10}"
lifeline_runs="${LIFELINE_RUNS:-10}"
flee_jobs="${FLEE_JOBS:-1}"
days="${DAYS:-0}"
venv="$repo/bench/.venv"
driver="$repo/bench/flee_driver.py"
work="${KEEP:-$(mktemp -d)}"
mkdir -p "$work"
[[ -n "${KEEP:-}" ]] || trap 'rm -rf "$work"' EXIT

if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -c 'import numpy, yaml, beartype, pandas' 2>/dev/null; then
    echo "installing Flee's dependencies into $venv" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet numpy pyyaml beartype pandas
fi
if [[ -n "${LIFELINE:-}" ]]; then
    lifeline="$LIFELINE"
else
    echo "building lifeline (release)" >&2
    (cd "$repo" && cargo build --quiet --release -p lifeline-cli)
    lifeline="${CARGO_TARGET_DIR:-$repo/target}/release/lifeline"
fi

# The settings both engines use: logs off, hasten overridden if asked.
"$venv/bin/python" - "$settings" "$work/simsetting.yml" "${HASTEN:-}" <<'PY'
import sys, yaml
source, target, hasten = sys.argv[1], sys.argv[2], sys.argv[3]
with open(source) as f:
    settings = yaml.safe_load(f) or {}
logs = settings.get("log_levels") or {}
for key in ("agent", "link", "camp", "init", "conflict"):
    if key in logs:
        logs[key] = 0
if logs:
    settings["log_levels"] = logs
if hasten:
    settings.setdefault("optimisations", {})["hasten"] = int(hasten)
with open(target, "w") as f:
    yaml.safe_dump(settings, f, sort_keys=False)
PY

input="$case_dir/input_csv"
source_data="$case_dir/source_data"
seconds_now() { date +%s.%N; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
summary() { # file column -> "mean ± sd"
    awk -v c="$2" '{ s += $c; q += $c * $c; n++ } END { m = s / n; v = (n > 1) ? (q - n * m * m) / (n - 1) : 0; if (v < 0) v = 0; printf "%.4f ± %.4f", m, sqrt(v) }' "$1"
}

# One Flee run in its own empty directory (Flee may write files into the working directory).
flee_run() {
    local run="$1" dir="$work/flee-cwd-$1"
    mkdir -p "$dir"
    local start end
    start=$(seconds_now)
    if (cd "$dir" && PYTHONPATH="$FLEE_SRC" "$venv/bin/python" "$FLEE_SRC/runscripts/run.py" \
        "$input" "$source_data" "$days" "$work/simsetting.yml" > "$work/flee-$run.csv" 2> "$work/flee-$run.log"); then
        end=$(seconds_now)
        echo "$end - $start" | bc -l > "$work/flee-$run.time"
    else
        echo "Flee run $run failed: $(tail -1 "$work/flee-$run.log")" >&2
    fi
    rm -rf "$dir"
}
export -f flee_run seconds_now
export work venv input source_data days FLEE_SRC
seq 1 "$flee_runs" | xargs -P "$flee_jobs" -I{} bash -c 'flee_run {}'

: > "$work/flee.times"
: > "$work/flee.ards"
for run in $(seq 1 "$flee_runs"); do
    [[ -f "$work/flee-$run.time" ]] || continue
    cat "$work/flee-$run.time" >> "$work/flee.times"
    python3 "$driver" ard "$work/flee-$run.csv" >> "$work/flee.ards"
done

: > "$work/lifeline.times"
: > "$work/lifeline.ards"
for seed in $(seq 1 "$lifeline_runs"); do
    start=$(seconds_now)
    "$lifeline" flee "$input" "$source_data" "$days" "$work/simsetting.yml" --seed "$seed" \
        > "$work/lifeline-$seed.csv" 2> "$work/lifeline-$seed.log"
    end=$(seconds_now)
    echo "$end - $start" | bc -l >> "$work/lifeline.times"
    python3 "$driver" ard "$work/lifeline-$seed.csv" >> "$work/lifeline.ards"
done

echo
echo "case $case_dir, settings $settings${HASTEN:+, hasten $HASTEN}${DAYS:+, $DAYS days}"
echo "machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-22s %5s %12s %10s %18s %18s\n' "engine" "runs" "median time" "agents" "ARD normal" "ARD rescaled"
flee_ok=$(wc -l < "$work/flee.ards")
if [[ "$flee_ok" -gt 0 ]]; then
    printf '%-22s %5s %11.2fs %10s %18s %18s\n' "Flee (current engine)" "$flee_ok" "$(median < "$work/flee.times")" \
        "$(awk '{print $3}' "$work/flee.ards" | head -1)" "$(summary "$work/flee.ards" 1)" "$(summary "$work/flee.ards" 2)"
fi
printf '%-22s %5s %11.3fs %10s %18s %18s\n' "Lifeline" "$lifeline_runs" "$(median < "$work/lifeline.times")" \
    "$(awk '{print $3}' "$work/lifeline.ards" | head -1)" "$(summary "$work/lifeline.ards" 1)" "$(summary "$work/lifeline.ards" 2)"
if [[ "$flee_ok" -gt 0 ]]; then
    echo "time ratio Flee / Lifeline (median per run): $(echo "$(median < "$work/flee.times") / $(median < "$work/lifeline.times")" | bc -l | xargs printf '%.0f')x"
else
    echo "Flee did not finish any run; its last error: $(tail -1 "$work/flee-1.log" 2>/dev/null)"
fi
