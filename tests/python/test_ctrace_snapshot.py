"""Tests of the HDF5 snapshot layout (docs/hdf5-schema.md) and python/ctrace_snapshot.py.

Run from the repository root with the system interpreter:

    /usr/bin/python3 -m unittest discover -s tests/python -v

Snapshots come from the environment (set by CTest, see tests/CMakeLists.txt):
  CTRACE_TEST_SNAPSHOT        plain snapshot (ctrace snapshot on data/)
  CTRACE_TEST_TRACE_SNAPSHOT  snapshot with /trace (ctrace trace --hdf5 on data/)
  CTRACE_TEST_RISK_CSV        the risk list CSV written by that same trace run
When they are unset the test builds them into a temporary folder with the
ctrace binary named by CTRACE_BIN (default: build/apps/ctrace in this repo).
"""

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import warnings
from pathlib import Path

import h5py
import numpy as np
import scipy.sparse as sp

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "python"))
import ctrace_snapshot as cs  # noqa: E402

PATHS = {}  # "plain", "trace", "risk" -> path
_tmp = None


def setUpModule():
    global _tmp
    PATHS["plain"] = os.environ.get("CTRACE_TEST_SNAPSHOT")
    PATHS["trace"] = os.environ.get("CTRACE_TEST_TRACE_SNAPSHOT")
    PATHS["risk"] = os.environ.get("CTRACE_TEST_RISK_CSV")
    if PATHS["trace"] and not PATHS["risk"]:
        raise RuntimeError("CTRACE_TEST_TRACE_SNAPSHOT is set without CTRACE_TEST_RISK_CSV")
    if all(PATHS.values()):
        return
    ctrace = os.environ.get("CTRACE_BIN", str(REPO / "build" / "apps" / "ctrace"))
    if not os.access(ctrace, os.X_OK):
        raise RuntimeError(f"no ctrace binary at {ctrace}: build it or set CTRACE_BIN "
                           "(or set CTRACE_TEST_SNAPSHOT, CTRACE_TEST_TRACE_SNAPSHOT, CTRACE_TEST_RISK_CSV)")
    _tmp = tempfile.mkdtemp(prefix="ctrace-pytest-")
    data = REPO / "data"
    scan_args = ["--scans", str(data / "scans.csv"), "--places", str(data / "places.csv"), "--tz", "+08:00", "-q"]
    if not PATHS["plain"]:
        PATHS["plain"] = os.path.join(_tmp, "data.h5")
        subprocess.run([ctrace, "snapshot", *scan_args, "--out", PATHS["plain"]], check=True)
    if not PATHS["trace"]:
        PATHS["trace"] = os.path.join(_tmp, "data-trace.h5")
        PATHS["risk"] = os.path.join(_tmp, "data-risk.csv")
        subprocess.run([ctrace, "trace", *scan_args, "--cases", str(data / "cases.csv"),
                        "--out", PATHS["risk"], "--hdf5", PATHS["trace"]], check=True)


def tearDownModule():
    if _tmp:
        shutil.rmtree(_tmp, ignore_errors=True)


def read_stays(path):
    with h5py.File(path, "r") as f:
        s = f["stays"]
        return s["person"][:], s["place"][:], s["start"][:], s["end"][:]


def docs_snippet(path):
    """The reading example of docs/hdf5-schema.md, verbatim."""
    with h5py.File(path) as f:
        g = f["graph/person_place"]
        B = sp.csr_matrix((g["data"][:], g["indices"][:], g["indptr"][:]), shape=tuple(g.attrs["shape"]))
        persons = f["persons/id"].asstr()[:]
    return B, persons


def input_path(recorded):
    """A provenance path (as given on ctrace's command line) as a file we can read."""
    p = Path(recorded)
    if p.is_absolute():
        return p
    for base in (Path.cwd(), REPO):
        if (base / p).is_file():
            return base / p
    return p


