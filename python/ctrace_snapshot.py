"""Read ctrace HDF5 snapshots (layout: docs/hdf5-schema.md, schema_version 1).

Needs h5py, numpy and scipy; pandas is imported only by the functions that
return DataFrames (stays, places, risk_list, cases).

Every function takes ``src``: a path, the Snapshot returned by
open_snapshot(), or an already open h5py.File.  Paths are opened read-only,
checked (schema "ctrace-snapshot", schema_version 1) and closed again.

Units: times in the file are int64 seconds since the Unix epoch (UTC),
durations int64 seconds.  DataFrames carry timezone-aware datetimes (UTC
unless ``tz`` is given) and Timedelta durations.  ``tz`` may be a tzinfo, a
pandas zone name ("Asia/Shanghai", "+08:00"), an offset in seconds east of
UTC, or "snapshot" for the snapshot's own ``tz_offset_seconds`` (for the risk
list and cases: the offset the trace was written with).

    >>> import ctrace_snapshot as cs
    >>> snap = cs.open_snapshot("data.h5")
    >>> B = cs.incidence(snap)                       # persons x places, seconds
    >>> st = cs.stays(snap, tz="snapshot")
    >>> risk = cs.risk_list(snap)                    # None without /trace
"""

import contextlib
import datetime
import os
from dataclasses import dataclass

import h5py
import numpy as np
import scipy.sparse as sp

SCHEMA = "ctrace-snapshot"
SCHEMA_VERSION = 1
MISSING_TIME = np.iinfo(np.int64).min  # /trace: no exposure (index cases)
NO_END = np.iinfo(np.int64).max  # /trace: unbounded (cases "to", "until")


@dataclass
class Snapshot:
    """What open_snapshot() learnt about a file; pass it to the other functions."""

    path: str
    attrs: dict  # root attributes as Python values (int, str, list)
    n_persons: int
    n_places: int
    n_stays: int
    trace_attrs: dict = None  # /trace attributes, None without a trace

    @property
    def has_trace(self):
        return self.trace_attrs is not None

    @property
    def contact_level(self):
        """'code' (stays at the place codes scanned) or 'site' (rolled up to the
        places file's sites; then places() lists sites); older files are 'code'."""
        return self.attrs.get("contact_level", "code")

    @property
    def tz(self):
        """The snapshot's UTC offset (root tz_offset_seconds) as a datetime.timezone."""
        return _offset_tz(self.attrs.get("tz_offset_seconds", 0))


