"""Independent references for `ctrace places` and `ctrace rank`, written from
the specification (shared/spec/tracing.md §2-§4, issue text of the commands)
with pandas and scipy, sharing no code with ctrace.

Limits: scan and leave times must be epoch seconds (what `ctrace gen` writes);
case times may be epoch seconds or ISO 8601 with an offset.

Use as a module (`reference_places`, `reference_rank`, `compare_places`,
`compare_rank`) or from the command line to check ctrace on any data set:

    /usr/bin/python3 tests/python/outbreak_reference.py --ctrace build/apps/ctrace \\
        --scans S.csv [--places P.csv] --cases C.csv [--from T --to T] [--top N]
"""

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def seconds(text):
    """A duration: whole seconds or NdNhNmNs."""
    text = str(text)
    if text.isdigit():
        return int(text)
    m = DURATION.match(text)
    if not m or not text:
        raise ValueError(f"bad duration {text!r}")
    d, h, mi, s = (int(g or 0) for g in m.groups())
    return ((d * 24 + h) * 60 + mi) * 60 + s


def epoch(text):
    text = str(text).strip()
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    stamp = pd.Timestamp(text)
    if stamp.tzinfo is None:  # ctrace's default zone is UTC
        stamp = stamp.tz_localize("UTC")
    return int(stamp.timestamp())


def read_stays(scans_path, places_path=None, default_dwell=3600):
    """Merged stays (spec §2) as a DataFrame person, place, start, end, and the
    list of all places (scans and places file)."""
    scans = pd.read_csv(scans_path, dtype=str, keep_default_na=False)
    dwell = {}
    places = set(scans["place"])
    if places_path:
        table = pd.read_csv(places_path, dtype=str, keep_default_na=False)
        places |= set(table["place"])
        if "dwell" in table:
            dwell = {p: seconds(d) for p, d in zip(table["place"], table["dwell"]) if d != ""}
    start = scans["time"].astype(np.int64).to_numpy()
    leave = scans["leave"] if "leave" in scans else pd.Series([""] * len(scans))
    place_dwell = scans["place"].map(lambda p: dwell.get(p, default_dwell)).to_numpy(np.int64)
    has_leave = (leave != "").to_numpy()
    end = np.where(has_leave, pd.to_numeric(leave.where(leave != "", "0")).to_numpy(np.int64),
                   start + place_dwell)
    visits = pd.DataFrame({"person": scans["person"], "place": scans["place"],
                           "start": start, "end": end})
    visits = visits.sort_values(["person", "place", "start", "end"], kind="stable")
    # A new stay starts when the visit begins after everything before it in
    # its (person, place) group has ended: next.start <= current.end merges.
    key_change = (visits["person"] != visits["person"].shift()) | (
        visits["place"] != visits["place"].shift())
    running_end = visits.groupby(["person", "place"], sort=False)["end"].cummax()
    previous_end = running_end.groupby([visits["person"], visits["place"]], sort=False).shift()
    new_stay = key_change | (visits["start"] > previous_end)
    visits["stay"] = new_stay.cumsum()
    stays = visits.groupby("stay").agg(person=("person", "first"), place=("place", "first"),
                                       start=("start", "min"), end=("end", "max"))
    return stays.reset_index(drop=True), sorted(places)


def read_cases(cases_path, until=None, lookback=4 * 86400):
    cases = pd.read_csv(cases_path, dtype=str, keep_default_na=False)
    rows = []
    for _, c in cases.iterrows():
        if "from" in cases and c["from"] != "":
            a = epoch(c["from"])
        else:
            a = epoch(c["onset"]) - lookback
        b = epoch(c["to"]) if "to" in cases and c["to"] != "" else (until or 2**62)
        rows.append((c["person"], a, b))
    return pd.DataFrame(rows, columns=["person", "a", "b"])


def reference_places(stays, cases, min_overlap=900):
    """Rows of `ctrace places` (times as epoch seconds), sorted as specified."""
    m = max(min_overlap, 1)
    presence = stays.merge(cases, on="person")
    presence["ps"] = np.maximum(presence["start"], presence["a"])
    presence["pe"] = np.minimum(presence["end"], presence["b"])
    presence = presence[presence["pe"] > presence["ps"]]
    if presence.empty:
        return pd.DataFrame(columns=["place", "cases", "first_presence", "last_presence",
                                     "case_seconds", "exposed", "exposed_seconds"])
    rows = presence.groupby("place").agg(
        cases=("person", "nunique"), first_presence=("ps", "min"), last_presence=("pe", "max"))
    rows["case_seconds"] = (presence["pe"] - presence["ps"]).groupby(presence["place"]).sum()
    targets = stays[~stays["person"].isin(set(cases["person"]))]
    pairs = presence[["place", "ps", "pe"]].merge(targets, on="place")
    overlap = (np.minimum(pairs["pe"], pairs["end"]) - np.maximum(pairs["ps"], pairs["start"]))
    events = pairs[overlap >= m].assign(length=overlap[overlap >= m])
    rows["exposed"] = events.groupby("place")["person"].nunique()
    rows["exposed_seconds"] = events.groupby("place")["length"].sum()
    rows = rows.fillna(0).astype(np.int64).reset_index()
    rows["place_bytes"] = rows["place"].map(lambda p: p.encode())
    rows = rows.sort_values(["exposed", "case_seconds", "place_bytes"],
                            ascending=[False, False, True], kind="stable")
    return rows.drop(columns="place_bytes").reset_index(drop=True)


