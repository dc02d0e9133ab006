"""The Excel workbooks of `--xlsx` read back with openpyxl and pandas: every
sheet gives its CSV's values (ids as text with every digit, times as the
local date-times of the run's --tz, integers as numbers, blanks where the CSV
is empty), on the tiny example, a generated city with resident ids, and the
sources, places, explain and daily outputs.

    CTRACE_BIN=build/apps/ctrace /usr/bin/python3 -m unittest tests/python/test_xlsx.py -v
"""

import csv
import datetime as dt
import os
import subprocess
import tempfile
import unittest
from pathlib import Path

import openpyxl
import pandas as pd

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
FIXTURES = REPO / "tests" / "fixtures"
TINY = FIXTURES / "tiny"
CTRACE = os.environ.get("CTRACE_BIN", str(REPO / "build" / "apps" / "ctrace"))

# The kinds of the CSV columns, stated here independently of ctrace's tables.
TIME_COLUMNS = {"first_exposure", "last_exposure", "quarantine_until", "monitor_until",
                "first_presence", "last_presence", "first_contact", "last_contact",
                "old_quarantine_until", "old_monitor_until", "start", "end"}
INTEGER_COLUMNS = {"hop", "exposure_seconds", "cases", "case_seconds", "exposed",
                   "exposed_seconds", "contact_seconds", "places", "step", "old_hop", "new_hop",
                   "meeting", "source_hop", "seconds"}

ZH_RISK_HEADER = ["人员", "风险层级", "码色", "首次暴露", "末次暴露", "隔离截止", "暴露秒数",
                  "传播来源", "传播场所"]


def run(*args, expect=0):
    """Runs ctrace; returns (stdout, stderr) after checking the exit status."""
    done = subprocess.run([CTRACE, *map(str, args)], capture_output=True, text=True)
    if done.returncode != expect:
        raise AssertionError(f"ctrace {' '.join(map(str, args))}: exit {done.returncode}, "
                             f"expected {expect}\n{done.stderr}")
    return done.stdout, done.stderr


def tiny_trace_args():
    return ["trace", "--scans", TINY / "scans.csv", "--places", TINY / "places.csv",
            "--cases", TINY / "cases.csv", "--tz", "+08:00", "--hops", "3", "-q"]


def read_csv_rows(path):
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def local_time(text, tz):
    """The wall-clock time in `tz` of an ISO 8601 time with offset, naive (as Excel holds it)."""
    return dt.datetime.fromisoformat(text).astimezone(tz).replace(tzinfo=None)


def zone(offset_text):
    sign = -1 if offset_text[0] == "-" else 1
    hours, minutes = map(int, offset_text[1:].split(":"))
    return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))


class SheetChecks(unittest.TestCase):
    def assert_sheet_is_csv(self, xlsx, sheet, csv_path, tz, header=None):
        """Sheet `sheet` of `xlsx` holds exactly the rows of `csv_path`, cell by cell
        (openpyxl) and column by column (pandas.read_excel)."""
        csv_header, csv_rows = read_csv_rows(csv_path)
        book = openpyxl.load_workbook(xlsx)
        self.assertIn(sheet, book.sheetnames)
        ws = book[sheet]
        rows = list(ws.iter_rows(values_only=True))
        self.assertEqual(list(rows[0]), header or csv_header)
        self.assertEqual(len(rows) - 1, len(csv_rows))
        self.assertEqual(ws.freeze_panes, "A2")
        last_column = openpyxl.utils.get_column_letter(len(csv_header))
        self.assertEqual(ws.auto_filter.ref, f"A1:{last_column}{len(csv_rows) + 1}")
        for row, expected_row in zip(rows[1:], csv_rows):
            self.assertEqual(len(row), len(expected_row))
            for column, value, expected in zip(csv_header, row, expected_row):
                where = f"{sheet} {column} {expected_row}"
                if expected == "":
                    self.assertIsNone(value, where)
                elif column in TIME_COLUMNS:
                    self.assertIsInstance(value, dt.datetime, where)
                    difference = abs(value - local_time(expected, tz))
                    self.assertLess(difference, dt.timedelta(milliseconds=1), where)
                elif column in INTEGER_COLUMNS:
                    self.assertIsInstance(value, int, where)
                    self.assertEqual(value, int(expected), where)
                else:
                    self.assertIsInstance(value, str, where)
                    self.assertEqual(value, expected, where)
        # pandas, with no dtype given: text stays text (no id turned into a number).
        frame = pd.read_excel(xlsx, sheet_name=sheet)
        self.assertEqual(len(frame), len(csv_rows))
        for position, column in enumerate(csv_header):
            expected = [r[position] for r in csv_rows]
            got = list(frame.iloc[:, position])
            for value, text in zip(got, expected):
                if text == "":
                    self.assertTrue(pd.isna(value), f"{sheet} {column}: {value!r} for ''")
                elif column in TIME_COLUMNS:
                    self.assertEqual(pd.Timestamp(value).round("s"),
                                     pd.Timestamp(local_time(text, tz)), column)
                elif column in INTEGER_COLUMNS:
                    self.assertEqual(int(value), int(text), column)
                elif column == "minutes":
                    # Text in the sheet (checked above); pandas reads digits as a number.
                    self.assertEqual(float(value), float(text), column)
                else:
                    self.assertEqual(value, text, column)
        return rows