class LayoutTest(unittest.TestCase):
    """The files themselves, read with nothing but h5py/numpy/scipy."""

    def each(self):
        for kind in ("plain", "trace"):
            with self.subTest(snapshot=kind):
                yield PATHS[kind]

    def test_docs_snippet(self):
        for path in self.each():
            B, persons = docs_snippet(path)
            with h5py.File(path, "r") as f:
                n_places = f["places/id"].shape[0]
                g = f["graph/person_place"]
                self.assertEqual(g.attrs["encoding-type"], "csr_matrix")
                self.assertEqual(g.attrs["encoding-version"], "0.1.0")
                self.assertEqual(g["indices"].dtype, np.int32)
                self.assertEqual(g["indptr"].dtype, np.int64)
            person, place, start, end = read_stays(path)
            self.assertIsInstance(B, sp.csr_matrix)
            self.assertEqual(B.shape, (len(persons), n_places))
            self.assertEqual(B.dtype, np.int64)
            self.assertEqual(B.nnz, len(set(zip(person.tolist(), place.tolist()))))
            self.assertEqual(persons.dtype, object)
            self.assertEqual(len(persons), 300)
            self.assertGreater(B.nnz, 0)

    def test_row_sums_are_stay_seconds(self):
        for path in self.each():
            B, persons = docs_snippet(path)
            person, place, start, end = read_stays(path)
            expected = np.zeros(len(persons), dtype=np.int64)
            np.add.at(expected, person.astype(np.int64), end - start)
            np.testing.assert_array_equal(np.asarray(B.sum(axis=1)).ravel(), expected)
            # and cell by cell
            ref = sp.coo_matrix((end - start, (person.astype(np.int64), place.astype(np.int64))),
                                shape=B.shape).tocsr()
            self.assertEqual((B != ref).nnz, 0)

    def test_indices_sorted_within_rows(self):
        for path in self.each():
            B, _ = docs_snippet(path)
            rows = np.repeat(np.arange(B.shape[0]), np.diff(B.indptr))
            same_row = rows[1:] == rows[:-1]
            self.assertTrue(np.all(np.diff(B.indices.astype(np.int64))[same_row] > 0))
            self.assertTrue(B.has_sorted_indices)

    def test_stays_sorted_by_place_start_person(self):
        for path in self.each():
            person, place, start, end = read_stays(path)
            self.assertEqual(person.dtype, np.uint32)
            self.assertEqual(place.dtype, np.uint32)
            self.assertEqual(start.dtype, np.int64)
            self.assertEqual(end.dtype, np.int64)
            self.assertTrue(np.all(end >= start))
            order = np.lexsort((person, start, place))
            np.testing.assert_array_equal(order, np.arange(len(order)))
            key = np.stack([place.astype(np.int64), start, person.astype(np.int64)], axis=1)
            self.assertEqual(len(np.unique(key, axis=0)), len(key), "(place, start, person) not unique")
            with h5py.File(path, "r") as f:
                self.assertEqual(f.attrs["time_min"], start.min())
                self.assertEqual(f.attrs["time_max"], end.max())

    def test_anndata_reads_the_matrix(self):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                import anndata.experimental
        except ImportError:
            self.skipTest("anndata not installed")
        for path in self.each():
            B, _ = docs_snippet(path)
            with warnings.catch_warnings(), h5py.File(path, "r") as f:
                warnings.simplefilter("ignore")
                M = anndata.experimental.read_elem(f["graph/person_place"])
            self.assertIsInstance(M, sp.csr_matrix)
            self.assertEqual(M.shape, B.shape)
            self.assertEqual(M.dtype, B.dtype)
            self.assertEqual((M != B).nnz, 0)


