// Lifeline report: the page's code. Reads the JSON the Rust side embeds in
// <script type="application/json" id="lifeline-data"> and draws the map, charts and tables.
// Everything is offline: no request of any kind is made (the page's CSP forbids it).
// Data strings are only ever written with textContent / setAttribute, never as HTML.
import { geoMercator, geoPath, geoCentroid, geoDistance, geoBounds, geoContains } from "d3-geo";
import { feature } from "topojson-client";
import uPlot from "uplot";
import world from "../generated/world110m.json";

const SVG_NS = "http://www.w3.org/2000/svg";

// ---------- small helpers ----------
function h(tag, attrs, ...children) {
  const e = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "text") e.textContent = String(v);
      else if (k === "class") e.className = v;
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, String(v));
    }
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}
function s(tag, attrs) {
  const e = document.createElementNS(SVG_NS, tag);
  if (attrs) for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) e.setAttribute(k, String(v));
  return e;
}
function isNum(v) {
  return typeof v === "number" && isFinite(v);
}
function fmt(v, digits) {
  if (v === null || v === undefined || v === "") return "—";
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (typeof v !== "number") return String(v);
  if (!isFinite(v)) return String(v);
  if (digits !== undefined) return v.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const a = Math.abs(v);
  if (Number.isInteger(v)) return v.toLocaleString("en-US");
  if (a >= 1000) return Math.round(v).toLocaleString("en-US");
  if (a >= 10) return v.toLocaleString("en-US", { maximumFractionDigits: 1 });
  return v.toLocaleString("en-US", { maximumFractionDigits: 2 });
}
function label(key) {
  return String(key)
    .replace(/_m3\b/g, " (m³)")
    .replace(/_fcfa_per_l\b/g, " (FCFA/l)")
    .replace(/_/g, " ")
    .replace(/\./g, " · ");
}
// Seeds and years are identifiers: printed as they are, without thousands separators.
function rawIfId(key, v) {
  return /seed|year/i.test(String(key)) && isNum(v) ? { raw: v } : v;
}
function sum(arr) {
  let t = 0;
  for (const v of arr || []) if (isNum(v)) t += v;
  return t;
}
function maxOf(arr) {
  let m = -Infinity;
  for (const v of arr || []) if (isNum(v) && v > m) m = v;
  return m;
}
function countNum(arr) {
  let n = 0;
  for (const v of arr || []) if (isNum(v)) n++;
  return n;
}
function cumulative(arr) {
  let t = 0;
  return (arr || []).map((v) => {
    if (isNum(v)) t += v;
    return t;
  });
}
function lerpColor(a, b, t) {
  const pa = [1, 3, 5].map((i) => parseInt(a.slice(i, i + 2), 16));
  const pb = [1, 3, 5].map((i) => parseInt(b.slice(i, i + 2), 16));
  const c = pa.map((x, i) => Math.round(x + (pb[i] - x) * Math.max(0, Math.min(1, t))));
  return "#" + c.map((x) => x.toString(16).padStart(2, "0")).join("");
}
function section(id, title, note) {
  const sec = h("section", { id }, h("h2", { text: title }));
  if (note) sec.append(h("p", { class: "note", text: note }));
  return sec;
}
function table(headers, rows, opts) {
  const t = h("table", { class: "data" });
  const thead = h("thead");
  const tr = h("tr");
  headers.forEach((c) => tr.append(h("th", { text: c })));
  thead.append(tr);
  t.append(thead);
  const tb = h("tbody");
  rows.forEach((r, i) => {
    const row = h("tr", opts && opts.rowClass ? { class: opts.rowClass(r, i) } : null);
    r.forEach((c) => {
      if (c instanceof Node) row.append(h("td", null, c));
      else if (c !== null && typeof c === "object" && "num" in c) row.append(h("td", { text: fmt(c.num, isNum(c.num) ? c.digits : undefined) }));
      else if (c !== null && typeof c === "object" && "raw" in c) row.append(h("td", { text: String(c.raw) }));
      else row.append(h("td", { class: typeof c === "number" || c === null ? null : "text", text: fmt(c) }));
    });
    tb.append(row);
  });
  t.append(tb);
  return opts && opts.scroll ? h("div", { class: "table-scroll" }, t) : t;
}
function details(summaryText, ...content) {
  return h("details", null, h("summary", { text: summaryText }), ...content);
}

// ---------- data ----------
const data = JSON.parse(document.getElementById("lifeline-data").textContent);
const dates = data.dates || [];
const nDays = dates.length;
const xs = dates.map((d, i) => {
  const t = Date.parse(d + "T00:00:00Z");
  return isFinite(t) ? t / 1000 : i;
});
const timeAxis = dates.every((d) => isFinite(Date.parse(d + "T00:00:00Z")));
const places = data.places || [];
const corridors = data.corridors || [];
const quantiles = data.quantiles || [];
const displacement = data.displacement || [];
const attacks = data.attacks || [];
const placeKey = (p) => (places.filter((q) => q.place === p.place).length > 1 ? `${p.place} (${p.commodity})` : p.place);

function quantile(place, metric) {
  return quantiles.find((q) => q.place === place && q.metric === metric) || null;
}
// A place's daily value of a metric: the run's own, else the ensemble median.
function placeValue(place, metric, day) {
  const p = places.find((q) => q.place === place && q.series && q.series[metric]);
  if (p) return p.series[metric][day];
  const q = quantile(place, metric);
  if (q && q.p50) return q.p50[day];
  return null;
}
const demandNames = Array.from(new Set([...places.map((p) => p.place), ...quantiles.map((q) => q.place)]));

const charts = [];

// ---------- header ----------
function renderHeader(app) {
  const m = data.meta || {};
  const kinds = { run: "run", ensemble: "ensemble", compare: "compare", calibrate: "calibration", validate: "validation", sensitivity: "sensitivity" };
  const head = h(
    "header",
    { class: "top" },
    h("h1", { text: m.title || "Lifeline report" }),
    h(
      "div",
      { class: "meta" },
      h("span", { class: "badge", text: kinds[m.kind] || "run" }),
      [
        m.scenario && `scenario ${m.scenario}`,
        m.response && `response ${m.response}`,
        m.responses && m.responses.length && `responses ${m.responses.join(", ")}`,
        m.seed !== undefined && m.seed !== null && (isNum(m.runs) && (m.kind === "calibrate" || m.kind === "sensitivity") ? `master seed ${m.seed}, ${m.runs} run${m.runs === 1 ? "" : "s"} per evaluation` : isNum(m.runs) ? `master seed ${m.seed}, runs 0–${m.runs - 1}` : `seed ${m.seed}`),
        m.start_date && m.end_date && `${m.start_date} → ${m.end_date}`,
        nDays && `${nDays} days`,
        m.source_dir && `from ${m.source_dir}`,
      ]
        .filter(Boolean)
        .join(" · "),
    ),
  );
  const pm = m.parameters;
  if (pm && (pm.posterior || pm.fixed_parameters)) {
    const p = pm.posterior;
    const text = p
      ? isNum(pm.particle)
        ? `Parameters: particle ${pm.particle} of the posterior ${p.file} (${fmt(p.particles)} particles, hash ${p.hash}).`
        : `Parameters: each run a particle drawn by weight from the posterior ${p.file} (${fmt(p.particles)} particles, hash ${p.hash}).`
      : "Parameters: the scenario's own values (--fixed-parameters), not its posterior.";
    head.append(h("div", { class: "meta parameters-line", text }));
  }
  for (const note of m.notes || []) head.append(h("div", { class: "meta note", text: note }));
  app.append(head);
  const links = [
    ["map-view", "Map"],
    ["key-figures", "Key figures"],
    ["compare", "Responses"],
    ["calibration", "Calibration & validation"],
    ["sensitivity", "Sensitivity"],
    ["cities", "Cities"],
    ["corridors", "Corridors"],
    ["displacement", "Displacement"],
    ["events", "Events"],
    ["sources", "Inputs & sources"],
  ];
  const nav = h("nav", { class: "toc" });
  app.append(nav);
  return () => {
    for (const [id, t] of links) if (document.getElementById(id)) nav.append(h("a", { href: "#" + id, text: t }));
  };
}

// ---------- map ----------
// [west, south, east, north] in degrees: the extent the report's data gives (the network's
// places and roads with a margin), else the inhabited world (Mercator cannot draw the poles).
function mapExtent() {
  const e = data.map && data.map.extent;
  if (Array.isArray(e) && e.length === 4 && e.every(isNum) && e[0] < e[2] && e[1] < e[3]) return e;
  return [-180, -58, 180, 78];
}

// The countries holding the scenario's demand places (else any of its places): drawn as the
// focus. A box test first, so that large networks do not test every place against every outline.
function countriesOf(countries, points) {
  const demand = new Set(demandNames);
  let chosen = points.filter((f) => demand.has((f.properties || {}).name));
  if (!chosen.length) chosen = points;
  const found = new Set();
  const boxes = countries.map((c) => geoBounds(c));
  for (const f of chosen) {
    const [lon, lat] = f.geometry.coordinates;
    countries.forEach((c, i) => {
      if (found.has(c)) return;
      const [[w, s0], [e, n]] = boxes[i];
      // A box that crosses the antimeridian has w > e.
      const inLon = w <= e ? lon >= w && lon <= e : lon >= w || lon <= e;
      if (inLon && lat >= s0 && lat <= n && geoContains(c, [lon, lat])) found.add(c);
    });
  }
  return found;
}

