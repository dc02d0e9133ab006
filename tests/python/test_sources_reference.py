"""Backward tracing: python/ctrace_sources.py (written from sources.md) against
the worked example, a brute-force oracle, and `ctrace sources` itself.

- The worked example (shared/examples/sources, copied to
  tests/fixtures/sources/): the module applied to `ctrace trace --hdf5` of it
  writes the three expected CSV files byte for byte.
- A brute-force oracle (plain loops over every pair of stays, straight from
  the text of sources.md) agrees with the vectorised module on small random
  inputs with lingering, per-place minimum overlaps, bounded infectious
  intervals and awkward ids.
- On cities from `ctrace gen`, `ctrace sources` writes byte for byte what the
  module computes from `ctrace trace --hdf5` of the same inputs (default
  options; other incubation, minimum overlap and min-cases; site level with
  lingering and per-place minimum overlaps; `--snapshot` input; `--profile
  cwa`). Never skipped: an executable without the command fails.

    CTRACE_BIN=build/apps/ctrace /usr/bin/python3 tests/python/test_sources_reference.py -v
"""

import csv
import io
import itertools
import os
import random
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "python"))
import ctrace_sources as src  # noqa: E402

CTRACE = os.environ.get("CTRACE_BIN", str(REPO / "build" / "apps" / "ctrace"))
EXAMPLE = REPO / "tests" / "fixtures" / "sources"
OUTPUTS = (("links", "--links", "links.csv"),
           ("common_persons", "--common-persons", "common-persons.csv"),
           ("common_places", "--common-places", "common-places.csv"))
ROW_COUNTS = {}  # run name -> rows per output, printed at the end (evidence of non-vacuity)


def run(*args):
    return subprocess.run([CTRACE, *map(str, args)], check=True, capture_output=True, text=True)


# ---------------------------------------------------------------------------
# The worked example
# ---------------------------------------------------------------------------

