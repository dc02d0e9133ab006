"""Contact tracing on place-code scan logs, from Python (docs/python.md).

    import ctrace
    data = ctrace.load("scans.csv", "places.csv", tz="+08:00")  # read once
    risk = data.trace("cases.csv", hops=3)        # a pandas DataFrame
    ctrace.to_csv(risk, "risk.csv")               # the bytes `ctrace trace` writes

The data is read once, by the C++ library, and traced as often as wanted
(from several threads at once: the GIL is released while the library reads
and traces). Keywords are the command line's options with `-` written `_`,
with the same defaults; durations are text (`"15m"`, `"1h30m"`, `"14d"`),
whole seconds or `datetime.timedelta`.

Ids are `str`; an id whose bytes are not valid UTF-8 is decoded with
`surrogateescape` and written back as the same bytes.
"""

from __future__ import annotations

import collections
import datetime as _dt
import functools
import os
import warnings

import numpy as np
import pandas as pd

from . import _ctrace
from ._ctrace import InputError, OutputError

__version__ = _ctrace.version
__all__ = [
    "COMPANION_COLUMNS",
    "Clusters",
    "DataWarning",
    "Dataset",
    "InputError",
    "OutputError",
    "RISK_LIST_COLUMNS",
    "Sources",
    "load",
    "profiles",
    "to_csv",
]

#: The risk list's columns, as `ctrace trace` writes them; `monitor_until`
#: follows when the trace sets monitoring.
RISK_LIST_COLUMNS = ("person", "hop", "code", "first_exposure", "last_exposure",
                     "quarantine_until", "exposure_seconds", "via_person", "via_place")
MONITOR_COLUMN = "monitor_until"
#: The companions list's columns, as `ctrace trace --companions` writes them.
COMPANION_COLUMNS = ("person", "code", "first_time", "last_time", "cases", "via_person",
                     "via_place")

_RISK_TIMES = ("first_exposure", "last_exposure", "quarantine_until", MONITOR_COLUMN)
_COMPANION_TIMES = ("first_time", "last_time")
_NO_TIME = np.iinfo(np.int64).min  # NaT as int64: the C++ side's empty time
_CASE_COLUMNS = ("person", "from", "onset", "to", "last_negative")
_CASE_TIMES = ("from", "onset", "to", "last_negative")

# The kinds of the lists' columns by name, for a column whose cells are all
# empty (every column of a list without rows): the library's tables tell the
# kind from the cells.
_TIME_NAMES = frozenset({
    "first_exposure", "last_exposure", "quarantine_until", MONITOR_COLUMN, "first_time",
    "last_time", "first_contact", "last_contact", "first_presence", "last_presence",
    "last_case_presence", "last_close_exposure", "lift_not_before", "screening_from", "start",
    "end"})
_INTEGER_NAMES = frozenset({
    "hop", "exposure_seconds", "cases", "contact_seconds", "places", "case_seconds", "exposed",
    "exposed_seconds", "rank", "visitors", "cluster", "size", "index_cases", "close_contacts",
    "step", "meeting", "source_hop", "seconds"})
_NUMBER_NAMES = frozenset({"score"})

#: `Dataset.sources`: the three lists of `ctrace sources`.
Sources = collections.namedtuple("Sources", ["links", "common_persons", "common_places"])
#: `Dataset.clusters`: `ctrace clusters`' list (--out) and its summary (--summary).
Clusters = collections.namedtuple("Clusters", ["clusters", "summary"])


class DataWarning(UserWarning):
    """What the command line prints as a warning or a note on stderr (an index
    case without scans, a snapshot of pseudonymised ids read without a key)."""


