#!/usr/bin/env python3
"""Sanity check of the embedded Mali network (places.csv, segments.csv).

Checks unique names, known endpoints, positive lengths, allowed kinds and
conditions, connectivity from Bamako, road/great-circle ratios, and prints
shortest road-km paths to compare with published corridor totals.
Run: python3 check_network.py   (no dependencies beyond the standard library)
"""
import csv, heapq, math, os, sys

HERE = os.path.dirname(os.path.abspath(__file__))
KINDS = {"port", "city", "town", "border", "depot", "marshalling", "camp"}
CONDS = {"good", "fair", "bad", "track"}

places = list(csv.DictReader(open(os.path.join(HERE, "places.csv"), encoding="utf-8")))
segs = list(csv.DictReader(open(os.path.join(HERE, "segments.csv"), encoding="utf-8")))
err = []
names = [p["name"] for p in places]
if len(names) != len(set(names)):
    err.append("duplicate place names")
P = {p["name"]: p for p in places}
for p in places:
    if p["kind"] not in KINDS:
        err.append(f"bad kind {p['name']}: {p['kind']}")
    int(p["population"]); float(p["lat"]); float(p["lon"])

def gc(a, b):
    la1, lo1, la2, lo2 = map(math.radians, (float(P[a]["lat"]), float(P[a]["lon"]), float(P[b]["lat"]), float(P[b]["lon"])))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))

G = {n: [] for n in names}
seen = set()
for s in segs:
    a, b = s["a"], s["b"]
    if a not in P or b not in P:
        err.append(f"unknown endpoint {a}–{b}"); continue
    km = float(s["length_km"])
    if not km > 0:
        err.append(f"length <= 0 {a}–{b}")
    if s["condition"] not in CONDS:
        err.append(f"bad condition {a}–{b}")
    if frozenset((a, b)) in seen:
        err.append(f"duplicate segment {a}–{b}")
    seen.add(frozenset((a, b)))
    r = km / gc(a, b)
    if r < 1.0 or r > 1.7:
        print(f"note: {a}–{b} road/great-circle ratio {r:.2f}")
    G[a].append((b, km, s["condition"])); G[b].append((a, km, s["condition"]))

def dijkstra(src, skip=lambda cond, node: False):
    d = {src: 0.0}; prev = {}; q = [(0.0, src)]
    while q:
        du, u = heapq.heappop(q)
        if du > d[u]: continue
        for v, km, c in G[u]:
            if skip(c, v): continue
            if du + km < d.get(v, 1e18):
                d[v] = du + km; prev[v] = u; heapq.heappush(q, (d[v], v))
    return d, prev

def path(prev, src, dst):
    out = [dst]
    while out[-1] != src: out.append(prev[out[-1]])
    return out[::-1]

d, _ = dijkstra("Bamako")
unreached = [n for n in names if n not in d]
if unreached:
    err.append(f"not reachable from Bamako: {unreached}")
if err:
    print("ERRORS:"); [print("  " + e) for e in err]; sys.exit(1)
print(f"OK: {len(places)} places, {len(segs)} segments, connected")

def route(a, b, avoid=()):
    dd, pv = dijkstra(a, lambda c, v: v in avoid)
    return dd[b], path(pv, a, b)

checks = [
    ("Dakar", "Bamako", 1385, (), "shortest"),
    ("Dakar", "Bamako", 1385, ("Kédougou",), "north route via Kayes"),
    ("Abidjan", "Bamako", 1200, (), "shortest"),
    ("Conakry", "Bamako", 993, (), "shortest"),
    ("Nouakchott", "Bamako", 1500, (), "shortest"),
    ("Niamey", "Bamako", 1400, (), "shortest"),
    ("Niamey", "Bamako", 1400, ("Ouagadougou",), "via Gao"),
    ("Lomé", "Bamako", 1909, (), "shortest"),
    ("Tema", "Bamako", 1977, (), "shortest"),
    ("Bamako", "Kayes", 614, (), "shortest"),
    ("Bamako", "Sikasso", 364, (), "shortest"),
    ("Bamako", "Ségou", 235, (), "shortest"),
    ("Bamako", "Mopti", 635, (), "shortest"),
    ("Bamako", "Gao", 1192, (), "shortest"),
    ("Bamako", "Tombouctou", 1011, (), "shortest"),
    ("Bamako", "Tombouctou", 1011, ("Léré",), "via Mopti (no Léré track)"),
    ("Bamako", "Kéniéba", 481, (), "shortest"),
]
print("| from | to | route | model km | published km | deviation |")
print("|---|---|---|---:|---:|---:|")
for a, b, pub, avoid, label in checks:
    km, p = route(a, b, avoid)
    print(f"| {a} | {b} | {label} | {km:.0f} | {pub} | {100*(km-pub)/pub:+.1f}% |")
    print(f"|  |  | {' → '.join(p)} | | | |", file=sys.stderr)
