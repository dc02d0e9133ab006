#!/usr/bin/env python3
"""The report page in a real browser (issue 28, docs/report.md).

Makes `ctrace report` pages and opens them in headless Chromium through
Selenium (Debian's chromium, chromium-driver and python3-selenium, which
scripts/test installs), and checks what a health office relies on:

- no console error and no network request (file:// and data: only);
- the counts shown equal the risk list's (from `ctrace trace`, same options);
- filtering by hop 1 shows exactly the hop-1 rows;
- the chain of the risk list's last row is the one `ctrace explain` prints;
- a place on the map lists the persons exposed there.

    test_report.py CTRACE FIXTURES_DIR [--city DIR] [--keep DIR]

With --city (a folder with scans.csv, places.csv, cases.csv, as bench/run.sh
makes), the same checks run on that city's page and the time to the page's
ready mark is printed (the benchmark, bench/report.sh; not a timed test).
"""

import argparse
import csv
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

ARGS = None


def run(*command, **kw):
    return subprocess.run(command, check=True, capture_output=True, text=True, **kw)


def read_risk(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                 "--window-size=1400,1000",
                 "--user-data-dir=" + tempfile.mkdtemp(prefix="ctrace-chromium-")):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


class PageChecks:
    """The checks, on one page made from `risk_csv`'s data."""

    page = None
    risk_csv = None

    @classmethod
    def open_page(cls):
        cls.driver = browser()
        start = time.monotonic()
        cls.driver.get("file://" + os.path.abspath(cls.page))
        from selenium.webdriver.support.ui import WebDriverWait
        WebDriverWait(cls.driver, 60).until(
            lambda d: d.execute_script("return document.body.dataset.ready === '1'"))
        cls.wall_to_ready = time.monotonic() - start
        cls.ready_ms = cls.driver.execute_script(
            "const m = performance.getEntriesByName('ctrace-ready');"
            "return m.length ? m[0].startTime : null;")
        from selenium.webdriver.support.ui import WebDriverWait as Wait
        Wait(cls.driver, 60).until(lambda d: d.execute_script(
            "return performance.getEntriesByType('navigation')[0].loadEventEnd > 0"))
        cls.load_ms = cls.driver.execute_script(
            "return performance.getEntriesByType('navigation')[0].loadEventStart;")
        cls.rows = read_risk(cls.risk_csv)

    @classmethod
    def tearDownClass(cls):
        cls.driver.quit()

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def test_no_console_error_and_no_network_request(self):
        errors = [e for e in self.driver.get_log("browser") if e["level"] == "SEVERE"]
        self.assertEqual(errors, [])
        # Requests of the page's own document (the browser's new-tab page
        # before navigation makes chrome:// requests of its own).
        urls = []
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] == "Network.requestWillBeSent" and message["params"].get(
                    "documentURL", "").startswith("file://"):
                urls.append(message["params"]["request"]["url"])
        self.assertTrue(any(u.startswith("file://") for u in urls), urls)
        outside = [u for u in urls if not (u.startswith("file://") or u.startswith("data:"))]
        self.assertEqual(outside, [])

    def test_counts_equal_the_list(self):
        def shown(element_id):
            return int(self.driver.find_element("id", element_id).text.strip())
        self.assertEqual(shown("count-listed"), len(self.rows))
        hops = {}
        for r in self.rows:
            hops[int(r["hop"])] = hops.get(int(r["hop"]), 0) + 1
        for hop, count in hops.items():
            self.assertEqual(shown("count-hop-%d" % hop), count, "hop %d" % hop)
        self.assertEqual(shown("count-cases"), hops.get(0, 0))

    def test_filter_by_hop_1_shows_exactly_the_hop_1_rows(self):
        from selenium.webdriver.support.ui import Select
        Select(self.driver.find_element("id", "filter-hop")).select_by_value("1")
        try:
            wanted = sorted(r["person"] for r in self.rows if r["hop"] == "1")
            self.assertEqual(int(self.driver.find_element("id", "row-count").text.strip()),
                             len(wanted))
            shown = self.js("return window.ctraceReport.rows().map(r => [r[0], r[1]]);")
            self.assertEqual(sorted(p for p, _ in shown), wanted)
            self.assertTrue(all(h == 1 for _, h in shown))
            on_page = self.js("return Array.from(document.querySelectorAll("
                              "'#risk-table tbody tr[data-hop]')).map(t => t.dataset.hop);")
            self.assertTrue(on_page)
            self.assertTrue(all(h == "1" for h in on_page))
        finally:
            Select(self.driver.find_element("id", "filter-hop")).select_by_value("")

    def test_chain_of_the_last_row_is_what_explain_prints(self):
        last = self.rows[-1]["person"]
        explained = run(ARGS.ctrace, "explain", "--risk", self.risk_csv, "--person", last).stdout
        box = self.driver.find_element("id", "filter-text")
        box.clear()
        box.send_keys(last)
        try:
            link = self.js("return Array.from(document.querySelectorAll("
                           "'#risk-table a.person-link')).find(a => a.dataset.person === "
                           "arguments[0]);", last)
            self.assertIsNotNone(link, "no link for " + last)
            link.click()
            chain = self.js("return document.getElementById('chain').textContent;")
            self.assertEqual(chain, explained)
        finally:
            box.clear()
            self.js("window.ctraceReport.filter('', '', '', '');")

    def test_a_place_lists_its_exposed_persons(self):
        by_place = {}
        for r in self.rows:
            if r["via_place"]:
                by_place.setdefault(r["via_place"], set()).add(r["person"])
        place = max(sorted(by_place), key=lambda p: len(by_place[p]))
        element = self.js("return document.querySelector('[data-place=\"' + arguments[0] +"
                          " '\"]');", place)
        self.assertIsNotNone(element, "nothing on the map for " + place)
        self.js("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}));",
                element)
        listed = self.js("return Array.from(document.querySelectorAll("
                         "'#place-detail li[data-person]')).map(l => l.dataset.person);")
        expected = by_place[place]
        if len(expected) <= 500:
            self.assertEqual(sorted(listed), sorted(expected))
        else:
            self.assertEqual(len(listed), 500)
            self.assertTrue(set(listed) <= expected)