class WorkedExample(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.h5 = Path(cls.tmp.name) / "example.h5"
        run("trace", "--scans", EXAMPLE / "scans.csv", "--places", EXAMPLE / "places.csv",
            "--cases", EXAMPLE / "cases.csv", "--tz", "+08:00", "--out",
            Path(cls.tmp.name) / "risk.csv", "--hdf5", cls.h5, "-q")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_three_files_byte_for_byte(self):
        result = src.sources(self.h5)
        self.assertEqual(result["tz_offset_seconds"], 8 * 3600)
        for name, _, file in OUTPUTS:
            with self.subTest(output=file):
                expected = (EXAMPLE / file).read_bytes()
                self.assertEqual(src.format_csv(result[name], 8 * 3600).encode(), expected)

    def test_command_line(self):
        out = Path(self.tmp.name)
        args = [str(self.h5)]
        for _, flag, file in OUTPUTS:
            args += [flag, str(out / ("py-" + file))]
        self.assertEqual(src.main(args), 0)
        for _, _, file in OUTPUTS:
            self.assertEqual((out / ("py-" + file)).read_bytes(), (EXAMPLE / file).read_bytes())

    def test_what_the_readme_says(self):
        data = src.load(self.h5)
        windows = src.exposure_windows(data.cases).set_index("person")
        shown = src.with_datetimes(windows, data.tz_offset_seconds)
        self.assertEqual(f"{shown.loc['A', 'window_start']:%m-%d %H:%M}", "04-11 09:00")
        self.assertEqual(f"{shown.loc['D', 'window_end']:%m-%d %H:%M}", "04-09 09:00")
        self.assertEqual(f"{shown.loc['C', 'from']:%m-%d %H:%M}", "04-16 10:00")
        self.assertTrue(shown["to"].isna().all())  # no isolation times: unbounded
        # S also shared the gym with D, outside D's window: D is not among S's cases.
        persons = src.common_persons(data.stays, data.cases, min_cases=1)
        self.assertEqual(persons.set_index("person").loc["S", "case_ids"], "A;B")
        # min_cases 4: no place saw four cases; 1: the gym and the market too.
        self.assertEqual(len(src.common_places(data.stays, data.cases, min_cases=4)), 0)
        self.assertEqual(list(src.common_places(data.stays, data.cases, min_cases=1)["place"]),
                         ["R02", "G01", "K05"])
        # C -> B at the noodle house on 04-15: C was not yet infectious.
        links = src.case_links(data.stays, data.cases)
        self.assertNotIn(("C", "B"), set(zip(links["infector"], links["infectee"])))
        # A 41-minute overlap threshold drops C -> A (40 min) but keeps D -> A (50 min).
        links = src.case_links(data.stays, data.cases, min_overlap="41m")
        self.assertEqual(list(links["infector"]), ["D"])


# ---------------------------------------------------------------------------
# A brute-force oracle on small random inputs
# ---------------------------------------------------------------------------

def oracle(stays, cases, min_overlap, place_min, linger, inc_min, inc_max, min_cases):
    """sources.md §9.1-§9.2 with loops over every pair of stays: (links,
    common persons, common places) as lists of tuples, sorted as specified."""
    def byte(s):
        return s.encode("utf-8")

    def m(place):
        own = place_min.get(place, -1)
        return max(own if own >= 0 else min_overlap, 1)

    def footprint(s, e):
        return s, e + min(e - s, linger)

    window = {c: (onset - inc_max, onset - inc_min) for c, (_, _, onset) in cases.items()}
    exposed = []  # (case, place, start, end)
    for person, place, t1, t2 in stays:
        if person in cases:
            lo, hi = max(t1, window[person][0]), min(t2, window[person][1])
            if hi > lo:
                exposed.append((person, place, lo, hi))

    places = {}
    for case, place, lo, hi in exposed:
        p = places.setdefault(place, {"cases": set(), "first": lo, "last": hi, "seconds": 0})
        p["cases"].add(case)
        p["first"], p["last"] = min(p["first"], lo), max(p["last"], hi)
        p["seconds"] += hi - lo
    place_rows = [(x, len(p["cases"]), p["first"], p["last"], p["seconds"],
                   ";".join(sorted(p["cases"], key=byte)))
                  for x, p in places.items() if len(p["cases"]) >= min_cases]
    place_rows.sort(key=lambda r: (-r[1], -r[4], byte(r[0])))

    met = {}
    for person, place, t1, t2 in stays:
        if person in cases:
            continue
        f1, f2 = footprint(t1, t2)
        for case, x, lo, hi in exposed:
            if x == place and min(f2, hi) - max(f1, lo) >= m(x):
                r = met.setdefault(person, {"cases": set(), "places": set(), "first": None,
                                            "last": None, "seconds": 0})
                r["cases"].add(case)
                r["places"].add(x)
                s, e = max(f1, lo), min(f2, hi)
                r["first"] = s if r["first"] is None else min(r["first"], s)
                r["last"] = e if r["last"] is None else max(r["last"], e)
                r["seconds"] += e - s
    person_rows = [(p, len(r["cases"]), r["first"], r["last"], r["seconds"], len(r["places"]),
                    ";".join(sorted(r["cases"], key=byte)))
                   for p, r in met.items() if len(r["cases"]) >= min_cases]
    person_rows.sort(key=lambda r: (-r[1], -r[4], byte(r[0])))

    links = {}
    for person, place, s, e in stays:
        if person not in cases:
            continue
        a, b, _ = cases[person]
        s1, e1 = max(s, a), min(e, b)
        if e1 <= s1:
            continue
        f1, f2 = footprint(s1, e1)
        for case, x, lo, hi in exposed:
            if case != person and x == place and min(f2, hi) - max(f1, lo) >= m(x):
                start, end = max(f1, lo), min(f2, hi)
                k = links.setdefault((person, case), {"events": [], "seconds": 0})
                k["events"].append((start, byte(x), x, end))
                k["seconds"] += end - start
    link_rows = []
    for (infector, infectee), k in links.items():
        first = min(k["events"])
        link_rows.append((infector, infectee, first[0], max(ev[3] for ev in k["events"]),
                          k["seconds"], first[2]))
    link_rows.sort(key=lambda r: (byte(r[1]), r[2], byte(r[0])))
    return link_rows, person_rows, place_rows


def merged(intervals):
    """Intervals of one person at one place merged as tracing.md §2.2."""
    out = []
    for s, e in sorted(intervals):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [tuple(i) for i in out]


AWKWARD_IDS = ["a", "B", "Z9", "é", "中", "😀", "\uffff", "x,y", 'say "hi"', "p;q", "\u00e9x", "ä"]


def random_inputs(rng, n_persons, n_places, n_scans, hours):
    persons = rng.sample(AWKWARD_IDS + [f"P{i:03d}" for i in range(n_persons)], n_persons)
    places = rng.sample(["R1", "G2", "M,3", "中心", "K5", "L6", "é7"], n_places)
    raw = {}
    for _ in range(n_scans):
        p, x = rng.choice(persons), rng.choice(places)
        start = rng.randrange(0, hours * 3600, 60)
        length = rng.choice([0, 300, 600, 900, 1800, 3600, 5400, 4 * 3600])
        raw.setdefault((p, x), []).append((start, start + length))
    stays = [(p, x, s, e) for (p, x), ivs in raw.items() for s, e in merged(ivs)]
    rng.shuffle(stays)
    cases = {}
    for p in rng.sample(persons, max(2, n_persons // 3)):
        onset = rng.randrange(0, hours * 3600 + 2 * 86400, 600)
        a = onset - rng.choice([4 * 86400, 2 * 86400, 86400])
        b = rng.choice([src.NO_END, a + rng.choice([3600, 86400, 3 * 86400])])
        cases[p] = (a, b, onset)
    place_min = {x: rng.choice([-1, -1, 0, 60, 600, 1800]) for x in places}
    return stays, cases, place_min


class BruteForce(unittest.TestCase):
    def frames(self, stays, cases):
        return (pd.DataFrame(stays, columns=["person", "place", "start", "end"]),
                pd.DataFrame([(p, a, b, o) for p, (a, b, o) in cases.items()],
                             columns=["person", "from", "to", "onset"]))

    def test_against_loops(self):
        rng = random.Random(20220401)
        nonempty = [0, 0, 0]
        for trial in range(60):
            stays, cases, place_min = random_inputs(rng, rng.choice([6, 10, 14]),
                                                    rng.choice([2, 3, 5]),
                                                    rng.choice([30, 80, 150]), 72)
            min_overlap = rng.choice([1, 300, 900])
            linger = rng.choice([0, 0, 600, 1800])
            inc_min, inc_max = rng.choice([(86400, 14 * 86400), (0, 2 * 86400),
                                           (3600, 86400)])
            min_cases = rng.choice([1, 2, 3])
            use_place_min = rng.random() < 0.5
            expected = oracle(stays, cases, min_overlap, place_min if use_place_min else {},
                              linger, inc_min, inc_max, min_cases)
            stays_df, cases_df = self.frames(stays, cases)
            pm = pd.Series(place_min) if use_place_min else None
            got = (src.case_links(stays_df, cases_df, min_overlap, pm, linger, inc_min, inc_max),
                   src.common_persons(stays_df, cases_df, min_overlap, pm, linger, inc_min,
                                      inc_max, min_cases),
                   src.common_places(stays_df, cases_df, inc_min, inc_max, min_cases))
            for k, (g, e, columns) in enumerate(zip(got, expected, (
                    src.LINK_COLUMNS, src.PERSON_COLUMNS, src.PLACE_COLUMNS))):
                with self.subTest(trial=trial, output=k):
                    self.assertEqual(list(g.columns), columns)
                    self.assertEqual([tuple(r) for r in g.itertuples(index=False)], e)
                    nonempty[k] += bool(e)
        self.assertTrue(all(n >= 20 for n in nonempty), nonempty)

    def test_datetimes_in_give_the_same_rows(self):
        rng = random.Random(7)
        stays, cases, place_min = random_inputs(rng, 12, 3, 120, 48)
        stays_df, cases_df = self.frames(stays, cases)
        as_times = stays_df.assign(
            start=pd.to_datetime(stays_df["start"], unit="s", utc=True).dt.tz_convert("+08:00"),
            end=pd.to_datetime(stays_df["end"], unit="s", utc=True))
        unbounded = cases_df["to"] == src.NO_END
        as_times_cases = cases_df.assign(
            **{"from": pd.to_datetime(cases_df["from"], unit="s", utc=True),
               "to": pd.to_datetime(cases_df["to"].where(~unbounded, 0), unit="s",
                                    utc=True).where(~unbounded),
               "onset": pd.to_datetime(cases_df["onset"], unit="s", utc=True)})
        for f in (src.case_links, src.common_persons, src.common_places):
            with self.subTest(f=f.__name__):
                pd.testing.assert_frame_equal(f(as_times, as_times_cases), f(stays_df, cases_df))

    def test_a_case_without_onset_is_refused(self):
        stays = pd.DataFrame([("a", "x", 0, 3600)], columns=["person", "place", "start", "end"])
        cases = pd.DataFrame([("a", 0, src.NO_END, src.MISSING_TIME)],
                             columns=["person", "from", "to", "onset"])
        with self.assertRaisesRegex(ValueError, "no onset"):
            src.common_places(stays, cases)

    def test_bad_options_are_refused(self):
        stays = pd.DataFrame([("a", "x", 0, 3600)], columns=["person", "place", "start", "end"])
        cases = pd.DataFrame([("a", 0, src.NO_END, 86400)],
                             columns=["person", "from", "to", "onset"])
        for kwargs in ({"min_cases": 0}, {"incubation_min": "2d", "incubation_max": "1d"},
                       {"incubation_min": -1}):
            with self.subTest(**kwargs), self.assertRaises(ValueError):
                src.common_places(stays, cases, **kwargs)
        # Equal incubation bounds give empty windows: nothing is listed.
        self.assertEqual(len(src.common_places(stays, cases, "1d", "1d", 1)), 0)
        self.assertEqual(len(src.common_places(stays, cases, 0, "1d", 1)), 1)


# ---------------------------------------------------------------------------
# Formatting
# ---------------------------------------------------------------------------

class Formatting(unittest.TestCase):
    def test_byte_order_is_code_point_order(self):
        # UTF-8 preserves code point order, so Python's str order is ctrace's
        # byte order (UTF-16 would not be: U+FFFF sorts after U+10000 there).
        ids = AWKWARD_IDS + ["\U00010000", "\u007f", "\u0080", "\u07ff", "\u0800", "\ud7ff",
                             "\ue000", "a\x00", "", "aa", "A"]
        self.assertEqual(sorted(ids), sorted(ids, key=lambda s: s.encode("utf-8")))
        self.assertEqual(src._join_ids(["😀", "中", "é", "a", "B", "\uffff", "a"]),
                         "B;a;é;中;\uffff;😀")

    def test_times(self):
        t = [0, 1650283800, -1]
        self.assertEqual(src.format_times(t, 0), ["1970-01-01T00:00:00Z", "2022-04-18T12:10:00Z",
                                                  "1969-12-31T23:59:59Z"])
        self.assertEqual(src.format_times(t, 8 * 3600)[1], "2022-04-18T20:10:00+08:00")
        self.assertEqual(src.format_times(t, -(3 * 3600 + 1800))[1], "2022-04-18T08:40:00-03:30")

    def test_quoting_and_line_ends(self):
        table = pd.DataFrame({"place": ["a,b", 'say "hi"', "plain", "x\ny", "中"], "cases": 2,
                              "first_presence": 0, "last_presence": 60, "case_seconds": 7,
                              "case_ids": ["p;q", "r,s", "t", 'u"', "v\rw"]})
        text = src.format_csv(table[src.PLACE_COLUMNS])
        self.assertNotIn("\r\n", text)
        self.assertEqual(text.splitlines()[0], ",".join(src.PLACE_COLUMNS))
        rows = list(csv.reader(io.StringIO(text, newline="")))
        self.assertEqual([r[0] for r in rows[1:]], list(table["place"]))
        self.assertEqual([r[5] for r in rows[1:]], list(table["case_ids"]))
        self.assertIn('\n"a,b",2,1970-01-01T00:00:00Z,1970-01-01T00:01:00Z,7,p;q\n', text)
        self.assertIn('\n"say ""hi""",2,', text)
        self.assertIn(',"r,s"\n', text)
        self.assertIn("\nplain,2,", text)
        self.assertIn('"x\ny"', text)
        self.assertIn('"v\rw"', text)

    def test_empty_tables_are_a_header(self):
        empty = pd.DataFrame(columns=["person", "place", "start", "end"])
        cases = pd.DataFrame(columns=["person", "from", "to", "onset"])
        for f, columns in ((src.case_links, src.LINK_COLUMNS),
                           (src.common_persons, src.PERSON_COLUMNS),
                           (src.common_places, src.PLACE_COLUMNS)):
            self.assertEqual(src.format_csv(f(empty, cases)), ",".join(columns) + "\n")


# ---------------------------------------------------------------------------
# ctrace sources on generated cities
# ---------------------------------------------------------------------------

def add_sites(places_csv, out_csv):
    """The places file with a `site` column (groups of 3 codes, the first group
    named after its first code, the last third of the codes their own sites)
    and a `min_overlap` column on some codes (0, 5m, 20m or none)."""
    table = pd.read_csv(places_csv, dtype=str, keep_default_na=False)
    n = len(table)
    sites, overlaps = [], []
    for i, code in enumerate(table["place"]):
        if i >= 2 * n // 3:
            sites.append("" if i % 2 else code)
        else:
            sites.append(table["place"][0] if i < 3 else f"SITE-{i // 3:03d}")
        overlaps.append({0: "5m", 1: "", 2: "", 3: "20m", 4: "", 5: "0", 6: ""}[i % 7])
    table["site"] = sites
    table["min_overlap"] = overlaps
    table.to_csv(out_csv, index=False, lineterminator="\n")


# Never skipped: an executable without the `sources` command (or none at all)
# fails here rather than passing without comparing anything.
class CtraceSources(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        help_run = subprocess.run([CTRACE, "help", "sources"], capture_output=True, text=True)
        if help_run.returncode != 0:
            raise AssertionError(f"{CTRACE} help sources: exit status {help_run.returncode}, "
                                 f"the sources command is missing: {help_run.stderr[:400]}")
        cls.tmp = tempfile.TemporaryDirectory()
        cls.cities = {}
        for name, seed, extra in (("short", 11, []),
                                  ("resident", 12, ["--ids", "resident", "--order", "shuffled"])):
            folder = Path(cls.tmp.name) / name
            run("gen", "--persons", 3000, "--days", 14, "--cases", 20, "--seed", seed, *extra,
                "--out", folder, "-q")
            add_sites(folder / "places.csv", folder / "places-sites.csv")
            run("snapshot", "--scans", folder / "scans.csv", "--places",
                folder / "places-sites.csv", "--out", folder / "plain-sites.h5", "-q")
            cls.cities[name] = folder

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()
        for name, counts in sorted(ROW_COUNTS.items()):
            print(f"  {name}: " + ", ".join(f"{k} {v}" for k, v in counts.items()),
                  file=sys.stderr)

    def trace_snapshot(self, folder, tag, places="places.csv", options=()):
        h5 = folder / f"trace-{tag}.h5"
        run("trace", "--scans", folder / "scans.csv", "--places", folder / places, "--cases",
            folder / "cases.csv", *options, "--out", folder / f"risk-{tag}.csv", "--hdf5", h5,
            "-q")
        return h5

    def ctrace_sources(self, folder, tag, inputs, options=()):
        args = ["sources", *inputs, "--cases", folder / "cases.csv", *options, "-q"]
        for _, flag, file in OUTPUTS:
            args += [flag, folder / f"{tag}-{file}"]
        run(*args)
        return {name: (folder / f"{tag}-{file}").read_bytes() for name, _, file in OUTPUTS}

    # Each run's outputs hold at least this many rows (the cities give 18-47
    # links, 2000-3000 common persons and 48-87 common places), so that no
    # comparison is vacuous.
    MINIMUM_ROWS = {"links": 5, "common_persons": 100, "common_places": 20}

    def compare(self, run_name, ours, h5, minimum_rows=MINIMUM_ROWS, **options):
        """ctrace's three files equal the module's, byte for byte, and hold enough rows."""
        result = src.sources(h5, **options)
        counts = {}
        for name, _, _ in OUTPUTS:
            with self.subTest(run=run_name, output=name):
                expected = src.format_csv(result[name], result["tz_offset_seconds"]).encode()
                counts[name] = expected.count(b"\n") - 1
                self.assertGreaterEqual(counts[name], minimum_rows.get(name, 0),
                                        f"{run_name}: too few {name} rows for a real comparison")
                if ours[name] != expected:
                    self.fail(f"{run_name} {name}: {first_difference(ours[name], expected)}")
        ROW_COUNTS[run_name] = counts

    def test_default_options(self):
        for name, folder in self.cities.items():
            tz = ["--tz", "+08:00"] if name == "short" else []
            h5 = self.trace_snapshot(folder, "default", options=tz)
            ours = self.ctrace_sources(folder, "default", ["--scans", folder / "scans.csv",
                                                           "--places", folder / "places.csv"],
                                       tz)
            self.compare(f"{name}/default", ours, h5)

    def test_other_incubation_overlap_and_min_cases(self):
        options = ["--incubation-min", "2d", "--incubation-max", "10d", "--min-overlap", "5m",
                   "--min-cases", "3"]
        for name, folder in self.cities.items():
            tz = ["--tz", "-03:30"] if name == "resident" else []
            h5 = self.trace_snapshot(folder, "default-tz" + name, options=tz)
            ours = self.ctrace_sources(folder, "incubation", ["--scans", folder / "scans.csv",
                                                              "--places", folder / "places.csv"],
                                       options + tz)
            self.compare(f"{name}/incubation", ours, h5, incubation_min="2d",
                         incubation_max="10d", min_overlap="5m", min_cases=3)

    def test_site_level_with_linger(self):
        for name, folder in self.cities.items():
            level = ["--contact-level", "site"]
            h5 = self.trace_snapshot(folder, "site", "places-sites.csv", level)
            ours = self.ctrace_sources(folder, "site", ["--scans", folder / "scans.csv",
                                                        "--places", folder / "places-sites.csv"],
                                       level + ["--linger", "30m"])
            self.assertEqual(src.load(h5).contact_level, "site")
            self.compare(f"{name}/site-linger", ours, h5, linger="30m")
            # A code-level snapshot rolled up to sites by `sources` itself.
            ours = self.ctrace_sources(folder, "site-snapshot",
                                       ["--snapshot", folder / "plain-sites.h5"],
                                       level + ["--linger", "30m"])
            self.compare(f"{name}/site-linger-from-snapshot", ours, h5, linger="30m")

    def test_snapshot_input(self):
        for name, folder in self.cities.items():
            plain = folder / "plain-sites.h5"
            h5 = self.trace_snapshot(folder, "code-sites", "places-sites.csv")
            ours = self.ctrace_sources(folder, "snapshot", ["--snapshot", plain])
            self.compare(f"{name}/snapshot", ours, h5)
            ours = self.ctrace_sources(folder, "traced-snapshot", ["--snapshot", h5])
            self.compare(f"{name}/traced-snapshot", ours, h5)

    def test_profile_cwa(self):
        for name, folder in self.cities.items():
            h5 = self.trace_snapshot(folder, "cwa", options=["--profile", "cwa"])
            ours = self.ctrace_sources(folder, "cwa", ["--scans", folder / "scans.csv",
                                                       "--places", folder / "places.csv"],
                                       ["--profile", "cwa"])
            self.compare(f"{name}/cwa", ours, h5, profile="cwa")

    def test_small_random_inputs(self):
        """Small dense random dumps with awkward ids (commas, quotes, a line
        break, non-ASCII), empty stays, per-place dwell, min_overlap and
        sites, cases with and without from/to/last_negative, cases that
        never scanned, and random options."""
        rng = random.Random(2022)
        nonempty, runs = [0, 0, 0], 0
        for trial in range(60):
            folder = Path(self.tmp.name) / f"random{trial}"
            folder.mkdir()
            options, python, common = write_random_dump(rng, folder)
            trace = subprocess.run([CTRACE, "trace", *common, "--cases", folder / "cases.csv",
                                    "--out", folder / "risk.csv", "--hdf5", folder / "trace.h5",
                                    "-q"], capture_output=True)
            if trace.returncode:  # an --until before some case's window: a bad row
                self.assertIn(b"infectious window is empty", trace.stderr)
                continue
            runs += 1
            ours = self.ctrace_sources(folder, "random", common, options)
            result = src.sources(folder / "trace.h5", **python)
            for k, (name, _, _) in enumerate(OUTPUTS):
                with self.subTest(trial=trial, output=name, options=options + common[4:]):
                    expected = src.format_csv(result[name], result["tz_offset_seconds"])
                    self.assertEqual(ours[name].decode(), expected)
                    nonempty[k] += len(result[name]) > 0
        ROW_COUNTS["random dumps (runs with rows per output, of %d)" % runs] = dict(
            zip((name for name, _, _ in OUTPUTS), nonempty))
        self.assertGreaterEqual(runs, 45)
        self.assertTrue(all(n >= 10 for n in nonempty), nonempty)

    def test_ties_in_byte_order(self):
        """Ties broken by ids in byte order: the link's place among four events
        starting at the same second (the infectee's window start), common places
        with equal counts and seconds, common persons with equal stays."""
        folder = Path(self.tmp.name) / "ties"
        folder.mkdir()
        w = 1650000000  # the infectee's window start: onset - 14d
        places = ["z", "é", "Z", "a,b"]
        scans = [("C", x, w - 3600, w + 3600) for x in places]  # C's stays straddle w
        scans += [("I", x, w - 1800, w + 1800) for x in places]
        scans += [(p, x, w - 600, w + 1200) for p in ("ü", "u", "U") for x in places[:2]]
        write_csv_rows(folder / "scans.csv", ["person", "place", "time", "leave"], scans)
        write_csv_rows(folder / "cases.csv", ["person", "from", "onset"],
                       [("C", "", w + 14 * 86400), ("I", w - 86400, w + 14 * 86400 - 1800)])
        h5 = folder / "trace.h5"
        run("trace", "--scans", folder / "scans.csv", "--cases", folder / "cases.csv",
            "--out", folder / "risk.csv", "--hdf5", h5, "-q")
        result = src.sources(h5, min_cases=2)
        self.assertEqual(result["links"].to_dict("records"), [
            {"infector": "I", "infectee": "C", "first_contact": w, "last_contact": w + 1800,
             "contact_seconds": 4 * 1800, "place": "Z"}])
        self.assertEqual(list(result["common_places"]["place"]), ["Z", "a,b", "z", "é"])
        self.assertEqual(list(result["common_places"]["case_seconds"]), [3600 + 3600] * 4)
        self.assertEqual(list(result["common_persons"]["person"]), ["U", "u", "ü"])
        ours = self.ctrace_sources(folder, "ties", ["--scans", folder / "scans.csv"],
                                   ["--min-cases", "2"])
        for name, _, _ in OUTPUTS:
            self.assertEqual(ours[name].decode(), src.format_csv(result[name]), name)

    def test_the_comparison_can_fail(self):
        folder = self.cities["short"]
        h5 = self.trace_snapshot(folder, "fail")
        ours = self.ctrace_sources(folder, "fail", ["--scans", folder / "scans.csv",
                                                    "--places", folder / "places.csv"])
        for options in ({"min_overlap": "14m"}, {"linger": "5m"}, {"incubation_max": "13d"}):
            with self.subTest(options=options):
                result = src.sources(h5, **options)
                differ = [name for name, _, _ in OUTPUTS if ours[name] != src.format_csv(
                    result[name], result["tz_offset_seconds"]).encode()]
                self.assertNotEqual(differ, [])


def write_csv_rows(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def write_random_dump(rng, folder):
    """scans.csv, places.csv and cases.csv of a small random dump in folder;
    returns (options of `sources` only, the matching keyword arguments of
    ctrace_sources.sources, the options common to trace and sources: inputs
    but the cases file, tz, contact level, until, lookback and profile)."""
    persons = rng.sample(AWKWARD_IDS + ["line\nbreak"] + [f"P{i}" for i in range(20)],
                         rng.choice([5, 8, 12]))
    places = rng.sample(["R1", "G2", "M,3", "中心", "K5", "L6"], rng.choice([1, 2, 3]))
    t0, hours = 1650000000, rng.choice([24, 72, 120])
    scans = []
    for _ in range(rng.choice([40, 100, 200])):
        t = t0 + rng.randrange(0, hours * 3600, rng.choice([1, 60, 600]))
        leave = rng.choice(["", "", str(t), str(t + rng.choice([60, 600, 900, 1800, 7200]))])
        scans.append((rng.choice(persons), rng.choice(places), t, leave))
    write_csv_rows(folder / "scans.csv", ["person", "place", "time", "leave"], scans)
    write_csv_rows(folder / "places.csv", ["place", "dwell", "min_overlap", "site"],
                   [(x, rng.choice(["", "30m", "1h", "0"]), rng.choice(["", "", "0", "5m", "20m"]),
                     rng.choice(["", "S1", "S2", places[0]])) for x in places])
    cases = []
    for p in rng.sample(persons, rng.choice([1, 2, 3, len(persons) // 2, len(persons)])):
        onset = t0 + rng.randrange(0, (hours + 72) * 3600, 600)
        start = rng.choice(["", "", str(onset - rng.choice([3600, 86400, 5 * 86400]))])
        end = rng.choice(["", "", str(onset + rng.choice([-3600, 3600, 86400, 3 * 86400]))])
        if end and int(end) <= (int(start) if start else onset - 4 * 86400):
            end = ""
        negative = rng.choice(["", "", str(onset - rng.choice([0, 3600, 2 * 86400, 10 * 86400]))])
        cases.append((p, start, end, onset, negative))
    for ghost in rng.sample(["ghost1", "ghost,2"], rng.choice([0, 0, 1, 2])):
        cases.append((ghost, "", "", t0 + 3 * 86400, ""))  # never scanned
    write_csv_rows(folder / "cases.csv", ["person", "from", "to", "onset", "last_negative"], cases)
    options, python = [], {}
    if rng.random() < 0.5:
        options += ["--linger", rng.choice(["10m", "30m", "2h"])]
        python["linger"] = options[-1]
    if rng.random() < 0.5:
        options += ["--min-overlap", rng.choice(["1", "5m", "30m"])]
        python["min_overlap"] = options[-1]
    if rng.random() < 0.4:
        low, high = rng.choice([("0", "1d"), ("2h", "3d"), ("1d", "14d"), ("1d", "1d")])
        options += ["--incubation-min", low, "--incubation-max", high]
        python.update(incubation_min=low, incubation_max=high)
    if rng.random() < 0.5:
        options += ["--min-cases", rng.choice(["1", "2", "3"])]
        python["min_cases"] = int(options[-1])
    common = ["--scans", folder / "scans.csv", "--places", folder / "places.csv"]
    common += rng.choice([[], ["--tz", "+08:00"], ["--tz", "-03:30"]])
    if rng.random() < 0.5:
        common += ["--contact-level", "site"]
    if rng.random() < 0.3:
        common += ["--until", str(t0 + rng.randrange(0, hours * 3600))]
    if rng.random() < 0.3:
        common += ["--lookback", rng.choice(["1d", "2d", "6d"])]
    if rng.random() < 0.2:
        common += ["--profile", "cwa"]
        python["profile"] = "cwa"
    return options, python, common


def first_difference(ours, expected):
    a, b = ours.decode(errors="replace").split("\n"), expected.decode(errors="replace").split("\n")
    for i, (x, y) in enumerate(itertools.zip_longest(a, b)):
        if x != y:
            return (f"line {i + 1}: ctrace {x!r}, reference {y!r} "
                    f"({len(a) - 2} rows against {len(b) - 2})")
    return "no difference"


if __name__ == "__main__":
    unittest.main()
