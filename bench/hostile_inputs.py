#!/usr/bin/env python3
"""Whole `lifeline` commands on hostile inputs: every run must end with a result or a clear
error (exit 0, 1 or 2), never a panic, an abort or a hang.

    bench/hostile_inputs.py scenario LIFELINE SCENARIO.toml   # every number of the file
    bench/hostile_inputs.py tables LIFELINE                   # fields of Mali's CSV tables
    bench/hostile_inputs.py checkpoint LIFELINE               # damaged calibration checkpoints

LIFELINE is the binary (e.g. target/release/lifeline). Prints one line per bad outcome and a
count of exit codes; docs/fuzzing.md records what it found.
"""

import concurrent.futures
import csv
import io
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

LIMIT_S = 60
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MALI_DATA = os.path.join(REPO, "crates/scenario/data/mali")
MALI = os.path.join(REPO, "crates/scenario/scenarios/mali-2025.toml")

NUMBER = re.compile(r"^(\s*[A-Za-z_][A-Za-z0-9_]*\s*=\s*)(-?[0-9][0-9_.eE+-]*)(\s*(#.*)?)$")
ARRAY = re.compile(r"^(\s*[A-Za-z_][A-Za-z0-9_]*\s*=\s*\[)([-0-9., eE+_]+)(\].*)$")
INLINE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*\s*=\s*)(-?[0-9][0-9_.eE+-]*)")
HOSTILE = ["-1", "0", "1e308", "-1e308", "nan", "inf", "1e-300", "4294967296",
           "18446744073709551616", "0.5"]


def run(args, cwd=None):
    """(exit code or "TIMEOUT", stderr) of one command."""
    try:
        r = subprocess.run(args, capture_output=True, text=True, timeout=LIMIT_S, cwd=cwd)
        return r.returncode, r.stderr
    except subprocess.TimeoutExpired:
        return "TIMEOUT", ""


def bad(code, stderr):
    return code not in (0, 1, 2) or "panicked" in stderr


def sweep(jobs, one):
    """Runs `one` on every job on two threads; prints the bad outcomes and the exit codes."""
    codes = {}
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        for job, (code, stderr) in zip(jobs, pool.map(one, jobs)):
            codes[code] = codes.get(code, 0) + 1
            if bad(code, stderr):
                last = stderr.strip().split("\n")[-1][:200] if stderr else ""
                print("BAD", code, job if len(str(job)) < 200 else str(job)[:200], last,
                      flush=True)
    print(len(jobs), "runs; exit codes:", codes)


def scenario_jobs(lines):
    """(line index, replacement line) for every number of a scenario file."""
    jobs = []
    for i, line in enumerate(lines):
        if line.lstrip().startswith("#"):
            continue
        if "{" in line:
            for m in INLINE.finditer(line):
                for v in ["-1", "0", "1e308", "nan", "1e-300", "0.5"]:
                    jobs.append((i, line[:m.start(2)] + v + line[m.end(2):]))
            continue
        m = NUMBER.match(line)
        if m:
            jobs += [(i, m.group(1) + v + m.group(3)) for v in HOSTILE]
            continue
        m = ARRAY.match(line)
        if m:
            items = [x.strip() for x in m.group(2).split(",") if x.strip()]
            for v in ["-1", "nan", "1e308", "0"]:
                jobs.append((i, m.group(1) + ", ".join([v] + items[1:]) + m.group(3)))
    return jobs


def scenario(binary, path):
    lines = open(path, encoding="utf-8").read().split("\n")
    work = tempfile.mkdtemp(prefix="lifeline-hostile-")
    # Data files named relative to the scenario are copied beside each edited copy.
    here = os.path.dirname(os.path.abspath(path))

    def one(job):
        i, replaced = job
        d = tempfile.mkdtemp(dir=work)
        for name in os.listdir(here):
            if name.endswith(".csv"):
                shutil.copy(os.path.join(here, name), d)
        edited = list(lines)
        edited[i] = replaced
        scenario_file = os.path.join(d, "s.toml")
        open(scenario_file, "w", encoding="utf-8").write("\n".join(edited))
        result = run([binary, "run", scenario_file, "--fixed-parameters",
                      "--out", os.path.join(d, "out"), "--force"])
        shutil.rmtree(d, ignore_errors=True)
        return result

    sweep(scenario_jobs(lines), one)
    shutil.rmtree(work, ignore_errors=True)