class _Default:
    """A keyword left at the command line's default. It shows as that value
    in help(), and differs from the same value given: a profile's values
    replace defaults, never values given (as on the command line)."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __repr__(self):
        return repr(self.value)


_DEFAULTS = _ctrace.defaults
#: The protocol profiles `profile=` takes (`ctrace help profiles`).
profiles = tuple(_ctrace.profiles)
#: The keywords of `Dataset.trace`, which the other queries take as well.
_TRACE_KEYWORDS = ("hops", "min_overlap", "linger", "latency", "lookback", "quarantine",
                   "monitoring", "profile", "until", "tz", "case_columns", "cases_encoding")


def _given(value):
    return value is not None and not isinstance(value, _Default)


# ---- values given to keywords -----------------------------------------------


def _duration(keyword, value):
    """A duration as the library reads it: text or whole seconds."""
    if isinstance(value, _dt.timedelta):  # pandas.Timedelta too
        seconds = value.total_seconds()
        if seconds != int(seconds):
            raise ValueError(f"{keyword}: durations are whole seconds, not {value}")
        return int(seconds)
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{keyword}: expected a duration ('15m', seconds or a timedelta), "
                        f"not {value!r}")
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, str):
        return value
    raise TypeError(f"{keyword}: expected a duration ('15m', seconds or a timedelta), "
                    f"not {type(value).__name__}")


def _hop_durations(keyword, value):
    """Durations by hop: `"7d,3d"`, one duration, or a list of them."""
    if isinstance(value, (list, tuple)):
        if not value:
            raise ValueError(f"{keyword}: give at least one duration")
        return ",".join(str(_duration(keyword, item)) for item in value)
    return _duration(keyword, value)


def _time(keyword, value):
    """A time as the library reads it: text (local in the trace's zone when
    it has no offset) or epoch seconds. A naive datetime is local time, as
    text without an offset is."""
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{keyword}: expected a time, not {value!r}")
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (_dt.datetime, np.datetime64)):
        stamp = pd.Timestamp(value)
        if stamp.tzinfo is None:
            return stamp.floor("s").strftime("%Y-%m-%dT%H:%M:%S")
        return int(stamp.value // 10**9)
    if isinstance(value, _dt.date):
        return value.isoformat()
    raise TypeError(f"{keyword}: expected a time (text, epoch seconds or a datetime), "
                    f"not {type(value).__name__}")


def _offset(keyword, value):
    """A UTC offset: `"+08:00"`, or a tzinfo of a fixed offset."""
    if isinstance(value, str):
        return value
    if isinstance(value, _dt.tzinfo):
        delta = value.utcoffset(None)
        if delta is None:
            raise ValueError(f"{keyword}: a fixed UTC offset is needed, not {value}")
        return _ctrace.format_utc_offset(int(delta.total_seconds()))
    raise TypeError(f"{keyword}: expected a UTC offset such as '+08:00', "
                    f"not {type(value).__name__}")


def _tzinfo(seconds):
    if seconds == 0:
        return _dt.timezone.utc
    return _dt.timezone(_dt.timedelta(seconds=seconds))


# ---- DataFrames in ----------------------------------------------------------


def _missing(value):
    return value is None or value is pd.NA or value is pd.NaT or (
        isinstance(value, float) and np.isnan(value))


def _iso_texts(seconds, missing, suffix):
    """ISO 8601 texts of epoch seconds (None where missing)."""
    texts = np.datetime_as_string(np.where(missing, 0, seconds).astype("datetime64[s]"),
                                  unit="s")
    return [None if gone else text + suffix for text, gone in zip(texts.tolist(), missing)]


def _time_texts(series):
    """A time column as the readers read it: aware datetimes and epoch
    seconds in UTC (`Z`), naive datetimes as local times (the zone of the
    read applies), text as it is."""
    dtype = series.dtype
    missing = series.isna().to_numpy()
    if isinstance(dtype, pd.DatetimeTZDtype):
        naive = series.dt.tz_convert("UTC").dt.tz_localize(None)
        return _iso_texts(_floor_seconds(naive), missing, "Z")
    if pd.api.types.is_datetime64_dtype(dtype):
        return _iso_texts(_floor_seconds(series), missing, "")
    if pd.api.types.is_bool_dtype(dtype):
        raise TypeError(f"{series.name}: times are datetimes, epoch seconds or text, not bool")
    if pd.api.types.is_integer_dtype(dtype):
        return _iso_texts(series.to_numpy(dtype="int64", na_value=0), missing, "Z")
    if pd.api.types.is_float_dtype(dtype):
        values = series.to_numpy(dtype="float64", na_value=np.nan)
        seconds = np.floor(np.where(missing, 0, values)).astype("int64")
        return _iso_texts(seconds, missing, "Z")
    texts = []
    for value in series.astype(object).tolist():
        if _missing(value):
            texts.append(None)
        elif isinstance(value, (str, bytes)):
            texts.append(value)
        else:
            moment = _time(str(series.name), value)
            texts.append(moment if isinstance(moment, str) else
                         _iso_texts(np.array([moment]), np.array([False]), "Z")[0])
    return texts


def _floor_seconds(naive):
    """Epoch seconds of naive datetimes, rounded toward the past (NaT: 0)."""
    nanoseconds = naive.to_numpy(dtype="datetime64[ns]").view("int64")
    return np.where(naive.isna().to_numpy(), 0, nanoseconds // 10**9)


def _text_column(series):
    """An id or text column as str (bytes as they are), None where missing;
    categorical, string and object columns alike."""
    return [None if _missing(value) else value if isinstance(value, (str, bytes)) else str(value)
            for value in series.astype(object).tolist()]


def _csv_text(frame, columns, time_columns):
    """The CSV text the library's reader reads for `frame`'s `columns`."""
    if not isinstance(frame, pd.DataFrame):
        raise TypeError("expected a pandas DataFrame")
    names = [name for name in columns if name in frame.columns]
    texts = [_time_texts(frame[name]) if name in time_columns else _text_column(frame[name])
             for name in names]
    return _ctrace.csv_text(names, texts)


def _id_column(series):
    """An id or text column as the library reads it from Python: the object
    array (str, bytes; None, NaN or NA missing), or a categorical's codes and
    categories (each category's bytes found once). No copy of the text."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        categories = series.cat.categories
        if pd.api.types.infer_dtype(categories, skipna=True) in ("string", "bytes", "empty"):
            return ("category", series.cat.codes.to_numpy(dtype="int64"),
                    categories.to_numpy(dtype=object))
    if series.dtype == object:
        return ("objects", series.to_numpy())
    if pd.api.types.is_string_dtype(series.dtype):
        return ("objects", series.to_numpy(dtype=object))
    # Numbers or other values as ids: their text, as a CSV would hold them.
    return ("objects", np.array(_text_column(series), dtype=object))


def _time_column(series):
    """A time column as the library reads it from Python: epoch seconds
    (aware datetimes, integer or real seconds; naive datetimes as wall-clock
    times in the read's zone), or text (as a CSV would hold it; other objects
    as their text, real numbers as whole seconds)."""
    dtype = series.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        naive = series.dt.tz_convert("UTC").dt.tz_localize(None)
        return ("seconds", np.where(series.isna().to_numpy(), _NO_TIME, _floor_seconds(naive)),
                False)
    if pd.api.types.is_datetime64_dtype(dtype):
        return ("seconds", np.where(series.isna().to_numpy(), _NO_TIME, _floor_seconds(series)),
                True)
    if pd.api.types.is_bool_dtype(dtype):
        raise TypeError(f"{series.name}: times are datetimes, epoch seconds or text, not bool")
    if pd.api.types.is_integer_dtype(dtype):
        return ("seconds", series.to_numpy(dtype="int64", na_value=_NO_TIME), False)
    if pd.api.types.is_float_dtype(dtype):
        missing = series.isna().to_numpy()
        values = series.to_numpy(dtype="float64", na_value=np.nan)
        seconds = np.floor(np.where(missing, 0, values)).astype("int64")
        return ("seconds", np.where(missing, _NO_TIME, seconds), False)
    # Text, or objects the library reads as their text (not scanned here:
    # an object column of 12M rows costs a second to look at in Python).
    return _id_column(series)


def _scan_columns(frame):
    """The columns of a scans DataFrame for the library's table reader."""
    if not isinstance(frame, pd.DataFrame):
        raise TypeError("expected a pandas DataFrame")
    for name in ("person", "place", "time"):
        if name not in frame.columns:
            raise InputError(f"scans DataFrame: missing required column '{name}'; its columns "
                             f"are {', '.join(map(str, frame.columns))}")
    columns = {"person": _id_column(frame["person"]), "place": _id_column(frame["place"]),
               "time": _time_column(frame["time"])}
    if "leave" in frame.columns:
        columns["leave"] = _time_column(frame["leave"])
    return columns


# ---- DataFrames out ---------------------------------------------------------


def _times(seconds, tzinfo):
    """A Series of aware datetimes in `tzinfo` of epoch seconds (`_NO_TIME`:
    NaT)."""
    seconds = np.asarray(seconds, dtype="int64")
    nanoseconds = np.where(seconds == _NO_TIME, _NO_TIME, seconds * 10**9)  # NaT stays NaT
    moments = pd.arrays.DatetimeArray(nanoseconds.view("datetime64[ns]"),
                                      dtype=pd.DatetimeTZDtype(tz=tzinfo))
    return pd.Series(moments, copy=False)


def _frame(columns, tz_seconds, time_columns):
    tzinfo = _tzinfo(tz_seconds)
    data = {name: (_times(values, tzinfo) if name in time_columns else values)
            for name, values in columns.items()}
    # From a dict alone: with `columns=` pandas turns datetimes into objects.
    return pd.DataFrame(data)


def _epoch_seconds(series):
    """Epoch seconds of aware datetimes, `_NO_TIME` where NaT."""
    missing = series.isna().to_numpy()
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        naive = series.dt.tz_convert("UTC").dt.tz_localize(None)
        seconds = _floor_seconds(naive)
    else:
        seconds = np.zeros(len(series), dtype="int64")
    return np.where(missing, _NO_TIME, seconds).astype("int64")


def _column_spec(name, series):
    """A DataFrame column as the library's table writer takes it: (name,
    kind, values, blanks, zone seconds)."""
    dtype = series.dtype
    missing = series.isna().to_numpy(dtype=bool)
    if isinstance(dtype, pd.DatetimeTZDtype):
        delta = dtype.tz.utcoffset(None)
        if delta is None:
            raise ValueError(f"{name}: times must be in a fixed UTC offset, as the lists give "
                             f"them, not {dtype.tz}")
        return (name, "time", _epoch_seconds(series), missing, int(delta.total_seconds()))
    if pd.api.types.is_datetime64_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype):
        if missing.all():
            return (name, "blank", None, missing, 0)
        raise TypeError(f"{name}: times must be timezone-aware (the CSV writes their offset)")
    if pd.api.types.is_bool_dtype(dtype):
        raise TypeError(f"{name}: no list has a column of booleans")
    if pd.api.types.is_integer_dtype(dtype):
        return (name, "integer", series.to_numpy(dtype="int64", na_value=0), missing, 0)
    if pd.api.types.is_float_dtype(dtype):
        return (name, "number", series.to_numpy(dtype="float64", na_value=np.nan), missing, 0)
    return (name, "text", _text_column(series), missing, 0)