class TinyExample(SheetChecks):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = Path(cls.tmp.name)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_risk_list(self):
        risk, xlsx = self.dir / "risk.csv", self.dir / "risk.xlsx"
        run(*tiny_trace_args(), "--out", risk, "--xlsx", xlsx)
        # The CSV is the one without --xlsx, byte for byte.
        self.assertEqual(risk.read_bytes(), (TINY / "risk.csv").read_bytes())
        rows = self.assert_sheet_is_csv(xlsx, "risk list", risk, zone("+08:00"))
        by_person = {r[0]: r for r in rows[1:]}
        # An index case: hop 0, exposure 0, blank times and via fields.
        self.assertEqual(by_person["C1"], ("C1", 0, "red", None, None, None, 0, None, None))
        self.assertEqual(by_person["G"][3], dt.datetime(2022, 4, 20, 9, 20))
        self.assertEqual(by_person["Li, Wei"][6], 3600)
        self.assertEqual(sorted(p.name for p in self.dir.iterdir() if p.name.startswith(".")), [])

    def test_chinese_headers(self):
        risk, xlsx = self.dir / "risk-zh.csv", self.dir / "risk-zh.xlsx"
        run(*tiny_trace_args(), "--out", risk, "--xlsx", xlsx, "--lang", "zh")
        self.assertEqual(risk.read_bytes(), (TINY / "risk.csv").read_bytes())
        rows = self.assert_sheet_is_csv(xlsx, "风险人员", risk, zone("+08:00"),
                                        header=ZH_RISK_HEADER)
        self.assertEqual([r for r in rows if r[0] == "G"][0][3], dt.datetime(2022, 4, 20, 9, 20))

    def test_monitoring_column(self):
        risk, xlsx = self.dir / "risk-monitor.csv", self.dir / "risk-monitor.xlsx"
        run(*tiny_trace_args(), "--monitoring", "7d", "--out", risk, "--xlsx", xlsx,
            "--lang", "zh")
        rows = self.assert_sheet_is_csv(xlsx, "风险人员", risk, zone("+08:00"),
                                        header=ZH_RISK_HEADER + ["监测截止"])
        self.assertEqual(len(rows[0]), 10)

    def test_places(self):
        out, xlsx = self.dir / "places.csv", self.dir / "places.xlsx"
        args = tiny_trace_args()[1:]
        args.remove("--hops")
        args.remove("3")
        run("places", *args, "--out", out, "--xlsx", xlsx)
        rows = self.assert_sheet_is_csv(xlsx, "risk places", out, zone("+08:00"))
        self.assertEqual(rows[1][:2], ("M01", 1))
        run("places", *args, "--out", out, "--xlsx", xlsx, "--lang", "zh")
        self.assertEqual(openpyxl.load_workbook(xlsx)["风险场所"]["A1"].value, "场所")

    def test_explain(self):
        risk = self.dir / "risk-explain.csv"
        run(*tiny_trace_args(), "--out", risk)
        out, xlsx = self.dir / "explain.csv", self.dir / "explain.xlsx"
        run("explain", "--risk", risk, "--person", "G", "--person", "Li, Wei", "--format",
            "csv", "--out", out, "--xlsx", xlsx)
        rows = self.assert_sheet_is_csv(xlsx, "explanation", out, zone("+08:00"))
        self.assertEqual(len(rows) - 1, 4 + 3)
        self.assertEqual(rows[4][2:5], ("C1", 0, "red"))  # G's chain ends at the index case
        # Text output to stdout and the workbook beside it.
        stdout, _ = run("explain", "--risk", risk, "--person", "G", "--xlsx", xlsx)
        self.assertTrue(stdout.startswith("G (hop 3, yellow)"))
        self.assertEqual(len(list(openpyxl.load_workbook(xlsx)["explanation"].rows)), 5)

    def test_explain_names_and_meetings(self):
        # A traced snapshot knows the place names and how it was traced.
        risk, traced = self.dir / "risk-named.csv", self.dir / "traced.h5"
        run(*tiny_trace_args(), "--out", risk, "--hdf5", traced)
        chains, meetings = self.dir / "chains.csv", self.dir / "meetings.csv"
        xlsx = self.dir / "named.xlsx"
        asked = ["--person", "H", "--person", "G"]
        run("explain", "--snapshot", traced, *asked, "--format", "csv", "--out", chains)
        run("explain", "--snapshot", traced, *asked, "--format", "csv", "--meetings", "--out",
            meetings, "--xlsx", xlsx)
        self.assertEqual(openpyxl.load_workbook(xlsx).sheetnames, ["explanation", "meetings"])
        rows = self.assert_sheet_is_csv(xlsx, "explanation", chains, zone("+08:00"))
        self.assertEqual(rows[0][-1], "via_place_name")
        self.assertTrue(any(r[-1] for r in rows[1:]), "no place name in the chains")
        rows = self.assert_sheet_is_csv(xlsx, "meetings", meetings, zone("+08:00"))
        # H met B and E (tests/test_meetings.cpp): two meetings, 7,200 s in all.
        h = [r for r in rows[1:] if r[0] == "H"]
        self.assertEqual(len(h), 2)
        self.assertEqual(sum(r[9] for r in h), 7200)

    def test_sources(self):
        sources = FIXTURES / "sources"
        data = ["--scans", sources / "scans.csv", "--places", sources / "places.csv",
                "--cases", sources / "cases.csv", "--tz", "+08:00", "-q"]
        links, persons, places = (self.dir / n for n in ("links.csv", "persons.csv", "hit.csv"))
        xlsx = self.dir / "sources.xlsx"
        run("sources", *data, "--links", links, "--common-persons", persons,
            "--common-places", places, "--xlsx", xlsx)
        self.assertEqual(openpyxl.load_workbook(xlsx).sheetnames,
                         ["links", "common persons", "common places"])
        self.assert_sheet_is_csv(xlsx, "links", links, zone("+08:00"))
        rows = self.assert_sheet_is_csv(xlsx, "common persons", persons, zone("+08:00"))
        self.assertEqual(rows[1][-1], "A;B")
        self.assert_sheet_is_csv(xlsx, "common places", places, zone("+08:00"))
        for name in ("links.csv", "common-persons.csv", "common-places.csv"):
            expected = (sources / name).read_bytes()
            got = {"links.csv": links, "common-persons.csv": persons,
                   "common-places.csv": places}[name].read_bytes()
            self.assertEqual(got, expected, name)
        # Only the lists asked for; Chinese sheet names.
        run("sources", *data, "--common-places", places, "--xlsx", xlsx, "--lang", "zh")
        self.assertEqual(openpyxl.load_workbook(xlsx).sheetnames, ["共同场所"])

    def test_daily(self):
        store, lists = self.dir / "store", self.dir / "lists"
        run("ingest", "--store", store, "--scans", TINY / "scans.csv", "--places",
            TINY / "places.csv", "--tz", "+08:00", "-q")
        for date in ("2022-04-20", "2022-05-04"):
            run("daily", "--store", store, "--cases", TINY / "cases.csv", "--out-dir", lists,
                "--hops", "3", "--as-of", date, "--xlsx", "-q")
            xlsx = lists / f"risk-{date}.xlsx"
            self.assertEqual(openpyxl.load_workbook(xlsx).sheetnames, ["risk list", "changes"])
            self.assert_sheet_is_csv(xlsx, "risk list", lists / f"risk-{date}.csv",
                                     zone("+08:00"))
            rows = self.assert_sheet_is_csv(xlsx, "changes", lists / f"changes-{date}.csv",
                                            zone("+08:00"))
        # On 05-04 quarantines ended: released rows have blank new hops.
        released = [r for r in rows[1:] if r[1] == "released"]
        self.assertGreater(len(released), 0)
        self.assertTrue(all(r[3] is None and r[5] == "green" for r in released))
        # Without --xlsx, no workbook.
        run("daily", "--store", store, "--cases", TINY / "cases.csv", "--out-dir", lists,
            "--as-of", "2022-05-05", "-q")
        self.assertFalse((lists / "risk-2022-05-05.xlsx").exists())

    def test_refusals(self):
        risk = self.dir / "refused.csv"
        _, err = run(*tiny_trace_args(), "--out", risk, "--xlsx", risk, expect=2)
        self.assertIn("does not end in .xlsx", err)
        same = self.dir / "refused.xlsx"
        _, err = run(*tiny_trace_args(), "--out", same, "--xlsx", same, expect=2)
        self.assertIn("name the same file", err)
        _, err = run(*tiny_trace_args(), "--out", risk, "--xlsx", "-", expect=2)
        self.assertIn("--xlsx", err)
        _, err = run(*tiny_trace_args(), "--out", risk, "--lang", "fr", expect=2)
        self.assertIn("--lang", err)
        _, err = run(*tiny_trace_args(), "--out", risk, "--xlsx",
                     self.dir / "missing" / "r.xlsx", expect=2)
        self.assertFalse(risk.exists())
        if os.access("/dev/full", os.W_OK):
            _, err = run(*tiny_trace_args(), "--out", risk, "--xlsx", "/dev/full", expect=74)
            self.assertEqual(err.strip(),
                             "ctrace trace: /dev/full: cannot write: No space left on device")
            self.assertFalse(risk.exists())
        stdout, _ = run("help", "trace")
        self.assertIn("--xlsx", stdout)
        self.assertIn("--lang", stdout)