class ReaderTest(unittest.TestCase):
    """python/ctrace_snapshot.py."""

    def test_open_snapshot(self):
        snap = cs.open_snapshot(PATHS["plain"])
        self.assertEqual(snap.attrs["schema"], "ctrace-snapshot")
        self.assertEqual(snap.attrs["schema_version"], 1)
        self.assertEqual(snap.attrs["tz_offset_seconds"], 8 * 3600)
        self.assertEqual((snap.n_persons, snap.n_places), (300, 40))
        self.assertFalse(snap.has_trace)
        self.assertTrue(cs.open_snapshot(PATHS["trace"]).has_trace)

    def test_ids(self):
        for fn in (cs.person_ids, cs.place_ids):
            for src in (PATHS["plain"], cs.open_snapshot(PATHS["plain"])):
                ids = fn(src)
                self.assertEqual(ids.dtype.kind, "U")
                self.assertEqual(len(set(ids)), len(ids))
        with h5py.File(PATHS["plain"], "r") as f:
            np.testing.assert_array_equal(cs.person_ids(f), f["persons/id"].asstr()[:].astype(str))
        self.assertEqual(cs.person_ids(PATHS["plain"])[0], "P0000006")  # first scan of data/scans.csv

    def test_incidence_equals_h5py(self):
        for kind in ("plain", "trace"):
            B, _ = docs_snippet(PATHS[kind])
            R = cs.incidence(PATHS[kind])
            self.assertIsInstance(R, sp.csr_matrix)
            self.assertEqual(R.shape, B.shape)
            self.assertEqual((R != B).nnz, 0)

    def test_stays(self):
        import pandas as pd

        st = cs.stays(PATHS["plain"])
        person, place, start, end = read_stays(PATHS["plain"])
        self.assertEqual(list(st.columns), ["person", "place", "start", "end", "duration"])
        self.assertEqual(len(st), len(start))
        self.assertEqual(str(st["start"].dt.tz), "UTC")
        np.testing.assert_array_equal(st["start"].astype("int64").to_numpy() // 10**9, start)
        np.testing.assert_array_equal(st["end"].astype("int64").to_numpy() // 10**9, end)
        np.testing.assert_array_equal(st["duration"].dt.total_seconds().to_numpy(), end - start)
        np.testing.assert_array_equal(st["person"].to_numpy(), cs.person_ids(PATHS["plain"])[person])
        np.testing.assert_array_equal(st["place"].to_numpy(), cs.place_ids(PATHS["plain"])[place])
        local = cs.stays(PATHS["plain"], tz="snapshot")
        self.assertEqual(local["start"].iloc[0].utcoffset(), pd.Timedelta(hours=8))
        self.assertTrue((local["start"] == st["start"]).all())

    def test_places(self):
        pl = cs.places(PATHS["plain"])
        self.assertEqual(len(pl), 40)
        self.assertEqual(pl.columns[0], "id")
        for column in ("category", "name", "district", "lat", "lon", "dwell_seconds", "in_places_file"):
            self.assertIn(column, pl.columns)
        self.assertTrue(pl["in_places_file"].all())
        self.assertEqual(pl["category"].iloc[0], "cinema")
        self.assertEqual(pl["dwell_seconds"].iloc[0], 2 * 3600 + 30 * 60)

    def test_no_trace(self):
        self.assertIsNone(cs.risk_list(PATHS["plain"]))
        self.assertIsNone(cs.cases(PATHS["plain"]))
        self.assertIsNone(cs.provenance(PATHS["plain"])["trace_parameters"])

    def test_risk_list_equals_csv(self):
        import pandas as pd

        csv = pd.read_csv(PATHS["risk"], dtype=str, keep_default_na=False)
        risk = cs.risk_list(PATHS["trace"])
        self.assertEqual(list(risk.columns), list(csv.columns))
        self.assertEqual(len(risk), len(csv))
        self.assertEqual(len(risk), 123)  # data/README.md: 3 cases, 36 close, 84 secondary
        self.assertEqual(risk["person"].tolist(), csv["person"].tolist())
        self.assertEqual(risk["hop"].tolist(), csv["hop"].astype(int).tolist())
        self.assertEqual(risk["code"].tolist(), csv["code"].tolist())
        self.assertEqual(risk["exposure_seconds"].tolist(), csv["exposure_seconds"].astype(int).tolist())
        for column in ("via_person", "via_place"):
            self.assertEqual(risk[column].tolist(), [v or None for v in csv[column]])
        index_cases = risk["hop"] == 0
        for column in ("first_exposure", "last_exposure", "quarantine_until"):
            expected = pd.to_datetime(csv[column].replace("", None), utc=True)
            got = risk[column]
            self.assertEqual(str(got.dt.tz), "UTC")
            self.assertTrue(got[index_cases].isna().all())
            self.assertTrue(got[~index_cases].notna().all())
            self.assertTrue(((got == expected) | (got.isna() & expected.isna())).all(), column)
            # in the trace's own zone the ISO strings are the CSV's, byte for byte
            local = cs.risk_list(PATHS["trace"], tz="snapshot")[column]
            self.assertEqual([t.isoformat() if pd.notna(t) else "" for t in local], csv[column].tolist())

    def test_risk_list_monitoring(self):
        # exposure.md §8.4 on the tiny example: monitor_until read back as the CSV
        # writes it; per-hop lists in the /trace attributes.
        import pandas as pd

        ctrace = os.environ.get("CTRACE_BIN", str(REPO / "build" / "apps" / "ctrace"))
        tiny = REPO / "tests" / "fixtures" / "tiny"
        with tempfile.TemporaryDirectory() as tmp:
            risk_csv, traced = os.path.join(tmp, "risk.csv"), os.path.join(tmp, "t.h5")
            subprocess.run([ctrace, "trace", "--scans", str(tiny / "scans.csv"), "--places",
                            str(tiny / "places.csv"), "--cases", str(tiny / "cases.csv"),
                            "--tz", "+08:00", "--hops", "3", "--quarantine", "7d,7d",
                            "--monitoring", "3d,0", "-q", "--out", risk_csv, "--hdf5", traced],
                           check=True)
            csv = pd.read_csv(risk_csv, dtype=str, keep_default_na=False)
            risk = cs.risk_list(traced, tz="snapshot")
            self.assertEqual(list(risk.columns), list(csv.columns))
            self.assertEqual(list(risk.columns)[-1], "monitor_until")
            local = [t.isoformat() if pd.notna(t) else "" for t in risk["monitor_until"]]
            self.assertEqual(local, csv["monitor_until"].tolist())
            # K at hop 1: last exposure 04-16 00:30 + 7d + 3d.
            self.assertEqual(local[risk["person"].tolist().index("K")], "2022-04-26T00:30:00+08:00")
            attrs = cs.provenance(traced)["trace_parameters"]
            self.assertEqual(list(attrs["quarantine_seconds_by_hop"]), [7 * 86400, 7 * 86400])
            self.assertEqual(list(attrs["monitoring_seconds_by_hop"]), [3 * 86400, 0])
        self.assertNotIn("monitor_until", cs.risk_list(PATHS["trace"]).columns)

    def test_cases(self):
        import pandas as pd

        cases = cs.cases(PATHS["trace"], tz="+08:00")
        risk = cs.risk_list(PATHS["trace"])
        self.assertEqual(set(cases["person"]), set(risk.loc[risk["hop"] == 0, "person"]))
        cases_file = [i for i in cs.provenance(PATHS["trace"])["inputs"] if i["role"] == "cases"][0]
        csv = pd.read_csv(input_path(cases_file["file"]), dtype=str, keep_default_na=False)
        self.assertEqual(cases["person"].tolist(), csv["person"].tolist())
        self.assertTrue((cases["from"] == pd.to_datetime(csv["from"], utc=True)).all())
        self.assertEqual([t.isoformat() if pd.notna(t) else "" for t in cases["to"]], csv["to"].tolist())
        # data/cases.csv gives every case an onset, which the snapshot keeps.
        self.assertEqual([t.isoformat() for t in cases["onset"]], csv["onset"].tolist())

    def test_provenance(self):
        for kind, roles in (("plain", ["places", "scans"]), ("trace", ["places", "scans", "cases"])):
            with self.subTest(snapshot=kind):
                prov = cs.provenance(PATHS[kind])
                self.assertTrue(prov["generator"].startswith("ctrace "))
                self.assertRegex(prov["created"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
                self.assertEqual(prov["parameters"]["tz_offset_seconds"], 8 * 3600)
                self.assertEqual(sorted(i["role"] for i in prov["inputs"]), sorted(roles))
                for entry in prov["inputs"]:
                    self.assertRegex(entry["sha256"], r"^[0-9a-f]{64}$")
                    path = input_path(entry["file"])
                    self.assertEqual(path.name, entry["role"] + ".csv")
                    data = path.read_bytes()
                    self.assertEqual(entry["sha256"], hashlib.sha256(data).hexdigest(), entry["file"])
                    self.assertEqual(entry["bytes"], len(data))
                    self.assertEqual(entry["rows_rejected"], 0)
                    self.assertEqual(entry["added"], "")  # `created` says when
                    self.assertNotIn("input_added", prov["parameters"])
                    # and the file is the repository's sample data
                    self.assertEqual(data, (REPO / "data" / path.name).read_bytes())
                if kind == "trace":
                    self.assertEqual(prov["trace_parameters"]["hops"], 2)
                    self.assertEqual(prov["trace_parameters"]["missing_time"], cs.MISSING_TIME)


class RejectTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="ctrace-pytest-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_rejects_other_hdf5(self):
        other = os.path.join(self.dir, "other.h5")
        with h5py.File(other, "w") as f:
            f["x"] = np.arange(3)
            f.attrs["schema"] = "something-else"
        with self.assertRaisesRegex(ValueError, "not a ctrace snapshot"):
            cs.open_snapshot(other)
        bare = os.path.join(self.dir, "bare.h5")
        with h5py.File(bare, "w") as f:
            f["x"] = np.arange(3)
        with self.assertRaises(ValueError):
            cs.open_snapshot(bare)
        with self.assertRaises(ValueError):
            cs.incidence(bare)

    def test_rejects_future_version(self):
        future = os.path.join(self.dir, "future.h5")
        shutil.copyfile(PATHS["trace"], future)
        with h5py.File(future, "r+") as f:
            f.attrs["schema_version"] = np.int64(2)
        with self.assertRaisesRegex(ValueError, "schema_version"):
            cs.open_snapshot(future)
        with self.assertRaisesRegex(ValueError, "schema_version"):
            cs.risk_list(future)

    def test_rejects_non_hdf5(self):
        text = os.path.join(self.dir, "scans.h5")
        shutil.copyfile(REPO / "data" / "scans.csv", text)
        with self.assertRaisesRegex(ValueError, "not an HDF5 file"):
            cs.open_snapshot(text)

    def test_missing_file(self):
        with self.assertRaises(FileNotFoundError):
            cs.open_snapshot(os.path.join(self.dir, "nope.h5"))


if __name__ == "__main__":
    unittest.main()