def _py(value):
    """An HDF5 attribute value as plain Python (str, int, float, list)."""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.ndarray):
        return [_py(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _check(f, path):
    schema = _py(f.attrs.get("schema"))
    if schema != SCHEMA:
        raise ValueError(f"{path}: not a ctrace snapshot (root attribute schema is {schema!r}, "
                         f"expected {SCHEMA!r})")
    version = _py(f.attrs.get("schema_version"))
    if version != SCHEMA_VERSION:
        raise ValueError(f"{path}: ctrace snapshot schema_version {version!r} is not supported "
                         f"(this reader knows version {SCHEMA_VERSION})")


@contextlib.contextmanager
def _file(src):
    """Yield an open, checked h5py.File for a path, a Snapshot or an open file."""
    if isinstance(src, (h5py.File, h5py.Group)):
        _check(src.file, src.file.filename)
        yield src.file
        return
    path = os.fspath(src.path if isinstance(src, Snapshot) else src)
    if os.path.isfile(path) and not h5py.is_hdf5(path):
        raise ValueError(f"{path}: not an HDF5 file, so not a ctrace snapshot")
    with h5py.File(path, "r") as f:
        _check(f, path)
        yield f


def open_snapshot(path):
    """Open and check a snapshot; return a Snapshot (attributes and sizes).

    Raises ValueError when the file is not HDF5, its ``schema`` is not
    "ctrace-snapshot" or its ``schema_version`` is not 1.
    """
    with _file(path) as f:
        trace = f.get("trace")
        return Snapshot(
            path=f.filename,
            attrs={k: _py(v) for k, v in f.attrs.items()},
            n_persons=f["persons/id"].shape[0],
            n_places=f["places/id"].shape[0],
            n_stays=f["stays/start"].shape[0],
            trace_attrs=None if trace is None else {k: _py(v) for k, v in trace.attrs.items()},
        )


def person_ids(src):
    """Person ids (numpy str array); position = person index."""
    with _file(src) as f:
        return f["persons/id"].asstr()[:].astype(str)


def place_ids(src):
    """Place ids (numpy str array); position = place index."""
    with _file(src) as f:
        return f["places/id"].asstr()[:].astype(str)


def incidence(src):
    """The persons x places matrix (scipy.sparse.csr_matrix, int64 seconds).

    Entry (p, l) is the total stay seconds of person p at place l; there is
    an entry for every pair with a stay, even when the total is 0.
    """
    with _file(src) as f:
        g = f["graph/person_place"]
        shape = tuple(int(n) for n in g.attrs["shape"])
        return sp.csr_matrix((g["data"][:], g["indices"][:], g["indptr"][:]), shape=shape)


def _offset_tz(seconds):
    return datetime.timezone(datetime.timedelta(seconds=int(seconds)))


def _zone(tz, offset_seconds):
    """A tz argument as something pandas' tz_convert accepts."""
    if tz is None:
        return "UTC"
    if isinstance(tz, str) and tz == "snapshot":
        return _offset_tz(offset_seconds)
    if isinstance(tz, (int, np.integer)):
        return _offset_tz(tz)
    return tz


def _times(seconds, zone):
    """int64 epoch seconds -> tz-aware DatetimeIndex; missing_time and no_end -> NaT."""
    import pandas as pd

    seconds = np.asarray(seconds, dtype=np.int64)
    missing = (seconds == MISSING_TIME) | (seconds == NO_END)
    times = pd.to_datetime(np.where(missing, 0, seconds), unit="s", utc=True)
    return times.where(~missing).tz_convert(zone)


def _ids(ids, index):
    """Ids for an index column; None where the index is -1."""
    index = np.asarray(index, dtype=np.int64)
    out = np.full(index.shape, None, dtype=object)
    ok = index >= 0
    out[ok] = ids[index[ok]]
    return out


def stays(src, tz=None):
    """The merged stays as a DataFrame, in file order (place, start, person).

    Columns: person, place (ids), start (inclusive), end (exclusive) as
    tz-aware datetimes, duration (Timedelta, end - start).
    """
    import pandas as pd

    with _file(src) as f:
        s = f["stays"]
        person, place = s["person"][:], s["place"][:]
        start, end = s["start"][:], s["end"][:]
        zone = _zone(tz, f.attrs.get("tz_offset_seconds", 0))
        return pd.DataFrame({
            "person": person_ids(f)[person].astype(object),
            "place": place_ids(f)[place].astype(object),
            "start": _times(start, zone),
            "end": _times(end, zone),
            "duration": pd.to_timedelta(end - start, unit="s"),
        })


def places(src):
    """Place metadata as a DataFrame: ``id`` plus every /places column present.

    Without a places file only ``id`` exists.  Otherwise, per the schema:
    in_places_file (bool), dwell_seconds (int, -1 = none), and when the file
    had them category, name, district, site ("" = none: the code is its own
    site), lat, lon (NaN = none), min_overlap_seconds (int, -1 = none).
    """
    import pandas as pd

    with _file(src) as f:
        g = f["places"]
        n = g["id"].shape[0]
        columns = {"id": place_ids(f).astype(object)}
        for name in sorted(g):
            d = g[name]
            if name == "id" or not isinstance(d, h5py.Dataset) or d.shape != (n,):
                continue  # unknown extras that are not one value per place
            if h5py.check_string_dtype(d.dtype):
                columns[name] = d.asstr()[:].astype(object)
            elif name == "in_places_file":
                columns[name] = d[:].astype(bool)
            else:
                columns[name] = d[:]
        return pd.DataFrame(columns)


def risk_list(src, tz=None):
    """The risk list of /trace as a DataFrame, or None when the file has no trace.

    Columns as in the CSV written by ``ctrace trace``: person, hop, code,
    first_exposure, last_exposure, quarantine_until (tz-aware datetimes, NaT
    for index cases), exposure_seconds (int seconds), via_person, via_place
    (ids, None for index cases), and monitor_until (like quarantine_until)
    when the trace set monitoring.  Rows in the file's order (hop, first
    exposure, person id).
    """
    import pandas as pd

    with _file(src) as f:
        if "trace" not in f:
            return None
        t = f["trace"]
        zone = _zone(tz, t.attrs.get("tz_offset_seconds", f.attrs.get("tz_offset_seconds", 0)))
        persons, place_names = person_ids(f).astype(object), place_ids(f).astype(object)
        columns = {
            "person": persons[t["person"][:]],
            "hop": t["hop"][:].astype(np.int64),
            "code": t["code"].asstr()[:].astype(object),
            "first_exposure": _times(t["first_exposure"][:], zone),
            "last_exposure": _times(t["last_exposure"][:], zone),
            "quarantine_until": _times(t["quarantine_until"][:], zone),
            "exposure_seconds": t["exposure_seconds"][:],
            "via_person": _ids(persons, t["via_person"][:]),
            "via_place": _ids(place_names, t["via_place"][:]),
        }
        if "monitor_until" in t:  # only when the trace set monitoring
            columns["monitor_until"] = _times(t["monitor_until"][:], zone)
        return pd.DataFrame(columns)


def cases(src, tz=None):
    """The index cases of /trace as a DataFrame (person, from, to, onset), or None without a trace.

    ``from``/``to`` bound the infectious window [from, to); ``to`` is NaT
    when the window has no end. ``onset`` (symptom onset or positive sample,
    for backward tracing) is NaT when the cases file gave none, and in
    snapshots written before onsets were kept.
    """
    import pandas as pd

    with _file(src) as f:
        if "trace" not in f:
            return None
        t = f["trace"]
        c = t["cases"]
        zone = _zone(tz, t.attrs.get("tz_offset_seconds", f.attrs.get("tz_offset_seconds", 0)))
        return pd.DataFrame({
            "person": person_ids(f).astype(object)[c["person"][:]],
            "from": _times(c["from"][:], zone),
            "to": _times(c["to"][:], zone),
            "onset": _times(c["onset"][:] if "onset" in c
                            else np.full(len(c["person"]), MISSING_TIME), zone),
        })


_INPUT_KEYS = ("input_roles", "input_files", "input_bytes", "input_sha256", "input_rows",
               "input_rows_rejected", "input_added")
_INPUT_FIELDS = ("role", "file", "bytes", "sha256", "rows", "rows_rejected", "added")


def _inputs(attrs):
    n = len(attrs.get("input_roles", []))
    # rows_rejected and added came later: absent in older snapshots.
    defaults = {"input_rows_rejected": [0] * n, "input_added": [""] * n}
    columns = [attrs.get(k, defaults.get(k, [])) for k in _INPUT_KEYS]
    return [dict(zip(_INPUT_FIELDS, row)) for row in zip(*columns)]


def provenance(src):
    """Where the snapshot came from, as a dict of plain Python values.

    {"generator", "created", "inputs": [{"role", "file", "bytes", "sha256",
    "rows", "rows_rejected", "added"}, ...] (scans, places and, with a trace,
    cases; a store lists every ingested file), "parameters":
    {the other root attributes}, "trace_parameters": {/trace attributes}
    or None}.  Times are epoch seconds, durations seconds.
    """
    snap = src if isinstance(src, Snapshot) else open_snapshot(src)
    skip = set(_INPUT_KEYS) | {"schema", "schema_version", "generator", "created"}
    trace = snap.trace_attrs
    return {
        "generator": snap.attrs.get("generator"),
        "created": snap.attrs.get("created"),
        "schema_version": snap.attrs.get("schema_version"),
        "inputs": _inputs(snap.attrs) + (_inputs(trace) if trace else []),
        "parameters": {k: v for k, v in snap.attrs.items() if k not in skip},
        "trace_parameters": None if trace is None else
        {k: v for k, v in trace.items() if k not in _INPUT_KEYS},
    }
