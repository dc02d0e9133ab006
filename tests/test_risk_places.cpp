// Risk places (ctrace/analytics/risk_places.hpp) with hand-computed expectations: where
// the index cases were while infectious, and whom they exposed there.
//
// Times are 2022-01-01 UTC unless a comment says otherwise; "10:00-11:00" is
// the half-open [10:00, 11:00). Default dwell 60m, minimum overlap 15m.

#include "ctrace/analytics/risk_places.hpp"
#include "test_helpers.hpp"

#include <doctest/doctest.h>
#include <sstream>
#include <string>
#include <vector>

namespace {

using ctrace::testing::run_trace;
using ctrace::testing::traced;

std::vector<ctrace::risk_place> risk_places_of(const traced& tr,
                                               const ctrace::trace_parameters& parameters = {}) {
    return ctrace::find_risk_places(tr.stays, tr.graph, tr.log.persons, tr.log.places, tr.cases,
                                    parameters);
}

std::string place_csv(const traced& tr, const std::vector<ctrace::risk_place>& rows) {
    std::ostringstream out;
    ctrace::write_risk_places(out, rows, tr.log.places, ctrace::utc_offset{});
    return out.str();
}

// C1 is infectious 09:00-18:00, C2 from midnight on. At X both are present
// (C1 10:00-11:00 and 12:00-12:30, C2 10:30-11:30); P1 meets C1 twice, P2
// meets both, P3 meets C2 for only 10 minutes. Z and Y each have one case
// hour and one exposed person (a tie broken by id: Y first although Z was
// seen first). At W the two cases meet each other: a case is never exposed.
// At V C1 was only before its window. At U two close contacts meet: layer 2,
// which risk places do not count.
const char* const places_scans = "person,place,time,leave\n"
                                 "C1,X,2022-01-01T10:00Z,2022-01-01T11:00Z\n"
                                 "C1,X,2022-01-01T12:00Z,2022-01-01T12:30Z\n"
                                 "C2,X,2022-01-01T10:30Z,2022-01-01T11:30Z\n"
                                 "P1,X,2022-01-01T10:00Z,2022-01-01T10:20Z\n"
                                 "P1,X,2022-01-01T12:10Z,2022-01-01T12:30Z\n"
                                 "P2,X,2022-01-01T10:40Z,2022-01-01T11:00Z\n"
                                 "P3,X,2022-01-01T11:20Z,2022-01-01T11:30Z\n"
                                 "C1,Z,2022-01-01T15:00Z,2022-01-01T16:00Z\n"
                                 "P5,Z,2022-01-01T15:30Z,2022-01-01T16:30Z\n"
                                 "C1,Y,2022-01-01T13:00Z,2022-01-01T14:00Z\n"
                                 "P4,Y,2022-01-01T13:00Z,2022-01-01T13:30Z\n"
                                 "C1,W,2022-01-01T17:30Z,2022-01-01T19:00Z\n"
                                 "C2,W,2022-01-01T17:30Z,2022-01-01T18:30Z\n"
                                 "C1,V,2022-01-01T07:00Z,2022-01-01T08:00Z\n"
                                 "P6,V,2022-01-01T07:00Z,2022-01-01T08:00Z\n"
                                 "P1,U,2022-01-01T14:00Z,2022-01-01T15:00Z\n"
                                 "P4,U,2022-01-01T14:00Z,2022-01-01T15:00Z\n";
const char* const places_cases = "person,from,to\n"
                                 "C1,2022-01-01T09:00Z,2022-01-01T18:00Z\n"
                                 "C2,2022-01-01T00:00Z,\n";

} // namespace

TEST_SUITE("risk_places") {
    TEST_CASE("risk places: presence, exposures, ties and order") {
        const traced tr = run_trace(places_scans, places_cases);
        const auto rows = risk_places_of(tr);
        CHECK(place_csv(tr, rows) ==
              "place,cases,first_presence,last_presence,case_seconds,exposed,exposed_seconds\n"
              // 3600 + 1800 (C1) + 3600 (C2); P1 1200 + 1200, P2 1200 (C1) + 1200 (C2)
              "X,2,2022-01-01T10:00:00Z,2022-01-01T12:30:00Z,9000,2,4800\n"
              "Y,1,2022-01-01T13:00:00Z,2022-01-01T14:00:00Z,3600,1,1800\n"
              "Z,1,2022-01-01T15:00:00Z,2022-01-01T16:00:00Z,3600,1,1800\n"
              // C1 clipped to 17:30-18:00, C2 17:30-18:30
              "W,2,2022-01-01T17:30:00Z,2022-01-01T18:30:00Z,5400,0,0\n");
    }

    TEST_CASE("risk places: only layer 1 counts, whatever the hops") {
        const traced tr = run_trace(places_scans, places_cases);
        for (const std::uint32_t hops : {0u, 1u, 5u}) {
            ctrace::trace_parameters p;
            p.hops = hops;
            CHECK(place_csv(tr, risk_places_of(tr, p)) == place_csv(tr, risk_places_of(tr)));
        }
    }

    TEST_CASE("risk places: the minimum overlap decides who is exposed") {
        const traced tr = run_trace(places_scans, places_cases);
        ctrace::trace_parameters p;
        p.min_overlap = 10 * 60; // P3 (10 min with C2 at X) now counts
        const auto rows = risk_places_of(tr, p);
        REQUIRE(!rows.empty());
        CHECK(tr.log.places[rows[0].place] == "X");
        CHECK(rows[0].exposed == 3);
        CHECK(rows[0].exposed_seconds == 4800 + 600);
    }

    TEST_CASE("risk places: none when no case was anywhere in its window") {
        const traced tr =
            run_trace("person,place,time,leave\n"
                      "C1,X,2022-01-01T07:00Z,2022-01-01T08:00Z\n"
                      "P1,X,2022-01-01T07:00Z,2022-01-01T08:00Z\n",
                      "person,from,to\nC1,2022-01-01T09:00Z,\nC9,2022-01-01T09:00Z,\n");
        const auto rows = risk_places_of(tr);
        CHECK(rows.empty());
        CHECK(place_csv(tr, rows) ==
              "place,cases,first_presence,last_presence,case_seconds,exposed,exposed_seconds\n");
    }

    TEST_CASE("risk places: a stay ending exactly at the window start is no presence") {
        const traced tr = run_trace("person,place,time,leave\n"
                                    "C1,X,2022-01-01T08:00Z,2022-01-01T09:00Z\n"
                                    "C1,Y,2022-01-01T09:00Z,2022-01-01T09:00:01Z\n",
                                    "person,from,to\nC1,2022-01-01T09:00Z,2022-01-01T10:00Z\n");
        const auto rows = risk_places_of(tr);
        REQUIRE(rows.size() == 1);
        CHECK(tr.log.places[rows[0].place] == "Y");
        CHECK(rows[0].case_seconds == 1);
    }

} // TEST_SUITE
