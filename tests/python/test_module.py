"""The Python module `ctrace` (python/module/, docs/python.md) against the
command line: every list it gives, written with `ctrace.to_csv`, must be the
bytes `ctrace trace` writes for the same inputs and options, which each test
runs through the built executable.

    PYTHONPATH=build/python CTRACE_BIN=build/apps/ctrace \\
        /usr/bin/python3 -m pytest -p no:cacheprovider tests/python/test_module.py -v
"""

import io
import datetime as dt
import gc
import hashlib
import inspect
import shutil
import subprocess
import threading
import time
import weakref
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest

import ctrace

from module_helpers import DOORS, FIELD, FIXTURES, TINY, cli, quietly, written

PLUS8 = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    """A generated city: 100k scans in shuffled order, resident ids."""
    folder = tmp_path_factory.mktemp("city")
    cli("gen", "--scans", 100000, "--order", "shuffled", "--ids", "resident", "--out", folder,
        "-q")
    return folder


@pytest.fixture(scope="module")
def city_data(city):
    return ctrace.load(city / "scans.csv", city / "places.csv")


@pytest.fixture(scope="module")
def tiny():
    return ctrace.load(TINY / "scans.csv", TINY / "places.csv", tz="+08:00")


# ---- the examples, byte for byte ------------------------------------------


def test_tiny_is_the_cli_list(tiny, tmp_path):
    expected = cli("trace", "--scans", TINY / "scans.csv", "--places", TINY / "places.csv",
                   "--cases", TINY / "cases.csv", "--tz", "+08:00", "--hops", 3, "--out", "-",
                   "-q")
    assert expected == (TINY / "risk.csv").read_bytes()
    with pytest.warns(ctrace.DataWarning, match="index case 'C9' has no scans"):
        risk = tiny.trace(TINY / "cases.csv", hops=3)
    assert written(risk, tmp_path) == expected


def test_tiny_frame_types(tiny):
    risk = quietly(tiny.trace, TINY / "cases.csv", hops=3)
    assert list(risk.columns) == list(ctrace.RISK_LIST_COLUMNS)
    assert risk["hop"].dtype == np.int64 and risk["exposure_seconds"].dtype == np.int64
    for name in ("first_exposure", "last_exposure", "quarantine_until"):
        assert isinstance(risk[name].dtype, pd.DatetimeTZDtype)
        assert risk[name].dt.tz.utcoffset(None) == dt.timedelta(hours=8)
    cases = risk[risk["hop"] == 0]
    assert list(cases["person"]) == ["C1", "C9"]
    assert cases["first_exposure"].isna().all() and cases["via_person"].isna().all()
    k = risk[risk["person"] == "K"].iloc[0]
    assert k["first_exposure"] == pd.Timestamp("2022-04-16T00:00:00+08:00")
    assert (k["via_person"], k["via_place"], k["code"]) == ("C1", "M01", "red")
    assert risk["person"].tolist()[6] == "Li, Wei"


@pytest.mark.parametrize("level, options, expected", [
    ("code", {}, "risk.csv"),
    ("site", {}, "risk-site.csv"),
    ("site", {"linger": "30m", "profile": "cn-ed9"}, "risk-site-linger-cn-ed9.csv"),
])
def test_doors_are_the_cli_lists(level, options, expected, tmp_path):
    args = ["trace", "--scans", DOORS / "scans.csv", "--places", DOORS / "places.csv",
            "--cases", DOORS / "cases.csv", "--tz", "+08:00", "--contact-level", level]
    for name, value in options.items():
        args += ["--" + name, value]
    from_cli = cli(*args, "--out", "-", "-q")
    assert from_cli == (DOORS / expected).read_bytes()
    data = ctrace.load(DOORS / "scans.csv", DOORS / "places.csv", tz="+08:00",
                       contact_level=level)
    risk = data.trace(DOORS / "cases.csv", **options)
    assert ("monitor_until" in risk.columns) == ("profile" in options)
    assert written(risk, tmp_path) == from_cli