def to_csv(frame, path, bom=False):
    """Writes a DataFrame of the Dataset's queries (`trace`, `companions`,
    `places`, `sources`, `clusters`, `rank`, `zones`, `explain`) as the
    command line writes that list, byte for byte, through the library's
    writer: the column names, then one row per row; times as
    `2022-04-19T10:00:00+08:00` (or `...Z`) in the column's UTC offset,
    integers in decimal, real numbers in the shortest form that reads back
    the same, missing values (None, NaN, NaT, NA) empty, text quoted only when
    it holds a comma, quote, CR or LF; LF line ends. Rows and columns may be
    filtered, reordered or added (text, integer, real or timezone-aware
    columns). `bom` starts the file with a UTF-8 byte-order mark (`--bom`).
    The file is replaced atomically; `OutputError` when it cannot be
    written."""
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"to_csv writes a DataFrame, not {type(frame).__name__}")
    columns = [_column_spec(str(name), frame[name]) for name in frame.columns]
    if len(set(frame.columns)) != len(columns):
        raise ValueError("to_csv: the column names must differ")
    _ctrace.write_table(os.fspath(path), columns, bool(bom))


def _table(columns):
    """A DataFrame of a library table (see `table_of` in ctrace_module.cpp)."""
    data = {}
    for name, kind, values, blank, tz_seconds in columns:
        if kind == "blank":
            kind = ("time" if name in _TIME_NAMES else "integer" if name in _INTEGER_NAMES else
                    "number" if name in _NUMBER_NAMES else "text")
            values = (np.full(len(blank), _NO_TIME, dtype="int64") if kind in ("time", "integer")
                      else np.full(len(blank), np.nan) if kind == "number" else values)
        if kind == "time":
            data[name] = _times(values, _tzinfo(tz_seconds))
        elif kind == "integer":
            data[name] = (pd.arrays.IntegerArray(np.where(blank, 0, values), blank.copy())
                          if blank.any() else values)
        elif kind == "number":
            data[name] = values
        else:
            data[name] = np.array(values, dtype=object)
    return pd.DataFrame(data)


