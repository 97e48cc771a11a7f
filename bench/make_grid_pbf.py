#!/usr/bin/env python3
"""Writes a synthetic country-size OpenStreetMap extract for timing `lifeline network import`.

`pip install osmium`, then `python3 bench/make_grid_pbf.py OUT.osm.pbf`: a 225 x 225 grid of
junctions 0.05 degrees apart, every grid edge a way of three nodes (highway=trunk or primary,
surface=asphalt; 100,800 ways, 151,425 nodes), a named town node next to every 10th junction,
and as many residential ways that the import must skip. Invented data; not committed.
"""

import os
import sys

import osmium
from osmium.osm.mutable import Node, Way

SIDE = 225
STEP = 0.05


def main(out):
    if os.path.exists(out):
        os.remove(out)
    writer = osmium.SimpleWriter(out)
    junction_id = lambda i, j: 1 + i * SIDE + j
    pos = lambda i, j: (-12.0 + i * STEP, 10.0 + j * STEP)
    next_id = SIDE * SIDE + 1
    for i in range(SIDE):
        for j in range(SIDE):
            writer.add_node(Node(id=junction_id(i, j), location=pos(i, j), version=1))
    ways = []
    for i in range(SIDE):
        for j in range(SIDE):
            for di, dj in ((1, 0), (0, 1)):
                if i + di < SIDE and j + dj < SIDE:
                    (x0, y0), (x1, y1) = pos(i, j), pos(i + di, j + dj)
                    mid = ((x0 + x1) / 2 + 0.004 * dj, (y0 + y1) / 2 + 0.004 * di)
                    writer.add_node(Node(id=next_id, location=mid, version=1))
                    ways.append((junction_id(i, j), next_id, junction_id(i + di, j + dj)))
                    next_id += 1
    for i in range(0, SIDE, 10):
        for j in range(0, SIDE, 10):
            x, y = pos(i, j)
            tags = {"place": "town", "name": f"Town {i}-{j}", "population": str(i * SIDE + j)}
            writer.add_node(Node(id=next_id, location=(x + 0.002, y + 0.002), tags=tags, version=1))
            next_id += 1
    for k, refs in enumerate(ways):
        tags = {"highway": "trunk" if k % 3 == 0 else "primary", "surface": "asphalt"}
        writer.add_way(Way(id=k + 1, nodes=list(refs), tags=tags, version=1))
    for k, refs in enumerate(ways):
        writer.add_way(Way(id=len(ways) + k + 1, nodes=list(refs[:2]), tags={"highway": "residential"}, version=1))
    writer.close()
    print(f"wrote {out}: {len(ways)} road ways")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "grid.osm.pbf")
