#!/usr/bin/env python3
"""Writes a large report data file to check the page's speed.

Usage: make_large_sample.py OUT.json [SEED]

20 index cases, 22,000 risk rows at hops 0-3, 2,000 places in 12 districts
(a few without coordinates), the cases' presence, 1,500 companions and a
zones table. Deterministic for a seed; standard library only.
"""

import datetime as dt
import itertools
import json
import random
import sys

TZ = dt.timezone(dt.timedelta(hours=8))
START = dt.datetime(2022, 4, 10, tzinfo=TZ)
DISTRICTS = ["中山区", "西岗区", "沙河口区", "甘井子区", "旅顺口区", "金州区",
             "普兰店区", "瓦房店市", "庄河市", "长海县", "高新区", "保税区"]


def iso(t):
    return t.isoformat(timespec="seconds")


def main(argv):
    if len(argv) not in (2, 3):
        sys.stderr.write(__doc__)
        return 2
    rnd = random.Random(int(argv[2]) if len(argv) == 3 else 7)

    places = []
    centres = [(38.80 + rnd.random() * 0.4, 121.30 + rnd.random() * 0.6) for _ in DISTRICTS]
    for k in range(2000):
        d = rnd.randrange(len(DISTRICTS))
        lat, lon = centres[d]
        has_xy = k % 250 != 7  # 8 places without coordinates
        places.append({
            "place": f"P{k:05d}",
            "name": f"场所{k}" if k % 3 else f"Place {k}",
            "district": DISTRICTS[d],
            "lat": round(lat + rnd.gauss(0, 0.025), 6) if has_xy else None,
            "lon": round(lon + rnd.gauss(0, 0.03), 6) if has_xy else None,
        })
    # A few busy places take most of the exposures, as malls and markets do.
    weights = [1.0 / (1 + k) ** 0.9 for k in range(len(places))]
    rnd.shuffle(weights)
    cumulative = list(itertools.accumulate(weights))

    def pick_place():
        return rnd.choices(places, cum_weights=cumulative)[0]["place"]

    rows, cases, presence = [], [], []
    for c in range(20):
        person = f"C{c + 1:02d}"
        rows.append([person, 0, "red", "", "", "", 0, "", ""])
        start = START + dt.timedelta(days=rnd.randrange(0, 6), hours=rnd.randrange(0, 12))
        end = start + dt.timedelta(days=rnd.randrange(4, 9))
        cases.append({"person": person, "from": iso(start), "to": iso(end) if c % 7 else ""})
        for _ in range(rnd.randrange(3, 12)):
            t = start + dt.timedelta(minutes=rnd.randrange(0, 4 * 24 * 60))
            presence.append({"place": pick_place(), "case": person, "from": iso(t),
                             "to": iso(t + dt.timedelta(minutes=rnd.randrange(20, 180)))})

    by_hop_target = [20, 3000, 12000, 6980]
    exposed_at = {r[0]: START + dt.timedelta(days=2) for r in rows}
    layer = [r[0] for r in rows]
    n = 0
    for hop in (1, 2, 3):
        nxt = []
        for _ in range(by_hop_target[hop]):
            n += 1
            via = rnd.choice(layer)
            first = exposed_at[via] + dt.timedelta(hours=rnd.randrange(6, 72),
                                                    minutes=rnd.randrange(0, 60))
            seconds = rnd.randrange(15, 120) * 60
            last = first + dt.timedelta(seconds=seconds)
            code = "red" if hop == 1 else "yellow"
            quarantine = iso(last + dt.timedelta(days=14 if hop == 1 else 7)) if hop < 3 else ""
            person = f"R{n:06d}"
            rows.append([person, hop, code, iso(first), iso(last), quarantine, seconds, via,
                         pick_place()])
            exposed_at[person] = first
            nxt.append(person)
        layer = nxt

    companions = []
    for k in range(1500):
        c = rnd.choice(cases)["person"]
        t = START + dt.timedelta(days=rnd.randrange(2, 12), minutes=rnd.randrange(0, 1440))
        companions.append([f"X{k:05d}", "yellow", iso(t), iso(t + dt.timedelta(minutes=30)),
                           str(rnd.randrange(1, 3)), c, f"CELL-{rnd.randrange(9999):04d}"])
    zones = []
    for d in DISTRICTS:
        t = START + dt.timedelta(days=rnd.randrange(5, 12))
        zones.append([d, str(rnd.randrange(0, 5)), str(rnd.randrange(0, 900)), iso(t), iso(t),
                      iso(t + dt.timedelta(days=14)), iso(t + dt.timedelta(days=11))])

    by_hop = [sum(1 for r in rows if r[1] == h) for h in range(4)]
    exposed_places = {r[8] for r in rows if r[8]}
    districts = {p["district"] for p in places if p["place"] in exposed_places}
    data = {
        "format": "ctrace-report", "version": 1, "lang": "zh",
        "title": "Large sample: 22,000 listed", "tz": "+08:00",
        "summary": {
            "cases": 20, "listed": len(rows), "by_hop": by_hop, "companions": len(companions),
            "places": len(exposed_places), "districts": len(districts),
            "first_time": iso(START), "last_time": iso(START + dt.timedelta(days=20)),
            "options": [["hops", "3"], ["min-overlap", "15m"], ["contact-level", "code"]],
            "profile": None,
            "inputs": [{"role": "scans", "file": "big.csv", "bytes": 987654321,
                        "sha256": "%064x" % rnd.getrandbits(256), "rows": 12345678}],
        },
        "risk": {"columns": ["person", "hop", "code", "first_exposure", "last_exposure",
                             "quarantine_until", "exposure_seconds", "via_person", "via_place"],
                 "rows": rows},
        "cases": cases, "places": places, "presence": presence,
        "tables": [{"key": "companions", "columns": ["person", "code", "first_time", "last_time",
                                                     "cases", "via_person", "via_place"],
                    "rows": companions},
                   {"key": "zones", "columns": ["district", "cases", "close_contacts",
                                                "last_case_presence", "last_close_exposure",
                                                "lift_not_before", "screening_from"],
                    "rows": zones}],
    }
    with open(argv[1], "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, separators=(",", ":"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