def tables(binary):
    files = {"events": "mali-2025-events.csv", "places": "places.csv",
             "segments": "segments.csv"}
    values = ["", "-1", "nan", "inf", "1e308", "abc", "0", "-0", "99999999999999999999", "ñ"]
    text = open(MALI, encoding="utf-8").read()
    jobs = []
    for key, name in files.items():
        rows = list(csv.reader(open(os.path.join(MALI_DATA, name), newline="", encoding="utf-8")))
        for r in range(1, min(len(rows), 4)):
            for c in range(len(rows[0])):
                jobs += [(key, r, c, v) for v in values]
    work = tempfile.mkdtemp(prefix="lifeline-hostile-")

    def one(job):
        key, r, c, v = job
        d = tempfile.mkdtemp(dir=work)
        scenario_text = text
        for k, name in files.items():
            rows = list(csv.reader(open(os.path.join(MALI_DATA, name), newline="",
                                        encoding="utf-8")))
            if k == key:
                rows[r][c] = v
            out = io.StringIO()
            csv.writer(out, lineterminator="\n").writerows(rows)
            open(os.path.join(d, name), "w", encoding="utf-8").write(out.getvalue())
            scenario_text = scenario_text.replace(f'"embedded:mali/{name}"', f'"{name}"')
        open(os.path.join(d, "s.toml"), "w", encoding="utf-8").write(scenario_text)
        result = run([binary, "run", os.path.join(d, "s.toml"), "--fixed-parameters",
                      "--out", os.path.join(d, "out"), "--force"])
        shutil.rmtree(d, ignore_errors=True)
        return result

    sweep(jobs, one)
    shutil.rmtree(work, ignore_errors=True)


def checkpoint(binary):
    work = tempfile.mkdtemp(prefix="lifeline-hostile-")
    args = ["calibrate", "--particles", "20", "--generations", "3", "--runs", "1"]
    start = os.path.join(work, "start")
    run([binary] + args + ["--out", start, "--stop-after-generations", "1"])
    path = os.path.join(start, ".lifeline-calibrate", "checkpoint.txt")
    original = open(path, encoding="utf-8").read()
    lines = original.split("\n")
    cases = []
    for i, line in enumerate(lines):
        words = line.split(" ")
        for j in range(len(words)):
            for v in ["", "zz", "7ff8000000000000", "fff0000000000000", "ffffffffffffffff",
                      "-1", "99999999999999999999", "0"]:
                w = list(words)
                w[j] = v
                cases.append("\n".join(lines[:i] + [" ".join(w)] + lines[i + 1:]))
        cases.append("\n".join(lines[:i] + lines[i + 1:]))
        cases.append("\n".join(lines[:i] + [line] + lines[i:]))
    cases += [original[: len(original) // 2], ""]
    random.Random(5).shuffle(cases)
    cases = cases[:400]

    def one(k):
        d = os.path.join(work, f"c{k}")
        shutil.copytree(start, d)
        open(os.path.join(d, ".lifeline-calibrate", "checkpoint.txt"), "w",
             encoding="utf-8").write(cases[k])
        result = run([binary] + args + ["--out", d, "--resume"])
        shutil.rmtree(d, ignore_errors=True)
        return result

    sweep(list(range(len(cases))), one)
    shutil.rmtree(work, ignore_errors=True)


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("scenario", "tables", "checkpoint"):
        sys.exit(__doc__)
    kind, binary = sys.argv[1], os.path.abspath(sys.argv[2])
    if kind == "scenario":
        if len(sys.argv) < 4:
            sys.exit(__doc__)
        scenario(binary, sys.argv[3])
    elif kind == "tables":
        tables(binary)
    else:
        checkpoint(binary)


if __name__ == "__main__":
    main()
