"""The Python module's other queries (`Dataset.places`, `clusters`, `rank`,
`zones`, `sources`, `explain`) against the command line: every DataFrame,
written with `ctrace.to_csv`, must be the bytes the matching `ctrace`
command writes for the same inputs and options, on the examples and on a
generated city with shuffled rows and resident ids.

    PYTHONPATH=build/python CTRACE_BIN=build/apps/ctrace \\
        /usr/bin/python3 -m pytest -p no:cacheprovider tests/python/test_module_queries.py -v
"""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import ctrace

from module_helpers import DOORS, FIELD, SOURCES, TINY, cli, quietly, written


def cli_file(tmp_path, name, *args, quiet=True):
    """Runs ctrace writing the list to a file named by `name` (its --out)."""
    path = tmp_path / f"cli-{name}"
    cli(*args, "--out", path, *(["-q"] if quiet else []))
    return path.read_bytes()


def flags(options):
    """The CLI flags of Python keywords (`min_overlap` is `--min-overlap`)."""
    out = []
    for name, value in options.items():
        out += ["--" + name.rstrip("_").replace("_", "-"), value]
    return out


class Example:
    """A folder of scans, places and cases, loaded once, and its CLI inputs."""

    def __init__(self, folder, tz):
        self.folder = folder
        self.tz = tz
        self.data = ctrace.load(folder / "scans.csv", folder / "places.csv", tz=tz)

    def inputs(self):
        return ["--scans", self.folder / "scans.csv", "--places", self.folder / "places.csv",
                "--tz", self.tz]

    @property
    def cases(self):
        return self.folder / "cases.csv"


@pytest.fixture(scope="module")
def examples():
    return {"tiny": Example(TINY, "+08:00"), "doors": Example(DOORS, "+08:00"),
            "field": Example(FIELD, "+08:00"), "sources": Example(SOURCES, "+08:00")}


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    """A generated city: 60k scans in shuffled order, resident ids (18
    characters), 20 cases with onsets, the places with districts."""
    folder = tmp_path_factory.mktemp("city")
    cli("gen", "--scans", 60000, "--order", "shuffled", "--ids", "resident", "--cases", 20,
        "--out", folder, "-q")
    return Example(folder, "+00:00")


# ---- byte for byte against the command line --------------------------------


@pytest.mark.parametrize("name", ["tiny", "doors", "field", "sources", "city"])
@pytest.mark.parametrize("options", [{}, {"hops": 3, "min_overlap": "10m"}, {"profile": "cwa"}])
def test_trace_and_companions_are_the_cli_lists(examples, city, name, options, tmp_path):
    example = city if name == "city" else examples[name]
    companions = tmp_path / "cli-companions.csv"
    expected = cli_file(tmp_path, "risk.csv", "trace", *example.inputs(), "--cases",
                        example.cases, "--companions", companions, *flags(options))
    assert written(quietly(example.data.trace, example.cases, **options), tmp_path) == expected
    frame = quietly(example.data.companions, example.cases, **options)
    assert written(frame, tmp_path, "c.csv") == companions.read_bytes()

FORWARD_OPTIONS = [{}, {"hops": 3, "min_overlap": "10m"}, {"profile": "cn-ed9"},
                   {"linger": "30m", "lookback": "2d", "quarantine": "10d,5d"}]


@pytest.mark.parametrize("name", ["tiny", "doors", "field", "sources", "city"])
@pytest.mark.parametrize("options", FORWARD_OPTIONS)
def test_places_are_the_cli_list(examples, city, name, options, tmp_path):
    example = city if name == "city" else examples[name]
    expected = cli_file(tmp_path, "places.csv", "places", *example.inputs(), "--cases",
                        example.cases, *flags(options))
    frame = quietly(example.data.places, example.cases, **options)
    assert written(frame, tmp_path) == expected


@pytest.mark.parametrize("name", ["tiny", "doors", "field", "sources", "city"])
@pytest.mark.parametrize("options", FORWARD_OPTIONS)
def test_clusters_and_summary_are_the_cli_lists(examples, city, name, options, tmp_path):
    example = city if name == "city" else examples[name]
    summary = tmp_path / "cli-summary.csv"
    expected = cli_file(tmp_path, "clusters.csv", "clusters", *example.inputs(), "--cases",
                        example.cases, "--summary", summary, *flags(options))
    result = quietly(example.data.clusters, example.cases, **options)
    assert isinstance(result, ctrace.Clusters)
    assert written(result.clusters, tmp_path) == expected
    assert written(result.summary, tmp_path, "s.csv") == summary.read_bytes()


