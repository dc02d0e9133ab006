"""Backward tracing (溯源) on a ctrace snapshot, in pandas and numpy.

Written from the specification (shared/spec/sources.md §9.1-§9.2, with
tracing.md §2-§5 and exposure.md §8.1-§8.3, §8.5), not from the C++ code, so
that it can serve as an independent reference for ``ctrace sources``.

Units and conventions
---------------------
- Times are int64 **seconds since the Unix epoch** (UTC); durations are int64
  seconds (the functions also accept ``"15m"``-style strings, ``pd.Timedelta``
  and ``datetime.timedelta`` for durations).  Every interval is half-open,
  ``[start, end)``; its length is ``end - start``.
- ``NO_END`` (int64 maximum) is an infectious interval without an end.
- Ids are opaque strings; ties are broken and ``case_ids`` are joined in
  **byte** order of their UTF-8 encoding (the order ctrace uses).

The model (sources.md)
----------------------
- A case c has the **exposure window** ``W_c = [onset - I_max, onset - I_min)``
  (``incubation_max`` [14 days], ``incubation_min`` [1 day]) and the
  infectious interval ``[from, to)`` of tracing.md §4 (in a snapshot:
  ``/trace/cases/from`` and ``to``, already computed with the look-back,
  ``last_negative`` and ``until`` of the trace).
- c's **exposed part** of one of its stays ``[t1, t2)`` at x is
  ``[t1, t2) ∩ W_c`` (kept when not empty).
- A place's **minimum overlap** m_x is max(its ``min_overlap_seconds`` when it
  has one, else ``min_overlap`` [15 min], 1 s).
- The **footprint** of an interval ``[s, e)`` under ``linger`` D is
  ``[s, e + min(e - s, D))``.
- :func:`case_links`: case c' → case c (c' ≠ c) through a stay of c' at x
  clipped to c''s infectious interval (its *presence*, kept when not empty),
  whose footprint overlaps c's exposed part of a stay at x for at least m_x.
- :func:`common_persons`: a person who is not a case *met* case c when the
  footprint of one of their stays at x (no infectious clipping) overlaps c's
  exposed part of a stay at x for at least m_x.
- :func:`common_places`: places where at least ``min_cases`` distinct cases
  have an exposed part.

The stays are those of the snapshot (after merging; at whatever contact level
the snapshot was written, so a site-level snapshot gives site-level results).

    >>> import ctrace_sources as src
    >>> data = src.load("trace.h5")                 # stays, cases, per-place minimum overlaps
    >>> links = src.case_links(data.stays, data.cases, place_min_overlap=data.place_min_overlap)
    >>> print(src.format_csv(links, data.tz_offset_seconds), end="")

or all three outputs as ``ctrace sources --snapshot`` would write them:

    /usr/bin/python3 python/ctrace_sources.py trace.h5 --links links.csv \\
        --common-persons persons.csv --common-places places.csv
"""

import argparse
import datetime
import os
import re
import sys
from dataclasses import dataclass

import h5py
import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ctrace_snapshot as cs  # noqa: E402

DAY = 86400
NO_END = cs.NO_END
MISSING_TIME = cs.MISSING_TIME

DEFAULT_INCUBATION_MIN = 1 * DAY
DEFAULT_INCUBATION_MAX = 14 * DAY
DEFAULT_MIN_CASES = 2
DEFAULT_MIN_OVERLAP = 15 * 60
DEFAULT_LINGER = 0

# The options of exposure.md §8.6's profiles that change backward tracing on a
# snapshot (the look-back is already in the snapshot's infectious intervals).
PROFILES = {
    "cn-ed8": {"min_overlap": 15 * 60, "linger": 0},
    "cn-ed9": {"min_overlap": 15 * 60, "linger": 0},
    "cwa": {"min_overlap": 10 * 60, "linger": 30 * 60},
}

LINK_COLUMNS = ["infector", "infectee", "first_contact", "last_contact", "contact_seconds", "place"]
PERSON_COLUMNS = ["person", "cases", "first_contact", "last_contact", "contact_seconds", "places",
                  "case_ids"]
PLACE_COLUMNS = ["place", "cases", "first_presence", "last_presence", "case_seconds", "case_ids"]
TIME_COLUMNS = ("first_contact", "last_contact", "first_presence", "last_presence")
DISPLAY_TIME_COLUMNS = ("onset", "window_start", "window_end", "from", "to", "start", "end")

