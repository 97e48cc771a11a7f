// Builds the report front-end into ../assets (committed; the Rust build needs no Node).
//   npm ci && npm run build
// Outputs:
//   ../assets/report.js    minified IIFE: d3-geo, topojson-client, uPlot, the world's country outlines, page code
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

// 1. Country outlines: Natural Earth 1:110m admin-0 countries of the whole world, via
// world-atlas, so that the map can frame any region. Only the name is kept of the properties,
// and coordinates are re-quantised to a 10,000 × 10,000 grid (about 4 km at the equator; the
// 1:110m lines are coarser than that) to keep the page small. Countries with no ISO 3166-1
// numeric code (N. Cyprus, Somaliland, Kosovo) keep no id.
const world = JSON.parse(readFileSync(here + "node_modules/world-atlas/countries-110m.json", "utf8"));
const kept = feature(world, world.objects.countries).features.filter((f) => f.geometry);
const topo = quantize(topology({ countries: { type: "FeatureCollection", features: kept.map((f) => ({ type: "Feature", id: f.id, properties: { name: f.properties.name }, geometry: f.geometry })) } }), 1e4);
writeFileSync(here + "generated/world110m.json", JSON.stringify(topo));
console.log(`outlines: ${kept.length} countries, ${JSON.stringify(topo).length} bytes`);

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
  ["Natural Earth (country outlines, 1:110m admin-0 countries)", null, "Public domain. Made with Natural Earth (naturalearthdata.com)."],
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