def test_field_lists_and_companions_are_the_cli_lists(tmp_path):
    companions_path = tmp_path / "companions.csv"
    from_cli = cli("trace", "--scans", FIELD / "scans.csv", "--places", FIELD / "places.csv",
                   "--cases", FIELD / "cases.csv", "--tz", "+08:00", "--out", "-",
                   "--companions", companions_path, "-q")
    assert from_cli == (FIELD / "risk.csv").read_bytes()
    assert companions_path.read_bytes() == (FIELD / "companions.csv").read_bytes()
    data = ctrace.load(FIELD / "scans.csv", FIELD / "places.csv", tz="+08:00")
    assert written(data.trace(FIELD / "cases.csv"), tmp_path) == from_cli
    companions = data.companions(FIELD / "cases.csv")
    assert list(companions.columns) == list(ctrace.COMPANION_COLUMNS)
    assert written(companions, tmp_path, "c.csv") == companions_path.read_bytes()

    next_scan = cli("trace", "--scans", FIELD / "scans.csv", "--places", FIELD / "places.csv",
                    "--cases", FIELD / "cases.csv", "--tz", "+08:00", "--stay-end",
                    "next-scan", "--out", "-", "-q")
    assert next_scan == (FIELD / "risk-next-scan.csv").read_bytes()
    cut = ctrace.load(FIELD / "scans.csv", FIELD / "places.csv", tz="+08:00",
                      stay_end="next-scan")
    assert cut.stay_end == "next-scan"
    assert written(cut.trace(FIELD / "cases.csv"), tmp_path) == next_scan


def test_city_is_the_cli_list(city, city_data, tmp_path):
    for options, flags in [({}, []),
                           ({"hops": 3, "min_overlap": "10m", "quarantine": "14d,7d"},
                            ["--hops", 3, "--min-overlap", "10m", "--quarantine", "14d,7d"]),
                           ({"profile": "cwa", "tz": "+08:00"},
                            ["--profile", "cwa", "--tz", "+08:00"])]:
        tz = ["--tz", "+00:00"] if "tz" not in options else []
        from_cli = cli("trace", "--scans", city / "scans.csv", "--places", city / "places.csv",
                       "--cases", city / "cases.csv", *tz, *flags, "--out", "-", "-q")
        risk = quietly(city_data.trace, city / "cases.csv", **options)
        assert len(risk) > 100
        assert written(risk, tmp_path) == from_cli, options


def test_city_companions_are_the_cli_list(city, city_data, tmp_path):
    path = tmp_path / "companions.csv"
    # One hop and a long minimum: most persons are not on the risk list.
    cli("trace", "--scans", city / "scans.csv", "--places", city / "places.csv", "--cases",
        city / "cases.csv", "--hops", 1, "--min-overlap", "2h", "--out", tmp_path / "risk.csv",
        "--companions", path, "--companion-window", "1h", "-q")
    companions = quietly(city_data.companions, city / "cases.csv", window=dt.timedelta(hours=1),
                         hops=1, min_overlap="2h")
    assert len(companions) > 0
    assert written(companions, tmp_path, "c.csv") == path.read_bytes()


def test_defaults_are_the_cli_defaults(city, city_data, tmp_path):
    """No option in Python is no option on the command line."""
    from_cli = cli("trace", "--scans", city / "scans.csv", "--cases", city / "cases.csv",
                   "--out", "-", "-q")
    data = ctrace.load(city / "scans.csv")
    assert written(quietly(data.trace, city / "cases.csv"), tmp_path) == from_cli
    # The signature shows the values `ctrace help trace` gives as defaults.
    help_text = cli("trace", "--help").decode()
    keywords = inspect.signature(ctrace.Dataset.trace).parameters
    for name in ("hops", "min_overlap", "linger", "latency", "lookback", "quarantine"):
        shown = repr(keywords[name].default).strip("'")
        flag = "--" + name.replace("_", "-")
        line = next(line for line in help_text.splitlines() if line.strip().startswith(flag))
        assert f"(={shown})" in line, (name, line)
    load_keywords = inspect.signature(ctrace.load).parameters
    assert load_keywords["dwell"].default == "1h" and load_keywords["tz"].default == "+00:00"


def test_options_given_explicitly_win_over_a_profile(tiny, tmp_path):
    from_cli = cli("trace", "--scans", TINY / "scans.csv", "--places", TINY / "places.csv",
                   "--cases", TINY / "cases.csv", "--tz", "+08:00", "--profile", "cn-ed9",
                   "--quarantine", "14d", "--hops", 2, "--out", "-", "-q")
    risk = quietly(tiny.trace, TINY / "cases.csv", profile="cn-ed9", quarantine="14d", hops=2)
    assert written(risk, tmp_path) == from_cli
    assert "monitor_until" in risk.columns


