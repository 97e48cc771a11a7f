// Opens a Lifeline report from a file:// path in headless Chromium and checks it from the DOM.
//
//   node check.mjs --report R.html --dir RUN_DIR --chromium /usr/bin/chromium \
//       [--screenshot out.png] [--expect-attacks] [--expect-compare] [--expect-bands] [--expect-displacement]
//       [--expect-focus COUNTRY]   (a country outline drawn as the scenario's own, by its Natural Earth name)
//       [--expect-corridor-bands]
//       [--analysis-folder]   (a calibrate, validate or sensitivity folder: no map, charts or slider)
//       [--expect-calibration] [--expect-validation] [--expect-sobol]   (counted from the folder's CSVs)
//       [--expect-posterior FILE]   (a run under the posterior FILE: its marginals, pairs and particle)
//
// Exits non-zero with one line per failed check.
import { chromium } from "playwright-core";
import { mkdtempSync, readFileSync, rmSync, existsSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { pathToFileURL } from "node:url";

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const flag = (name) => args.includes(name);
const reportPath = resolve(opt("--report") || "");
const dir = resolve(opt("--dir") || dirname(reportPath));
const executablePath = opt("--chromium") || "/usr/bin/chromium";
const screenshot = opt("--screenshot");
const label = opt("--label") || reportPath;

const failures = [];
const check = (ok, what) => {
  if (ok) console.log(`  ok   ${what}`);
  else {
    console.log(`  FAIL ${what}`);
    failures.push(what);
  }
};

// What the page should show, from the folder's own files.
const network = existsSync(join(dir, "network.geojson")) ? JSON.parse(readFileSync(join(dir, "network.geojson"), "utf8")) : { features: [] };
const nPoints = network.features.filter((f) => f.geometry && f.geometry.type === "Point").length;
const nLines = network.features.filter((f) => f.geometry && /LineString$/.test(f.geometry.type)).length;
const csvColumn = (file, column) => {
  const p = join(dir, file);
  if (!existsSync(p)) return [];
  const lines = readFileSync(p, "utf8").split(/\r?\n/).filter(Boolean);
  const header = lines[0].split(",");
  const i = header.indexOf(column);
  return i < 0 ? [] : lines.slice(1).map((l) => l.split(",")[i]);
};
const placeNames = new Set(csvColumn("places.csv", "place"));
// The report draws one block of charts per place and commodity (food beside fuel in a town).
const placeCommodities = (() => {
  const places = csvColumn("places.csv", "place");
  const commodities = csvColumn("places.csv", "commodity");
  return new Set(places.map((p, i) => `${p}\u0000${commodities[i] ?? ""}`));
})();
const corridorNames = new Set(csvColumn("corridors.csv", "corridor"));
const spreadCorridors = new Set(csvColumn("corridor_quantiles.csv", "corridor"));

// The tables of calibrate, validate and sensitivity, read as the page should show them.
const csvLines = (p) => (existsSync(p) ? readFileSync(p, "utf8").split(/\r?\n/).filter((l) => l.trim()) : []);
const csvRows = (file) => Math.max(0, csvLines(join(dir, file)).length - 1);
// `drawn`: how many particles the page draws (all of a calibration's own; the first 500 of a
// posterior a run drew from).
const posteriorShape = (p, drawn) => {
  const lines = csvLines(p);
  if (!lines.length) return null;
  const names = lines[0].split(",").filter((c) => !["particle", "weight", "distance"].includes(c));
  const wi = lines[0].split(",").indexOf("weight");
  const weighted = lines.slice(1, 1 + (drawn || Infinity)).filter((l) => Number(l.split(",")[wi]) > 0).length;
  return { names, particles: lines.length - 1, weighted };
};

// The "Calibration and validation" and "Sensitivity" sections: one histogram per parameter,
// n(n-1)/2 pairs plots, one row per target and per generation, one Sobol chart per target.
async function checkCalibration(page) {
  const got = await page.evaluate(() => {
    const q = (sel) => Array.from(document.querySelectorAll(sel));
    const titled = (svgs) => svgs.filter((svg) => (svg.querySelector("title")?.textContent || "").length > 10).length;
    return {
      section: !!document.getElementById("calibration"),
      sensitivity: !!document.getElementById("sensitivity"),
      hist: q("#calibration svg.posterior-hist").length,
      histInked: q("#calibration svg.posterior-hist").filter((svg) => Array.from(svg.querySelectorAll("rect.bar")).some((r) => Number(r.getAttribute("height")) > 0)).length,
      histParams: q("#calibration svg.posterior-hist").map((svg) => svg.getAttribute("data-parameter")),
      pairs: q("#calibration svg.pairs-plot").length,
      pairDots: q("#calibration svg.pairs-plot").map((svg) => svg.querySelectorAll("g > circle").length),
      runParticle: q("#calibration svg .run-particle").length,
      fitRows: q("#calibration tr.fit-row").length,
      fitSets: q("#calibration .fit-block").map((b) => b.getAttribute("data-set")),
      diagRows: q("#calibration tr.diag-row").length,
      diagCharts: q("#calibration svg.diag-chart").length,
      sobol: q("#sensitivity svg.sobol-chart").length,
      sobolBars: q("#sensitivity svg.sobol-chart rect.sobol-bar").length,
      svgs: q("#calibration svg, #sensitivity svg").length,
      titled: titled(q("#calibration svg, #sensitivity svg")),
      nav: q("nav.toc a").map((a) => a.getAttribute("href")),
      header: document.querySelector("header.top")?.textContent || "",
    };
  });
  const expectPosterior = opt("--expect-posterior");
  const shape = flag("--expect-calibration") ? posteriorShape(join(dir, "posterior.csv")) : expectPosterior ? posteriorShape(resolve(expectPosterior), 500) : null;
  if (shape) {
    const n = shape.names.length;
    check(got.section, "a Calibration and validation section");
    check(got.hist === n && got.histInked === n, `one inked histogram per parameter (${got.hist}, ${got.histInked} inked, of ${n})`);
    check(JSON.stringify(got.histParams) === JSON.stringify(shape.names), `the histograms follow the posterior's columns (${got.histParams.join(", ")})`);
    check(got.pairs === (n * (n - 1)) / 2, `n(n-1)/2 pairs plots (${got.pairs} of ${(n * (n - 1)) / 2})`);
    check(got.pairDots.every((d) => d === shape.weighted), `each pairs plot has a dot per weighted particle (${[...new Set(got.pairDots)].join(", ")} of ${shape.weighted})`);
  }
  if (flag("--expect-calibration")) {
    check(got.fitRows === csvRows("fit.csv"), `a row per target of fit.csv (${got.fitRows} of ${csvRows("fit.csv")})`);
    check(got.diagRows === csvRows("diagnostics.csv") && got.diagCharts === 3, `a row per generation of diagnostics.csv and 3 charts (${got.diagRows} of ${csvRows("diagnostics.csv")}, ${got.diagCharts})`);
    check(got.nav.includes("#calibration"), "the contents link to the calibration section");
    check(/calibration/i.test(got.header), `the header names a calibration (${got.header.slice(0, 80)})`);
  }
  if (flag("--expect-validation")) {
    check(got.section, "a Calibration and validation section");
    check(got.fitRows === csvRows("validate.csv") && got.fitRows > 0, `a row per target of validate.csv (${got.fitRows} of ${csvRows("validate.csv")})`);
    check(got.fitSets.includes("calibration"), `calibration targets shown as such (${got.fitSets.join(", ")})`);
    const manifest = existsSync(join(dir, "manifest.json")) ? JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) : {};
    if (manifest.posterior) check(got.header.includes(manifest.posterior.hash), `the header names the posterior the runs drew from (hash ${manifest.posterior.hash})`);
  }
  if (expectPosterior) {
    const manifest = existsSync(join(dir, "manifest.json")) ? JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) : {};
    const n = shape ? shape.names.length : 0;
    if (typeof manifest.particle === "number") {
      check(manifest.posterior && got.header.includes(manifest.posterior.hash) && got.header.includes(`particle ${manifest.particle}`), `the header names the posterior and the run's particle (${manifest.posterior?.file}, particle ${manifest.particle})`);
      check(got.runParticle === n + (n * (n - 1)) / 2, `the run's particle is marked on every histogram and pairs plot (${got.runParticle} of ${n + (n * (n - 1)) / 2})`);
    } else {
      check(manifest.posterior && got.header.includes(manifest.posterior.hash), `the header names the posterior the runs drew from (${manifest.posterior?.file})`);
      check(got.runParticle === 0, `no particle is marked: each run drew its own (${got.runParticle})`);
    }
  }
  if (flag("--expect-sobol")) {
    const lines = csvLines(join(dir, "sobol.csv")).slice(1);
    const targets = new Set(lines.map((l) => l.split(",")[0]));
    check(got.sensitivity, "a Sensitivity section");
    check(got.sobol === targets.size && targets.size > 0, `one Sobol chart per output (${got.sobol} of ${targets.size})`);
    const finite = lines.map((l) => l.split(",")).reduce((t, c) => t + [c[2], c[5]].filter((v) => isFinite(Number(v)) && v !== "").length, 0);
    check(got.sobolBars === finite, `a first-order and a total bar per parameter and output (${got.sobolBars} of ${finite})`);
  }
  if (got.svgs) check(got.titled === got.svgs, `every calibration and sensitivity chart has a title in words (${got.titled} of ${got.svgs})`);
}