def make_page(work, name, data_args, lang="en"):
    risk = os.path.join(work, name + "-risk.csv")
    page = os.path.join(work, name + ".html")
    run(ARGS.ctrace, "trace", *data_args, "--out", risk, "-q")
    run(ARGS.ctrace, "report", *data_args, "--out", page, "--lang", lang, "-q")
    return page, risk


class TinyExample(PageChecks, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        tiny = os.path.join(ARGS.fixtures, "tiny")
        cls.page, cls.risk_csv = make_page(
            ARGS.work, "tiny",
            ["--scans", os.path.join(tiny, "scans.csv"), "--places",
             os.path.join(tiny, "places.csv"), "--cases", os.path.join(tiny, "cases.csv"),
             "--tz", "+08:00", "--hops", "3"])
        cls.open_page()

    def test_the_map_says_coordinates_are_missing(self):
        # The tiny places file has no lat/lon: the map says so, the rest works.
        self.assertTrue(self.driver.find_element("id", "map-missing").is_displayed())
        self.assertEqual(self.js("return document.querySelectorAll('circle.place').length;"), 0)

    def test_the_list_is_the_example_s(self):
        with open(os.path.join(ARGS.fixtures, "tiny", "risk.csv"), encoding="utf-8") as f:
            expected = f.read()
        with open(self.risk_csv, encoding="utf-8") as f:
            self.assertEqual(f.read(), expected)


class FieldExample(PageChecks, unittest.TestCase):
    """The field example: districts, and companions on the page."""

    @classmethod
    def setUpClass(cls):
        field = os.path.join(ARGS.fixtures, "field")
        cls.page, cls.risk_csv = make_page(
            ARGS.work, "field",
            ["--scans", os.path.join(field, "scans.csv"), "--places",
             os.path.join(field, "places.csv"), "--cases", os.path.join(field, "cases.csv"),
             "--tz", "+08:00"], lang="zh")
        cls.open_page()

    def test_companions_counted(self):
        with open(os.path.join(ARGS.fixtures, "field", "companions.csv"), encoding="utf-8") as f:
            expected = sum(1 for _ in f) - 1
        self.assertEqual(int(self.driver.find_element("id", "count-companions").text), expected)


class GeneratedCity(PageChecks, unittest.TestCase):
    """A small city from `ctrace gen`: a list long enough for the library to
    write it column by column (docs/report.md, "Large lists"), with
    coordinates on the map."""

    @classmethod
    def setUpClass(cls):
        city = os.path.join(ARGS.work, "gen")
        run(ARGS.ctrace, "gen", "--scans", "60000", "--days", "7", "--ids", "resident",
            "--out", city, "-q")
        cls.page, cls.risk_csv = make_page(
            ARGS.work, "gen",
            ["--scans", os.path.join(city, "scans.csv"), "--places",
             os.path.join(city, "places.csv"), "--cases", os.path.join(city, "cases.csv")])
        cls.open_page()

    def test_the_list_is_written_by_column(self):
        self.assertGreaterEqual(len(self.rows), 2000)
        with open(self.page, encoding="utf-8") as f:
            self.assertIn('"encoded":', f.read())

    def test_every_row_shown_as_the_list_writes_it(self):
        shown = self.js("window.ctraceReport.filter('', '', '', '');"
                        "return window.ctraceReport.rows();")
        with open(self.risk_csv, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))[1:]
        self.assertEqual(len(shown), len(rows))
        by_person = {r[0]: r for r in rows}
        for row in shown:
            expected = by_person[row[0]]
            self.assertEqual([str(v) for v in row[:9]], expected[:9])