def test_durations_and_times_in_python_types(tiny, tmp_path):
    expected = written(quietly(tiny.trace, TINY / "cases.csv", min_overlap="10m",
                               quarantine="7d,5d", until="2022-04-20 12:00"), tmp_path)
    as_objects = quietly(tiny.trace, TINY / "cases.csv", min_overlap=dt.timedelta(minutes=10),
                         quarantine=[pd.Timedelta(days=7), 5 * 86400],
                         until=dt.datetime(2022, 4, 20, 4, 0, tzinfo=dt.timezone.utc))
    assert written(as_objects, tmp_path) == expected
    local = quietly(tiny.trace, TINY / "cases.csv", min_overlap=600, quarantine="7d,5d",
                    until=dt.datetime(2022, 4, 20, 12, 0))
    assert written(local, tmp_path) == expected
    from_cli = cli("trace", "--scans", TINY / "scans.csv", "--places", TINY / "places.csv",
                   "--cases", TINY / "cases.csv", "--tz", "+08:00", "--min-overlap", "10m",
                   "--quarantine", "7d,5d", "--until", "2022-04-20 12:00", "--out", "-", "-q")
    assert expected == from_cli


def test_another_zone_for_the_output(tiny, tmp_path):
    from_cli = cli("trace", "--scans", TINY / "scans.csv", "--places", TINY / "places.csv",
                   "--cases", TINY / "cases.csv", "--tz", "+08:00", "--hops", 3, "--out", "-",
                   "-q")
    utc = quietly(tiny.trace, TINY / "cases.csv", hops=3, tz=dt.timezone.utc)
    assert utc["first_exposure"].dt.tz.utcoffset(None) == dt.timedelta(0)
    # Cases read in UTC start at other instants: the zone changes the trace.
    assert written(utc, tmp_path) != from_cli
    back = utc.copy()
    for name in ("first_exposure", "last_exposure", "quarantine_until"):
        back[name] = back[name].dt.tz_convert(PLUS8)
    assert b"+08:00" in written(back, tmp_path) and b"Z," in written(utc, tmp_path)


# ---- DataFrames as inputs -------------------------------------------------


