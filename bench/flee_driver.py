#!/usr/bin/env python3
"""Run script for the released Flee (PyPI `flee==3.1`), plus an ARD calculator.

Flee (Groen et al., Brunel University London, BSD-3-Clause) 3.1 ships no run script; this one
follows the flow of Flee's own runscripts/run.py using the 3.1 API:

    python flee_driver.py run INPUT_CSV_DIR SOURCE_DATA_DIR DAYS SIMSETTING.yml [SEED] > out.csv
    python flee_driver.py ard out.csv          # averaged relative difference (normal, rescaled)

Differences of 3.1 from Flee's current engine that show in the results:
  * the simulation period comes from conflict_period.csv (sim_period.csv, same format, is used
    when conflict_period.csv is absent);
  * new agents follow the refugees.csv total (SumFromCamps=False), not the summed camp data,
    so the Mali case ends with ~14,800 agents instead of ~9,000 at hasten 10.
Conflicts are read from conflicts.csv, as the current run script does.
"""

import csv
import os
import sys
import time


def run(input_dir, data_dir, days, settings, seed=None):
    import random

    import numpy as np
    from flee import InputGeography, flee, spawning
    from flee.datamanager import DataTable, handle_refugee_data, read_period
    from flee.SimulationSettings import SimulationSettings

    if seed is not None:
        random.seed(seed)
        np.random.seed(seed)

    period_file = os.path.join(input_dir, "conflict_period.csv")
    if not os.path.exists(period_file):
        period_file = os.path.join(input_dir, "sim_period.csv")
    start_date, end_time = read_period.read_conflict_period(period_file)
    if days > 0:
        end_time = days

    SimulationSettings.ReadFromYML(settings)
    SimulationSettings.ConflictInputFile = os.path.join(input_dir, "conflicts.csv")

    e = flee.Ecosystem()
    ig = InputGeography.InputGeography()
    ig.ReadConflictInputCSV(SimulationSettings.ConflictInputFile)
    ig.ReadLocationsFromCSV(os.path.join(input_dir, "locations.csv"))
    ig.ReadLinksFromCSV(os.path.join(input_dir, "routes.csv"))
    ig.ReadClosuresFromCSV(os.path.join(input_dir, "closures.csv"))
    e, lm = ig.StoreInputGeographyInEcosystem(e)

    d = handle_refugee_data.RefugeeTable(
        csvformat="generic",
        data_directory=data_dir,
        start_date=start_date,
        data_layout="data_layout.csv",
        population_scaledown_factor=SimulationSettings.optimisations["PopulationScaleDownFactor"],
    )
    d.ReadL1Corrections(os.path.join(input_dir, "registration_corrections.csv"))

    camps = e.get_camp_names()
    header = "Day,Date,"
    for name in camps:
        spawning.add_initial_refugees(e, d, lm[name])
        header += "%s sim,%s data,%s error," % (name, name, name)
    header += (
        "Total error,refugees in camps (UNHCR),total refugees (simulation),"
        "raw UNHCR refugee count,refugees in camps (simulation),refugee_debt"
    )
    print(header)

    for t in range(0, end_time):
        ig.AddNewConflictZones(e, t)
        new_refs, refugees_raw, refugee_debt = spawning.spawn_daily_displaced(e, t, d)
        spawning.refresh_spawn_weights(e)
        e.enact_border_closures(t)
        e.evolve()

        data = [d.get_field(name, t) for name in camps]
        sims = [lm[name].numAgents for name in camps]
        date = DataTable.steps_to_date(t + 1, start_date)
        row = "%s,%s" % (t, date)
        abs_errors = []
        for sim, value in zip(sims, data):
            rel = 0.0 if value < 0.00001 else round(abs(float(sim) / float(value) - 1), 4)
            abs_errors.append(round(abs(float(sim) - float(value)), 4))
            row += ",%s,%s,%s" % (sim, value, rel)
        if refugees_raw > 0:
            row += ",%s,%s,%s,%s,%s,%s" % (
                float(np.sum(abs_errors)) / float(refugees_raw),
                int(sum(data)),
                e.numAgents(),
                refugees_raw,
                sum(sims),
                refugee_debt,
            )
        else:
            row += ",0.0,0,%s,0,%s,0" % (e.numAgents(), sum(sims))
        print(row)


def ard(path):
    """ARD as defined in crates/flee/tests/data/mali2012/README.md."""
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    camps = [k[: -len(" sim")] for k in rows[0] if k.endswith(" sim")]
    normal = rescaled = 0.0
    for r in rows:
        sims = [float(r[c + " sim"]) for c in camps]
        data = [float(r[c + " data"]) for c in camps]
        unhcr = float(r["refugees in camps (UNHCR)"])
        total = sum(sims)
        scale = unhcr / total if total > 0 else 0.0
        normal += sum(abs(s - v) for s, v in zip(sims, data)) / max(unhcr, 1.0)
        rescaled += sum(abs(s * scale - v) for s, v in zip(sims, data)) / max(unhcr, 1.0)
    return normal / len(rows), rescaled / len(rows), int(rows[-1]["total refugees (simulation)"])


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "ard":
        n, r, agents = ard(sys.argv[2])
        print("%.4f %.4f %d" % (n, r, agents))
    elif len(sys.argv) >= 6 and sys.argv[1] == "run":
        seed = int(sys.argv[6]) if len(sys.argv) > 6 else None
        started = time.perf_counter()
        run(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], seed)
        print("flee_driver: %.2f s" % (time.perf_counter() - started), file=sys.stderr)
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
