"""`ctrace places` and `ctrace rank` against the independent references in
outbreak_reference.py, on synthetic cities written by `ctrace gen`.

    CTRACE_BIN=build/apps/ctrace /usr/bin/python3 -m unittest tests/python/test_outbreak_reference.py -v
"""

import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))
import outbreak_reference as ref  # noqa: E402

CTRACE = os.environ.get("CTRACE_BIN", str(REPO / "build" / "apps" / "ctrace"))


def run(*args):
    subprocess.run([CTRACE, *map(str, args), "-q"], check=True)


class OutbreakReference(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.cities = []
        for seed, persons, days in ((3, 2500, 5), (7, 1200, 9)):
            folder = Path(cls.tmp.name) / f"city{seed}"
            subprocess.run([CTRACE, "gen", "--persons", str(persons), "--days", str(days),
                            "--seed", str(seed), "--cases", "8", "--case-days", "3",
                            "--out", str(folder)], check=True, capture_output=True)
            stays, places = ref.read_stays(folder / "scans.csv", folder / "places.csv")
            cls.cities.append((folder, stays, places))

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def out(self, name):
        return Path(self.tmp.name) / name

    def test_places(self):
        for folder, stays, _ in self.cities:
            cases = ref.read_cases(folder / "cases.csv")
            for overlap in ("15m", "1", "1h"):
                with self.subTest(city=folder.name, min_overlap=overlap):
                    out = self.out("places.csv")
                    run("places", "--scans", folder / "scans.csv", "--places",
                        folder / "places.csv", "--cases", folder / "cases.csv",
                        "--min-overlap", overlap, "--tz", "+08:00", "--out", out)
                    expected = ref.reference_places(stays, cases, ref.seconds(overlap))
                    self.assertGreater(len(expected), 0)
                    ref.compare_places(out, expected)

    def test_places_with_until(self):
        folder, stays, _ = self.cities[0]
        until = "2022-04-05T12:00:00+08:00"
        cases = ref.read_cases(folder / "cases.csv", until=ref.epoch(until))
        out = self.out("places-until.csv")
        run("places", "--scans", folder / "scans.csv", "--places", folder / "places.csv",
            "--cases", folder / "cases.csv", "--until", until, "--out", out)
        ref.compare_places(out, ref.reference_places(stays, cases))

    def test_rank(self):
        windows = ((None, None), ("2022-04-02T08:00:00+08:00", "2022-04-02T20:00:00+08:00"),
                   ("2022-04-03T00:00:00+08:00", None))
        for folder, stays, places in self.cities:
            for lo, hi in windows:
                for top in (50, 0):
                    with self.subTest(city=folder.name, window=(lo, hi), top=top):
                        args = ["rank", "--scans", folder / "scans.csv", "--places",
                                folder / "places.csv", "--top", top]
                        args += ["--from", lo] if lo else []
                        args += ["--to", hi] if hi else []
                        out = self.out("rank.csv")
                        run(*args, "--out", out)
                        ranking = ref.reference_rank(stays, places,
                                                     ref.epoch(lo) if lo else None,
                                                     ref.epoch(hi) if hi else None)
                        ref.compare_rank(out, ranking, top)

    def test_the_comparison_can_fail(self):
        folder, stays, places = self.cities[0]
        cases = ref.read_cases(folder / "cases.csv")
        out = self.out("places-m.csv")
        run("places", "--scans", folder / "scans.csv", "--places", folder / "places.csv",
            "--cases", folder / "cases.csv", "--min-overlap", "1", "--out", out)
        with self.assertRaises(AssertionError):
            ref.compare_places(out, ref.reference_places(stays, cases, 3600))
        out = self.out("rank-w.csv")
        run("rank", "--scans", folder / "scans.csv", "--places", folder / "places.csv",
            "--from", "2022-04-02T08:00:00+08:00", "--out", out)
        with self.assertRaises(AssertionError):
            ref.compare_rank(out, ref.reference_rank(stays, places), 50)


if __name__ == "__main__":
    unittest.main()