class GeneratedCity(SheetChecks):
    """A city with resident ids (18 characters, some ending in X, some with a
    leading zero digit after the region) traced with --xlsx."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.city = Path(cls.tmp.name) / "city"
        run("gen", "--scans", "100000", "--days", "7", "--cases", "10", "--case-days", "3",
            "--ids", "resident", "--seed", "23", "--out", cls.city)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def trace(self, tz, *options):
        risk, xlsx = Path(self.tmp.name) / "risk.csv", Path(self.tmp.name) / "risk.xlsx"
        run("trace", "--scans", self.city / "scans.csv", "--places", self.city / "places.csv",
            "--cases", self.city / "cases.csv", "--tz", tz, "--out", risk, "--xlsx", xlsx,
            "-q", *options)
        return risk, xlsx

    def test_risk_list_with_resident_ids(self):
        risk, xlsx = self.trace("+08:00")
        rows = self.assert_sheet_is_csv(xlsx, "risk list", risk, zone("+08:00"))
        persons = [r[0] for r in rows[1:]]
        self.assertGreater(len(persons), 100)
        self.assertTrue(all(isinstance(p, str) and len(p) == 18 for p in persons))
        # Ids pandas would have mangled as numbers: all 18 digits kept.
        digits_only = [p for p in persons if p.isdigit()]
        self.assertGreater(len(digits_only), 0)
        frame = pd.read_excel(xlsx)
        self.assertEqual(list(frame["person"]), persons)
        self.assertEqual(frame["person"].map(len).min(), 18)


    def test_another_zone(self):
        """The scans are epoch seconds: a zone west of UTC, with half hours,
        moves every local time in the sheet and the CSV alike."""
        risk, xlsx = self.trace("-03:30", "--lang", "zh")
        rows = self.assert_sheet_is_csv(xlsx, "风险人员", risk, zone("-03:30"),
                                        header=ZH_RISK_HEADER)
        _, csv_rows = read_csv_rows(risk)
        exposed = [(r, c) for r, c in zip(rows[1:], csv_rows) if c[3]]
        self.assertGreater(len(exposed), 100)
        for row, csv_row in exposed:
            # The cell is the CSV's wall-clock text, without its suffix.
            self.assertTrue(csv_row[3].endswith("-03:30"))
            self.assertEqual(row[3], dt.datetime.fromisoformat(csv_row[3][:19]))


if __name__ == "__main__":
    unittest.main()