def _tiny_scans_frames():
    """The tiny scans as DataFrames of several column types."""
    text = pd.read_csv(TINY / "scans.csv", dtype=str, keep_default_na=False)
    yield "object", text
    yield "string", pd.read_csv(TINY / "scans.csv", dtype="string")
    yield "category", text.astype("category")

    def aware(value):
        if value == "":
            return pd.NaT
        if value.isdigit():
            return pd.Timestamp(int(value), unit="s", tz="UTC")
        stamp = pd.Timestamp(value)
        return stamp.tz_localize(PLUS8) if stamp.tzinfo is None else stamp
    times = text.copy()
    for name in ("time", "leave"):
        times[name] = pd.to_datetime([aware(v) for v in text[name]], utc=True)
    yield "datetime64 UTC", times
    naive = times.copy()
    for name in ("time", "leave"):
        naive[name] = naive[name].dt.tz_convert(PLUS8).dt.tz_localize(None)
    yield "datetime64 local", naive
    epoch = times.copy()
    epoch["time"] = (times["time"].astype("int64") // 10**9).astype("int64")
    # A column with missing values: float seconds, NaN empty (fractions dropped).
    leave = times["leave"].astype("int64") / 1e9
    epoch["leave"] = leave.where(times["leave"].notna())
    yield "epoch seconds", epoch
    # Objects: Python datetimes (None missing) and real seconds mixed with text.
    objects = times.copy()
    for name in ("time", "leave"):
        objects[name] = pd.Series([None if pd.isna(v) else v.to_pydatetime()
                                   for v in times[name]], dtype=object)
    mixed = text.copy()
    mixed["time"] = pd.Series([float(epoch["time"][k]) if k % 2 else v
                               for k, v in enumerate(text["time"])], dtype=object)
    yield "datetime objects", objects
    yield "mixed objects", mixed


@pytest.mark.parametrize("kind, frame", list(_tiny_scans_frames()))
def test_scans_dataframes_give_the_same_list(kind, frame, tmp_path):
    data = ctrace.load(frame, TINY / "places.csv", tz="+08:00")
    risk = quietly(data.trace, TINY / "cases.csv", hops=3)
    assert written(risk, tmp_path) == (TINY / "risk.csv").read_bytes(), kind


@pytest.mark.parametrize("dtype", [str, "string", "category"])
def test_cases_dataframes_give_the_same_list(tiny, dtype, tmp_path):
    cases = pd.read_csv(TINY / "cases.csv", dtype=dtype)
    risk = quietly(tiny.trace, cases, hops=3)
    assert written(risk, tmp_path) == (TINY / "risk.csv").read_bytes()
    timed = pd.read_csv(TINY / "cases.csv", dtype=str)
    for name in ("onset", "from", "to"):
        timed[name] = pd.to_datetime(timed[name])  # naive: local in the trace's zone
    assert written(quietly(tiny.trace, timed, hops=3), tmp_path) == \
        (TINY / "risk.csv").read_bytes()


def test_one_load_many_traces_without_the_scans(tmp_path):
    """Tracing again does not read the scans: they may be gone."""
    scans = tmp_path / "scans.csv"
    shutil.copy(TINY / "scans.csv", scans)
    data = ctrace.load(scans, TINY / "places.csv", tz="+08:00")
    scans.unlink()
    for hops in (3, 1, 3):
        risk = quietly(data.trace, TINY / "cases.csv", hops=hops)
        assert (risk["hop"] <= hops).all()
    assert written(risk, tmp_path) == (TINY / "risk.csv").read_bytes()


# ---- ids that are not UTF-8 -----------------------------------------------


def _snapshot_with_id(source, target, old, new):
    """A copy of an earlier version's snapshot (no index block, read whole)
    with person id `old` replaced by the bytes `new`, and a fresh checksum."""
    shutil.copy(source, target)
    with h5py.File(target, "r+") as f:
        ids = f["persons/id"]
        values = list(ids[...])
        values[values.index(old)] = new
        del f["persons/id"]
        f.create_dataset("persons/id", data=np.array(values, dtype=object),
                         dtype=h5py.string_dtype("utf-8"))
    raw = bytearray(Path(target).read_bytes())
    digest = hashlib.sha256(raw[512:]).hexdigest()
    block = f"CTRACE-SNAPSHOT-CHECKSUM 1\nsha256 {digest}\n".encode()
    raw[:512] = block + bytes(512 - len(block))
    Path(target).write_bytes(bytes(raw))


def test_an_id_that_is_not_utf8_round_trips(tmp_path):
    snapshot = tmp_path / "latin1.h5"
    name = "Müller".encode("latin-1")  # b"M\xfcller": not UTF-8
    _snapshot_with_id(FIXTURES / "earlier-versions" / "tiny-snapshot.h5", snapshot, b"K", name)
    from_cli = cli("trace", "--snapshot", snapshot, "--cases", TINY / "cases.csv", "--tz",
                   "+08:00", "--hops", 3, "--out", "-", "-q")
    assert name + b",1,red," in from_cli and b",M\xfcller,M01" in from_cli
    data = ctrace.Dataset.from_snapshot(snapshot)
    as_text = name.decode("utf-8", "surrogateescape")
    assert as_text in data.person_ids
    risk = quietly(data.trace, TINY / "cases.csv", hops=3, tz="+08:00")
    assert as_text in set(risk["person"]) and as_text in set(risk["via_person"])
    assert written(risk, tmp_path) == from_cli


# ---- errors -----------------------------------------------------------------


def test_a_bad_row_is_an_input_error_with_file_and_line(tmp_path):
    scans = tmp_path / "scans.csv"
    lines = (TINY / "scans.csv").read_text(encoding="utf-8").splitlines()
    lines[3] = "2022-04-19 99:00,B,M01,,west"  # line 4 of the file
    scans.write_text("\n".join(lines) + "\n", encoding="utf-8")
    stderr = cli("trace", "--scans", scans, "--cases", TINY / "cases.csv", "--tz", "+08:00",
                 "--out", "-", expect=2)
    with pytest.raises(ctrace.InputError) as raised:
        ctrace.load(scans, tz="+08:00")
    error = raised.value
    assert isinstance(error, ValueError)
    assert (error.file, error.line) == (str(scans), 4)
    assert f"{scans}:4: {error.reason}" in stderr
    assert error.total == 1 and error.rows == [(4, error.reason)]
    skipped = ctrace.load(scans, tz="+08:00", skip_bad=True)
    assert skipped.rows_rejected == 1
    assert skipped.rejects()[["file", "line"]].values.tolist() == [[str(scans), 4]]

    frame = pd.read_csv(scans, dtype=str, keep_default_na=False)
    with pytest.raises(ctrace.InputError) as raised:
        ctrace.load(frame, tz="+08:00")
    assert (raised.value.file, raised.value.line) == ("scans DataFrame", 4)


def test_dataframe_bad_rows_are_the_csv_readers(tmp_path):
    """Every kind of bad row, in a DataFrame and in the same CSV: the same
    lines, reasons and raw text; the good rows give the same list."""
    text = pd.read_csv(TINY / "scans.csv", dtype=str, keep_default_na=False)
    bad = text.copy()
    bad.loc[2, "person"] = ""
    bad.loc[4, "place"] = ""
    bad.loc[6, "time"] = "2022-04-19 99:00"
    bad.loc[8, "time"] = ""
    bad.loc[9, "leave"] = "1999-01-01T00:00:00Z"
    bad.loc[11, "person"] = "x" * 1025
    bad.loc[12, "place"] = "M\x0001"
    path = tmp_path / "bad.csv"
    bad.to_csv(path, index=False, lineterminator="\n")
    from_csv = ctrace.load(path, TINY / "places.csv", tz="+08:00", skip_bad=True)
    from_frame = ctrace.load(bad, TINY / "places.csv", tz="+08:00", skip_bad=True)
    csv_rejects = from_csv.rejects().drop(columns="file")
    frame_rejects = from_frame.rejects()
    assert set(frame_rejects["file"]) == {"scans DataFrame"}
    assert len(csv_rejects) == 7 and "NUL byte" in set(csv_rejects["reason"])
    # The same lines and reasons; `raw` is the frame's four columns as CSV.
    assert frame_rejects[["line", "reason"]].equals(csv_rejects[["line", "reason"]])
    assert frame_rejects["raw"].iloc[-1] == "G,M\x0001,2022-04-20 09:20,"
    with pytest.raises(ctrace.InputError) as raised:
        ctrace.load(bad, TINY / "places.csv", tz="+08:00")
    assert raised.value.total == 7 and raised.value.line == 4


@pytest.mark.parametrize("ids", ["object", "category"])
def test_city_from_dataframes_is_the_cli_list(city, ids, tmp_path):
    frame = pd.read_csv(city / "scans.csv", dtype=str, keep_default_na=False)
    if ids == "category":  # and times as datetimes
        frame["place"] = frame["place"].astype("category")
        frame["time"] = pd.to_datetime(frame["time"].astype("int64"), unit="s", utc=True)
    from_cli = cli("trace", "--scans", city / "scans.csv", "--places", city / "places.csv",
                   "--cases", city / "cases.csv", "--out", "-", "-q")
    data = ctrace.load(frame, city / "places.csv")
    assert written(quietly(data.trace, city / "cases.csv"), tmp_path) == from_cli


def test_bad_values_are_value_errors(tiny, tmp_path):
    for options in ({"min_overlap": "15 minutes"}, {"hops": -1}, {"profile": "who"},
                    {"quarantine": []}, {"until": "tomorrow"}, {"tz": "+25:00"}):
        with pytest.raises(ValueError):
            quietly(tiny.trace, TINY / "cases.csv", **options)
    with pytest.raises(ValueError):
        ctrace.load(TINY / "scans.csv", dwell="an hour")
    with pytest.raises(ValueError):
        ctrace.load(TINY / "scans.csv", contact_level="door")
    with pytest.raises(ctrace.InputError, match="site"):
        # The tiny places file has no site column.
        ctrace.load(TINY / "scans.csv", TINY / "places.csv", tz="+08:00", contact_level="site")
    with pytest.raises(ctrace.InputError):
        ctrace.load(tmp_path / "missing.csv")
    with pytest.raises(ctrace.InputError) as raised:
        tiny.trace(pd.DataFrame({"person": ["C1"], "onset": ["someday"]}))
    assert raised.value.file == "cases DataFrame" and raised.value.line == 2


def test_an_output_error_is_an_os_error(tiny):
    risk = quietly(tiny.trace, TINY / "cases.csv")
    with pytest.raises(ctrace.OutputError) as raised:
        ctrace.to_csv(risk, "/dev/full")
    assert isinstance(raised.value, OSError) and raised.value.target == "/dev/full"
    naive = risk.assign(first_exposure=risk["first_exposure"].dt.tz_localize(None))
    with pytest.raises(TypeError):
        ctrace.to_csv(naive, "/dev/null")


def test_to_csv_writes_chosen_columns_as_the_cli_writes_them(tiny, tmp_path):
    risk = quietly(tiny.trace, TINY / "cases.csv", hops=3)
    chosen = risk.loc[risk["hop"] > 0, ["person", "first_exposure", "exposure_seconds"]]
    cli = pd.read_csv(TINY / "risk.csv", dtype=str, keep_default_na=False)
    cli = cli.loc[cli["hop"] != "0", ["person", "first_exposure", "exposure_seconds"]]
    expected = io.StringIO()
    cli.to_csv(expected, index=False, lineterminator="\n")  # quotes as the CLI does here
    assert written(chosen, tmp_path) == expected.getvalue().encode()


def test_bom(tiny, tmp_path):
    risk = quietly(tiny.trace, TINY / "cases.csv", hops=3)
    assert written(risk, tmp_path, bom=True) == b"\xef\xbb\xbf" + (TINY / "risk.csv").read_bytes()


# ---- snapshots and stores ---------------------------------------------------


def test_snapshot_and_store_are_the_cli_lists(city, tmp_path):
    snapshot = tmp_path / "city.h5"
    cli("snapshot", "--scans", city / "scans.csv", "--places", city / "places.csv", "--tz",
        "+08:00", "--out", snapshot, "-q")
    from_cli = cli("trace", "--snapshot", snapshot, "--cases", city / "cases.csv", "--tz",
                   "+08:00", "--out", "-", "-q")
    data = ctrace.Dataset.from_snapshot(snapshot)
    assert data.tz == "+08:00"
    assert written(quietly(data.trace, city / "cases.csv"), tmp_path) == from_cli

    store = tmp_path / "store"
    cli("ingest", "--store", store, "--scans", city / "scans.csv", "--places",
        city / "places.csv", "--tz", "+08:00", "-q")
    from_store = cli("trace", "--store", store, "--cases", city / "cases.csv", "--tz", "+08:00",
                     "--out", "-", "-q")
    stored = ctrace.Dataset.from_store(store)
    assert written(quietly(stored.trace, city / "cases.csv"), tmp_path) == from_store


# ---- threads and memory -----------------------------------------------------


def test_two_threads_trace_one_dataset_at_once(city, city_data, tmp_path):
    expected = {
        hops: cli("trace", "--scans", city / "scans.csv", "--places", city / "places.csv",
                  "--cases", city / "cases.csv", "--hops", hops, "--out", "-", "-q")
        for hops in (2, 3)}
    results, errors = {}, []
    start = threading.Barrier(2)

    def trace(hops):
        try:
            start.wait()
            for _ in range(3):
                results[hops] = quietly(city_data.trace, city / "cases.csv", hops=hops)
        except BaseException as error:  # noqa: B902 - reported below
            errors.append(error)

    threads = [threading.Thread(target=trace, args=(hops,)) for hops in (2, 3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors and len(results) == 2
    for hops, frame in results.items():
        assert written(frame, tmp_path, f"{hops}.csv") == expected[hops]


@pytest.fixture(scope="module")
def large_city(tmp_path_factory):
    """A city whose reading and tracing take long enough to watch: 1M scans."""
    folder = tmp_path_factory.mktemp("large_city")
    cli("gen", "--scans", 1000000, "--out", folder, "-q")
    return folder


def test_the_gil_is_released_while_loading_and_tracing(large_city):
    """While the library reads the scans and traces on another thread, this
    one keeps running: its longest pause within each call is far shorter
    than the call."""
    done = threading.Event()
    calls = []  # (began, ended) of each call

    def timed(call, *args, **kwargs):
        began = time.perf_counter()
        result = quietly(call, *args, **kwargs)
        calls.append((began, time.perf_counter()))
        return result

    def work():
        try:
            data = timed(ctrace.load, large_city / "scans.csv", threads=1)
            # Traces long enough to watch: several hops, companions too.
            for hops in (3, 4):
                timed(data.companions, large_city / "cases.csv", hops=hops, window="2h")
        finally:
            done.set()

    worker = threading.Thread(target=work)
    beats = [time.perf_counter()]
    worker.start()
    while not done.is_set():
        time.sleep(0.001)
        beats.append(time.perf_counter())
    worker.join()
    assert len(calls) == 3
    lengths = [ended - began for began, ended in calls]
    # Held through a call, the GIL would pause this thread as long as it.
    assert min(lengths) > 0.1, ("too quick to tell; make the city larger", lengths)
    for began, ended in calls:
        pauses = [b - a for a, b in zip(beats, beats[1:]) if a >= began and b <= ended]
        assert max(pauses) < (ended - began) / 3, (max(pauses), lengths)


def test_stays_are_views_that_keep_the_dataset_alive(tmp_path):
    data = ctrace.load(TINY / "scans.csv", TINY / "places.csv", tz="+08:00")
    stays = data.stays()
    again = data.stays()
    assert set(stays) == {"person", "place", "start", "end"}
    assert stays["person"].dtype == np.uint32 and stays["start"].dtype == np.int64
    for name, column in stays.items():
        assert column.base is data and not column.flags.owndata and not column.flags.writeable
        assert np.shares_memory(column, again[name])  # no copy: the library's own column
    # The same stays as the snapshot the CLI writes of the same scans.
    snapshot = tmp_path / "tiny.h5"
    cli("snapshot", "--scans", TINY / "scans.csv", "--places", TINY / "places.csv", "--tz",
        "+08:00", "--out", snapshot, "-q")
    with h5py.File(snapshot, "r") as f:
        for name in stays:
            assert np.array_equal(stays[name], f["stays"][name][...]), name
        assert data.person_ids == list(f["persons/id"].asstr()[...])
        assert data.place_ids == list(f["places/id"].asstr()[...])
    copies = {name: column.copy() for name, column in stays.items()}
    alive = weakref.ref(data)
    del data, again
    gc.collect()
    assert alive() is not None  # the arrays hold it
    for name, column in stays.items():
        assert np.array_equal(column, copies[name])
    del stays, column
    gc.collect()
    assert alive() is None


# ---- reading as the command line reads ------------------------------------


def _export_of(folder, tmp_path):
    """`folder`'s scans, places and cases as a health-code export: Chinese
    column names in another order, GB18030, times as `2022/4/19 10:00`, the
    scans gzip'd and the cases zstd'd."""
    export = tmp_path / "export"
    export.mkdir()

    def chinese(text):  # local time in +08:00, as Excel writes it
        if not text:
            return ""
        if text.isdigit():
            t = pd.Timestamp(int(text), unit="s", tz="UTC").tz_convert(PLUS8)
        else:
            t = pd.Timestamp(text)
            t = t.tz_convert(PLUS8) if t.tzinfo is not None else t
        return f"{t.year}/{t.month}/{t.day} {t.hour}:{t.minute:02d}"

    scans = pd.read_csv(folder / "scans.csv", dtype=str, keep_default_na=False)
    scans = pd.DataFrame({"扫码时间": scans["time"].map(chinese),
                          "离开时间": scans["leave"].map(chinese),
                          "身份证号": scans["person"], "场所码": scans["place"]})
    scans.to_csv(export / "scans.csv", index=False, encoding="gb18030", lineterminator="\r\n")
    subprocess.run(["gzip", "-9", export / "scans.csv"], check=True)
    places = pd.read_csv(folder / "places.csv", dtype=str, keep_default_na=False)
    places = places.rename(columns={"place": "场所码", "dwell": "停留时长"})
    places.to_csv(export / "places.csv", index=False, encoding="gb18030", lineterminator="\r\n")
    cases = pd.read_csv(folder / "cases.csv", dtype=str, keep_default_na=False)
    cases = pd.DataFrame({"身份证号": cases["person"], "开始时间": cases["from"].map(chinese),
                          "发病日期": cases["onset"].map(chinese)})
    cases.to_csv(export / "cases.csv", index=False, encoding="gb18030", lineterminator="\r\n")
    subprocess.run(["zstd", "-q", "--rm", export / "cases.csv"], check=True)
    return export


def test_an_export_is_read_as_the_cli_reads_it(tmp_path):
    export = _export_of(TINY, tmp_path)
    scan_map = {"person": "身份证号", "place": "场所码", "time": "扫码时间", "leave": "离开时间"}
    case_map = "person=身份证号,from=开始时间,onset=发病日期"
    from_cli = cli("trace", "--scans", export / "scans.csv.gz", "--places",
                   export / "places.csv", "--cases", export / "cases.csv.zst", "--encoding",
                   "gb18030", "--scan-columns", ",".join(f"{k}={v}" for k, v in scan_map.items()),
                   "--place-columns", "place=场所码,dwell=停留时长", "--case-columns", case_map,
                   "--time-format", "%Y/%-m/%-d %-H:%M", "--tz", "+08:00", "--out", "-", "-q")
    data = ctrace.load(export / "scans.csv.gz", export / "places.csv", encoding="gb18030",
                       scan_columns=scan_map, place_columns={"place": "场所码", "dwell": "停留时长"},
                       time_format="%Y/%-m/%-d %-H:%M", tz="+08:00")
    risk = quietly(data.trace, export / "cases.csv.zst", case_columns=case_map,
                   cases_encoding="gb18030")
    assert len(risk) > 3
    assert written(risk, tmp_path) == from_cli
    with pytest.raises(ValueError, match="scan_columns"):
        ctrace.load(export / "scans.csv.gz", scan_columns="who=身份证号")


def test_pseudonymize_as_the_cli(tmp_path):
    key = tmp_path / "key"
    key.write_bytes(bytes(range(32)))
    from_cli = cli("trace", "--scans", TINY / "scans.csv", "--places", TINY / "places.csv",
                   "--cases", TINY / "cases.csv", "--tz", "+08:00", "--pseudonymize", key,
                   "--out", "-", "-q")
    data = ctrace.load(TINY / "scans.csv", TINY / "places.csv", tz="+08:00", pseudonymize=key)
    assert "C1" not in data.person_ids
    risk = quietly(data.trace, TINY / "cases.csv")
    assert written(risk, tmp_path) == from_cli


def test_progress_is_told_the_bytes_read(tmp_path):
    told = []
    ctrace.load(TINY / "scans.csv", tz="+08:00",
                progress=lambda done, total: told.append((done, total)))
    size = (TINY / "scans.csv").stat().st_size
    assert told and told[-1] == (size, size)
    assert all(a[0] <= b[0] for a, b in zip(told, told[1:]))
    frame = pd.read_csv(TINY / "scans.csv", dtype=str, keep_default_na=False)
    rows = []
    ctrace.load(frame, tz="+08:00", progress=lambda done, total: rows.append((done, total)))
    assert rows[-1] == (len(frame), len(frame))
    ctrace.load(TINY / "scans.csv", tz="+08:00", progress=False)  # no bar, no callback


def test_incidence_is_the_snapshot_readers(tmp_path):
    """`Dataset.incidence()` is the matrix `ctrace_snapshot.incidence` reads
    from a snapshot of the same data, its values handed over without a copy."""
    import sys

    sys.path.insert(0, str(FIXTURES.parents[1] / "python"))
    import ctrace_snapshot

    snapshot = tmp_path / "tiny.h5"
    cli("snapshot", "--scans", TINY / "scans.csv", "--places", TINY / "places.csv", "--tz",
        "+08:00", "--out", snapshot, "-q")
    expected = ctrace_snapshot.incidence(str(snapshot))
    data = ctrace.load(TINY / "scans.csv", TINY / "places.csv", tz="+08:00")
    matrix = data.incidence()
    assert matrix.shape == (len(data.person_ids), len(data.place_ids)) == expected.shape
    assert matrix.dtype == np.int64
    assert (matrix != expected).nnz == 0 and matrix.nnz == expected.nnz
    # Row p, column x: the total seconds of p's stays at x.
    stays = data.stays()
    seconds = {}
    for p, x, start, end in zip(stays["person"], stays["place"], stays["start"], stays["end"]):
        seconds[(p, x)] = seconds.get((p, x), 0) + int(end - start)
    assert {(p, x): int(matrix[p, x]) for p, x in seconds} == seconds
    assert not matrix.data.flags.owndata  # the library's array, not a copy


def test_a_tqdm_bar_when_asked(capsys):
    pytest.importorskip("tqdm")
    ctrace.load(TINY / "scans.csv", tz="+08:00", progress=True)
    assert "ctrace.load" in capsys.readouterr().err
    ctrace.load(TINY / "scans.csv", tz="+08:00")  # not a terminal here: no bar
    assert "ctrace.load" not in capsys.readouterr().err
