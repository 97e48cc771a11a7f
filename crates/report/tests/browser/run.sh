#!/usr/bin/env bash
# Browser test of `lifeline report`: builds the CLI, runs the Mali scenario, makes its report,
# opens it from a file:// path in headless Chromium (fresh profile, no network) and checks the
# map, the charts, the day slider and that no request is attempted. Also checks the report of
# a small fixture folder that has attacks, an ensemble band, displacement and a comparison, of a
# Mali ensemble (the cities' and the corridors' bands), of the Djibo case, and of a small network
# in Bolivia made with `network import` and `scenario new` (the map frames each region: every
# place inside its view box, spread over it, the scenario's country drawn as its focus), and the
# reports of calibrate, validate and sensitivity folders made with tiny budgets (the fit table,
# one histogram per parameter, n(n-1)/2 pairs plots, the diagnostics, one Sobol chart per output).
#
# Needs: cargo, node + npm (playwright-core is installed into ./node_modules on first use),
# and Chromium (`apt-get install -y chromium`; or set CHROMIUM=/path/to/chrome).
# Screenshots: target/report-screenshot*.png (map and charts of each report).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../../.." && pwd)"
cd "$root"

fail() { echo "report browser test: FAILED: $*" >&2; exit 1; }

chromium="${CHROMIUM:-}"
if [ -z "$chromium" ]; then
  for c in chromium chromium-browser google-chrome google-chrome-stable; do
    if command -v "$c" >/dev/null 2>&1; then chromium="$(command -v "$c")"; break; fi
  done
fi
[ -n "$chromium" ] && [ -x "$chromium" ] || fail "no Chromium found (apt-get install -y chromium, or set CHROMIUM)"
command -v node >/dev/null 2>&1 || fail "node is not installed"

echo "== building lifeline-cli (release)"
cargo build --release -p lifeline-cli || fail "cargo build failed"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
bin="$target_dir/release/lifeline"
[ -x "$bin" ] || fail "no binary at $bin"

if [ ! -d "$here/node_modules/playwright-core" ]; then
  echo "== installing playwright-core into $here/node_modules"
  (cd "$here" && { npm ci --no-audit --no-fund || npm install --no-audit --no-fund; }) || fail "npm could not install playwright-core"
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "== lifeline run --out $tmp/run"
"$bin" run --out "$tmp/run" >"$tmp/run.log" 2>&1 || { cat "$tmp/run.log"; fail "lifeline run failed"; }
echo "== lifeline report $tmp/run -o $tmp/run/report.html"
"$bin" report "$tmp/run" -o "$tmp/run/report.html" || fail "lifeline report failed"
size=$(wc -c <"$tmp/run/report.html")
echo "   report size: $size bytes"
[ "$size" -lt 1048576 ] || fail "the report is $size bytes (over 1 MiB)"

mkdir -p "$root/target"
status=0
node "$here/check.mjs" --label "Mali scenario report" --report "$tmp/run/report.html" --dir "$tmp/run" \
  --chromium "$chromium" --screenshot "$root/target/report-screenshot.png" --expect-focus Mali \
  --expect-posterior "$root/crates/scenario/scenarios/mali-2025-posterior.csv" || status=1

# The tables of many runs, each made with a tiny budget (well under a second each): the
# "Calibration and validation" and "Sensitivity" sections, counted from the folders' CSVs.
echo "== lifeline calibrate / validate / sensitivity (tiny budgets), then lifeline report on each"
"$bin" calibrate mali-2025 --particles 6 --generations 2 --runs 1 --out "$tmp/cal" >"$tmp/cal.log" 2>&1 || { cat "$tmp/cal.log"; fail "lifeline calibrate failed"; }
"$bin" validate mali-2025 --runs 8 --out "$tmp/val" >"$tmp/val.log" 2>&1 || { cat "$tmp/val.log"; fail "lifeline validate failed"; }
"$bin" sensitivity mali-2025 --samples 8 --runs 1 --bootstrap 50 --out "$tmp/sens" >"$tmp/sens.log" 2>&1 || { cat "$tmp/sens.log"; fail "lifeline sensitivity failed"; }
for d in cal val sens; do
  "$bin" report "$tmp/$d" >/dev/null || fail "lifeline report ($d) failed"
done
node "$here/check.mjs" --label "calibration report" --report "$tmp/cal/report.html" --dir "$tmp/cal" \
  --chromium "$chromium" --screenshot "$root/target/report-screenshot-calibration.png" --analysis-folder --expect-calibration || status=1