function renderMap(main) {
  const hasNet = data.network && Array.isArray(data.network.features) && data.network.features.length > 0;
  if (!hasNet && !nDays) return { update() {}, day: () => 0, initial: 0 };
  const sec = section(
    "map-view",
    "Map",
    "Roads are drawn by the trucks on their corridors that day (width) and coloured by trucks lost to attacks up to that day; demand cities are sized by that day's shortage and coloured by days of cover; camps are sized by arrivals to date. Drag the slider to replay the scenario.",
  );
  main.append(sec);
  const W = 960,
    H = 640;
  const net = data.network && Array.isArray(data.network.features) ? data.network.features : [];
  const points = net.filter((f) => f.geometry && f.geometry.type === "Point");
  const lines = net.filter((f) => f.geometry && (f.geometry.type === "LineString" || f.geometry.type === "MultiLineString"));
  const countries = feature(world, world.objects.countries).features;

  // The projection frames the scenario's extent (its places and roads with a margin, computed
  // by the Rust side), wherever on Earth that is; without one, the inhabited world.
  const projection = geoMercator();
  const extent = mapExtent();
  projection.fitExtent(
    [
      [10, 10],
      [W - 10, H - 10],
    ],
    { type: "MultiPoint", coordinates: [[extent[0], extent[1]], [extent[2], extent[3]]] },
  );
  const path = geoPath(projection);

  const controls = h("div", { class: "map-controls" });
  const play = h("button", { id: "play", type: "button", text: "▶ Play" });
  const slider = h("input", { id: "day", type: "range", min: 0, max: Math.max(0, nDays - 1), step: 1, value: Math.max(0, nDays - 1), "aria-label": "Day" });
  const dayLabel = h("span", { class: "day-label", id: "day-label" });
  controls.append(play, slider, dayLabel);

  const svg = s("svg", { id: "map", viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": "Map of the road network" });
  const gCountries = s("g", { class: "countries" });
  const gRoads = s("g", { class: "roads" });
  const gPlaces = s("g", { class: "places" });
  const gLabels = s("g", { class: "labels" });
  svg.append(gCountries, gRoads, gPlaces, gLabels);

  const focusCountries = countriesOf(countries, points);
  for (const c of countries) {
    const d = path(c);
    if (!d) continue;
    const p = s("path", { d, class: "country" + (focusCountries.has(c) ? " focus" : "") });
    const t = s("title");
    t.textContent = (c.properties && c.properties.name) || "";
    p.append(t);
    gCountries.append(p);
    const centroid = projection(geoCentroid(c));
    if (centroid && centroid[0] > 60 && centroid[0] < W - 60 && centroid[1] > 40 && centroid[1] < H - 40 && c.properties && c.properties.name) {
      const lt = s("text", { class: "country-label", x: centroid[0].toFixed(1), y: centroid[1].toFixed(1) });
      lt.textContent = c.properties.name;
      gCountries.append(lt);
    }
  }

  // Road losses per segment and day, from attack events ("A–B" either way round).
  const segKey = (a, b) => `${a}–${b}`;
  const roads = lines.map((f) => {
    const p = f.properties || {};
    const a = p.a || "",
      b = p.b || "";
    const cors = String(p.corridors || "")
      .split(/[;,]/)
      .map((x) => x.trim())
      .filter(Boolean);
    const lost = new Array(nDays).fill(0);
    const hits = new Array(nDays).fill(0);
    return { f, a, b, cors, lost, hits, el: null, title: null };
  });
  const byKey = new Map();
  roads.forEach((r) => {
    byKey.set(segKey(r.a, r.b), r);
    byKey.set(segKey(r.b, r.a), r);
  });
  let unmatchedAttacks = 0;
  for (const at of attacks) {
    const r = byKey.get(at.segment) || byKey.get(String(at.segment || "").replace(/-/g, "–"));
    if (!r || !isNum(at.day) || at.day < 0 || at.day >= nDays) {
      unmatchedAttacks++;
      continue;
    }
    r.lost[at.day] += isNum(at.trucks_lost) ? at.trucks_lost : 0;
    r.hits[at.day] += 1;
  }
  roads.forEach((r) => {
    r.cumLost = cumulative(r.lost);
    r.cumHits = cumulative(r.hits);
  });
  const maxLost = Math.max(1, ...roads.map((r) => r.cumLost[nDays - 1] || 0));
  const corridorTransit = new Map(corridors.map((c) => [c.corridor, (c.series && c.series.trucks_in_transit) || []]));
  const traffic = (r, day) => {
    let t = 0;
    for (const c of r.cors) {
      const v = (corridorTransit.get(c) || [])[day];
      if (isNum(v)) t += v;
    }
    return t;
  };
  let maxTraffic = 1;
  for (const r of roads) for (let d = 0; d < nDays; d++) maxTraffic = Math.max(maxTraffic, traffic(r, d));

  for (const r of roads) {
    const d = path(r.f);
    const p = s("path", { d: d || "", class: "road" + (r.cors.length ? "" : " unused"), "data-segment": segKey(r.a, r.b) });
    r.title = s("title");
    p.append(r.title);
    r.el = p;
    gRoads.append(p);
  }

  // Places. Only camps are drawn as camps: displacement.csv also lists the towns people
  // passed through or left, which keep their own symbol (and cover colour).
  const campNames = new Set(points.filter((f) => (f.properties || {}).kind === "camp").map((f) => f.properties.name));
  const byCamp = data.summary && data.summary.displacement && data.summary.displacement.arrivals_by_camp;
  if (isPlainObject(byCamp)) Object.keys(byCamp).forEach((n) => campNames.add(n));
  const camps = new Map(displacement.filter((x) => campNames.has(x.location)).map((x) => [x.location, x]));
  const maxShortage = Math.max(1, ...demandNames.map((n) => maxOf((places.find((p) => p.place === n && p.series && p.series.shortage_m3) || {}).series?.shortage_m3 || (quantile(n, "shortage_m3") || {}).p50 || [])));
  // Camps are sized by arrivals to date (people present where there is no arrivals column).
  const campSize = new Map(
    Array.from(camps.values()).map((x) => {
      const sr = x.series || {};
      return [x.location, sr.arrivals ? cumulative(sr.arrivals) : sr.agents_present || []];
    }),
  );
  const maxCamp = Math.max(1, ...Array.from(campSize.values()).map((a) => maxOf(a)));
  const pts = points.map((f) => {
    const p = f.properties || {};
    const name = p.name || "";
    const kind = p.kind || "";
    const xy = projection(f.geometry.coordinates);
    const demand = demandNames.includes(name);
    const camp = camps.get(name) || null;
    const el = s("circle", { class: "place", cx: xy ? xy[0].toFixed(1) : -99, cy: xy ? xy[1].toFixed(1) : -99, r: 3, "data-name": name, "data-kind": kind });
    const title = s("title");
    el.append(title);
    gPlaces.append(el);
    const major = demand || kind === "port" || kind === "camp" || !!camp || kind === "capital";
    if (xy && (major || kind === "city")) {
      // Labels to the right of the symbol, or to its left near the right edge.
      const flip = xy[0] > W - 120;
      const t = s("text", { class: "place-label" + (major ? " major" : ""), x: (xy[0] + (flip ? -7 : 7)).toFixed(1), y: (xy[1] - 6).toFixed(1), "text-anchor": flip ? "end" : null });
      t.textContent = name;
      gLabels.append(t);
    }
    return { name, kind, demand, camp, el, title, pop: p.population };
  });
  // Draw the small places first so that the cities stay on top.
  pts
    .filter((p) => !p.demand && !p.camp && p.kind !== "port")
    .forEach((p) => {
      p.el.classList.add("minor");
      gPlaces.insertBefore(p.el, gPlaces.firstChild);
    });
  const dateText = s("text", { class: "map-date", x: 20, y: H - 20 });
  svg.append(dateText, scaleBar(projection, W, H));

  const coverColor = (cover, stock) => {
    if (!isNum(cover)) return "#6c7a89";
    if (isNum(stock) && stock <= 0) return "#7b1113";
    if (cover < 3) return "#d62828";
    if (cover < 7) return "#f4a261";
    return "#2a9d8f";
  };

  function update(day) {
    day = Math.max(0, Math.min(nDays - 1, day | 0));
    svg.setAttribute("data-day", String(day));
    const date = dates[day] || "";
    dayLabel.textContent = `Day ${day} — ${date}`;
    dateText.textContent = date;
    for (const r of roads) {
      const t = traffic(r, day);
      const lost = r.cumLost[day] || 0;
      const hits = r.cumHits[day] || 0;
      const width = r.cors.length ? 1.2 + 6 * Math.sqrt(t / maxTraffic) : 0.8;
      const color = lost > 0 ? lerpColor("#f4a261", "#7b1113", Math.sqrt(lost / maxLost)) : hits > 0 ? "#e9c46a" : r.cors.length ? "#52667a" : "#9aa5b1";
      r.el.setAttribute("stroke", color);
      r.el.setAttribute("stroke-width", width.toFixed(2));
      const fp = r.f.properties || {};
      r.title.textContent = `${r.a}–${r.b}${isNum(fp.length_km) ? ` · ${fp.length_km} km` : ""}${fp.condition ? ` · ${fp.condition}` : ""}\ntrucks on its corridors: ${fmt(t)}\nattacks to date: ${hits}, trucks lost to date: ${lost}${r.cors.length ? `\ncorridors: ${r.cors.join(", ")}` : ""}`;
    }
    for (const p of pts) {
      let r = 2.5,
        fill = "#ffffff",
        tip = `${p.name} (${p.kind})`;
      if (p.kind === "port") {
        r = 5;
        fill = "#1d4e89";
      } else if (p.kind === "city") {
        r = 3.5;
        fill = "#c9d1da";
      }
      if (isNum(p.pop) && p.pop > 0) tip += `\npopulation ${fmt(p.pop)}`;
      if (p.demand) {
        const shortage = placeValue(p.name, "shortage_m3", day);
        const cover = placeValue(p.name, "cover_days", day);
        const stock = placeValue(p.name, "stock_m3", day);
        const price = placeValue(p.name, "price_multiple", day);
        const power = placeValue(p.name, "power_hours", day);
        r = 5 + (isNum(shortage) && shortage > 0 ? 16 * Math.sqrt(shortage / maxShortage) : 0);
        fill = coverColor(cover, stock);
        tip += `\nstock ${fmt(stock)} m³ · cover ${fmt(cover)} days\nshortage ${fmt(shortage)} m³ · price ×${fmt(price)}${isNum(power) ? ` · power ${fmt(power)} h` : ""}`;
      }
      if (p.camp && !p.demand) {
        const present = (p.camp.series.agents_present || [])[day];
        const arr = cumulative(p.camp.series.arrivals || [])[day];
        const size = (campSize.get(p.name) || [])[day];
        r = 3 + 16 * Math.sqrt((isNum(size) ? size : 0) / maxCamp);
        fill = "#7b2cbf";
        tip += `\npeople present ${fmt(present)} · arrivals to date ${fmt(arr)}`;
      } else if (p.kind === "camp") {
        fill = "#7b2cbf";
      }
      p.el.setAttribute("r", r.toFixed(2));
      p.el.setAttribute("fill", fill);
      p.title.textContent = tip;
    }
    currentDay = day;
    updateSnapshot(day);
    for (const c of charts) if (c.marker) c.plot.redraw(false, false);
  }

  // Snapshot table (updates with the slider).
  const snap = h("div", { class: "snapshot" });
  const snapTitle = h("h3", { text: "That day" });
  const snapBody = h("div");
  snap.append(snapTitle, snapBody);
  function updateSnapshot(day) {
    snapTitle.textContent = `On ${dates[day] || "day " + day}`;
    const rows = demandNames.map((n) => [
      n,
      { num: placeValue(n, "stock_m3", day), digits: 0 },
      { num: placeValue(n, "cover_days", day), digits: 1 },
      { num: placeValue(n, "shortage_m3", day), digits: 0 },
      { num: placeValue(n, "price_multiple", day), digits: 2 },
      { num: placeValue(n, "power_hours", day), digits: 1 },
    ]);
    const tb = table(["place", "stock m³", "cover d", "short m³", "price ×", "power h"], rows);
    tb.querySelectorAll("tbody tr").forEach((tr, i) => {
      const c = rows[i][2].num;
      if (isNum(c)) tr.children[2].className = c < 3 ? "cover-red" : c < 7 ? "cover-amber" : "";
    });
    const cl = corridors.map((c) => [c.corridor, cumulative(c.series.trucks_dispatched)[day], cumulative(c.series.trucks_arrived)[day], cumulative(c.series.trucks_lost)[day]]).filter((r) => r[1] || r[3]);
    snapBody.replaceChildren(tb);
    if (cl.length) {
      snapBody.append(h("h3", { text: "Trucks to date, by corridor" }), table(["corridor", "sent", "arrived", "lost"], cl));
    }
  }

  const legend = h(
    "div",
    { class: "legend" },
    h("span", null, h("span", { class: "sw", style: "background:#2a9d8f" }), "cover ≥ 7 d"),
    h("span", null, h("span", { class: "sw", style: "background:#f4a261" }), "3–7 d"),
    h("span", null, h("span", { class: "sw", style: "background:#d62828" }), "< 3 d"),
    h("span", null, h("span", { class: "sw", style: "background:#7b1113" }), "dry"),
    h("span", null, h("span", { class: "sw", style: "background:#1d4e89" }), "port"),
    h("span", null, h("span", { class: "sw", style: "background:#7b2cbf" }), "camp"),
    h("span", null, h("span", { class: "ln", style: "background:#52667a" }), "road in use (width: trucks)"),
    h("span", null, h("span", { class: "ln", style: "background:#e9c46a" }), "attacked"),
    h("span", null, h("span", { class: "ln", style: "background:linear-gradient(90deg,#f4a261,#7b1113)" }), "trucks lost (to date)"),
  );
  legend.append(sizeLegend("city: shortage that day (m³)", maxShortage, 5, 16, "#d62828"));
  if (camps.size) legend.append(sizeLegend("camp: arrivals to date", maxCamp, 3, 16, "#7b2cbf"));
  const left = h("div", null, controls, svg, legend);
  const sup = (data.meta && data.meta.supplied) || [];
  if (sup.includes("network.geojson")) left.append(h("p", { class: "note", text: `The folder has no network.geojson: the roads and places are those of ${data.meta.supplied_from || "the scenario"}.` }));
  if (!net.length) left.append(h("p", { class: "note", text: "The folder has no network.geojson: only the country outlines are drawn." }));
  if (unmatchedAttacks) left.append(h("p", { class: "note", text: `${unmatchedAttacks} attack event(s) could not be placed on a road of the network.` }));
  sec.append(h("div", { class: "map-layout" }, left, snap));
  svg.setAttribute("data-places", String(pts.length));
  svg.setAttribute("data-roads", String(roads.length));

  let currentDay = nDays - 1;
  slider.addEventListener("input", () => update(Number(slider.value)));
  let timer = null;
  play.addEventListener("click", () => {
    if (timer) {
      clearInterval(timer);
      timer = null;
      play.textContent = "▶ Play";
      return;
    }
    if (Number(slider.value) >= nDays - 1) slider.value = "0";
    play.textContent = "❚❚ Pause";
    timer = setInterval(() => {
      const v = Number(slider.value) + 1;
      if (v > nDays - 1) {
        clearInterval(timer);
        timer = null;
        play.textContent = "▶ Play";
        return;
      }
      slider.value = String(v);
      update(v);
    }, 80);
  });
  return { update, day: () => currentDay, initial: currentDay };
}

// Circles of the map's size rule (r = r0 + k·√(v / max)) for three values.
function sizeLegend(title, max, r0, k, color) {
  const values = [max, max / 4, max / 16].map((v) => niceRound(v)).filter((v, i, a) => v > 0 && a.indexOf(v) === i);
  const radius = (v) => r0 + k * Math.sqrt(Math.min(1, v / max));
  const R = radius(max);
  let x = 4;
  const g = s("svg", { class: "size-legend", width: 40 + values.length * (2 * R + 36), height: 2 * R + 6, role: "img", "aria-label": title });
  for (const v of values) {
    const r = radius(v);
    g.append(s("circle", { cx: x + R, cy: 2 * R + 2 - r, r: r.toFixed(1), fill: color + "33", stroke: color }));
    const t = s("text", { x: x + 2 * R + 3, y: 2 * R, "font-size": 11, fill: "#5f6b7a" });
    t.textContent = fmt(v);
    g.append(t);
    x += 2 * R + 40;
  }
  return h("span", { class: "size-legend-item" }, g, " " + title);
}
function niceRound(v) {
  if (!(v > 0)) return 0;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  const m = v / p;
  return (m >= 5 ? 5 : m >= 2 ? 2 : 1) * p;
}
// A scale bar at the map's centre latitude (Mercator stretches with latitude).
function scaleBar(projection, W, H) {
  const g = s("g", { class: "scale-bar" });
  const centre = projection.invert([W / 2, H / 2]);
  const right = projection.invert([W / 2 + 100, H / 2]);
  if (!centre || !right) return g;
  const kmPer100px = geoDistance(centre, right) * 6371;
  const km = niceRound(kmPer100px * 1.5);
  const px = (100 * km) / kmPer100px;
  const x0 = W - 30 - px,
    y0 = H - 24;
  g.append(s("rect", { x: x0, y: y0, width: (px / 2).toFixed(1), height: 5, fill: "#34495e" }));
  g.append(s("rect", { x: (x0 + px / 2).toFixed(1), y: y0, width: (px / 2).toFixed(1), height: 5, fill: "#ffffff", stroke: "#34495e" }));
  const t = s("text", { x: (x0 + px).toFixed(1), y: y0 - 4, "text-anchor": "end", class: "scale-label" });
  t.textContent = `${fmt(km)} km`;
  g.append(t);
  return g;
}

// ---------- charts ----------
const PALETTE = ["#1d4e89", "#e76f51", "#2a9d8f", "#7b2cbf", "#e9c46a", "#6c757d", "#d62828", "#52796f"];
let mapState = null;

function chartWidth(container) {
  const w = container.clientWidth || 400;
  return Math.max(280, Math.floor(w));
}

// series: [{label, values, color, scale, band: {lo, hi}, width, dash, points}]
function makeChart(container, title, series, opts) {
  opts = opts || {};
  const wrap = h("div", { class: "chart" }, h("div", { class: "chart-title", text: title }));
  container.append(wrap);
  const points = series.reduce((n, x) => n + countNum(x.values), 0);
  wrap.setAttribute("data-points", String(points));
  if (!points || !nDays) {
    wrap.append(h("div", { class: "empty", text: "no data" }));
    return null;
  }
  const plotData = [xs];
  const useries = [{}];
  const bands = [];
  for (const x of series) {
    if (x.band && countNum(x.band.hi) && countNum(x.band.lo)) {
      const hiIdx = plotData.length;
      plotData.push(x.band.hi);
      // Each band keeps its series' colour and dashed edges, so that two bands on one chart
      // stay apart where they overlap.
      const edge = { stroke: x.color + "aa", width: 0.8, dash: [4, 3], scale: x.scale || "y", points: { show: false } };
      useries.push({ ...edge, label: `${x.label} p95` });
      plotData.push(x.band.lo);
      useries.push({ ...edge, label: `${x.label} p05` });
      bands.push({ series: [hiIdx, hiIdx + 1], fill: x.color + "1f" });
      if (x.band.hi50 && x.band.lo50) {
        plotData.push(x.band.hi50);
        useries.push({ label: `${x.label} p75`, stroke: x.color + "00", scale: x.scale || "y", points: { show: false }, width: 0 });
        plotData.push(x.band.lo50);
        useries.push({ label: `${x.label} p25`, stroke: x.color + "00", scale: x.scale || "y", points: { show: false }, width: 0 });
        bands.push({ series: [hiIdx + 2, hiIdx + 3], fill: x.color + "40" });
      }
    }
    if (countNum(x.values)) {
      plotData.push(x.values);
      // Over a band, a line without area fill and a little heavier.
      const banded = !!(x.band && countNum(x.band.hi));
      useries.push({ label: x.label, stroke: x.color, fill: banded ? undefined : x.fill, width: banded ? 2 : x.width || 1.6, dash: x.dash, scale: x.scale || "y", points: { show: false }, value: (u, v) => fmt(v) });
    }
  }
  const scales = { x: { time: timeAxis } };
  const axes = [{ stroke: "#5f6b7a", grid: { stroke: "#eceff3" }, ticks: { stroke: "#d9dee5" } }];
  axes.push({ scale: "y", stroke: "#5f6b7a", grid: { stroke: "#eceff3" }, ticks: { stroke: "#d9dee5" }, label: opts.yLabel, labelSize: opts.yLabel ? 18 : 0, size: 52, values: (u, vals) => vals.map((v) => fmt(v)) });
  scales.y = { range: opts.yRange || ((u, mn, mx) => [Math.min(0, mn), mx > mn ? mx * 1.05 : mn + 1]) };
  if (series.some((x) => x.scale === "y2")) {
    scales.y2 = { range: opts.y2Range || ((u, mn, mx) => [Math.min(0, mn), mx > mn ? mx * 1.05 : mn + 1]) };
    axes.push({ scale: "y2", side: 1, stroke: "#5f6b7a", grid: { show: false }, label: opts.y2Label, labelSize: opts.y2Label ? 18 : 0, size: 50, values: (u, vals) => vals.map((v) => fmt(v)) });
  }
  const marker = opts.marker !== false;
  const uopts = {
    width: chartWidth(wrap),
    height: opts.height || 210,
    series: useries,
    bands,
    scales,
    axes,
    legend: { live: true },
    cursor: { drag: { x: true, y: false } },
    hooks: {
      draw: [
        (u) => {
          for (const hl of opts.hlines || []) {
            if (!u.scales[hl.scale] || !isNum(hl.value)) continue;
            const y = Math.round(u.valToPos(hl.value, hl.scale, true));
            if (y < u.bbox.top || y > u.bbox.top + u.bbox.height) continue;
            const ctx = u.ctx;
            ctx.save();
            ctx.strokeStyle = hl.color || "#d62828";
            ctx.setLineDash([6, 4]);
            ctx.lineWidth = 1;
            ctx.beginPath();
            ctx.moveTo(u.bbox.left, y);
            ctx.lineTo(u.bbox.left + u.bbox.width, y);
            ctx.stroke();
            ctx.restore();
          }
        },
        (u) => {
          if (!marker || !mapState) return;
          const d = mapState.day();
          if (d === nDays - 1 || !isNum(xs[d])) return;
          const x = Math.round(u.valToPos(xs[d], "x", true));
          const ctx = u.ctx;
          ctx.save();
          ctx.strokeStyle = "#d62828";
          ctx.setLineDash([4, 3]);
          ctx.lineWidth = 1;
          ctx.beginPath();
          ctx.moveTo(x, u.bbox.top);
          ctx.lineTo(x, u.bbox.top + u.bbox.height);
          ctx.stroke();
          ctx.restore();
        },
      ],
    },
  };
  const plot = new uPlot(uopts, plotData, wrap);
  // The band edges need no legend entry of their own.
  wrap.querySelectorAll(".u-legend .u-series").forEach((row) => {
    const l = row.querySelector(".u-label");
    if (l && / p(05|25|75|95)$/.test(l.textContent || "")) row.style.display = "none";
  });
  if (bands.length) wrap.append(h("div", { class: "note", text: "shaded: ensemble 5–95% (dashed edges; darker 25–75%)" }));
  const entry = { plot, wrap, marker, title, useries, plotData };
  wrap.append(exportButtons(entry));
  charts.push(entry);
  return entry;
}

// ---------- chart export (PNG, SVG, CSV), all made in the page ----------
function fileSlug(text) {
  return String(text).toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "chart";
}
function download(name, blob) {
  const a = h("a", { download: name });
  a.href = URL.createObjectURL(blob);
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}
function csvCell(v) {
  const t = v === null || v === undefined ? "" : String(v);
  return /[",\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
}
// The chart's data: one row per day, one column per drawn series (band edges included).
function chartCsv(entry) {
  const cols = entry.useries.slice(1).map((x) => x.label);
  const lines = [["date", ...cols].map(csvCell).join(",")];
  for (let i = 0; i < nDays; i++) lines.push([dates[i], ...entry.plotData.slice(1).map((arr) => (arr && isNum(arr[i]) ? arr[i] : ""))].map(csvCell).join(","));
  return lines.join("\n") + "\n";
}
// A vector drawing of the chart from its data and current scales.
function chartSvg(entry) {
  const u = entry.plot;
  const W = 720,
    H = 320,
    L = 60,
    R = 60,
    T = 30,
    B = 50;
  const root = s("svg", { xmlns: SVG_NS, width: W, height: H, viewBox: `0 0 ${W} ${H}`, "font-family": "sans-serif", "font-size": 11 });
  root.append(s("rect", { width: W, height: H, fill: "#ffffff" }));
  const title = s("text", { x: L, y: 18, "font-size": 13, "font-weight": "bold" });
  title.textContent = entry.title;
  root.append(title);
  const xsData = entry.plotData[0];
  const x0 = u.scales.x.min,
    x1 = u.scales.x.max;
  const X = (v) => L + ((v - x0) / (x1 - x0 || 1)) * (W - L - R);
  const Y = (v, sc) => {
    const k = u.scales[sc] || u.scales.y;
    return T + (1 - (v - k.min) / (k.max - k.min || 1)) * (H - T - B);
  };
  const pts = (arr, sc) => xsData.map((x, i) => (isNum(arr[i]) ? `${X(x).toFixed(1)},${Y(arr[i], sc).toFixed(1)}` : null));
  for (const b of u.bands || []) {
    const [hi, lo] = b.series;
    const sc = entry.useries[hi].scale || "y";
    const top = pts(entry.plotData[hi], sc).filter(Boolean);
    const bottom = pts(entry.plotData[lo], sc).filter(Boolean).reverse();
    root.append(s("polygon", { points: [...top, ...bottom].join(" "), fill: String(b.fill).slice(0, 7), "fill-opacity": 0.2 }));
  }
  entry.useries.slice(1).forEach((x, k) => {
    if (!x.width || String(x.stroke).length > 7 && String(x.stroke).endsWith("00")) return;
    const p = pts(entry.plotData[k + 1], x.scale || "y").filter(Boolean);
    root.append(s("polyline", { points: p.join(" "), fill: "none", stroke: String(x.stroke).slice(0, 7), "stroke-width": x.width, "stroke-dasharray": x.dash ? x.dash.join(" ") : null }));
  });
  root.append(s("rect", { x: L, y: T, width: W - L - R, height: H - T - B, fill: "none", stroke: "#9aa5b1" }));
  const text = (x, y, t, anchor) => {
    const e = s("text", { x, y, "text-anchor": anchor || "start", fill: "#333" });
    e.textContent = t;
    root.append(e);
  };
  const dateAt = (v) => (timeAxis ? new Date(v * 1000).toISOString().slice(0, 10) : fmt(v));
  text(L, H - B + 16, dateAt(x0));
  text(W - R, H - B + 16, dateAt(x1), "end");
  for (const sc of ["y", "y2"]) {
    const k = u.scales[sc];
    if (!k || !isNum(k.min) || !entry.useries.some((x) => (x.scale || "y") === sc)) continue;
    const xPos = sc === "y" ? L - 4 : W - R + 4;
    const anchor = sc === "y" ? "end" : "start";
    text(xPos, H - B, fmt(k.min), anchor);
    text(xPos, T + 10, fmt(k.max), anchor);
  }
  let lx = L;
  entry.useries.slice(1).forEach((x) => {
    if (/ p(05|25|75|95)$/.test(x.label)) return;
    root.append(s("rect", { x: lx, y: H - 18, width: 12, height: 4, fill: String(x.stroke).slice(0, 7) }));
    text(lx + 16, H - 13, x.label);
    lx += 30 + 6.5 * x.label.length;
  });
  return new XMLSerializer().serializeToString(root);
}
// The chart's canvas with its title, as a PNG.
function chartPng(entry, done) {
  const src = entry.plot.ctx.canvas;
  const c = document.createElement("canvas");
  c.width = src.width;
  c.height = src.height + 28;
  const ctx = c.getContext("2d");
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, c.width, c.height);
  ctx.fillStyle = "#1f2933";
  ctx.font = "bold 14px sans-serif";
  ctx.fillText(entry.title, 8, 19);
  ctx.drawImage(src, 0, 28);
  c.toBlob(done, "image/png");
}
function exportButtons(entry) {
  const name = fileSlug(`${entry.wrap.closest(".city")?.querySelector("h3")?.textContent || ""} ${entry.title}`);
  const button = (text, onclick) => h("button", { type: "button", class: "export", "data-export": text.toLowerCase(), text, onclick });
  return h(
    "div",
    { class: "export-bar" },
    "Download: ",
    button("PNG", () => chartPng(entry, (blob) => blob && download(`${name}.png`, blob))),
    button("SVG", () => download(`${name}.svg`, new Blob([chartSvg(entry)], { type: "image/svg+xml" }))),
    button("CSV", () => download(`${name}.csv`, new Blob([chartCsv(entry)], { type: "text/csv" }))),
  );
}

function bandOf(place, metric) {
  const q = quantile(place, metric);
  if (!q || !q.p05 || !q.p95) return null;
  return { lo: q.p05, hi: q.p95, lo50: q.p25, hi50: q.p75 };
}
function runSeries(place, commodity, metric) {
  const p = places.find((x) => x.place === place && (commodity === null || x.commodity === commodity));
  if (p && p.series && p.series[metric]) return p.series[metric];
  return null;
}

function renderCities(main) {
  if (!demandNames.length) return;
  const hasQ = quantiles.length > 0;
  const sec = section(
    "cities",
    "Cities",
    hasQ
      ? "Lines: the run (or the ensemble median where no single run is present); shaded: the ensemble's 5–95% band (darker: 25–75%)."
      : "Daily values from the run. Drag across a chart to zoom, double-click to reset. The dashed red line marks the map's day.",
  );
  main.append(sec);
  const entries = [];
  for (const name of demandNames) {
    const coms = places.filter((p) => p.place === name).map((p) => p.commodity);
    if (!coms.length) coms.push(null);
    for (const com of coms) entries.push([name, com]);
  }
  for (const [name, com] of entries) {
    const block = h("div", { class: "city" });
    block.append(h("h3", { text: com && coms(name) > 1 ? `${name} — ${com}` : name }));
    const grid = h("div", { class: "chart-grid" });
    block.append(grid);
    sec.append(block);
    const series = (metric) => {
      const v = runSeries(name, com, metric);
      if (v) return v;
      const q = quantile(name, metric);
      return q ? q.p50 : null;
    };
    const med = (metric) => (runSeries(name, com, metric) ? "" : " (median)");
    // Columns keep their `_m3` names for every commodity; the unit is the commodity's own.
    const u = unitOf(name, com);
    const dry = data.summary && isNum(data.summary.dry_cover_days) ? data.summary.dry_cover_days : null;
    makeChart(
      grid,
      `Stock (${u}, area, left) and cover (days, line, right)`,
      [
        { label: `stock ${u}` + med("stock_m3"), values: series("stock_m3"), color: "#1d4e89", fill: "#1d4e8922", width: 1, band: bandOf(name, "stock_m3") },
        { label: "cover days" + med("cover_days"), values: series("cover_days"), color: "#e76f51", scale: "y2", band: bandOf(name, "cover_days") },
      ],
      { yLabel: u, y2Label: "days", hlines: dry !== null ? [{ scale: "y2", value: dry, color: "#d62828" }] : [] },
    );
    makeChart(grid, "Price multiple (× pre-crisis)", [{ label: "price ×" + med("price_multiple"), values: series("price_multiple"), color: "#7b2cbf", band: bandOf(name, "price_multiple") }], {
      yRange: (u, mn, mx) => [0, Math.max(1.2, mx * 1.08)],
      hlines: [{ scale: "y", value: 1, color: "#9aa5b1" }],
    });
    const power = series("power_hours");
    const hasPower = countNum(power) > 0 || !!bandOf(name, "power_hours");
    makeChart(
      grid,
      hasPower ? `Shortage (${u}/day, left) and power supply (hours/day, right)` : `Shortage (${u}/day); no power data for this place`,
      [
        { label: `shortage ${u}` + med("shortage_m3"), values: series("shortage_m3"), color: "#d62828", fill: "#d6282822", width: 1, band: bandOf(name, "shortage_m3") },
        ...(hasPower ? [{ label: "power h" + med("power_hours"), values: power, color: "#2a9d8f", scale: "y2", band: bandOf(name, "power_hours") }] : []),
      ],
      { yLabel: u, y2Label: hasPower ? "hours" : undefined, y2Range: [0, 24] },
    );
  }
  function coms(name) {
    return places.filter((p) => p.place === name).length;
  }
  // A run's summary gives each commodity's unit; an ensemble's, each depot label's.
  function unitOf(name, com) {
    const byCommodity = data.summary?.national?.delivered_by_commodity;
    const byLabel = data.summary?.units;
    const unit = com && byCommodity?.[com] ? byCommodity[com].unit : byLabel?.[name] || "m3";
    return unit === "m3" ? "m³" : unit;
  }
}

function renderCorridors(main) {
  if (!corridors.length) return;
  const sec = section("corridors", "Corridors", "Trucks dispatched, arrived and lost per corridor. Totals over the whole run in the table.");
  main.append(sec);
  const tot = corridors.map((c) => {
    const sr = c.series || {};
    return [c.corridor, sum(sr.trucks_dispatched), sum(sr.trucks_arrived), sum(sr.trucks_lost), sum(sr.delivered_m3), sum(sr.drivers_kidnapped), sum(sr.drivers_killed), sum(sr.attacks)];
  });
  tot.sort((a, b) => b[1] - a[1]);
  sec.append(table(["corridor", "dispatched", "arrived", "lost", "delivered m³", "drivers kidnapped", "drivers killed", "attacks"], tot, { scroll: true }));
  const toggle = h("div", { class: "toggle" });
  const cum = h("input", { type: "checkbox", id: "cumulative", checked: "checked" });
  toggle.append(h("label", null, cum, " cumulative"));
  sec.append(toggle);
  const grid = h("div", { class: "chart-grid small" });
  sec.append(grid);
  const order = tot.map((r) => r[0]);
  const list = [];
  for (const name of order) {
    const c = corridors.find((x) => x.corridor === name);
    const sr = c.series || {};
    const raw = [sr.trucks_dispatched || [], sr.trucks_arrived || [], sr.trucks_lost || []];
    const e = makeChart(
      grid,
      name,
      [
        { label: "dispatched", values: cumulative(raw[0]), color: "#1d4e89" },
        { label: "arrived", values: cumulative(raw[1]), color: "#2a9d8f" },
        { label: "lost", values: cumulative(raw[2]), color: "#d62828", width: 2.2 },
      ],
      { height: 170 },
    );
    if (e) list.push({ e, raw });
  }
  cum.addEventListener("change", () => {
    for (const { e, raw } of list) {
      const d = [xs, ...raw.map((r) => (cum.checked ? cumulative(r) : r))];
      e.plot.setData(d);
    }
  });
}

// An ensemble's corridors: per corridor and day, the spread over the runs of the figures a
// single run writes per corridor (corridor_quantiles.csv), drawn like the cities' bands.
const corridorQuantiles = data.corridor_quantiles || [];
function corridorBand(name, metric) {
  const q = corridorQuantiles.find((x) => x.corridor === name && x.metric === metric);
  if (!q || !q.p05 || !q.p95) return { median: null, band: null, total: null };
  return { median: q.p50 || null, band: { lo: q.p05, hi: q.p95, lo50: q.p25, hi50: q.p75 }, total: isNum(q.mean_total) ? q.mean_total : null };
}
function renderCorridorSpread(main) {
  if (!corridorQuantiles.length) return;
  const runs = data.meta && isNum(data.meta.runs) ? `${fmt(data.meta.runs)} runs` : "the runs";
  const note = `Over ${runs}: per corridor and day, the median (line) and the 5–95% band (darker: 25–75%) of the volume delivered, the trucks lost and the drivers' willingness to drive (1: all willing). Table: expected totals over the period (sums of the daily means) and the lowest daily median willingness.`;
  let sec = document.getElementById("corridors");
  if (sec) {
    sec.append(h("h3", { text: "Over the ensemble's runs" }), h("p", { class: "note", text: note }));
  } else {
    sec = section("corridors", "Corridors", note);
    main.append(sec);
  }
  sec.setAttribute("data-corridor-spread", "1");
  const names = Array.from(new Set(corridorQuantiles.map((q) => q.corridor)));
  const rows = names.map((name) => {
    const d = corridorBand(name, "delivered_m3");
    const l = corridorBand(name, "trucks_lost");
    const w = corridorBand(name, "willingness");
    const lowest = w.median && countNum(w.median) ? Math.min(...w.median.filter(isNum)) : null;
    return [name, { num: d.total, digits: 0 }, { num: l.total, digits: 1 }, { num: lowest, digits: 3 }];
  });
  rows.sort((a, b) => (b[1].num || 0) - (a[1].num || 0));
  sec.append(h("div", { class: "corridor-spread-table" }, table(["corridor", "delivered m³ (mean total)", "trucks lost (mean total)", "lowest median willingness"], rows, { scroll: true })));
  for (const [name] of rows) {
    const block = h("div", { class: "city corridor-spread" });
    block.append(h("h3", { text: name }));
    const grid = h("div", { class: "chart-grid small" });
    block.append(grid);
    sec.append(block);
    const d = corridorBand(name, "delivered_m3");
    makeChart(grid, "Delivered (m³/day)", [{ label: "delivered m³ (median)", values: d.median, color: "#1d4e89", band: d.band }], { yLabel: "m³", height: 170 });
    const l = corridorBand(name, "trucks_lost");
    const w = corridorBand(name, "willingness");
    makeChart(
      grid,
      "Trucks lost (per day, left) and drivers' willingness (right)",
      [
        { label: "trucks lost (median)", values: l.median, color: "#d62828", band: l.band },
        { label: "willingness (median)", values: w.median, color: "#2a9d8f", scale: "y2", band: w.band },
      ],
      { yLabel: "trucks", y2Label: "share", y2Range: [0, 1.05], height: 170 },
    );
  }
}

function renderDisplacement(main) {
  if (!displacement.length) return;
  const sec = section("displacement", "Displacement", "People present (line, right axis) and daily arrivals (left axis) per location, for the locations with the most arrivals.");
  main.append(sec);
  const ranked = displacement
    .map((x) => ({ x, total: sum((x.series || {}).arrivals), peak: maxOf((x.series || {}).agents_present) }))
    .filter((r) => r.total > 0 || r.peak > 0)
    .sort((a, b) => b.total - a.total || b.peak - a.peak);
  sec.append(
    details(
      `Arrivals by location (${ranked.length})`,
      table(
        ["location", "arrivals (total)", "peak present"],
        ranked.map((r) => [r.x.location, r.total, isFinite(r.peak) ? r.peak : null]),
        { scroll: true },
      ),
    ),
  );
  const grid = h("div", { class: "chart-grid small" });
  sec.append(grid);
  for (const r of ranked.slice(0, 12)) {
    const sr = r.x.series || {};
    makeChart(
      grid,
      r.x.location,
      [
        { label: "arrivals/day", values: sr.arrivals, color: "#e76f51" },
        { label: "present", values: sr.agents_present, color: "#7b2cbf", scale: "y2" },
      ],
      { height: 170 },
    );
  }
}

// ---------- key figures (summary.json, read generically) ----------
function isPlainObject(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}
function flatten(obj, prefix, out) {
  out = out || {};
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (isPlainObject(v)) flatten(v, key, out);
    else if (Array.isArray(v)) out[key] = v.every((x) => !isPlainObject(x)) ? v.join(", ") : JSON.stringify(v);
    else out[key] = v;
  }
  return out;
}
function objectTable(rowsByName, firstCol) {
  const flat = Object.entries(rowsByName).map(([n, v]) => [n, isPlainObject(v) ? flatten(v) : { value: v }]);
  const cols = [];
  for (const [, f] of flat) for (const k of Object.keys(f)) if (!cols.includes(k)) cols.push(k);
  return table([firstCol, ...cols.map(label)], flat.map(([n, f]) => [n, ...cols.map((c) => (f[c] === undefined ? null : rawIfId(c, f[c])))]), { scroll: true });
}
// An ensemble's figure: {p05, p50, p95, mean, …}.
function isSpread(v) {
  return isPlainObject(v) && "p50" in v && "p05" in v;
}
// A map of scalars (e.g. trucks lost by corridor) as rows; nested maps as tables of their own.
function scalarMapTables(target, title, v) {
  const scalars = Object.entries(v).filter(([, x]) => !isPlainObject(x) && !Array.isArray(x));
  if (scalars.length) target.append(table([title, "value"], scalars.map(([k, x]) => [label(k), rawIfId(k, x)]), { scroll: scalars.length > 20 }));
  for (const [k, x] of Object.entries(v)) {
    if (!isPlainObject(x)) continue;
    const by = /^(.*)_by_(\w+)$/.exec(k);
    const [what, key] = by ? [by[1], by[2]] : [k, "name"];
    if (Object.values(x).every(isSpread)) {
      target.append(h("h4", { text: label(k) }), spreadTable(x));
    } else if (Object.values(x).every((y) => !isPlainObject(y))) {
      target.append(h("h4", { text: label(k) }), table([label(key), label(what)], Object.entries(x).map(([n, y]) => [n, rawIfId(n, y)]), { scroll: Object.keys(x).length > 20 }));
    } else {
      target.append(h("h4", { text: label(k) }), objectTable(x, "name"));
    }
  }
}
// Figures of an ensemble, one row per figure: median and 90% range over the runs.
function spreadTable(figures) {
  const cols = [];
  for (const v of Object.values(figures)) for (const k of Object.keys(v)) if (!cols.includes(k)) cols.push(k);
  return table(["figure", ...cols.map(label)], Object.entries(figures).map(([f, v]) => [label(f), ...cols.map((c) => (v[c] === undefined ? null : v[c]))]), { scroll: true });
}
// Fields of summary.json that describe how it was made rather than what happened.
const INTERNAL_KEYS = new Set(["manifest", "quantiles", "format", "fingerprint", "chunk_runs"]);
function renderKeyFigures(main) {
  const sm = data.summary;
  if (!isPlainObject(sm)) return;
  const sec = section("key-figures", "Key figures", "From summary.json.");
  main.append(sec);
  const scalars = Object.entries(sm).filter(([k, v]) => !isPlainObject(v) && !Array.isArray(v) && !INTERNAL_KEYS.has(k));
  if (scalars.length) sec.append(table(["figure", "value"], scalars.map(([k, v]) => [label(k), rawIfId(k, v)])));
  if (typeof sm.quantiles === "string") sec.append(h("p", { class: "note", text: `Quantiles: ${sm.quantiles}.` }));
  const order = (k) => ["places", "national", "corridors", "displacement", "balance"].indexOf(k) + 1 || 9;
  const rest = Object.entries(sm)
    .filter(([k, v]) => (isPlainObject(v) || Array.isArray(v)) && !INTERNAL_KEYS.has(k))
    .sort((a, b) => order(a[0]) - order(b[0]));
  for (const [k, v] of rest) {
    // Tables repeated elsewhere in the page (corridors) or long go into a collapsed panel.
    const folded = k === "corridors" || k === "balance";
    const target = folded ? h("div") : sec;
    if (folded) sec.append(details(`${label(k)} (summary.json)`, target));
    else target.append(h("h3", { text: label(k) }));
    if (Array.isArray(v)) {
      if (v.every(isPlainObject)) {
        const flat = v.map((x) => flatten(x));
        const cols = [];
        for (const f of flat) for (const c of Object.keys(f)) if (!cols.includes(c)) cols.push(c);
        target.append(table(cols.map(label), flat.map((f) => cols.map((c) => (f[c] === undefined ? null : f[c]))), { scroll: true }));
      } else target.append(h("p", { text: v.map((x) => fmt(x)).join(", ") }));
    } else if (Object.values(v).length && Object.values(v).every((x) => isPlainObject(x) && Object.values(x).every(isSpread))) {
      // An ensemble's places: one table per place.
      for (const [name, figs] of Object.entries(v)) target.append(h("h4", { text: name }), spreadTable(figs));
    } else if (Object.values(v).length && Object.values(v).every(isPlainObject)) {
      target.append(objectTable(v, k === "places" ? "place" : k === "corridors" ? "corridor" : "name"));
    } else {
      scalarMapTables(target, "figure", v);
    }
  }
  if (isPlainObject(sm.manifest)) {
    const m = sm.manifest;
    sec.append(details("How the ensemble was run (manifest)", table(["field", "value"], Object.entries(m).map(([k, x]) => [label(k), typeof x === "number" ? { raw: x } : x]))));
  }
}

// ---------- compare (compare.csv, read by header) ----------
function intervalSvg(lo, hi, a, b, m, zero) {
  const W = 170,
    H = 16,
    pad = 6;
  const X = (v) => pad + ((v - lo) / (hi - lo || 1)) * (W - 2 * pad);
  const svg = s("svg", { width: W, height: H, viewBox: `0 0 ${W} ${H}` });
  if (zero && lo <= 0 && hi >= 0) svg.append(s("line", { x1: X(0), x2: X(0), y1: 1, y2: H - 1, stroke: "#9aa5b1", "stroke-width": 1, "stroke-dasharray": "2 2" }));
  if (a !== null && b !== null) svg.append(s("line", { x1: X(a), x2: X(b), y1: H / 2, y2: H / 2, stroke: "#1d4e89", "stroke-width": 3, "stroke-linecap": "round" }));
  if (m !== null) svg.append(s("circle", { cx: X(m), cy: H / 2, r: 4, fill: "#e76f51" }));
  return h("span", { class: "interval" }, svg);
}
function renderCompare(main) {
  const cmp = data.compare;
  if (!cmp || !Array.isArray(cmp.header) || !cmp.rows || !cmp.rows.length) return;
  const sec = section(
    "compare",
    "Responses compared",
    "Each response on the same seeds as the baseline: median and 90% interval of the figure, the paired difference with the baseline (response − baseline, run by run) and its 90% interval, and the rank (1 = best). Bars: interval; dot: median; dashed: no difference.",
  );
  main.append(sec);
  const hdr = cmp.header.map((x) => String(x));
  const lc = hdr.map((x) => x.toLowerCase());
  const find = (...names) => {
    for (const n of names) {
      const i = lc.indexOf(n);
      if (i >= 0) return i;
    }
    return -1;
  };
  const iPlace = find("place", "location");
  const iFig = find("figure", "key_figure", "metric", "kpi", "indicator");
  const iRank = find("rank");
  const iMed = find("median", "p50");
  const iLo = find("p05", "lo", "low", "lower");
  const iHi = find("p95", "hi", "high", "upper");
  const iDMed = find("diff_median", "diff_p50");
  const iDLo = find("diff_p05", "diff_lo", "diff_lower");
  const iDHi = find("diff_p95", "diff_hi", "diff_upper");
  const num = (v) => {
    if (typeof v === "number") return isFinite(v) ? v : null;
    if (v === null || v === undefined || String(v).trim() === "") return null;
    const x = Number(v);
    return isFinite(x) ? x : null;
  };
  const groups = new Map();
  for (const r of cmp.rows) {
    const g = [iPlace >= 0 ? String(r[iPlace] || "") : "", iFig >= 0 ? String(r[iFig] || "") : ""];
    const k = g.join("\u0000");
    if (!groups.has(k)) groups.set(k, { g, rows: [] });
    groups.get(k).rows.push(r);
  }
  const groupCols = new Set([iPlace, iFig].filter((i) => i >= 0));
  const range = (rows, cols) => {
    let lo = Infinity,
      hi = -Infinity;
    for (const r of rows)
      for (const i of cols) {
        const v = i >= 0 ? num(r[i]) : null;
        if (v !== null) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
      }
    return isFinite(lo) ? [lo, hi] : null;
  };
  // One place at a time (a select), national figures with each.
  const placesIn = Array.from(new Set(Array.from(groups.values()).map((x) => x.g[0])));
  const body0 = h("div");
  let select = null;
  if (iPlace >= 0 && placesIn.filter(Boolean).length > 1) {
    select = h("select", { id: "compare-place", "aria-label": "Place" });
    for (const p of placesIn.filter(Boolean)) select.append(h("option", { value: p, text: p }));
    sec.append(h("div", { class: "toggle" }, h("label", null, "Place: ", select)));
  }
  sec.append(body0);
  const draw = () => {
    body0.replaceChildren();
    drawGroups(select ? select.value : null);
  };
  if (select) select.addEventListener("change", draw);
  let nTables = 0;
  const drawGroups = (only) => {
  for (const { g, rows } of groups.values()) {
    if (only !== null && g[0] && g[0] !== only) continue;
    if (iRank >= 0) rows.sort((a, b) => (num(a[iRank]) ?? 1e9) - (num(b[iRank]) ?? 1e9));
    const title = [g[0] || (iPlace >= 0 ? "national" : ""), label(g[1])].filter(Boolean).join(" — ");
    if (title) body0.append(h("h3", { text: title }));
    const vr = iLo >= 0 && iHi >= 0 ? range(rows, [iLo, iHi, iMed]) : null;
    const dr = iDLo >= 0 && iDHi >= 0 ? range(rows, [iDLo, iDHi, iDMed, -1]) : null;
    if (dr) (dr[0] = Math.min(dr[0], 0)), (dr[1] = Math.max(dr[1], 0));
    const cols = hdr.filter((_, i) => !groupCols.has(i));
    const body = rows.map((r) => {
      const cells = r.filter((_, i) => !groupCols.has(i)).map((v) => (num(v) !== null ? num(v) : v));
      if (vr) cells.push(intervalSvg(vr[0], vr[1], num(r[iLo]), num(r[iHi]), iMed >= 0 ? num(r[iMed]) : null, false));
      if (dr) cells.push(intervalSvg(dr[0], dr[1], num(r[iDLo]), num(r[iDHi]), iDMed >= 0 ? num(r[iDMed]) : null, true));
      return cells;
    });
    if (vr) cols.push(`90% interval (${fmt(vr[0])} … ${fmt(vr[1])})`);
    if (dr) cols.push(`difference (${fmt(dr[0])} … ${fmt(dr[1])})`);
    body0.append(table(cols.map(label), body, { scroll: rows.length > 15, rowClass: (r, i) => (i === 0 && iRank >= 0 ? "best" : null) }));
    nTables++;
  }
  };
  draw();
  sec.setAttribute("data-tables", String(nTables));
}

// ---------- calibration, validation and sensitivity ----------
// Plain SVG charts of the tables of `lifeline calibrate`, `validate` and `sensitivity`: every
// chart carries a <title> and a caption in words, so that it reads without the picture.
function svgTitled(W, H, cls, title) {
  const svg = s("svg", { width: W, height: H, viewBox: `0 0 ${W} ${H}`, class: cls, role: "img" });
  const t = s("title");
  t.textContent = title;
  svg.append(t);
  return svg;
}
function svgText(x, y, text, attrs) {
  const t = s("text", Object.assign({ x, y, "font-size": 10.5, fill: "#34495e" }, attrs || {}));
  t.textContent = text;
  return t;
}
// A scale from [lo, hi] (logarithmic when `log` and both positive) to [a, b].
function axisScale(lo, hi, a, b, log) {
  const useLog = log && lo > 0 && hi > 0;
  const f = useLog ? Math.log : (v) => v;
  const l = f(lo),
    u = f(hi);
  const span = u - l || 1;
  const scale = (v) => a + ((f(Math.min(hi, Math.max(lo, v))) - l) / span) * (b - a);
  scale.log = useLog;
  scale.inv = (t) => (useLog ? Math.exp(l + t * span) : l + t * span);
  return scale;
}
function weightedQuantile(values, weights, q) {
  const idx = values.map((_, i) => i).filter((i) => isNum(values[i]) && isNum(weights[i]) && weights[i] > 0);
  if (!idx.length) return null;
  idx.sort((i, j) => values[i] - values[j]);
  const total = idx.reduce((t, i) => t + weights[i], 0);
  let acc = 0;
  for (const i of idx) {
    acc += weights[i];
    if (acc >= q * total) return values[i];
  }
  return values[idx[idx.length - 1]];
}
function erf(x) {
  // Abramowitz and Stegun 7.1.26 (|error| < 1.5e-7): enough to shade a prior.
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return x >= 0 ? y : -y;
}
// The prior's share of each bin (edges in the parameter's units).
function priorShares(prior, edges) {
  if (!prior) return null;
  const cdf = (v) => {
    if (prior.distribution === "log_uniform") return (Math.log(v) - Math.log(prior.min)) / (Math.log(prior.max) - Math.log(prior.min));
    if (prior.distribution === "normal" && isNum(prior.mean) && isNum(prior.sd)) return 0.5 * (1 + erf((v - prior.mean) / (prior.sd * Math.SQRT2)));
    return (v - prior.min) / (prior.max - prior.min);
  };
  const raw = edges.slice(1).map((e, i) => cdf(e) - cdf(edges[i]));
  const total = raw.reduce((a, b) => a + b, 0) || 1;
  return raw.map((x) => x / total);
}
function parameterRange(p) {
  if (p.prior && isNum(p.prior.min) && isNum(p.prior.max) && p.prior.max > p.prior.min) return [p.prior.min, p.prior.max, p.prior.distribution === "log_uniform"];
  const v = p.values.filter(isNum);
  if (!v.length) return null;
  let lo = Math.min(...v),
    hi = Math.max(...v);
  if (hi === lo) (lo -= 0.5), (hi += 0.5);
  return [lo, hi, false];
}
function histogramSvg(p, weights, mark) {
  const W = 300,
    H = 170,
    L = 10,
    R = 10,
    T = 8,
    B = 34;
  const range = parameterRange(p);
  const nb = 24;
  const title = `${p.name}: weighted histogram of the posterior's particles` + (p.prior ? ` over the prior's range ${fmt(p.prior.min)}–${fmt(p.prior.max)} (${p.prior.distribution.replace("_", "-")} prior, dashed)` : " (prior unknown: the particles' range)");
  const svg = svgTitled(W, H, "posterior-hist", title);
  svg.setAttribute("data-parameter", p.name);
  if (!range) return svg;
  const [lo, hi, log] = range;
  const x = axisScale(lo, hi, L, W - R, log);
  const edges = Array.from({ length: nb + 1 }, (_, i) => x.inv(i / nb));
  const mass = new Array(nb).fill(0);
  let total = 0;
  p.values.forEach((v, i) => {
    const w = weights[i];
    if (!isNum(v) || !isNum(w) || w <= 0) return;
    const b = Math.min(nb - 1, Math.max(0, Math.floor(((x(v) - L) / (W - R - L)) * nb)));
    mass[b] += w;
    total += w;
  });
  const shares = mass.map((m) => m / (total || 1));
  const prior = priorShares(p.prior, edges);
  const top = Math.max(...shares, ...(prior || [0])) || 1;
  const y = (v) => H - B - (v / top) * (H - B - T);
  const bw = (W - L - R) / nb;
  shares.forEach((v, i) => svg.append(s("rect", { class: "bar", x: L + i * bw + 0.5, y: y(v), width: Math.max(0, bw - 1), height: H - B - y(v), fill: "#1d4e89", "fill-opacity": 0.75 })));
  if (prior) {
    let d = "";
    prior.forEach((v, i) => (d += `${i ? "L" : "M"}${L + i * bw},${y(v)}H${L + (i + 1) * bw}`));
    svg.append(s("path", { d, fill: "none", stroke: "#e76f51", "stroke-width": 1.3, "stroke-dasharray": "4 3" }));
  }
  svg.append(s("line", { x1: L, x2: W - R, y1: H - B, y2: H - B, stroke: "#9aa5b1" }));
  [lo, x.inv(0.5), hi].forEach((v, i) => svg.append(svgText([L, (L + W - R) / 2, W - R][i], H - B + 13, fmt(v), { "text-anchor": ["start", "middle", "end"][i] })));
  svg.append(svgText((L + W - R) / 2, H - 6, (log ? "log scale; " : "") + "bars: posterior weight; dashed: prior", { "text-anchor": "middle", fill: "#5f6b7a" }));
  if (isNum(mark)) svg.append(s("line", { class: "run-particle", x1: x(mark), x2: x(mark), y1: T, y2: H - B, stroke: "#d62828", "stroke-width": 2 }));
  return svg;
}
function weightedCorrelation(a, b, w) {
  let sw = 0,
    ma = 0,
    mb = 0;
  a.forEach((v, i) => {
    if (isNum(v) && isNum(b[i]) && isNum(w[i])) (sw += w[i]), (ma += w[i] * v), (mb += w[i] * b[i]);
  });
  if (!(sw > 0)) return null;
  (ma /= sw), (mb /= sw);
  let sab = 0,
    saa = 0,
    sbb = 0;
  a.forEach((v, i) => {
    if (isNum(v) && isNum(b[i]) && isNum(w[i])) (sab += w[i] * (v - ma) * (b[i] - mb)), (saa += w[i] * (v - ma) ** 2), (sbb += w[i] * (b[i] - mb) ** 2);
  });
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : null;
}
function pairSvg(px, py, weights, mark) {
  const W = 236,
    H = 230,
    L = 42,
    B = 34,
    T = 6,
    R = 8;
  const rx = parameterRange(px),
    ry = parameterRange(py);
  const r = weightedCorrelation(px.values, py.values, weights);
  const title = `${px.name} (across) against ${py.name} (up): one dot per particle, larger for more weight` + (r !== null ? `; weighted correlation ${fmt(r, 2)}` : "");
  const svg = svgTitled(W, H, "pairs-plot", title);
  svg.setAttribute("data-pair", `${px.name} × ${py.name}`);
  if (!rx || !ry) return svg;
  const x = axisScale(rx[0], rx[1], L, W - R, rx[2]);
  const y = axisScale(ry[0], ry[1], H - B, T, ry[2]);
  svg.append(s("rect", { x: L, y: T, width: W - L - R, height: H - B - T, fill: "#f6f7f9", stroke: "#d9dee5" }));
  const wmax = Math.max(...weights.filter(isNum), 0) || 1;
  const g = s("g", { fill: "#1d4e89", "fill-opacity": 0.35 });
  px.values.forEach((v, i) => {
    const u = py.values[i],
      w = weights[i];
    if (!isNum(v) || !isNum(u) || !isNum(w) || w <= 0) return;
    g.append(s("circle", { cx: x(v).toFixed(1), cy: y(u).toFixed(1), r: (0.8 + 2.6 * Math.sqrt(w / wmax)).toFixed(2) }));
  });
  svg.append(g);
  if (isNum(mark && mark[0]) && isNum(mark[1])) svg.append(s("circle", { class: "run-particle", cx: x(mark[0]), cy: y(mark[1]), r: 5, fill: "none", stroke: "#d62828", "stroke-width": 2 }));
  svg.append(svgText(L, H - B + 12, fmt(rx[0])), svgText(W - R, H - B + 12, fmt(rx[1]), { "text-anchor": "end" }));
  svg.append(svgText(L - 3, H - B, fmt(ry[0]), { "text-anchor": "end" }), svgText(L - 3, T + 9, fmt(ry[1]), { "text-anchor": "end" }));
  const short = (n) => (n.length > 34 ? "…" + n.slice(-33) : n);
  svg.append(svgText((L + W - R) / 2, H - 8, short(px.name), { "text-anchor": "middle", fill: "#1f2933" }));
  const yl = svgText(9, (T + H - B) / 2, short(py.name), { "text-anchor": "middle", fill: "#1f2933", transform: `rotate(-90 9 ${(T + H - B) / 2})` });
  svg.append(yl);
  if (r !== null) svg.append(svgText(W - R - 4, T + 12, `r = ${fmt(r, 2)}`, { "text-anchor": "end", fill: "#1f2933" }));
  return svg;
}
function observedText(r) {
  if (!isNum(r.observed_low) && !isNum(r.observed_high)) return "—";
  if (r.observed_low === r.observed_high) return fmt(r.observed_low);
  return `${fmt(r.observed_low)}–${fmt(r.observed_high)}`;
}
function fitBandSvg(r) {
  const vals = [r.observed_low, r.observed_high, r.p05, r.p50, r.p95].filter(isNum);
  const W = 190,
    H = 18,
    pad = 6;
  const title = `${r.target}: observed ${observedText(r)} (green); model 90% band ${fmt(r.p05)}–${fmt(r.p95)} (blue), median ${fmt(r.p50)} (dot)`;
  const svg = svgTitled(W, H, "fit-band", title);
  if (!vals.length) return h("span", { class: "interval" }, svg);
  let lo = Math.min(...vals),
    hi = Math.max(...vals);
  const span = hi - lo || Math.abs(hi) || 1;
  (lo -= span * 0.05), (hi += span * 0.05);
  const X = (v) => pad + ((v - lo) / (hi - lo)) * (W - 2 * pad);
  if (isNum(r.observed_low) && isNum(r.observed_high))
    svg.append(s("rect", { x: X(r.observed_low) - (r.observed_low === r.observed_high ? 1.5 : 0), y: 2, width: Math.max(3, X(r.observed_high) - X(r.observed_low)), height: H - 4, fill: "#2a9d8f", "fill-opacity": 0.3, stroke: "#2a9d8f" }));
  if (isNum(r.p05) && isNum(r.p95)) svg.append(s("line", { x1: X(r.p05), x2: X(r.p95), y1: H / 2, y2: H / 2, stroke: "#1d4e89", "stroke-width": 3, "stroke-linecap": "round" }));
  if (isNum(r.p50)) svg.append(s("circle", { cx: X(r.p50), cy: H / 2, r: 4, fill: "#e76f51" }));
  return h("span", { class: "interval" }, svg);
}
const SET_TITLES = { calibration: "Calibration targets (fitted)", validation: "Validation targets (never used in fitting)" };
function renderFitTables(sec, fit) {
  const groups = new Map();
  for (const r of fit) {
    const k = `${r.set}\u0000${r.table || ""}`;
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k).push(r);
  }
  const order = [...groups.keys()].sort((a, b) => (a.startsWith("calibration") ? 0 : 1) - (b.startsWith("calibration") ? 0 : 1));
  for (const k of order) {
    const rows = groups.get(k);
    const set = rows[0].set;
    const file = rows[0].table || "";
    const how = file === "fit.csv" ? "the model's weighted 5/50/95% quantiles over the calibration's final particles (fit.csv)" : `each run's value over the runs of \`lifeline validate\` (${file})`;
    const block = h("div", { class: "fit-block", "data-set": set, "data-table": file });
    block.append(h("h3", { text: `${SET_TITLES[set] || set} — ${file === "fit.csv" ? "fit" : "validation runs"}` }), h("p", { class: "note", text: `Model band: ${how}. “inside”: the 90% band meets the observed range. Green: observed; blue bar: model 90% band; dot: median.` }));
    // validate.csv gives the share of runs inside the observation; fit.csv does not.
    const shares = rows.some((r) => isNum(r.share_of_runs_inside));
    const headers = ["target", "parameters", "observed", "uncertainty", "model p05", "p50", "p95", "inside", "band", ...(shares ? ["share of runs inside"] : []), "source"];
    const body = rows.map((r) => [r.target, r.parameters, observedText(r), { num: r.uncertainty }, { num: r.p05 }, { num: r.p50 }, { num: r.p95 }, r.inside === null ? "—" : r.inside ? "yes" : "no", fitBandSvg(r), ...(shares ? [{ num: r.share_of_runs_inside, digits: 2 }] : []), r.source]);
    block.append(table(headers, body, { scroll: rows.length > 15, rowClass: (_, i) => `fit-row ${rows[i].inside === false ? "outside" : "inside"}` }));
    const missed = rows.filter((r) => r.inside === false).map((r) => r.target);
    block.append(h("p", { class: "note", text: missed.length ? `Outside the observation: ${missed.join("; ")}.` : `Every target's band meets its observation (${rows.length} target${rows.length === 1 ? "" : "s"}).` }));
    sec.append(block);
  }
}
function renderPosterior(sec, post) {
  const params = post.parameters || [];
  const weights = post.weights || [];
  const pm = (data.meta || {}).parameters || {};
  const rp = post.run_particle;
  const particle = rp && isNum(rp.index) ? rp.index : null;
  const mark = particle !== null ? rp.values : null;
  const where =
    post.origin === "this folder"
      ? `posterior.csv of this folder: ${fmt(post.particles)} particles`
      : `the posterior the runs drew from, ${(pm.posterior && pm.posterior.file) || post.file} (${fmt(post.particles)} particles, hash ${post.hash || "—"}), as the scenario names it`;
  sec.append(h("h3", { text: "Posterior marginals" }), h("p", { class: "note", text: `From ${where}. Each histogram spans the parameter's prior range (log-uniform priors on a log scale); dashed: the prior's share per bin.` + (particle !== null ? ` Red: particle ${particle}, the one this run used.` : "") }));
  if (post.embedded_particles < post.particles) sec.append(h("p", { class: "note", text: `Drawn: the first ${fmt(post.embedded_particles)} of its ${fmt(post.particles)} particles, with their weights (the file lists them in no order of value or weight).` }));
  const grid = h("div", { class: "svg-grid", id: "posterior-marginals" });
  params.forEach((p, k) => {
    const q = [0.05, 0.5, 0.95].map((x) => weightedQuantile(p.values, weights, x));
    grid.append(h("figure", { class: "svg-figure" }, histogramSvg(p, weights, mark ? mark[k] : null), h("figcaption", { text: `${p.name}: p05 ${fmt(q[0])}, median ${fmt(q[1])}, p95 ${fmt(q[2])}` + (mark ? `; this run ${fmt(mark[k])}` : "") })));
  });
  sec.append(grid);
  if (particle !== null) sec.append(table(["parameter", `particle ${particle} (this run)`], params.map((p, k) => [p.name, { num: mark[k] }])));
  if (params.length > 1) {
    sec.append(h("h3", { text: "Pairs (identifiability)" }), h("p", { class: "note", text: "Each pair of parameters: one dot per particle, larger for more weight, on the priors' ranges. A narrow diagonal cloud (|r| near 1) is a ridge: the targets pin a combination of the two, not each one." }));
    const pairs = h("div", { class: "svg-grid small", id: "posterior-pairs" });
    for (let i = 0; i < params.length; i++)
      for (let j = i + 1; j < params.length; j++) pairs.append(h("figure", { class: "svg-figure" }, pairSvg(params[i], params[j], weights, mark ? [mark[i], mark[j]] : null)));
    sec.append(pairs);
  }
}
function smallBars(title, unit, rows, key, nullText) {
  const W = 260,
    H = 130,
    L = 8,
    B = 28,
    T = 16;
  const vals = rows.map((r) => r[key]);
  const top = Math.max(...vals.filter(isNum), 0) || 1;
  const svg = svgTitled(W, H, "diag-chart", `${title} per generation (${unit}): ${rows.map((r) => `${r.generation}: ${isNum(r[key]) ? fmt(r[key]) : nullText}`).join(", ")}`);
  const bw = (W - 2 * L) / Math.max(1, rows.length);
  rows.forEach((r, i) => {
    const v = r[key];
    const x0 = L + i * bw;
    if (isNum(v)) {
      const hgt = (v / top) * (H - B - T);
      svg.append(s("rect", { x: x0 + 2, y: H - B - hgt, width: Math.max(1, bw - 4), height: hgt, fill: "#2a9d8f" }));
      svg.append(svgText(x0 + bw / 2, H - B - hgt - 3, fmt(v, v < 10 && !Number.isInteger(v) ? 2 : undefined), { "text-anchor": "middle" }));
    } else svg.append(svgText(x0 + bw / 2, H - B - 3, nullText, { "text-anchor": "middle" }));
    svg.append(svgText(x0 + bw / 2, H - B + 12, String(r.generation), { "text-anchor": "middle" }));
  });
  svg.append(svgText(W / 2, H - 4, `${title}, by generation`, { "text-anchor": "middle", fill: "#1f2933" }));
  return svg;
}
function renderDiagnostics(sec, diag) {
  sec.append(h("h3", { text: "ABC-SMC diagnostics" }), h("p", { class: "note", text: "Per generation: the tolerance (distance a particle must reach; ∞ for generation 0, drawn from the prior), proposals tried, simulations run, those stopped early once their distance was certain to exceed the tolerance (rejected as a full run would have had them; — where the table predates the count), particles accepted, the acceptance rate (of proposals) and Kish's effective sample size of the weights." }));
  sec.append(
    table(
      ["generation", "tolerance", "proposals", "simulated", "stopped early", "accepted", "acceptance rate", "ESS"],
      diag.map((r) => [{ raw: r.generation }, isNum(r.tolerance) ? { num: r.tolerance, digits: 3 } : "∞", { num: r.proposals }, { num: r.simulated }, isNum(r.stopped_early) ? { num: r.stopped_early } : "—", { num: r.accepted }, { num: r.acceptance_rate, digits: 3 }, { num: r.effective_sample_size, digits: 0 }]),
      { rowClass: () => "diag-row" },
    ),
  );
  sec.append(h("div", { class: "svg-grid small" }, smallBars("tolerance", "distance", diag, "tolerance", "∞"), smallBars("acceptance rate", "share of proposals", diag, "acceptance_rate", "—"), smallBars("effective sample size", "particles", diag, "effective_sample_size", "—")));
}
function renderCalibration(main) {
  const cal = data.calibration;
  if (!cal) return;
  const m = data.meta || {};
  const intro = {
    calibrate: "What `lifeline calibrate` (ABC-SMC) wrote: how well the fitted model meets each target, the posterior of each free parameter and how the generations went.",
    validate: "What `lifeline validate` wrote: each target against the band of many runs of the scenario with its posterior (or its fixed values).",
  };
  const sec = section("calibration", "Calibration and validation", intro[m.kind] || "The parameters the runs drew from: the scenario's posterior.");
  main.append(sec);
  if ((cal.fit || []).length) renderFitTables(sec, cal.fit);
  if (cal.posterior) renderPosterior(sec, cal.posterior);
  if ((cal.diagnostics || []).length) renderDiagnostics(sec, cal.diagnostics);
}
const SOBOL_MIN = -0.5,
  SOBOL_MAX = 1.5;