@pytest.mark.parametrize("name", ["tiny", "doors", "field", "sources", "city"])
@pytest.mark.parametrize("options", [{}, {"top": 0}, {"top": 3, "damping": 0.5},
                                     {"from_": "2022-04-19T00:00:00", "to": "2022-04-21"}])
def test_rank_is_the_cli_list(examples, city, name, options, tmp_path):
    example = city if name == "city" else examples[name]
    expected = cli_file(tmp_path, "rank.csv", "rank", *example.inputs(), *flags(options))
    frame = example.data.rank(**options)
    assert frame["score"].dtype == np.float64
    assert written(frame, tmp_path) == expected


def test_zones_are_the_field_lists(examples, tmp_path):
    field = examples["field"]
    data, cases = field.data, field.cases
    assert written(data.zones(cases), tmp_path) == (FIELD / "zones.csv").read_bytes()
    as_of = data.zones(cases, linger="30m", as_of="2022-05-24T22:00:00+08:00")
    assert list(as_of["status"]) == ["controlled", "may-lift", "may-lift"]
    assert written(as_of, tmp_path) == (FIELD / "zones-as-of.csv").read_bytes()
    residents = data.zones(cases, residents=FIELD / "residents.csv")
    assert written(residents, tmp_path) == (FIELD / "zones-residents.csv").read_bytes()
    assert isinstance(residents["lift_not_before"].dtype, pd.DatetimeTZDtype)


@pytest.mark.parametrize("options", [{}, {"zone_quiet": "7d", "screening": "1d"},
                                     {"hops": 1, "min_overlap": "5m"}])
def test_zones_of_the_city_are_the_cli_list(city, options, tmp_path):
    expected = cli_file(tmp_path, "zones.csv", "zones", *city.inputs(), "--cases", city.cases,
                        *flags(options))
    assert written(quietly(city.data.zones, city.cases, **options), tmp_path) == expected


def test_zones_need_districts(examples):
    with pytest.raises(ctrace.InputError, match="district"):
        quietly(examples["tiny"].data.zones, TINY / "cases.csv")


SOURCES_OPTIONS = [{}, {"min_cases": 1}, {"incubation_min": "2d", "incubation_max": "10d"},
                   {"profile": "cn-ed9", "min_overlap": "5m"}]


@pytest.mark.parametrize("name", ["tiny", "doors", "field", "sources", "city"])
@pytest.mark.parametrize("options", SOURCES_OPTIONS)
def test_sources_are_the_cli_lists(examples, city, name, options, tmp_path):
    example = city if name == "city" else examples[name]
    lists = {"links": tmp_path / "links.csv", "common_persons": tmp_path / "persons.csv",
             "common_places": tmp_path / "places.csv"}
    args = ["sources", *example.inputs(), "--cases", example.cases, "--links", lists["links"],
            "--common-persons", lists["common_persons"], "--common-places",
            lists["common_places"], *flags(options), "-q"]
    if name == "field":  # a case without an onset: both refuse the cases file
        assert "cases.csv:2: onset is empty" in cli(*args, expect=2)
        with pytest.raises(ctrace.InputError) as raised:
            quietly(example.data.sources, example.cases, **options)
        assert raised.value.line == 2 and raised.value.reason == "onset is empty"
        return
    cli(*args)
    if name == "sources" and not options:
        for key, expected in [("links", "links.csv"), ("common_persons", "common-persons.csv"),
                              ("common_places", "common-places.csv")]:
            assert lists[key].read_bytes() == (SOURCES / expected).read_bytes()
    result = quietly(example.data.sources, example.cases, **options)
    assert isinstance(result, ctrace.Sources)
    for key, path in lists.items():
        assert written(getattr(result, key), tmp_path, key) == path.read_bytes(), key


def test_sources_need_onsets(examples):
    cases = pd.DataFrame({"person": ["A"], "from": ["2022-04-19T00:00:00"]})
    with pytest.raises(ctrace.InputError, match="onset"):
        examples["sources"].data.sources(cases)


@pytest.mark.parametrize("meetings", [False, True])
def test_explain_is_the_cli_list(examples, meetings, tmp_path):
    tiny = examples["tiny"]
    risk = tmp_path / "risk.csv"
    cli("trace", *tiny.inputs(), "--cases", tiny.cases, "--hops", 3, "--out", risk, "-q")
    persons = ["G", "B", "C1"]
    args = ["explain", "--format", "csv", *sum((["--person", p] for p in persons), [])]
    if meetings:
        args += ["--risk", risk, "--meetings", *tiny.inputs(), "--cases", tiny.cases, "--hops",
                 3]
    else:
        args += ["--risk", risk, "--places", TINY / "places.csv"]
    expected = cli_file(tmp_path, "explain.csv", *args, quiet=False)
    frame = quietly(tiny.data.explain, persons, tiny.cases, hops=3, meetings=meetings)
    assert written(frame, tmp_path) == expected
    if not meetings:
        assert list(frame.loc[frame["asked"] == "G", "step"]) == [1, 2, 3, 4]