def reference_rank(stays, all_places, window_from=None, window_to=None, damping=0.85):
    """PageRank of every place on C = BᵀB with a zero diagonal, and visitors."""
    lo = -(2**62) if window_from is None else window_from
    hi = 2**62 if window_to is None else window_to
    point_end = np.maximum(stays["end"], stays["start"] + 1)  # an empty stay is an instant
    inside = stays[(stays["start"] < hi) & (point_end > lo)]
    place_no = {p: i for i, p in enumerate(all_places)}
    persons = {p: i for i, p in enumerate(sorted(set(stays["person"])))}
    visits = inside[["person", "place"]].drop_duplicates()
    n_places = len(all_places)
    b = sp.csr_matrix((np.ones(len(visits)), (visits["person"].map(persons).to_numpy(),
                                              visits["place"].map(place_no).to_numpy())),
                      shape=(max(len(persons), 1), n_places))
    visitors = np.asarray(b.sum(axis=0)).ravel().astype(np.int64)
    c = (b.T @ b).tolil()
    c.setdiag(0)
    c = c.tocsr()
    c.eliminate_zeros()
    colsum = np.asarray(c.sum(axis=0)).ravel()
    dangling = colsum == 0
    r = np.full(n_places, 1.0 / n_places)
    for _ in range(100000):
        w = np.divide(r, colsum, out=np.zeros_like(r), where=~dangling)
        nxt = (1 - damping) / n_places + damping * (c @ w + r[dangling].sum() / n_places)
        change = np.abs(nxt - r).sum()
        r = nxt
        if change < 1e-12:
            break
    return pd.DataFrame({"place": all_places, "score": r, "visitors": visitors})


def top(ranking, n):
    order = ranking.assign(place_bytes=ranking["place"].map(lambda p: p.encode()))
    order = order.sort_values(["score", "place_bytes"], ascending=[False, True], kind="stable")
    order = order.drop(columns="place_bytes").reset_index(drop=True)
    return order if n == 0 else order.head(n)


def compare_places(ours_csv, expected, tz_offset_seconds=0):
    """Raises AssertionError naming the first difference."""
    ours = pd.read_csv(ours_csv, dtype=str, keep_default_na=False)
    assert list(ours.columns) == ["place", "cases", "first_presence", "last_presence",
                                  "case_seconds", "exposed", "exposed_seconds"], ours.columns
    assert len(ours) == len(expected), f"{len(ours)} rows, expected {len(expected)}"
    for i, (o, e) in enumerate(zip(ours.itertuples(), expected.itertuples())):
        got = (o.place, int(o.cases), epoch(o.first_presence), epoch(o.last_presence),
               int(o.case_seconds), int(o.exposed), int(o.exposed_seconds))
        want = (e.place, e.cases, e.first_presence, e.last_presence, e.case_seconds, e.exposed,
                e.exposed_seconds)
        assert got == want, f"row {i + 1}: ctrace {got}, reference {want}"


def compare_rank(ours_csv, ranking, n, tolerance=1e-10):
    """Every row's score and visitors match the reference's for that place, and
    the order is the reference's up to scores closer than `tolerance`."""
    ours = pd.read_csv(ours_csv, dtype={"place": str}, keep_default_na=False)
    assert list(ours.columns) == ["rank", "place", "score", "visitors"], ours.columns
    expected = top(ranking, n)
    by_place = ranking.set_index("place")
    assert len(ours) == len(expected), f"{len(ours)} rows, expected {len(expected)}"
    for o, e in zip(ours.itertuples(), expected.itertuples()):
        ref = by_place.loc[o.place]
        assert abs(o.score - ref.score) < tolerance, (o.place, o.score, ref.score)
        assert o.visitors == ref.visitors, (o.place, o.visitors, ref.visitors)
        assert abs(o.score - e.score) < tolerance, f"rank {o.rank}: {o.place} {o.score}, " \
                                                   f"reference {e.place} {e.score}"
    assert list(ours["rank"]) == list(range(1, len(ours) + 1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ctrace", required=True)
    parser.add_argument("--scans", required=True)
    parser.add_argument("--places")
    parser.add_argument("--cases", required=True)
    parser.add_argument("--from", dest="window_from")
    parser.add_argument("--to", dest="window_to")
    parser.add_argument("--top", type=int, default=50)
    parser.add_argument("--min-overlap", default="15m")
    args = parser.parse_args()
    stays, places = read_stays(args.scans, args.places)
    cases = read_cases(args.cases)
    places_arg = ["--places", args.places] if args.places else []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "places.csv"
        subprocess.run([args.ctrace, "places", "--scans", args.scans, *places_arg, "--cases",
                        args.cases, "--min-overlap", args.min_overlap, "--out", str(out), "-q"],
                       check=True)
        expected = reference_places(stays, cases, seconds(args.min_overlap))
        compare_places(out, expected)
        print(f"places: {len(expected)} rows identical")
        window = []
        if args.window_from:
            window += ["--from", args.window_from]
        if args.window_to:
            window += ["--to", args.window_to]
        out = Path(tmp) / "rank.csv"
        subprocess.run([args.ctrace, "rank", "--scans", args.scans, *places_arg, *window,
                        "--top", str(args.top), "--out", str(out), "-q"], check=True)
        ranking = reference_rank(stays, places,
                                 epoch(args.window_from) if args.window_from else None,
                                 epoch(args.window_to) if args.window_to else None)
        compare_rank(out, ranking, args.top)
        print(f"rank: top {args.top} of {len(places)} places agree")


if __name__ == "__main__":
    sys.exit(main())