const reportUrl = pathToFileURL(reportPath).href;
const profile = mkdtempSync(join(tmpdir(), "lifeline-report-profile-"));
let context;
try {
  console.log(`Checking ${label}`);
  context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-default-apps", "--no-first-run"],
    viewport: { width: 1400, height: 1000 },
    acceptDownloads: true,
  });
  const requests = [];
  // Every request the page makes other than for the report file itself is a failure; none is served.
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url === reportUrl || url.startsWith("blob:")) return route.continue();
    if (!requests.includes(url)) requests.push(url);
    return route.abort();
  });
  const page = context.pages()[0] || (await context.newPage());
  page.on("request", (r) => {
    const url = r.url();
    // data: and blob: URLs are the page's own bytes (exports), not the network.
    if (url !== reportUrl && !url.startsWith("data:") && !url.startsWith("blob:") && !requests.includes(url)) requests.push(url);
  });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });

  const t0 = Date.now();
  await page.goto(reportUrl, { waitUntil: "load" });
  await page.waitForSelector("body[data-ready='1'], body[data-error]", { timeout: 20000 });
  console.log(`  (drawn in ${Date.now() - t0} ms)`);
  const bodyError = await page.getAttribute("body", "data-error");
  check(!bodyError, `the page draws without error${bodyError ? `: ${bodyError.split("\n")[0]}` : ""}`);

  const analysisOnly = flag("--analysis-folder");
  if (!analysisOnly) {
  // Map.
  const map = await page.evaluate(() => ({
    places: document.querySelectorAll("svg#map circle.place").length,
    roads: document.querySelectorAll("svg#map path.road").length,
    countries: document.querySelectorAll("svg#map path.country").length,
    drawnRoads: Array.from(document.querySelectorAll("svg#map path.road")).filter((p) => (p.getAttribute("d") || "").length > 10).length,
    onCanvas: Array.from(document.querySelectorAll("svg#map circle.place")).filter((c) => {
      const b = c.getBoundingClientRect();
      const m = document.querySelector("svg#map").getBoundingClientRect();
      return b.left >= m.left - 1 && b.right <= m.right + 1 && b.top >= m.top - 1 && b.bottom <= m.bottom + 1;
    }).length,
  }));
  check(map.places === nPoints, `map shows every place of network.geojson (${map.places} of ${nPoints})`);
  check(map.roads === nLines, `map shows every road of network.geojson (${map.roads} of ${nLines})`);
  check(map.drawnRoads === nLines, `every road has a drawn path (${map.drawnRoads})`);
  check(map.onCanvas === nPoints, `every place lies inside the map frame (${map.onCanvas})`);
  check(map.countries >= 10, `country outlines are drawn (${map.countries} countries)`);

  // The map frames the scenario's region: every place inside the view box, and the places
  // spread over a good part of it (a world view would crowd them into a few pixels).
  const frame = await page.evaluate(() => {
    const svg = document.querySelector("svg#map");
    const [x0, y0, w, h] = (svg.getAttribute("viewBox") || "").split(/\s+/).map(Number);
    const xy = Array.from(svg.querySelectorAll("circle.place")).map((c) => [Number(c.getAttribute("cx")), Number(c.getAttribute("cy"))]);
    const xs = xy.map((p) => p[0]),
      ys = xy.map((p) => p[1]);
    return {
      box: [x0, y0, w, h],
      inside: xy.filter(([x, y]) => x >= x0 && x <= x0 + w && y >= y0 && y <= y0 + h).length,
      spread: xy.length > 1 ? Math.max((Math.max(...xs) - Math.min(...xs)) / w, (Math.max(...ys) - Math.min(...ys)) / h) : 1,
      focus: Array.from(svg.querySelectorAll("path.country.focus")).map((p) => (p.querySelector("title") || {}).textContent || ""),
    };
  });
  check(frame.inside === nPoints, `every place lies inside the map's view box ${frame.box.join(" ")} (${frame.inside} of ${nPoints})`);
  check(frame.spread >= 0.5, `the places fill the map's frame (they span ${(100 * frame.spread).toFixed(0)} % of it)`);
  const focus = opt("--expect-focus");
  if (focus) check(frame.focus.includes(focus), `${focus} is drawn as the scenario's country (focus: ${frame.focus.join(", ") || "none"})`);

  // Charts.
  const charts = await page.evaluate(() => {
    const inked = (canvas) => {
      try {
        const ctx = canvas.getContext("2d");
        const d = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
        let n = 0;
        for (let i = 3; i < d.length; i += 16) if (d[i] > 0) n++;
        return n;
      } catch (e) {
        return -1;
      }
    };
    const of = (sel) =>
      Array.from(document.querySelectorAll(sel)).map((c) => ({
        title: c.querySelector(".chart-title")?.textContent || "",
        points: Number(c.getAttribute("data-points") || 0),
        canvas: c.querySelector("canvas") ? inked(c.querySelector("canvas")) : 0,
      }));
    return {
      cities: of("#cities .chart"),
      cityBlocks: document.querySelectorAll("#cities .city").length,
      corridors: of("#corridors > .chart-grid .chart"),
      spreads: of("#corridors .corridor-spread .chart"),
      spreadBlocks: document.querySelectorAll("#corridors .corridor-spread").length,
      spreadBands: Array.from(document.querySelectorAll("#corridors .corridor-spread .u-legend .u-label")).filter((l) => / p95$/.test(l.textContent || "")).length,
      spreadRows: document.querySelectorAll("#corridors .corridor-spread-table table.data tbody tr").length,
      displacement: of("#displacement .chart"),
    };
  });
  if (placeNames.size) {
    check(charts.cityBlocks === placeCommodities.size, `a chart block per place and commodity of places.csv (${charts.cityBlocks} of ${placeCommodities.size})`);
    const stock = charts.cities.filter((c) => c.title.startsWith("Stock"));
    const price = charts.cities.filter((c) => c.title.startsWith("Price"));
    const third = charts.cities.filter((c) => c.title.startsWith("Shortage"));
    const power = third.filter((c) => /power supply/.test(c.title));
    const runHasPower = csvColumn("places.csv", "power_hours").some((v) => v !== undefined && v.trim() !== "");
    check(stock.length === placeCommodities.size && stock.every((c) => c.points > 0 && c.canvas > 0), `stock/cover charts have data and ink (${stock.map((c) => c.points).join(", ")} points)`);
    check(price.length === placeCommodities.size && price.every((c) => c.points > 0 && c.canvas > 0), `price charts have data and ink`);
    check(third.length === placeCommodities.size && third.every((c) => c.points > 0 && c.canvas > 0), `shortage charts have data and ink`);
    check(!runHasPower || (power.length > 0 && power.every((c) => c.points > 0)), `power-hours series charted where places.csv has them (${power.length} cities)`);
  }
  if (corridorNames.size) {
    check(charts.corridors.length === corridorNames.size && charts.corridors.every((c) => c.points > 0 && c.canvas > 0), `a chart with data per corridor (${charts.corridors.length} of ${corridorNames.size})`);
  }
  if (spreadCorridors.size || flag("--expect-corridor-bands")) {
    const n = spreadCorridors.size;
    check(n > 0, `the folder has corridor_quantiles.csv (${n} corridors)`);
    check(charts.spreadBlocks === n && charts.spreadRows === n, `a block and a table row per corridor of corridor_quantiles.csv (${charts.spreadBlocks}, ${charts.spreadRows} of ${n})`);
    check(charts.spreads.length === 2 * n && charts.spreads.every((c) => c.points > 0 && c.canvas > 0), `two corridor charts each with data and ink (${charts.spreads.length} of ${2 * n})`);
    check(charts.spreadBands >= 3 * n, `the corridors' 5–95% bands are drawn (${charts.spreadBands} band series, at least ${3 * n})`);
  }
  if (flag("--expect-displacement")) check(charts.displacement.length > 0 && charts.displacement.every((c) => c.points > 0), `displacement charts have data (${charts.displacement.length})`);
  if (flag("--expect-bands")) {
    const bands = await page.evaluate(() => Array.from(document.querySelectorAll("#cities .u-legend .u-label")).filter((l) => / p95$/.test(l.textContent || "")).length);
    check(bands > 0, `the ensemble's 5–95% band is drawn (${bands} band series)`);
  }
  const keyFigures = await page.evaluate(() => document.querySelectorAll("#key-figures table.data tbody tr").length);
  check(keyFigures > 0 === existsSync(join(dir, "summary.json")), `key-figures table (${keyFigures} rows)`);
  if (flag("--expect-compare")) {
    const rows = await page.evaluate(() => document.querySelectorAll("#compare table.data tbody tr").length);
    check(rows > 0, `responses ranked (${rows} rows)`);
  }
  const toml = await page.evaluate(() => document.querySelector("#sources pre.toml")?.textContent.length || 0);
  // An ensemble's folder has no scenario.toml: `lifeline report` supplies the scenario's own.
  const supplied = await page.evaluate(() => JSON.parse(document.getElementById("lifeline-data").textContent).meta?.supplied || []);
  const tomlExpected = existsSync(join(dir, "scenario.toml")) || supplied.includes("scenario.toml");
  check(toml > 0 === tomlExpected, `scenario.toml panel ${toml ? `(${toml} chars)` : "(absent, as the folder has none)"}`);

  // Page structure: unique ids, readable labels, camps only where there are camps, exports.
  const structure = await page.evaluate(() => {
    const ids = Array.from(document.querySelectorAll("[id]")).map((e) => e.id);
    const dupes = ids.filter((id, i) => ids.indexOf(id) !== i);
    const camps = Array.from(document.querySelectorAll("svg#map circle.place")).filter((c) => c.getAttribute("fill") === "#7b2cbf");
    const kinds = camps.map((c) => c.getAttribute("data-kind"));
    const charts = Array.from(document.querySelectorAll(".chart")).filter((c) => c.querySelector("canvas"));
    const exports = charts.filter((c) => ["png", "svg", "csv"].every((k) => c.querySelector(`button[data-export='${k}']`))).length;
    const keyText = document.getElementById("key-figures")?.textContent || "";
    return {
      dupes,
      camps: camps.length,
      campNames: camps.map((c) => c.getAttribute("data-name")),
      kinds,
      charts: charts.length,
      exports,
      dottedLabels: /\w\.\w+-\w+/.test(Array.from(document.querySelectorAll("#key-figures td:first-child, #key-figures th")).map((e) => e.textContent).join(" ")),
      internal: /fingerprint|chunk runs/.test(Array.from(document.querySelectorAll("#key-figures > table")).map((t) => t.textContent).join(" ")),
      header: document.querySelector("header .meta")?.textContent || "",
      keyText: keyText.length,
      scaleBar: document.querySelectorAll("svg#map .scale-bar rect").length,
      sizeLegend: document.querySelectorAll(".legend svg.size-legend circle").length,
    };
  });
  check(structure.dupes.length === 0, `no two elements share an id${structure.dupes.length ? `: ${structure.dupes.slice(0, 5).join(", ")}` : ""}`);
  check(structure.charts > 0 && structure.exports === structure.charts, `every chart has PNG, SVG and CSV buttons (${structure.exports} of ${structure.charts})`);
  check(!structure.dottedLabels, "key-figure labels are readable (no `a.b-c` keys)");
  check(!structure.internal, "key-figure tables show no internal fields");
  check(!/\b\d{1,3},\d{3},\d{3}\b/.test(structure.header), `the header prints the seed as it is (${structure.header})`);
  check(structure.scaleBar === 2, "the map has a scale bar");
  check(structure.sizeLegend > 0, "the legend explains the circle sizes");
  const summaryText = existsSync(join(dir, "summary.json")) ? JSON.parse(readFileSync(join(dir, "summary.json"), "utf8")) : {};
  const expectedCamps = new Set(Object.keys(summaryText.displacement?.arrivals_by_camp || {}));
  for (const f of network.features || []) if (f.geometry?.type === "Point" && f.properties?.kind === "camp") expectedCamps.add(f.properties.name);
  check(structure.campNames.every((n) => expectedCamps.has(n)), `only camps are drawn as camps (${structure.campNames.join(", ") || "none"})`);
  // A CSV export downloads the chart's data.
  if (structure.charts > 0) {
    const [download] = await Promise.all([page.waitForEvent("download", { timeout: 5000 }), page.locator(".chart button[data-export='csv']").first().click()]);
    const path = await download.path();
    const text = path ? readFileSync(path, "utf8") : "";
    check(/^date,/.test(text) && text.split("\n").length > 2, `a chart's CSV export holds its data (${download.suggestedFilename()}, ${text.split("\n").length - 1} lines)`);
    const [svgDl] = await Promise.all([page.waitForEvent("download", { timeout: 5000 }), page.locator(".chart button[data-export='svg']").first().click()]);
    const svgPath = await svgDl.path();
    const svgText = svgPath ? readFileSync(svgPath, "utf8") : "";
    check(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/.test(svgText) && /<polyline/.test(svgText), `a chart's SVG export is a vector drawing (${svgText.length} bytes)`);
  }

  // The day slider replays the scenario: the map changes with it.
  const state = () =>
    page.evaluate(() => {
      const svg = document.querySelector("svg#map");
      return {
        day: svg.getAttribute("data-day"),
        label: document.getElementById("day-label")?.textContent || "",
        places: Array.from(svg.querySelectorAll("circle.place")).map((c) => `${c.getAttribute("r")}/${c.getAttribute("fill")}`).join(" "),
        roads: Array.from(svg.querySelectorAll("path.road")).map((p) => `${p.getAttribute("stroke")}/${p.getAttribute("stroke-width")}`).join(" "),
      };
    });
  const last = await state();
  const max = Number(await page.getAttribute("#day", "max"));
  check(max > 0 && Number(last.day) === max, `the slider starts on the last day (${last.day} of ${max})`);
  await page.focus("#day");
  await page.keyboard.press("Home");
  const first = await state();
  check(first.day === "0", `Home key moves the slider to day 0 (${first.day}, "${first.label}")`);
  check(first.places !== last.places || first.roads !== last.roads, "moving the slider changes the map (places or roads)");
  check(first.label !== last.label, "moving the slider changes the date shown");
  const mid = Math.floor(max / 2);
  await page.locator("#day").fill(String(mid));
  const middle = await state();
  check(Number(middle.day) === mid && (middle.places !== first.places || middle.roads !== first.roads), `setting the slider to day ${mid} redraws the map`);
  if (flag("--expect-attacks")) {
    check(first.roads !== last.roads, "roads are recoloured by attacks/losses over the days");
  }
  await page.locator("#day").fill(String(max));
  }

  await checkCalibration(page);

  // No network: nothing requested, nothing blocked by the CSP.
  const csp = await page.evaluate(() => (window.__cspViolations || []).map((v) => `${v.directive} ${v.blockedURI}`));
  const cspMeta = await page.evaluate(() => document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute("content") || "");
  check(/default-src 'none'/.test(cspMeta), "the page carries a default-src 'none' CSP");
  check(requests.length === 0, `no network request attempted${requests.length ? `: ${requests.slice(0, 5).join(", ")}` : ""}`);
  check(csp.length === 0, `no CSP violation${csp.length ? `: ${csp.slice(0, 5).join(", ")}` : ""}`);
  check(errors.length === 0, `no script error${errors.length ? `: ${errors.slice(0, 3).join(" | ")}` : ""}`);

  if (screenshot) {
    mkdirSync(dirname(resolve(screenshot)), { recursive: true });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: screenshot, fullPage: false });
    const charts2 = screenshot.replace(/\.png$/, "-charts.png");
    await page.addStyleTag({ content: "nav.toc{position:static!important}" }).catch(() => {});
    const el = await page.$("#cities");
    if (el) await el.screenshot({ path: charts2 });
    console.log(`  screenshots: ${screenshot}${el ? `, ${charts2}` : ""}`);
  }
} catch (e) {
  failures.push(`the browser check crashed: ${e && e.message ? e.message : e}`);
  console.log(`  FAIL ${failures[failures.length - 1]}`);
} finally {
  if (context) await context.close().catch(() => {});
  rmSync(profile, { recursive: true, force: true });
}

if (failures.length) {
  console.error(`\n${failures.length} browser check(s) failed for ${label}:\n - ${failures.join("\n - ")}`);
  process.exit(1);
}
console.log(`All browser checks passed for ${label}.`);