def test_explain_of_a_person_not_listed(examples):
    with pytest.raises(ctrace.InputError, match="nobody"):
        quietly(examples["tiny"].data.explain, "nobody", TINY / "cases.csv")


def test_explain_in_the_city(city, tmp_path):
    risk = quietly(city.data.trace, city.cases, hops=3)
    persons = list(risk.loc[risk["hop"] == 3, "person"][:3]) + list(
        risk.loc[risk["hop"] == 1, "person"][:2])
    assert persons
    path = tmp_path / "risk.csv"
    ctrace.to_csv(risk, path)
    expected = cli_file(tmp_path, "explain.csv", "explain", "--risk", path, "--format", "csv",
                        *sum((["--person", p] for p in persons), []), quiet=False)
    frame = quietly(city.data.explain, persons, city.cases, hops=3)
    # The places file of the generated city names its places: the CLI's list
    # without --places has no names, so compare the columns it has.
    assert written(frame.drop(columns=["via_place_name"], errors="ignore"),
                   tmp_path) == expected


# ---- the DataFrames ---------------------------------------------------------


def test_frames_have_proper_dtypes(examples):
    sources = examples["sources"]
    links, persons, places = quietly(sources.data.sources, sources.cases, min_cases=1)
    for frame, times, integers in [
            (links, ["first_contact", "last_contact"], ["contact_seconds"]),
            (persons, ["first_contact", "last_contact"], ["cases", "contact_seconds", "places"]),
            (places, ["first_presence", "last_presence"], ["cases", "case_seconds"])]:
        for name in times:
            assert isinstance(frame[name].dtype, pd.DatetimeTZDtype), name
            assert frame[name].dt.tz.utcoffset(None) == dt.timedelta(hours=8)
        for name in integers:
            assert frame[name].dtype == np.int64, name
    zones = quietly(examples["field"].data.zones, FIELD / "cases.csv",
                    residents=FIELD / "residents.csv")
    # A district without a case presence has it empty: NaT in the frame.
    assert list(zones["last_case_presence"].isna()) == [False, False, False, True]
    assert isinstance(zones["last_case_presence"].dtype, pd.DatetimeTZDtype)


def test_an_empty_list_keeps_its_columns_and_dtypes(examples, tmp_path):
    sources = examples["sources"]
    links = quietly(sources.data.sources, sources.cases, incubation_min="30d",
                    incubation_max="31d").links
    assert len(links) == 0
    assert list(links.columns) == ["infector", "infectee", "first_contact", "last_contact",
                                   "contact_seconds", "place"]
    assert isinstance(links["first_contact"].dtype, pd.DatetimeTZDtype)
    assert written(links, tmp_path) == (
        b"infector,infectee,first_contact,last_contact,contact_seconds,place\n")


def test_cases_as_a_dataframe(examples, tmp_path):
    tiny = examples["tiny"]
    frame = pd.read_csv(tiny.cases, dtype=str, keep_default_na=False)
    frame = frame.replace("", None)
    from_file = quietly(tiny.data.places, tiny.cases)
    from_frame = quietly(tiny.data.places, frame)
    assert written(from_frame, tmp_path) == written(from_file, tmp_path, "f.csv")


def test_an_unscanned_case_is_a_cluster_of_its_own_and_warned(examples, tmp_path):
    tiny = examples["tiny"]  # its C9 never scanned
    with pytest.warns(ctrace.DataWarning, match="C9"):
        result = tiny.data.clusters(tiny.cases)
    c9 = result.clusters[result.clusters["person"] == "C9"]
    assert len(c9) == 1
    assert (result.clusters["cluster"] == c9["cluster"].iloc[0]).sum() == 1
    # The dataset is left as it was: C9 is still not one of its persons.
    assert "C9" not in tiny.data.person_ids


def test_bad_keywords(examples):
    tiny = examples["tiny"]
    with pytest.raises(TypeError, match="unexpected"):
        tiny.data.places(tiny.cases, incubation_min="1d")
    with pytest.raises(ValueError, match="damping"):
        tiny.data.rank(damping=1.5)
    with pytest.raises(ValueError, match="top"):
        tiny.data.rank(top=-1)
    with pytest.raises(ValueError, match="min_cases"):
        tiny.data.sources(tiny.cases, min_cases=0)