_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")


# ---------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------

def seconds(value):
    """A duration as int seconds: an int, ``"900"``, ``"1h30m"`` (NdNhNmNs),
    a ``pd.Timedelta`` or a ``datetime.timedelta``."""
    if isinstance(value, (pd.Timedelta, datetime.timedelta)):
        return int(pd.Timedelta(value).total_seconds())
    if isinstance(value, (int, np.integer)):
        return int(value)
    text = str(value)
    if text.isdigit():
        return int(text)
    m = _DURATION.fullmatch(text)
    if not text or not m:
        raise ValueError(f"not a duration: {value!r} (seconds or NdNhNmNs)")
    d, h, mi, s = (int(g or 0) for g in m.groups())
    return ((d * 24 + h) * 60 + mi) * 60 + s


def _epoch(column, missing):
    """A column of times as int64 epoch seconds: ints pass through, datetimes
    (tz-aware, or naive = UTC) are converted; NaT/None become ``missing``."""
    column = pd.Series(column).reset_index(drop=True)
    if pd.api.types.is_datetime64_any_dtype(column):
        if column.dt.tz is None:
            column = column.dt.tz_localize("UTC")
        out = np.full(len(column), missing, dtype=np.int64)
        ok = column.notna().to_numpy()
        delta = column[ok] - pd.Timestamp(0, tz="UTC")
        out[ok] = (delta // pd.Timedelta(seconds=1)).to_numpy(np.int64)
        return out
    if column.dtype == object:
        column = column.where(column.notna(), missing)
    return column.to_numpy(np.int64)


def _stays_frame(stays):
    """person, place (str), start, end (int64 epoch seconds)."""
    return pd.DataFrame({
        "person": pd.Series(stays["person"]).astype(object).to_numpy(),
        "place": pd.Series(stays["place"]).astype(object).to_numpy(),
        "start": _epoch(stays["start"], MISSING_TIME),
        "end": _epoch(stays["end"], MISSING_TIME),
    })


def _cases_frame(cases):
    """person, from, to (NO_END when unbounded), onset (MISSING_TIME when none)."""
    frame = pd.DataFrame({
        "person": pd.Series(cases["person"]).astype(object).to_numpy(),
        "from": _epoch(cases["from"], MISSING_TIME),
        "to": _epoch(cases["to"], NO_END) if "to" in cases else np.full(len(cases), NO_END),
        "onset": _epoch(cases["onset"], MISSING_TIME) if "onset" in cases
        else np.full(len(cases), MISSING_TIME),
    })
    duplicated = frame["person"][frame["person"].duplicated()]
    if len(duplicated):
        raise ValueError(f"case {duplicated.iloc[0]!r} is listed twice")
    return frame


@dataclass
class Inputs:
    """What backward tracing needs from a snapshot (see :func:`load`)."""

    stays: pd.DataFrame  # person, place, start, end: int64 epoch seconds, [start, end)
    cases: pd.DataFrame  # person, from, to, onset: int64 epoch seconds (to NO_END, onset MISSING_TIME)
    place_min_overlap: pd.Series  # place id -> own minimum overlap in seconds (-1 = none), or None
    tz_offset_seconds: int  # the zone times are written in (the trace's --tz)
    contact_level: str  # "code" or "site"
    trace_attrs: dict  # /trace attributes (None without a trace)

    @property
    def has_onsets(self):
        """True when there are cases and every case has an onset."""
        return self.cases is not None and len(self.cases) > 0 and bool(
            (self.cases["onset"] != MISSING_TIME).all())


def load(src):
    """Read a snapshot's merged stays, its cases (from /trace; None without a
    trace) and its places' own minimum overlaps, all in epoch seconds.

    ``src`` is a path, a ``ctrace_snapshot.Snapshot`` or an open h5py.File.
    Times are written in the trace's ``tz_offset_seconds`` (else the root's).
    """
    snap = src if isinstance(src, cs.Snapshot) else cs.open_snapshot(
        src.filename if isinstance(src, h5py.File) else src)
    with h5py.File(snap.path, "r") as f:
        persons = f["persons/id"].asstr()[:].astype(object)
        places = f["places/id"].asstr()[:].astype(object)
        s = f["stays"]
        stays = pd.DataFrame({
            "person": persons[s["person"][:].astype(np.int64)],
            "place": places[s["place"][:].astype(np.int64)],
            "start": s["start"][:].astype(np.int64),
            "end": s["end"][:].astype(np.int64),
        })
        place_min_overlap = None
        if "min_overlap_seconds" in f["places"]:
            place_min_overlap = pd.Series(f["places/min_overlap_seconds"][:].astype(np.int64),
                                          index=places)
        cases = None
        if "trace" in f:
            c = f["trace/cases"]
            n = c["person"].shape[0]
            cases = pd.DataFrame({
                "person": persons[c["person"][:].astype(np.int64)],
                "from": c["from"][:].astype(np.int64),
                "to": c["to"][:].astype(np.int64),
                "onset": c["onset"][:].astype(np.int64) if "onset" in c
                else np.full(n, MISSING_TIME, dtype=np.int64),
            })
    trace = snap.trace_attrs
    tz = (trace or {}).get("tz_offset_seconds", snap.attrs.get("tz_offset_seconds", 0))
    return Inputs(stays=stays, cases=cases, place_min_overlap=place_min_overlap,
                  tz_offset_seconds=int(tz), contact_level=snap.contact_level, trace_attrs=trace)


# ---------------------------------------------------------------------------
# §9.1 Exposure windows and exposed parts
# ---------------------------------------------------------------------------

def exposure_windows(cases, incubation_min=DEFAULT_INCUBATION_MIN,
                     incubation_max=DEFAULT_INCUBATION_MAX):
    """One row per case: person, onset, window_start, window_end (the exposure
    window ``[onset - incubation_max, onset - incubation_min)``), and the
    infectious interval ``[from, to)`` (``to`` = NO_END when unbounded).
    All int64 epoch seconds; durations in seconds (or "14d"-style strings).

    Raises ValueError when a case has no onset (sources.md §9.1: a bad row),
    or when incubation_min > incubation_max or either is negative.
    """
    lo, hi = seconds(incubation_min), seconds(incubation_max)
    if lo < 0 or hi < 0 or lo > hi:
        raise ValueError(f"incubation period [{lo} s, {hi} s] is not a range of durations")
    cases = _cases_frame(cases)
    missing = cases["onset"] == MISSING_TIME
    if missing.any():
        raise ValueError(f"case {cases['person'][missing].iloc[0]!r} has no onset: backward "
                         "tracing needs each case's onset (sources.md §9.1)")
    return pd.DataFrame({
        "person": cases["person"],
        "onset": cases["onset"],
        "window_start": cases["onset"] - hi,
        "window_end": cases["onset"] - lo,
        "from": cases["from"],
        "to": cases["to"],
    })


def exposed_parts(stays, cases, incubation_min=DEFAULT_INCUBATION_MIN,
                  incubation_max=DEFAULT_INCUBATION_MAX):
    """The cases' exposed parts: one row per case stay ``[t1, t2)`` at a place
    with a non-empty ``[t1, t2) ∩ W_c``.  Columns case, place, start, end (the
    exposed part, int64 epoch seconds, half-open), in the order of ``stays``."""
    stays = _stays_frame(stays)
    windows = exposure_windows(cases, incubation_min, incubation_max)
    mine = stays.merge(windows[["person", "window_start", "window_end"]], on="person",
                       sort=False)
    parts = pd.DataFrame({
        "case": mine["person"],
        "place": mine["place"],
        "start": np.maximum(mine["start"], mine["window_start"]),
        "end": np.minimum(mine["end"], mine["window_end"]),
    })
    return parts[parts["end"] > parts["start"]].reset_index(drop=True)


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

def _byte_key(ids):
    """Sort key giving ctrace's byte-wise order of ids (their UTF-8 bytes)."""
    return pd.Series(ids).map(lambda s: s.encode("utf-8"))


def _join_ids(ids):
    """Distinct ids joined by ';' in byte order."""
    return ";".join(sorted(set(ids), key=lambda s: s.encode("utf-8")))


def _footprint_end(start, end, linger):
    """End of the footprint ``[start, end + min(end - start, linger))``."""
    return end + np.minimum(end - start, linger)


def _minimum_overlap(places, min_overlap, place_min_overlap):
    """m_x for each place in ``places``: max(the place's own minimum overlap
    when it has one (>= 0), else min_overlap, 1) seconds."""
    m = np.full(len(places), seconds(min_overlap), dtype=np.int64)
    if place_min_overlap is not None and len(place_min_overlap):
        own = pd.Series(place_min_overlap)
        own = own[own.notna()].astype(np.int64)
        own = own[own >= 0]
        own = own[~own.index.duplicated()]
        looked_up = pd.Series(places).map(own)
        has = looked_up.notna().to_numpy()
        m[has] = looked_up[has].to_numpy(np.int64)
    return np.maximum(m, 1)


def _candidate_pairs(left_place, left_lo, left_hi, right_place, right_start, right_end):
    """Index pairs (i, j) of left intervals ``[lo_i, hi_i)`` and right intervals
    ``[start_j, end_j)`` at the same place that may overlap: a superset of the
    overlapping pairs (the caller computes the overlaps), found per place with
    binary searches on the right starts instead of a full join on the place:
    ``start_j < hi_i`` and ``start_j > lo_i - L_x``, L_x the longest right
    interval at the place.  No Python loop over the intervals."""
    empty = (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64))
    if len(left_place) == 0 or len(right_place) == 0:
        return empty
    codes, uniques = pd.factorize(pd.Series(left_place), sort=False)
    right_code = pd.Index(uniques).get_indexer(pd.Series(right_place))
    keep = np.flatnonzero(right_code >= 0)  # only the places of left intervals
    if len(keep) == 0:
        return empty
    r_code = right_code[keep].astype(np.int64)
    r_start = np.asarray(right_start, dtype=np.int64)[keep]
    r_len = np.asarray(right_end, dtype=np.int64)[keep] - r_start
    longest = np.zeros(len(uniques), dtype=np.int64)
    np.maximum.at(longest, r_code, r_len)
    order = np.lexsort((r_start, r_code))
    base = int(r_start.min())
    span = int(r_start.max()) - base + 2  # right offsets lie in [0, span - 2]
    if len(uniques) * span >= 2**62:
        raise OverflowError("time span too wide for the place-and-time search key")
    r_key = r_code[order] * span + (r_start[order] - base)

    def key(code, t):
        return code * span + np.clip(np.asarray(t, dtype=np.int64) - base, -1, span - 1)

    l_code = codes.astype(np.int64)
    lo = np.asarray(left_lo, dtype=np.int64) - longest[l_code]
    first = np.searchsorted(r_key, key(l_code, lo), side="right")  # start_j > lo_i - L_x
    last = np.searchsorted(r_key, key(l_code, left_hi), side="left")  # start_j < hi_i
    counts = np.maximum(last - first, 0)
    i = np.repeat(np.arange(len(l_code), dtype=np.int64), counts)
    within = np.arange(counts.sum(), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    j = keep[order[np.repeat(first, counts) + within]]
    return i, j


def _events(parts, sources, min_overlap, place_min_overlap):
    """Qualifying events between exposed parts and source footprints.

    ``parts``: case, place, start, end (exposed parts); ``sources``: person,
    place, start, end (footprints).  An event is a pair at the same place whose
    overlap ``[max(starts), min(ends))`` is at least the place's minimum
    overlap.  Returns case, person, place, start, end, seconds (the overlap)."""
    i, j = _candidate_pairs(parts["place"].to_numpy(), parts["start"].to_numpy(),
                            parts["end"].to_numpy(), sources["place"].to_numpy(),
                            sources["start"].to_numpy(), sources["end"].to_numpy())
    start = np.maximum(parts["start"].to_numpy()[i], sources["start"].to_numpy()[j])
    end = np.minimum(parts["end"].to_numpy()[i], sources["end"].to_numpy()[j])
    place = parts["place"].to_numpy()[i]
    m = _minimum_overlap(place, min_overlap, place_min_overlap)
    ok = (end - start) >= m
    return pd.DataFrame({
        "case": parts["case"].to_numpy()[i][ok],
        "person": sources["person"].to_numpy()[j][ok],
        "place": place[ok],
        "start": start[ok],
        "end": end[ok],
        "seconds": (end - start)[ok],
    })


def _sorted(frame, by, ascending):
    """Stable sort where every object (id) column sorts by its UTF-8 bytes."""
    keys = frame.copy()
    names = []
    for column in by:
        if keys[column].dtype == object:
            keys["_key_" + column] = _byte_key(keys[column]).to_numpy()
            names.append("_key_" + column)
        else:
            names.append(column)
    keys = keys.sort_values(names, ascending=ascending, kind="mergesort")
    return frame.loc[keys.index].reset_index(drop=True)


# ---------------------------------------------------------------------------
# §9.2 The three outputs
# ---------------------------------------------------------------------------

def common_places(stays, cases, incubation_min=DEFAULT_INCUBATION_MIN,
                  incubation_max=DEFAULT_INCUBATION_MAX, min_cases=DEFAULT_MIN_CASES):
    """Venues behind clusters (``--common-places``).

    A place where at least ``min_cases`` distinct cases have a non-empty exposed
    part of a stay.  Columns (sources.md §9.2): place, cases (distinct cases),
    first_presence, last_presence (earliest start, latest end of those exposed
    parts: int64 epoch seconds), case_seconds (their summed length, seconds),
    case_ids (';'-joined, byte order).  Sorted by cases descending, then
    case_seconds descending, then place (byte-wise).  No minimum overlap: any
    exposed part counts.
    """
    min_cases = _min_cases(min_cases)
    parts = exposed_parts(stays, cases, incubation_min, incubation_max)
    parts = parts.assign(seconds=parts["end"] - parts["start"])
    groups = parts.groupby("place", sort=False)
    table = pd.DataFrame({
        "cases": groups["case"].nunique(),
        "first_presence": groups["start"].min(),
        "last_presence": groups["end"].max(),
        "case_seconds": groups["seconds"].sum(),
        "case_ids": groups["case"].agg(_join_ids),
    }).rename_axis("place").reset_index()
    table = table[table["cases"] >= min_cases]
    table = _sorted(table, ["cases", "case_seconds", "place"], [False, False, True])
    return _typed(table[PLACE_COLUMNS])


def common_persons(stays, cases, min_overlap=DEFAULT_MIN_OVERLAP, place_min_overlap=None,
                   linger=DEFAULT_LINGER, incubation_min=DEFAULT_INCUBATION_MIN,
                   incubation_max=DEFAULT_INCUBATION_MAX, min_cases=DEFAULT_MIN_CASES):
    """Candidate undetected sources (``--common-persons``).

    A person s who is not a case met case c when the footprint of one of s's
    stays ``[t1, t2)`` at x under ``linger`` D, ``[t1, t2 + min(t2 - t1, D))``
    (no infectious clipping), overlaps c's exposed part of a stay at x for at
    least x's minimum overlap: max(``place_min_overlap[x]`` when given and
    >= 0, else ``min_overlap``, 1) seconds.  One row per person who met at least
    ``min_cases`` distinct cases.  Columns: person, cases (distinct cases met),
    first_contact, last_contact (earliest overlap start, latest overlap end:
    int64 epoch seconds), contact_seconds (summed overlap seconds over all
    meetings), places (distinct places of the meetings), case_ids (';'-joined,
    byte order).  Sorted by cases descending, contact_seconds descending, person.
    """
    min_cases = _min_cases(min_cases)
    stays = _stays_frame(stays)
    parts = exposed_parts(stays, cases, incubation_min, incubation_max)
    others = stays[~stays["person"].isin(set(_cases_frame(cases)["person"]))]
    footprints = others.assign(end=_footprint_end(others["start"].to_numpy(),
                                                  others["end"].to_numpy(), seconds(linger)))
    events = _events(parts, footprints.reset_index(drop=True), min_overlap, place_min_overlap)
    groups = events.groupby("person", sort=False)
    table = pd.DataFrame({
        "cases": groups["case"].nunique(),
        "first_contact": groups["start"].min(),
        "last_contact": groups["end"].max(),
        "contact_seconds": groups["seconds"].sum(),
        "places": groups["place"].nunique(),
        "case_ids": groups["case"].agg(_join_ids),
    }).rename_axis("person").reset_index()
    table = table[table["cases"] >= min_cases]
    table = _sorted(table, ["cases", "contact_seconds", "person"], [False, False, True])
    return _typed(table[PERSON_COLUMNS])


def case_links(stays, cases, min_overlap=DEFAULT_MIN_OVERLAP, place_min_overlap=None,
               linger=DEFAULT_LINGER, incubation_min=DEFAULT_INCUBATION_MIN,
               incubation_max=DEFAULT_INCUBATION_MAX):
    """Who among the cases could have infected whom (``--links``).

    Case c' (infector) → case c (infectee), c' ≠ c, is linked through an event
    at x when c''s presence at x, its stay ``[s, e)`` clipped to its infectious
    interval ``[from, to)``: ``[s', e') = [max(s, from), min(e, to))`` when
    non-empty, extended to its footprint ``[s', e' + min(e' - s', linger))``,
    overlaps c's exposed part of a stay at x for at least x's minimum overlap
    (see :func:`common_persons`).  One row per linked pair.  Columns:
    infector, infectee, first_contact, last_contact (earliest overlap start,
    latest overlap end: int64 epoch seconds), contact_seconds (summed overlap
    seconds over all linking events), place (of the earliest event; ties: the
    smallest place id).  Sorted by infectee, first_contact, infector.
    """
    stays = _stays_frame(stays)
    case_table = _cases_frame(cases)
    parts = exposed_parts(stays, case_table, incubation_min, incubation_max)
    mine = stays.merge(case_table[["person", "from", "to"]], on="person", sort=False)
    start = np.maximum(mine["start"].to_numpy(), mine["from"].to_numpy())
    end = np.minimum(mine["end"].to_numpy(), mine["to"].to_numpy())
    present = end > start
    footprints = pd.DataFrame({
        "person": mine["person"].to_numpy()[present],
        "place": mine["place"].to_numpy()[present],
        "start": start[present],
        "end": _footprint_end(start[present], end[present], seconds(linger)),
    })
    events = _events(parts, footprints, min_overlap, place_min_overlap)
    events = events[events["person"].to_numpy() != events["case"].to_numpy()]
    events = events.rename(columns={"person": "infector", "case": "infectee"})
    # The earliest event of each pair, ties to the smallest place id.
    earliest = _sorted(events, ["infector", "infectee", "start", "place"], [True] * 4)
    earliest = earliest.drop_duplicates(["infector", "infectee"], keep="first")
    groups = events.groupby(["infector", "infectee"], sort=False)
    table = pd.DataFrame({
        "first_contact": groups["start"].min(),
        "last_contact": groups["end"].max(),
        "contact_seconds": groups["seconds"].sum(),
    }).reset_index()
    table = table.merge(earliest[["infector", "infectee", "place"]], on=["infector", "infectee"])
    table = _sorted(table, ["infectee", "first_contact", "infector"], [True, True, True])
    return _typed(table[LINK_COLUMNS])


def _min_cases(value):
    value = int(value)
    if value < 1:
        raise ValueError(f"min_cases is {value}: it must be at least 1")
    return value


def _typed(table):
    """int64 for the numeric columns, also when the table is empty."""
    table = table.reset_index(drop=True)
    for column in table.columns:
        if column not in ("person", "place", "infector", "infectee", "case_ids"):
            table[column] = table[column].astype(np.int64)
    return table


# ---------------------------------------------------------------------------
# Writing the CSV files as ctrace does (tracing.md §5)
# ---------------------------------------------------------------------------

def format_times(epoch_seconds, tz_offset_seconds=0):
    """int64 epoch seconds as ``YYYY-MM-DDTHH:MM:SS`` in the zone
    ``tz_offset_seconds`` east of UTC, followed by ``Z`` when that is 0, else
    by ``±HH:MM``.  Returns a list of str."""
    offset = int(tz_offset_seconds)
    if offset == 0:
        suffix = "Z"
    else:
        sign = "+" if offset > 0 else "-"
        minutes = abs(offset) // 60
        suffix = f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
    local = np.asarray(epoch_seconds, dtype=np.int64) + offset
    text = pd.to_datetime(local, unit="s").strftime("%Y-%m-%dT%H:%M:%S")
    return [t + suffix for t in text]


def _field(value):
    """An RFC 4180 field: quoted only when it holds a comma, quote, CR or LF."""
    text = str(value)
    if any(ch in text for ch in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def format_csv(table, tz_offset_seconds=0):
    """A table of this module as the CSV text ``ctrace sources`` writes:
    header line, times as :func:`format_times` in ``tz_offset_seconds``,
    integers in decimal, ids quoted per RFC 4180 as needed, LF line ends."""
    columns = []
    for name in table.columns:
        values = table[name].to_numpy()
        if name in TIME_COLUMNS:
            columns.append(format_times(values, tz_offset_seconds))
        elif pd.api.types.is_integer_dtype(table[name].dtype):
            columns.append([str(int(v)) for v in values])
        else:
            columns.append([_field(v) for v in values])
    lines = [",".join(_field(n) for n in table.columns)]
    lines += [",".join(row) for row in zip(*columns)]
    return "\n".join(lines) + "\n"


def write_csv(table, path, tz_offset_seconds=0):
    """Write :func:`format_csv`'s text to ``path`` as UTF-8 bytes."""
    with open(path, "wb") as out:
        out.write(format_csv(table, tz_offset_seconds).encode("utf-8"))


def with_datetimes(table, tz_offset_seconds=0):
    """A copy of a table of this module with its time columns (first_contact,
    last_contact, first_presence, last_presence, and :func:`exposure_windows`'
    onset, window_start, window_end, from, to; :func:`exposed_parts`' start,
    end) as tz-aware datetimes in the zone ``tz_offset_seconds`` east of UTC,
    for display.  NO_END and MISSING_TIME become NaT.  The tables themselves
    keep int64 epoch seconds."""
    zone = datetime.timezone(datetime.timedelta(seconds=int(tz_offset_seconds)))
    out = table.copy()
    for name in TIME_COLUMNS + DISPLAY_TIME_COLUMNS:
        if name in out:
            values = out[name].to_numpy(np.int64)
            missing = (values == NO_END) | (values == MISSING_TIME)
            times = pd.to_datetime(np.where(missing, 0, values), unit="s", utc=True)
            out[name] = pd.Series(times, index=out.index).where(~missing).dt.tz_convert(zone)
    return out


# ---------------------------------------------------------------------------
# All three from a snapshot, like `ctrace sources --snapshot`
# ---------------------------------------------------------------------------

def sources(src, min_overlap=None, linger=None, incubation_min=DEFAULT_INCUBATION_MIN,
            incubation_max=DEFAULT_INCUBATION_MAX, min_cases=DEFAULT_MIN_CASES, profile=None):
    """The three tables for a traced snapshot whose cases have onsets:
    ``{"links": ..., "common_persons": ..., "common_places": ...}`` plus
    ``"tz_offset_seconds"``.  ``min_overlap``/``linger`` default to the
    profile's values, else 15 min / 0 (as ``ctrace sources``); the places' own
    minimum overlaps in the snapshot apply."""
    data = src if isinstance(src, Inputs) else load(src)
    if data.cases is None:
        raise ValueError("the snapshot holds no trace (no /trace/cases): trace it with "
                         "`ctrace trace --hdf5` to record its cases")
    chosen = dict(PROFILES[profile]) if profile else {"min_overlap": DEFAULT_MIN_OVERLAP,
                                                      "linger": DEFAULT_LINGER}
    if min_overlap is not None:
        chosen["min_overlap"] = seconds(min_overlap)
    if linger is not None:
        chosen["linger"] = seconds(linger)
    incubation = {"incubation_min": incubation_min, "incubation_max": incubation_max}
    overlap = {"min_overlap": chosen["min_overlap"], "place_min_overlap": data.place_min_overlap,
               "linger": chosen["linger"]}
    return {
        "links": case_links(data.stays, data.cases, **overlap, **incubation),
        "common_persons": common_persons(data.stays, data.cases, **overlap, **incubation,
                                         min_cases=min_cases),
        "common_places": common_places(data.stays, data.cases, **incubation,
                                       min_cases=min_cases),
        "tz_offset_seconds": data.tz_offset_seconds,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Backward tracing on a traced snapshot (ctrace trace --hdf5), written from "
                    "sources.md: the outputs of `ctrace sources`.")
    parser.add_argument("snapshot")
    parser.add_argument("--links")
    parser.add_argument("--common-persons")
    parser.add_argument("--common-places")
    parser.add_argument("--incubation-min", default="1d")
    parser.add_argument("--incubation-max", default="14d")
    parser.add_argument("--min-cases", type=int, default=DEFAULT_MIN_CASES)
    parser.add_argument("--min-overlap")
    parser.add_argument("--linger")
    parser.add_argument("--profile", choices=sorted(PROFILES))
    args = parser.parse_args(argv)
    if not (args.links or args.common_persons or args.common_places):
        parser.error("give at least one of --links, --common-persons, --common-places")
    result = sources(args.snapshot, min_overlap=args.min_overlap, linger=args.linger,
                     incubation_min=args.incubation_min, incubation_max=args.incubation_max,
                     min_cases=args.min_cases, profile=args.profile)
    for path, name in ((args.links, "links"), (args.common_persons, "common_persons"),
                       (args.common_places, "common_places")):
        if path:
            write_csv(result[name], path, result["tz_offset_seconds"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