# ---- the dataset --------------------------------------------------------------


def _pseudonym_key(path):
    return {} if path is None else {"pseudonymize": os.fspath(path)}


class Dataset(_ctrace.Dataset):
    """Scan data read once by the library: stays, ids, the places file's
    metadata. Made by `ctrace.load`, `Dataset.from_snapshot` or
    `Dataset.from_store`; never changed after, so that several threads may
    trace it at once."""

    @classmethod
    def from_snapshot(cls, path, *, contact_level="code", pseudonymize=None):
        """The data of a snapshot (`ctrace snapshot`), read whole. Its stays,
        zone and stay end rule are those it was made with; `contact_level`
        "site" rolls them up to sites as `--contact-level site` does;
        `pseudonymize` (a key file) as the CLI's `--pseudonymize`."""
        data = cls(snapshot=os.fspath(path), contact_level=contact_level,
                   reading=_pseudonym_key(pseudonymize))
        data._warn_notes()
        return data

    @classmethod
    def from_store(cls, folder, *, contact_level="code", pseudonymize=None):
        """The data of a store (`ctrace ingest`), read whole."""
        data = cls(store=os.fspath(folder), contact_level=contact_level,
                   reading=_pseudonym_key(pseudonymize))
        data._warn_notes()
        return data

    def _warn_notes(self):
        for note in self._notes:
            warnings.warn(note, DataWarning, stacklevel=3)

    # The data never changes: the ids are made into str once.
    @functools.cached_property
    def person_ids(self):
        """Person ids, by person index (the `person` of `stays()`)."""
        return self._persons

    @functools.cached_property
    def place_ids(self):
        """Place ids, by place index (the `place` of `stays()`)."""
        return self._places

    @property
    def tz(self):
        """The zone times without an offset were read in (`+08:00`); the
        default zone of traces."""
        return _ctrace.format_utc_offset(self._tz)

    @property
    def contact_level(self):
        """`code` or `site`."""
        return self._contact_level

    @property
    def stay_end(self):
        """How stays without check-out end: `dwell` or `next-scan`."""
        return self._stay_end

    @property
    def rows_read(self):
        """Scan rows read, good and bad."""
        return self._rows_read

    @property
    def rows_rejected(self):
        """Bad scan rows left out under `skip_bad`."""
        return self._rows_rejected

    def rejects(self):
        """The bad rows left out under `skip_bad`: file, line, reason, raw."""
        return pd.DataFrame(self._rejects, columns=["file", "line", "reason", "raw"])

    def stays(self):
        """The merged stays as numpy arrays, views of the library's own
        columns (no copy, read-only): `person` and `place` (uint32 indices
        into `person_ids` and `place_ids`), `start` and `end` (int64 epoch seconds,
        `[start, end)`), sorted by place, then start. Each array's `.base` is
        this Dataset, which the arrays keep alive."""
        return self._stays()

    def incidence(self):
        """The person x place incidence matrix, as `ctrace_snapshot.incidence`
        reads it from a snapshot: a `scipy.sparse.csr_matrix` of int64, entry
        (p, x) the total stay seconds of person p at place x (an entry for
        every pair with a stay, even when 0). Rows and columns are
        `person_ids` and `place_ids`. The library's arrays are handed over
        without a copy (scipy may widen the int32 column indices)."""
        import scipy.sparse

        data, indices, indptr = self._incidence()
        _, persons, places = self._sizes
        return scipy.sparse.csr_matrix((data, indices, indptr), shape=(persons, places),
                                       copy=False)

    def __repr__(self):
        stays, persons, places = self._sizes
        return (f"<ctrace.Dataset: {stays} stays, {persons} persons, {places} places, "
                f"tz {self.tz}, {self.contact_level} level>")

    def trace(self, cases, *, hops=_Default(_DEFAULTS["hops"]),
              min_overlap=_Default(_DEFAULTS["min_overlap"]),
              linger=_Default(_DEFAULTS["linger"]), latency=_Default(_DEFAULTS["latency"]),
              lookback=_Default(_DEFAULTS["lookback"]),
              quarantine=_Default(_DEFAULTS["quarantine"]), monitoring=None, profile=None,
              until=None, tz=None, case_columns=None, cases_encoding=None):
        """The risk list of `cases` (`ctrace trace`), as a DataFrame with the
        columns and row order of the CLI's CSV: person, hop, code,
        first_exposure, last_exposure, quarantine_until, exposure_seconds,
        via_person, via_place (and monitor_until with `monitoring`). Times are
        timezone-aware in the trace's zone (NaT where the CSV is empty),
        hop and exposure_seconds int64, via_person and via_place None for
        index cases.

        `cases`: a cases file (person, from or onset, to, last_negative), or
        a DataFrame with those columns (times as datetimes, epoch seconds or
        text; naive datetimes and text without an offset are in `tz`).

        Keywords as the CLI's options, with their defaults: hops 2,
        min_overlap 15m, linger 0s, latency 0s, lookback 4d, quarantine 14d
        (by hop: "14d,7d" or a list), monitoring none, profile (cn-ed8,
        cn-ed9, cwa) none, until none (a time), tz: the dataset's zone. A
        profile sets what is not given. `case_columns` and `cases_encoding`
        read a cases file as `--case-columns` and `--cases-encoding` do.
        Index cases without scans raise a `DataWarning`, as the CLI warns."""
        options = dict(hops=hops, min_overlap=min_overlap, linger=linger, latency=latency,
                       lookback=lookback, quarantine=quarantine, monitoring=monitoring,
                       profile=profile, until=until, tz=tz, case_columns=case_columns,
                       cases_encoding=cases_encoding)
        result = self._run(cases, options, None)
        return _frame(result["risk"], result["tz"], _RISK_TIMES)

    def companions(self, cases, window=_DEFAULTS["companion_window"], **trace_options):
        """The same-time-and-place persons of `cases` (`ctrace trace
        --companions`, docs/semantics.md §10): persons at a case's place
        within `window` of the case being there who are not on the risk list
        of the trace with `trace_options` (the keywords of `trace`). Columns
        person, code, first_time, last_time, cases, via_person, via_place."""
        unknown = set(trace_options) - set(_TRACE_KEYWORDS)
        if unknown:
            raise TypeError(f"companions() got unexpected keywords: {sorted(unknown)}")
        result = self._run(cases, trace_options, _duration("window", window))
        return _frame(result["companions"], result["tz"], _COMPANION_TIMES)

    def places(self, cases, **trace_options):
        """The places where index cases were during their infectious window
        (`ctrace places`): place, cases, first_presence, last_presence,
        case_seconds, exposed, exposed_seconds; most exposed first. Only
        close contacts (hop 1) count as exposed. `trace_options` are the
        keywords of `trace` (min_overlap, until and lookback matter here)."""
        result = self._query("places", cases, trace_options, {})
        return _table(result["places"])

    def clusters(self, cases, **trace_options):
        """The risk list split into transmission clusters (`ctrace
        clusters`): `Clusters(clusters, summary)`, the list (person, cluster,
        hop, code) and its summary (cluster, size, index_cases, linked,
        places, index_case_ids, place_ids; ids joined with `;`).
        `trace_options` are the keywords of `trace`."""
        result = self._query("clusters", cases, trace_options, {})
        return Clusters(_table(result["clusters"]), _table(result["summary"]))

    def zones(self, cases, *, residents=None, as_of=None,
              zone_quiet=_DEFAULTS["zone_quiet"], screening=_DEFAULTS["screening"],
              **trace_options):
        """When each district with cases or close contacts may be lifted
        (`ctrace zones`, 三区): district, cases, close_contacts,
        last_case_presence, last_close_exposure, lift_not_before,
        screening_from (and status, `controlled` or `may-lift`, with
        `as_of`); latest lifting first. The places file must have a
        `district` column. `residents`: a residents file (person, district).
        `zone_quiet` 14d, `screening` 2d; `trace_options` are the keywords of
        `trace`."""
        extra = dict(residents=None if residents is None else os.fspath(residents),
                     as_of=None if as_of is None else _time("as_of", as_of),
                     zone_quiet=_duration("zone_quiet", zone_quiet),
                     screening=_duration("screening", screening))
        result = self._query("zones", cases, trace_options, extra)
        return _table(result["zones"])

    def sources(self, cases, *, incubation_min=_Default(_DEFAULTS["incubation_min"]),
                incubation_max=_Default(_DEFAULTS["incubation_max"]),
                min_cases=_DEFAULTS["min_cases"], min_overlap=_Default(_DEFAULTS["min_overlap"]),
                linger=_Default(_DEFAULTS["linger"]), lookback=_Default(_DEFAULTS["lookback"]),
                until=None, profile=None, tz=None):
        """Backward tracing (`ctrace sources`, docs/semantics.md §9): who or
        what could have infected the cases, each of which needs an onset.
        `Sources(links, common_persons, common_places)`:
        links (infector, infectee, first_contact, last_contact,
        contact_seconds, place), common persons (person, cases,
        first_contact, last_contact, contact_seconds, places, case_ids) and
        common places (place, cases, first_presence, last_presence,
        case_seconds, case_ids). Keywords as the CLI's, with its defaults:
        incubation_min 1d, incubation_max 14d, min_cases 2, min_overlap 15m,
        linger 0s, lookback 4d, until, profile, tz."""
        options = dict(min_overlap=min_overlap, linger=linger, lookback=lookback, until=until,
                       profile=profile, tz=tz)
        extra = {}
        for name, value in (("incubation_min", incubation_min),
                            ("incubation_max", incubation_max)):
            if _given(value):
                extra[name] = _duration(name, value)
        if isinstance(min_cases, (bool, np.bool_)) or not isinstance(min_cases,
                                                                      (int, np.integer)):
            raise TypeError(f"min_cases: expected an integer, not {min_cases!r}")
        extra["min_cases"] = int(min_cases)
        result = self._query("sources", cases, options, extra)
        return Sources(_table(result["links"]), _table(result["common_persons"]),
                       _table(result["common_places"]))

    def explain(self, person, cases, *, meetings=False, **trace_options):
        """Why `person` (an id, or a list of them) is on the risk list of
        `cases` traced with `trace_options` (`ctrace explain --format csv`):
        one row per step down to the index case, columns asked, step,
        person, hop, code, first_exposure, last_exposure, exposure_seconds,
        via_person, via_place (and via_place_name when the places have
        names). With `meetings`, the meetings behind each person's row
        instead (`--meetings`): person, hop, meeting, source, source_hop,
        place, place_name, start, end, seconds, minutes. `InputError` when a
        person is not listed."""
        persons = [person] if isinstance(person, (str, bytes)) else list(person)
        extra = dict(persons=persons, meetings=bool(meetings))
        result = self._query("explain", cases, trace_options, extra)
        return _table(result["explanation"])

    def rank(self, *, from_=None, to=None, top=_DEFAULTS["top"],
             damping=_DEFAULTS["damping"], tz=None):
        """Places ranked as sentinel sites (`ctrace rank`): PageRank on the
        co-visitor graph of the stays overlapping `[from_, to)`; columns
        rank, place, score (float64), visitors; best first. `top` 50 (0:
        all), `damping` 0.85; times without an offset are in `tz` (the
        dataset's zone)."""
        options = {"from_": None if from_ is None else _time("from_", from_),
                   "to": None if to is None else _time("to", to), "top": top,
                   "damping": float(damping), "tz": None if tz is None else _offset("tz", tz)}
        return _table(self._rank(options))

    def _query(self, query, cases, trace_options, extra):
        unknown = set(trace_options) - set(_TRACE_KEYWORDS)
        if unknown:
            raise TypeError(f"{query}() got unexpected keywords: {sorted(unknown)}")
        given = self._options(trace_options)
        if isinstance(cases, pd.DataFrame):
            text = _csv_text(cases, _CASE_COLUMNS, _CASE_TIMES)
            result = self._tables(query, None, text, "cases DataFrame", given, extra)
        else:
            result = self._tables(query, os.fspath(cases), None, "", given, extra)
        for person in result.get("cases_without_stays", ()):
            warnings.warn(f"index case {person!r} has no scans", DataWarning, stacklevel=3)
        return result

    @staticmethod
    def _options(options):
        converters = {"min_overlap": _duration, "linger": _duration, "latency": _duration,
                      "lookback": _duration, "quarantine": _hop_durations,
                      "monitoring": _hop_durations, "until": _time, "tz": _offset,
                      "case_columns": _column_map, "cases_encoding": lambda _, value: value}
        given = {}
        for name, value in options.items():
            if not _given(value):
                continue
            if name == "hops":
                if isinstance(value, (bool, np.bool_)) or not isinstance(value,
                                                                         (int, np.integer)):
                    raise TypeError(f"hops: expected an integer, not {value!r}")
                given[name] = int(value)
            elif name == "profile":
                if not isinstance(value, str):
                    raise TypeError(f"profile: expected a name ({', '.join(_ctrace.profiles)})")
                given[name] = value
            else:
                given[name] = converters[name](name, value)
        return given

    def _run(self, cases, options, companion_window):
        given = self._options(options)
        if isinstance(cases, pd.DataFrame):
            text = _csv_text(cases, _CASE_COLUMNS, _CASE_TIMES)
            result = self._trace(None, text, "cases DataFrame", given, companion_window)
        else:
            result = self._trace(os.fspath(cases), None, "", given, companion_window)
        for person in result["cases_without_stays"]:
            warnings.warn(f"index case {person!r} has no scans; listed without contacts",
                          DataWarning, stacklevel=3)
        return result


