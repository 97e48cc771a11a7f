// Builds the report front-end into ../assets (committed; the Rust build needs no Node).
//   npm ci && npm run build
// Outputs:
//   ../assets/report.js    minified IIFE: d3-geo, topojson-client, uPlot, West-Africa outlines, page code
//   ../assets/report.css   minified: uPlot's stylesheet + the page's
//   ../assets/licenses.txt third-party licences (shown in the page's footer panel)
import { build } from "esbuild";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { feature } from "topojson-client";
import { quantize } from "topojson-client";
import { topology } from "topojson-server";

const here = new URL(".", import.meta.url).pathname;
const assets = here + "../assets/";
mkdirSync(assets, { recursive: true });
mkdirSync(here + "generated", { recursive: true });

// 1. Country outlines: Natural Earth 1:50m via world-atlas, filtered to a West-Africa box.
const BOX = { west: -26, south: 0, east: 14, north: 30 };
const world = JSON.parse(readFileSync(here + "node_modules/world-atlas/countries-50m.json", "utf8"));
const all = feature(world, world.objects.countries);
function bboxOf(geom) {
  let w = Infinity, s = Infinity, e = -Infinity, n = -Infinity;
  const visit = (c) => {
    if (typeof c[0] === "number") {
      if (c[0] < w) w = c[0];
      if (c[0] > e) e = c[0];
      if (c[1] < s) s = c[1];
      if (c[1] > n) n = c[1];
    } else c.forEach(visit);
  };
  visit(geom.coordinates);
  return [w, s, e, n];
}
const inBox = (geom) => {
  const [w, s, e, n] = bboxOf(geom);
  return w < BOX.east && e > BOX.west && s < BOX.north && n > BOX.south;
};
// Keep the polygons (not whole countries: France, Spain... have far-away parts) that touch the box.
const kept = [];
for (const f of all.features) {
  if (!f.geometry) continue;
  let geometry = null;
  if (f.geometry.type === "Polygon") geometry = inBox(f.geometry) ? f.geometry : null;
  else if (f.geometry.type === "MultiPolygon") {
    const polys = f.geometry.coordinates.filter((c) => inBox({ coordinates: c }));
    if (polys.length) geometry = { type: "MultiPolygon", coordinates: polys };
  }
  if (geometry) kept.push({ ...f, geometry });
}
const topo = quantize(topology({ countries: { type: "FeatureCollection", features: kept.map((f) => ({ type: "Feature", id: f.id, properties: { name: f.properties.name }, geometry: f.geometry })) } }), 1e4);
writeFileSync(here + "generated/westafrica.json", JSON.stringify(topo));
console.log(`outlines: ${kept.length} countries (${kept.map((f) => f.properties.name).join(", ")}), ${JSON.stringify(topo).length} bytes`);

// 2. JavaScript bundle (comments and licence headers stripped: licences go to licenses.txt).
const js = await build({
  entryPoints: [here + "src/main.js"],
  bundle: true,
  minify: true,
  format: "iife",
  target: "es2019",
  legalComments: "none",
  charset: "utf8",
  write: false,
  loader: { ".json": "json" },
});
let jsText = js.outputFiles[0].text;
if (/<\/script/i.test(jsText)) jsText = jsText.replace(/<\/script/gi, "<\\/script");
writeFileSync(assets + "report.js", jsText);

// 3. CSS bundle.
const css = await build({
  entryPoints: [here + "src/style.css"],
  bundle: true,
  minify: true,
  legalComments: "none",
  write: false,
});
writeFileSync(assets + "report.css", css.outputFiles[0].text);

// 4. Third-party licences.
const lic = [
  ["Natural Earth (country outlines, 1:50m)", null, "Public domain. Made with Natural Earth."],
  ["world-atlas 2.0.2 (Natural Earth as TopoJSON)", "node_modules/world-atlas/LICENSE"],
  ["d3-geo", "node_modules/d3-geo/LICENSE"],
  ["d3-array (used by d3-geo)", "node_modules/d3-array/LICENSE"],
  ["topojson-client", "node_modules/topojson-client/LICENSE"],
  ["internmap (used by d3-array)", "node_modules/internmap/LICENSE"],
  ["uPlot", "node_modules/uplot/LICENSE"],
];
const parts = lic.map(([name, path, text]) => `== ${name} ==\n${(text ?? readFileSync(here + path, "utf8")).trim()}\n`);
writeFileSync(assets + "licenses.txt", parts.join("\n"));

console.log(`report.js ${jsText.length} bytes, report.css ${css.outputFiles[0].text.length} bytes`);
