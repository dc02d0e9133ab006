"""The Python module's speed against the command line (issue 29), on one
city folder (scans.csv, places.csv, cases.csv as `ctrace gen` writes them):

- `cli`: wall time of `ctrace trace --scans --places --cases` (default
  options: 2 hops), the run every figure is a ratio to;
- `load`: `ctrace.load(scans.csv, places.csv)`;
- `trace`: each of `--traces` traces of `--cases` random cases (persons drawn
  from the stays, infectious from a day before a random stay of theirs) on
  the loaded dataset, DataFrame included;
- `frame load`: `ctrace.load(frame, places.csv)` where `frame` is the scans
  read by pandas with object-dtype string columns (`dtype=str`).

Each of cli, load and frame load is run `--runs` times, alternating, and the
median is kept. Prints one JSON object (seconds, ratios, peak memory).

    PYTHONPATH=build/python /usr/bin/python3 bench/python_speed.py bench/out/resident-1.5m
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import ctrace


def cli_seconds(binary, city):
    start = time.perf_counter()
    subprocess.run([binary, "trace", "--scans", city / "scans.csv", "--places",
                    city / "places.csv", "--cases", city / "cases.csv", "--out", os.devnull,
                    "-q"], check=True)
    return time.perf_counter() - start


def timed(call):
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def random_cases(data, count, rng):
    """`count` distinct persons with stays, each infectious from a day before
    the start of a random stay of theirs."""
    stays = data.stays()
    rows = rng.choice(len(stays["person"]), size=count * 4, replace=False)
    persons, froms = [], []
    for row in rows:
        person = data.person_ids[stays["person"][row]]
        if person in persons:
            continue
        persons.append(person)
        froms.append(int(stays["start"][row]) - 86400)
        if len(persons) == count:
            break
    return pd.DataFrame({"person": persons,
                         "from": pd.to_datetime(froms, unit="s", utc=True)})


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("city", type=Path)
    parser.add_argument("--ctrace", default=str(Path(__file__).resolve().parents[1] / "build" /
                                                "apps" / "ctrace"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--traces", type=int, default=100)
    parser.add_argument("--cases", type=int, default=20)
    parser.add_argument("--skip-frame", action="store_true")
    args = parser.parse_args()
    city = args.city
    warnings.simplefilter("ignore", ctrace.DataWarning)

    cli_runs, load_runs = [], []
    data = None
    for _ in range(args.runs):
        cli_runs.append(cli_seconds(args.ctrace, city))
        data = None
        seconds, data = timed(lambda: ctrace.load(city / "scans.csv", city / "places.csv"))
        load_runs.append(seconds)
    cli = statistics.median(cli_runs)
    load = statistics.median(load_runs)

    rng = np.random.default_rng(29)
    trace_runs, listed = [], []
    for _ in range(args.traces):
        cases = random_cases(data, args.cases, rng)
        seconds, risk = timed(lambda: data.trace(cases))
        trace_runs.append(seconds)
        listed.append(len(risk))
    out = {
        "city": str(city), "stays": len(data.stays()["person"]),
        "persons": len(data.person_ids),
        "cli_seconds": cli_runs, "load_seconds": load_runs,
        "cli_median": cli, "load_median": load, "load_over_cli": load / cli,
        "traces": args.traces, "cases_per_trace": args.cases,
        "trace_mean": statistics.mean(trace_runs), "trace_median": statistics.median(trace_runs),
        "trace_max": max(trace_runs), "trace_mean_over_cli": statistics.mean(trace_runs) / cli,
        "listed_median": statistics.median(listed),
    }
    data = None
    if not args.skip_frame:
        seconds, frame = timed(lambda: pd.read_csv(city / "scans.csv", dtype=str,
                                                   keep_default_na=False))
        out["pandas_read_csv_seconds"] = seconds
        frame_runs, csv_runs = [], []
        for _ in range(args.runs):
            seconds, data = timed(lambda: ctrace.load(frame, city / "places.csv"))
            frame_runs.append(seconds)
            data = None
            seconds, data = timed(lambda: ctrace.load(city / "scans.csv", city / "places.csv"))
            csv_runs.append(seconds)
            data = None
        out["frame_load_seconds"] = frame_runs
        out["csv_load_seconds"] = csv_runs
        out["frame_load_over_csv_load"] = statistics.median(frame_runs) / statistics.median(
            csv_runs)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
