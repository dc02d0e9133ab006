"""Two snapshots with a trace hold the same data, whatever their numbering:
`ctrace-mpi trace --hdf5` numbers persons in byte order where `ctrace trace`
numbers them as read, and places after the places file's in byte order.

    /usr/bin/python3 compare_snapshots.py REPO EXPECTED.h5 GOT.h5

Compares, by id: the stays, the places file's rows (metadata), the risk list
and cases of /trace, every provenance attribute but `created` and
`generator`, and the incidence matrix's total. Exits 1 naming what differs.
"""
import sys

sys.path.insert(0, sys.argv[1] + "/python")
import ctrace_snapshot as cs  # noqa: E402

expected, got = sys.argv[2], sys.argv[3]
failures = []


def same_frame(name, a, b, by):
    a = a.sort_values(by).reset_index(drop=True)
    b = b.sort_values(by).reset_index(drop=True)
    if not a.equals(b):
        failures.append(f"{name} differ:\n{a.compare(b) if a.shape == b.shape else (a.shape, b.shape)}")


same_frame("stays", cs.stays(expected), cs.stays(got), ["person", "place", "start"])
listed = lambda frame: frame[frame["in_places_file"]] if "in_places_file" in frame else frame.iloc[0:0]
same_frame("places file rows", listed(cs.places(expected)), listed(cs.places(got)), ["id"])
if set(cs.place_ids(expected)) != set(cs.place_ids(got)):
    failures.append("place ids differ")
# The risk list keeps its order (hop, first exposure, id): compared as is.
risk_expected, risk_got = cs.risk_list(expected), cs.risk_list(got)
if not risk_expected.equals(risk_got):
    failures.append(f"risk lists differ:\n{risk_expected.compare(risk_got) if risk_expected.shape == risk_got.shape else (risk_expected.shape, risk_got.shape)}")
same_frame("cases", cs.cases(expected), cs.cases(got), ["person"])
for part in ("inputs", "parameters", "trace_parameters"):
    a, b = cs.provenance(expected)[part], cs.provenance(got)[part]
    if part == "inputs":
        for entry in a + b:
            entry.pop("added", None)
    if a != b:
        failures.append(f"provenance {part} differ:\n{a}\n{b}")
if cs.incidence(expected).sum() != cs.incidence(got).sum():
    failures.append("incidence totals differ")
if len(cs.stays(got)) == 0 or len(risk_got) < 5:
    failures.append("too little data to compare")
if failures:
    print("\n".join(failures))
    sys.exit(1)
print(f"same data: {len(cs.stays(got))} stays, {len(risk_got)} listed")