def _column_map(keyword, value):
    """A column mapping: `"person=身份证号,place=场所码"` or a dict."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict):
        return ",".join(f"{name}={header}" for name, header in value.items())
    raise TypeError(f"{keyword}: expected 'name=HEADER,...' or a dict, "
                    f"not {type(value).__name__}")


def _interactive():
    """True in a terminal or a Jupyter kernel: where a progress bar is read
    (a batch job's log is not the place for one)."""
    import sys

    return "ipykernel" in sys.modules or (sys.stderr is not None and sys.stderr.isatty())


class _Progress:
    """The progress of a load: `progress(done, total)` when a callable,
    else a tqdm bar when tqdm is installed (`progress=True`, or None in a
    terminal or a notebook), else nothing."""

    def __init__(self, progress, total, unit):
        self.callback = self.bar = None
        self.total = total
        if callable(progress):
            self.callback = progress
        elif progress is True or (progress is None and _interactive()):
            try:
                from tqdm.auto import tqdm
            except ImportError:
                if progress is True:
                    raise
            else:
                self.bar = tqdm(total=total, unit=unit, unit_scale=True, desc="ctrace.load",
                                leave=False)

    def __call__(self, done):
        if self.callback is not None:
            self.callback(done, self.total)
        elif self.bar is not None:
            self.bar.update(max(0, done - self.bar.n))

    def close(self):
        if self.bar is not None:
            self.bar.close()

    def active(self):
        return self.callback is not None or self.bar is not None


def load(scans, places=None, *, tz=_DEFAULTS["tz"], dwell=_DEFAULTS["dwell"], skip_bad=False,
         stay_end="dwell", contact_level="code", threads=0, encoding=None, scans_encoding=None,
         places_encoding=None, scan_columns=None, place_columns=None, time_format=None,
         max_row_bytes=_DEFAULTS["max_row_bytes"], pseudonymize=None, progress=None):
    """Reads scan data once (`ctrace trace --scans ...`'s reading) into a
    `Dataset`.

    `scans`: a scans file (any form the CLI reads: CSV, gzip, zstd), a list
    of them (read in order, as one), or a DataFrame with columns person,
    place, time and optionally leave (times as datetimes, epoch seconds or
    text; naive datetimes and text without an offset are in `tz`). The
    library reads a DataFrame's columns where they are (object, string and
    categorical ids; datetime and integer times without a copy of the text)
    with the checks of the CSV reader: bad rows are named "scans DataFrame",
    row k (counting from 0) as line k + 2, as if a header were line 1.

    `places`: the places file (place, dwell, site, min_overlap, ...), or None.
    The keywords are the CLI's options: tz "+00:00", dwell 1h, skip_bad
    (leave bad rows out; `Dataset.rejects()` lists them), stay_end "dwell" or
    "next-scan", contact_level "code" or "site", threads 0 (one per core).
    Files as the CLI reads them: `encoding` (of both files; "utf-8",
    "gb18030", ...), or `scans_encoding` and `places_encoding`; gzip and zstd
    are recognised; `scan_columns` and `place_columns` name the header's
    columns where an export calls them otherwise ("person=身份证号,place=场所码"
    or a dict); `time_format` ("%Y/%m/%d %H:%M") the times' layout (the
    cases' too); `max_row_bytes` 1 MiB; `pseudonymize` a key file: person ids
    are pseudonymised as read (cases are then looked up by theirs).
    `progress`: a callable(done, total) told the bytes (a DataFrame's rows)
    read so far; True a tqdm bar (tqdm must be installed); None the bar in a
    terminal or a notebook when tqdm is installed; False nothing.
    Bad rows raise `InputError` with file, line and reason unless skip_bad."""
    keywords = dict(places=None if places is None else os.fspath(places),
                    tz=_offset("tz", tz), dwell=_duration("dwell", dwell),
                    skip_bad=bool(skip_bad), stay_end=stay_end, contact_level=contact_level,
                    threads=int(threads))
    reading = dict(encoding=encoding, scans_encoding=scans_encoding,
                   places_encoding=places_encoding,
                   scan_columns=_column_map("scan_columns", scan_columns),
                   place_columns=_column_map("place_columns", place_columns),
                   time_format=time_format, max_row_bytes=int(max_row_bytes),
                   pseudonymize=None if pseudonymize is None else os.fspath(pseudonymize))
    if isinstance(scans, pd.DataFrame):
        bar = _Progress(progress, len(scans), "rows")
        keywords.update(scan_frame=_scan_columns(scans), scans_name="scans DataFrame")
    else:
        if isinstance(scans, (str, bytes, os.PathLike)):
            scans = [scans]
        paths = [os.fsdecode(path) for path in scans]
        if not paths:
            raise ValueError("scans: give at least one file")
        total = sum(os.path.getsize(path) for path in paths if os.path.isfile(path))
        bar = _Progress(progress, total, "B")
        keywords.update(scans=paths)
    if bar.active():
        reading["progress"] = bar
    try:
        return Dataset(reading=reading, **keywords)
    finally:
        bar.close()