function sobolSvg(target, rows) {
  const rowH = 34,
    L = 210,
    R = 16,
    T = 22,
    B = 26,
    W = 640;
  const H = T + B + rows.length * rowH;
  const all = rows.flatMap((r) => [r.first_order, r.first_order_low, r.first_order_high, r.total, r.total_low, r.total_high]).filter(isNum);
  // Indices lie in [0, 1]; estimates from few samples stray beyond, and their whiskers are
  // clipped at [-0.5, 1.5] so that the scale stays readable.
  const lo = Math.max(SOBOL_MIN, Math.min(0, ...all)),
    hi = Math.min(SOBOL_MAX, Math.max(1, ...all));
  const X = (v) => L + ((Math.min(hi, Math.max(lo, v)) - lo) / (hi - lo)) * (W - L - R);
  const desc = rows.map((r) => `${r.parameter}: first order ${fmt(r.first_order, 2)} [${fmt(r.first_order_low, 2)}, ${fmt(r.first_order_high, 2)}], total ${fmt(r.total, 2)} [${fmt(r.total_low, 2)}, ${fmt(r.total_high, 2)}]`).join("; ");
  const svg = svgTitled(W, H, "sobol-chart", `Sobol indices of ${target} (share of its variance, 0–1; bars with 95% bootstrap intervals): ${desc}`);
  svg.setAttribute("data-target", target);
  [-0.5, -0.25, 0, 0.25, 0.5, 0.75, 1, 1.25, 1.5].filter((v) => v >= lo && v <= hi).forEach((v) => {
    svg.append(s("line", { x1: X(v), x2: X(v), y1: T - 4, y2: H - B, stroke: v === 0 ? "#9aa5b1" : "#e5e8ec" }));
    svg.append(svgText(X(v), H - B + 13, fmt(v, 2), { "text-anchor": "middle" }));
  });
  svg.append(svgText((L + W - R) / 2, H - 4, "share of the output's variance", { "text-anchor": "middle", fill: "#1f2933" }));
  const legend = [
    ["#1d4e89", "first order"],
    ["#e76f51", "total"],
  ];
  legend.forEach(([c, t], i) => {
    svg.append(s("rect", { x: L + i * 110, y: 4, width: 10, height: 10, fill: c }));
    svg.append(svgText(L + i * 110 + 14, 13, t));
  });
  rows.forEach((r, i) => {
    const y0 = T + i * rowH;
    const name = r.parameter.length > 34 ? "…" + r.parameter.slice(-33) : r.parameter;
    svg.append(svgText(L - 6, y0 + rowH / 2 + 3, name, { "text-anchor": "end", fill: "#1f2933" }));
    [
      ["first_order", "#1d4e89", 0],
      ["total", "#e76f51", 1],
    ].forEach(([k, c, j]) => {
      const yb = y0 + 5 + j * 13;
      const v = r[k];
      if (isNum(v)) svg.append(s("rect", { class: "sobol-bar", x: Math.min(X(0), X(v)), y: yb, width: Math.abs(X(v) - X(0)), height: 10, fill: c, "fill-opacity": 0.8 }));
      const a = r[`${k}_low`],
        b = r[`${k}_high`];
      if (isNum(a) && isNum(b)) {
        svg.append(s("line", { x1: X(a), x2: X(b), y1: yb + 5, y2: yb + 5, stroke: "#1f2933", "stroke-width": 1.2 }));
        svg.append(s("line", { x1: X(a), x2: X(a), y1: yb + 1, y2: yb + 9, stroke: "#1f2933" }), s("line", { x1: X(b), x2: X(b), y1: yb + 1, y2: yb + 9, stroke: "#1f2933" }));
      }
    });
  });
  return svg;
}
function renderSensitivity(main) {
  const sens = data.sensitivity;
  if (!sens || !(sens.indices || []).length) return;
  const sec = section(
    "sensitivity",
    "Sensitivity",
    "Sobol indices of each output (a calibration target's quantity) to the free parameters over their priors: first order (the share of the output's variance a parameter explains alone) and total (alone and with the others), with 95% bootstrap intervals (whiskers). A total well above the first order means interactions; a total near 0, a parameter that does not matter for that output.",
  );
  main.append(sec);
  const byTarget = new Map();
  for (const r of sens.indices) {
    if (!byTarget.has(r.target)) byTarget.set(r.target, []);
    byTarget.get(r.target).push(r);
  }
  for (const [target, rows] of byTarget) {
    const top = rows.slice().sort((a, b) => (b.total ?? -1) - (a.total ?? -1))[0];
    const clipped = rows.some((r) => [r.first_order, r.first_order_low, r.first_order_high, r.total, r.total_low, r.total_high].some((v) => isNum(v) && (v < SOBOL_MIN || v > SOBOL_MAX)));
    const caption = [top && isNum(top.total) ? `Largest total index: ${top.parameter} (${fmt(top.total, 2)}).` : "", clipped ? "Some estimates or intervals reach beyond −0.5 or 1.5 (too few samples): drawn clipped; the table below has them." : ""].filter(Boolean).join(" ");
    sec.append(h("figure", { class: "svg-figure sobol" }, h("h3", { text: target }), sobolSvg(target, rows), h("figcaption", { text: caption })));
  }
  sec.append(details("All indices (sobol.csv)", table(["target", "parameter", "first order", "low", "high", "total", "low", "high"], sens.indices.map((r) => [r.target, r.parameter, { num: r.first_order, digits: 3 }, { num: r.first_order_low, digits: 3 }, { num: r.first_order_high, digits: 3 }, { num: r.total, digits: 3 }, { num: r.total_low, digits: 3 }, { num: r.total_high, digits: 3 }]), { scroll: true })));
}