node "$here/check.mjs" --label "validation report" --report "$tmp/val/report.html" --dir "$tmp/val" \
  --chromium "$chromium" --screenshot "$root/target/report-screenshot-validation.png" --analysis-folder --expect-validation \
  --expect-posterior "$root/crates/scenario/scenarios/mali-2025-posterior.csv" || status=1
node "$here/check.mjs" --label "sensitivity report" --report "$tmp/sens/report.html" --dir "$tmp/sens" \
  --chromium "$chromium" --screenshot "$root/target/report-screenshot-sensitivity.png" --analysis-folder --expect-sobol || status=1

echo "== lifeline ensemble --runs 40 --days 90 --report --out $tmp/ens"
"$bin" ensemble --runs 40 --days 90 --no-parquet --report --out "$tmp/ens" >"$tmp/ens.log" 2>&1 || { cat "$tmp/ens.log"; fail "lifeline ensemble failed"; }
# The page draws the scenario's network; the checker counts the places and roads it should show
# from the folder's network.geojson, so the run's (same scenario) is put beside it.
cp "$tmp/run/network.geojson" "$tmp/ens/network.geojson"
"$bin" report "$tmp/ens" -o "$tmp/ens/report.html" || fail "lifeline report (ensemble) failed"
node "$here/check.mjs" --label "Mali ensemble report" --report "$tmp/ens/report.html" --dir "$tmp/ens" \
  --chromium "$chromium" --screenshot "$root/target/report-screenshot-ensemble.png" \
  --expect-bands --expect-corridor-bands --expect-posterior "$root/crates/scenario/scenarios/mali-2025-posterior.csv" || status=1

echo "== lifeline report on the fixture folder (attacks, bands, displacement, comparison)"
cp -r "$root/crates/report/tests/fixtures/mini" "$tmp/mini"
"$bin" report "$tmp/mini" -o "$tmp/mini/report.html" || fail "lifeline report (fixture) failed"
node "$here/check.mjs" --label "fixture report" --report "$tmp/mini/report.html" --dir "$tmp/mini" \
  --chromium "$chromium" --screenshot "$root/target/report-screenshot-fixture.png" \
  --expect-attacks --expect-bands --expect-displacement --expect-compare --expect-corridor-bands || status=1

echo "== the Djibo case (a second region): lifeline run burkina-djibo-2022 --report"
"$bin" run burkina-djibo-2022 --out "$tmp/djibo" --report >"$tmp/djibo.log" 2>&1 || { cat "$tmp/djibo.log"; fail "lifeline run burkina-djibo-2022 failed"; }
node "$here/check.mjs" --label "Djibo case report" --report "$tmp/djibo/report.html" --dir "$tmp/djibo" \
  --chromium "$chromium" --screenshot "$root/target/report-screenshot-djibo.png" --expect-focus "Burkina Faso" || status=1

echo "== a scenario far from Africa: a small network in the Andes, imported, scenario new, run, report"
mkdir -p "$tmp/andes/flee"
printf '%s\n' "#name,region,country,latitude,longitude,location_type,conflict_date,population" \
  "Altura,Norte,BOL,-16.50,-68.15,town,,900000" "Cruce,Centro,BOL,-17.40,-67.60,town,,20000" \
  "Llano,Centro,BOL,-17.97,-67.11,town,,260000" "Valle,Sur,BOL,-17.39,-66.16,town,,630000" >"$tmp/andes/flee/locations.csv"
printf '%s\n' "#name1,name2,distance,forced_redirection" "Altura,Cruce,130,0" "Cruce,Llano,100,0" "Cruce,Valle,190,0" >"$tmp/andes/flee/routes.csv"
"$bin" network import "$tmp/andes/flee" --out "$tmp/andes/net" >"$tmp/andes.log" 2>&1 || { cat "$tmp/andes.log"; fail "network import failed"; }
"$bin" scenario new --name andes --network "$tmp/andes/net" --scenario-dir "$tmp/andes/net" >"$tmp/andes/net/andes.toml" || fail "scenario new failed"
"$bin" run "$tmp/andes/net/andes.toml" --days 30 --out "$tmp/andes/run" --report >>"$tmp/andes.log" 2>&1 || { cat "$tmp/andes.log"; fail "lifeline run (andes) failed"; }
node "$here/check.mjs" --label "report far from Africa (Bolivia)" --report "$tmp/andes/run/report.html" --dir "$tmp/andes/run" \
  --chromium "$chromium" --screenshot "$root/target/report-screenshot-andes.png" --expect-focus Bolivia || status=1

[ "$status" -eq 0 ] || fail "see the FAIL lines above"
echo "report browser test: all checks passed"