class City(PageChecks, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not ARGS.city:
            raise unittest.SkipTest("no --city")
        city = ARGS.city
        cls.page, cls.risk_csv = make_page(
            ARGS.work, "city",
            ["--scans", os.path.join(city, "scans.csv"), "--places",
             os.path.join(city, "places.csv"), "--cases", os.path.join(city, "cases.csv")])
        cls.open_page()
        size = os.path.getsize(cls.page)
        print("\ncity page: %d bytes, %d rows, ready mark %.0f ms and load event %.0f ms "
              "after navigation start (%.2f s to ready from the driver)"
              % (size, len(cls.rows), cls.ready_ms, cls.load_ms, cls.wall_to_ready),
              file=sys.stderr)

    def test_filter_and_sort_are_fast(self):
        timings = self.js("""
            const t0 = performance.now();
            window.ctraceReport.filter('1', '', '', '');
            const t1 = performance.now();
            window.ctraceReport.sortBy('first_exposure', false);
            const t2 = performance.now();
            window.ctraceReport.filter('', '', '', '');
            return [t1 - t0, t2 - t1];""")
        print("filter %.0f ms, sort %.0f ms" % tuple(timings), file=sys.stderr)


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("ctrace")
    parser.add_argument("fixtures")
    parser.add_argument("--city")
    parser.add_argument("--keep", help="write the pages here and keep them")
    ARGS, rest = parser.parse_known_args()
    if not (shutil.which("chromedriver") or os.path.exists("/usr/bin/chromedriver")):
        print("chromium-driver is not installed (scripts/test installs it)", file=sys.stderr)
        return 1
    ARGS.work = ARGS.keep or tempfile.mkdtemp(prefix="ctrace-report-")
    os.makedirs(ARGS.work, exist_ok=True)
    try:
        result = unittest.main(argv=[sys.argv[0]] + rest, exit=False, verbosity=2).result
    finally:
        if not ARGS.keep:
            shutil.rmtree(ARGS.work, ignore_errors=True)
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