function renderRuns(main) {
  const runs = data.runs;
  if (!runs || !Array.isArray(runs.header) || !runs.rows || !runs.rows.length) return;
  const sec = document.getElementById("key-figures") || section("key-figures", "Key figures");
  if (!sec.parentNode) main.append(sec);
  const note = runs.total_rows > runs.rows.length ? ` (first ${runs.rows.length} of ${runs.total_rows})` : "";
  sec.append(
    details(
      `Ensemble runs: runs.csv${note}`,
      table(
        runs.header.map(label),
        runs.rows.map((r) => r.map((v) => (String(v).trim() !== "" && isFinite(Number(v)) ? Number(v) : v))),
        { scroll: true },
      ),
    ),
  );
}

function renderEvents(main) {
  const ev = data.events || [];
  if (!ev.length && !attacks.length) return;
  const sec = section("events", "Events", `${attacks.length} attack(s). Other events besides routine dispatches and arrivals are listed below.`);
  main.append(sec);
  if (attacks.length) {
    const bySeg = new Map();
    for (const a of attacks) {
      const r = bySeg.get(a.segment) || { n: 0, lost: 0, kid: 0, killed: 0 };
      r.n++;
      r.lost += isNum(a.trucks_lost) ? a.trucks_lost : 0;
      r.kid += isNum(a.drivers_kidnapped) ? a.drivers_kidnapped : 0;
      r.killed += isNum(a.drivers_killed) ? a.drivers_killed : 0;
      bySeg.set(a.segment, r);
    }
    const rows = Array.from(bySeg.entries())
      .map(([k, r]) => [k, r.n, r.lost, r.kid, r.killed])
      .sort((a, b) => b[2] - a[2] || b[1] - a[1]);
    sec.append(h("h3", { text: "Attacks by road segment" }), table(["segment", "attacks", "trucks lost", "drivers kidnapped", "drivers killed"], rows, { scroll: true }));
  }
  if (ev.length) {
    const note = data.events_total > ev.length ? ` (first ${ev.length} of ${data.events_total})` : "";
    const escorted = (v) => (v === 1 ? "yes" : v === 0 ? "no" : null);
    sec.append(
      details(
        `Event log${note}`,
        table(
          ["day", "date", "kind", "place", "segment", "corridor", "trucks", "trucks lost", "outcome", "escorted"],
          ev.map((e) => [e.day, e.date, e.kind, e.place, e.segment, e.corridor, e.trucks, e.trucks_lost, e.outcome, escorted(e.escorted)]),
          { scroll: true },
        ),
      ),
    );
  }
}

// ---------- inputs and sources ----------
function tomlView(text) {
  // Light highlighting: comments, section headers, quoted strings. Built from text nodes only.
  const pre = h("pre", { class: "toml" });
  for (const line of String(text).split("\n")) {
    const trimmed = line.trimStart();
    if (trimmed.startsWith("#")) pre.append(h("span", { class: "c", text: line }));
    else if (trimmed.startsWith("[")) pre.append(h("span", { class: "h", text: line }));
    else {
      const m = /^(\s*source\s*=\s*)(.*)$/.exec(line);
      if (m) pre.append(m[1], h("span", { class: "s", text: m[2] }));
      else pre.append(line);
    }
    pre.append("\n");
  }
  return pre;
}
function renderSources(main) {
  const sec = section("sources", "Inputs and sources", "Where the numbers come from: the scenario file as run, and the source of each place and road of the network.");
  main.append(sec);
  if (typeof data.scenario_toml === "string" && data.scenario_toml.length) {
    const lines = data.scenario_toml.split("\n").length;
    const srcCount = (data.scenario_toml.match(/^\s*source\s*=/gm) || []).length;
    sec.append(details(`Scenario file: scenario.toml (${lines} lines, ${srcCount} source keys)`, tomlView(data.scenario_toml)));
  } else {
    sec.append(h("p", { class: "note", text: "No scenario.toml in the output folder." }));
  }
  const net = data.network && Array.isArray(data.network.features) ? data.network.features : [];
  const tableOf = (feats, first) => {
    const cols = [];
    for (const f of feats) for (const k of Object.keys(f.properties || {})) if (!cols.includes(k) && k !== "id") cols.push(k);
    const pref = first.filter((c) => cols.includes(c));
    const ordered = [...pref, ...cols.filter((c) => !pref.includes(c))];
    return table(ordered.map(label), feats.map((f) => ordered.map((c) => {
      const v = (f.properties || {})[c];
      return v === undefined ? null : v;
    })), { scroll: true });
  };
  const pts = net.filter((f) => f.geometry && f.geometry.type === "Point");
  const lns = net.filter((f) => f.geometry && f.geometry.type !== "Point");
  if (pts.length) sec.append(details(`Places (${pts.length}) with their sources`, tableOf(pts, ["name", "kind", "country", "population", "population_source", "coord_source"])));
  if (lns.length) sec.append(details(`Roads (${lns.length}) with their sources`, tableOf(lns, ["a", "b", "length_km", "length_source", "condition", "condition_source", "corridors", "route"])));
  const files = (data.meta && data.meta.files) || [];
  if (files.length) sec.append(h("p", { class: "note", text: `Files read: ${files.join(", ")}.` }));
  const supplied = (data.meta && data.meta.supplied) || [];
  if (supplied.length) sec.append(h("p", { class: "note", text: `Not in the folder, taken from ${data.meta.supplied_from || "the scenario"}: ${supplied.join(", ")}.` }));
}

function renderLicences() {
  const slot = document.getElementById("licences");
  if (slot && data.licenses) slot.append(details("Third-party licences", h("pre", { class: "licenses", text: data.licenses })));
}

// ---------- main ----------
function main() {
  const app = document.getElementById("app");
  const finishNav = renderHeader(app);
  const mainEl = h("main");
  app.append(mainEl);
  mapState = renderMap(mainEl);
  renderCompare(mainEl);
  renderKeyFigures(mainEl);
  renderCalibration(mainEl);
  renderSensitivity(mainEl);
  renderRuns(mainEl);
  renderCities(mainEl);
  renderCorridors(mainEl);
  renderCorridorSpread(mainEl);
  renderDisplacement(mainEl);
  renderEvents(mainEl);
  renderSources(mainEl);
  renderLicences();
  finishNav();
  mapState.update(mapState.initial);
  let resizeTimer = null;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      for (const c of charts) c.plot.setSize({ width: chartWidth(c.wrap), height: c.plot.height });
    }, 150);
  });
  document.body.setAttribute("data-charts", String(charts.length));
  document.body.setAttribute("data-ready", "1");
}

try {
  main();
} catch (err) {
  document.body.setAttribute("data-error", String((err && err.stack) || err));
  document.body.prepend(h("div", { class: "error-banner", text: "The report could not be drawn: " + String(err) }));
  throw err;
}
