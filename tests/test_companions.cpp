// Tests of the same-time-and-place persons (ctrace/tracing/companions.hpp,
// docs/semantics.md §10) and their CSV (ctrace/report/companion_list.hpp):
// the field example byte for byte, and small dumps worked by hand. Times are
// UTC; the dwell is 1h; every row below has a check-out unless it says so.

#include "ctrace/core/error.hpp"
#include "ctrace/report/companion_list.hpp"
#include "ctrace/tracing/companions.hpp"
#include "ctrace/workflow/pipeline.hpp"
#include "test_helpers.hpp"

#include <doctest/doctest.h>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

using namespace ctrace;
using ctrace::testing::field_trace_run;
using ctrace::testing::file_text;
using ctrace::testing::fixture;
using ctrace::testing::temp_dir;

namespace {

/// Traces `scans` (CSV text, header included) with `cases` and returns the
/// run; the places file, when given, is `places`.
trace_run traced(const temp_dir& dir, const std::string& scans, const std::string& cases,
                 const std::string& places = "") {
    data_source source;
    source.scans.scans = {dir.write("scans.csv", scans)};
    if (!places.empty()) source.scans.places = dir.write("places.csv", places);
    trace_request request;
    request.cases = dir.write("cases.csv", cases);
    request.tz = utc_offset{0};
    return trace_from(source, request);
}

std::string companions_text(const trace_run& run, duration window = defaults::companion_window) {
    const dataset& data = run.data();
    const std::vector<companion> rows = find_companions(
        data.stays, run.record.cases, run.record.result, data.persons, data.places, {window});
    std::ostringstream out;
    write_companion_list(out, rows, data.persons, data.places, utc_offset{0});
    return out.str();
}

constexpr const char* header = "person,code,first_time,last_time,cases,via_person,via_place\n";

} // namespace

TEST_SUITE("companions") {
    TEST_CASE("the field example, byte for byte (window 30m)") {
        const trace_run run = field_trace_run();
        const dataset& data = run.data();
        const std::vector<companion> rows = find_companions(
            data.stays, run.record.cases, run.record.result, data.persons, data.places);
        std::ostringstream out;
        write_companion_list(out, rows, data.persons, data.places, utc_offset{8 * 3600});
        CHECK(out.str() == file_text(fixture("field/companions.csv")));
    }

    TEST_CASE("window edges: touching is not overlapping - no minimum length") {
        temp_dir dir;
        // C at X 10:00-11:00: window 09:30-11:30.
        const trace_run run = traced(dir,
                                     "person,place,time,leave\n"
                                     "C,X,2022-05-01T10:00:00Z,2022-05-01T11:00:00Z\n"
                                     "TOUCH_AFTER,X,2022-05-01T11:30:00Z,2022-05-01T12:00:00Z\n"
                                     "TOUCH_BEFORE,X,2022-05-01T09:00:00Z,2022-05-01T09:30:00Z\n"
                                     "ONE_SECOND,X,2022-05-01T11:29:59Z,2022-05-01T12:00:00Z\n"
                                     "ELSEWHERE,Y,2022-05-01T10:00:00Z,2022-05-01T11:00:00Z\n"
                                     "SHORT,X,2022-05-01T10:50:00Z,2022-05-01T11:10:00Z\n"
                                     "CLOSE,X,2022-05-01T10:00:00Z,2022-05-01T10:30:00Z\n"
                                     "BEFORE,X,2022-05-01T09:10:00Z,2022-05-01T09:40:00Z\n",
                                     "person,from,to\nC,2022-05-01T00:00:00Z,\n");
        // SHORT met C for 10 min (under 15): not on the risk list; its overlap
        // with the window is its whole stay. CLOSE is a close contact: left out.
        CHECK(companions_text(run) ==
              std::string(header) +
                  "BEFORE,yellow,2022-05-01T09:30:00Z,2022-05-01T09:40:00Z,1,C,X\n"
                  "SHORT,yellow,2022-05-01T10:50:00Z,2022-05-01T11:10:00Z,1,C,X\n"
                  "ONE_SECOND,yellow,2022-05-01T11:29:59Z,2022-05-01T11:30:00Z,1,C,X\n");
        // A window of 0 is the presence itself.
        CHECK(companions_text(run, 0) ==
              std::string(header) +
                  "SHORT,yellow,2022-05-01T10:50:00Z,2022-05-01T11:00:00Z,1,C,X\n");
    }

    TEST_CASE("the presence is cut to the infectious interval - none outside it") {
        temp_dir dir;
        // C infectious from 10:15 to 10:45: presence 10:15-10:45, window
        // 09:45-11:15. C's stay on another day is outside: no window.
        const trace_run run =
            traced(dir,
                   "person,place,time,leave\n"
                   "C,X,2022-05-01T10:00:00Z,2022-05-01T11:00:00Z\n"
                   "C,X,2022-05-03T10:00:00Z,2022-05-03T11:00:00Z\n"
                   "EARLY,X,2022-05-01T09:15:00Z,2022-05-01T09:45:00Z\n"
                   "LATE,X,2022-05-01T11:10:00Z,2022-05-01T11:40:00Z\n"
                   "OTHER_DAY,X,2022-05-03T10:00:00Z,2022-05-03T10:05:00Z\n",
                   "person,from,to\nC,2022-05-01T10:15:00Z,2022-05-01T10:45:00Z\n");
        CHECK(companions_text(run) ==
              std::string(header) +
                  "LATE,yellow,2022-05-01T11:10:00Z,2022-05-01T11:15:00Z,1,C,X\n");
    }

    TEST_CASE("ties: the smaller case id, then the smaller place id - cases counted once") {
        temp_dir dir;
        // C2 and C1 at PB and PA, all 10:00-11:00 (ids interned out of byte
        // order). P overlaps all four windows from 11:10; Q both at PB.
        const trace_run run =
            traced(dir,
                   "person,place,time,leave\n"
                   "C2,PB,2022-05-01T10:00:00Z,2022-05-01T11:00:00Z\n"
                   "C2,PA,2022-05-01T10:00:00Z,2022-05-01T11:00:00Z\n"
                   "C1,PB,2022-05-01T10:00:00Z,2022-05-01T11:00:00Z\n"
                   "C1,PA,2022-05-01T10:00:00Z,2022-05-01T11:00:00Z\n"
                   "P,PB,2022-05-01T11:10:00Z,2022-05-01T11:40:00Z\n"
                   "P,PA,2022-05-01T11:10:00Z,2022-05-01T11:50:00Z\n"
                   "Q,PB,2022-05-01T09:00:00Z,2022-05-01T09:40:00Z\n",
                   "person,from,to\nC2,2022-05-01T00:00:00Z,\nC1,2022-05-01T00:00:00Z,\n");
        // Q overlaps both cases' windows at PB from 09:30, the earliest: Q
        // comes first, via C1 (ties on start). The cases were at each
        // other's places at the same time, but are never listed.
        CHECK(companions_text(run) ==
              std::string(header) + "Q,yellow,2022-05-01T09:30:00Z,2022-05-01T09:40:00Z,2,C1,PB\n"
                                    "P,yellow,2022-05-01T11:10:00Z,2022-05-01T11:30:00Z,2,C1,PA\n");
    }

    TEST_CASE("a secondary contact is on the risk list: left out") {
        temp_dir dir;
        // A meets C 10:00-10:30 (hop 1); B meets A 12:00-12:30 at Y (hop 2)
        // and was at X at 11:20, inside C's window.
        const trace_run run = traced(dir,
                                     "person,place,time,leave\n"
                                     "C,X,2022-05-01T10:00:00Z,2022-05-01T11:00:00Z\n"
                                     "A,X,2022-05-01T10:00:00Z,2022-05-01T10:30:00Z\n"
                                     "A,Y,2022-05-01T12:00:00Z,2022-05-01T12:30:00Z\n"
                                     "B,Y,2022-05-01T12:00:00Z,2022-05-01T12:30:00Z\n"
                                     "B,X,2022-05-01T11:20:00Z,2022-05-01T11:25:00Z\n"
                                     "D,X,2022-05-01T11:20:00Z,2022-05-01T11:25:00Z\n",
                                     "person,from,to\nC,2022-05-01T00:00:00Z,\n");
        REQUIRE(run.record.result.entries.size() == 3);
        CHECK(companions_text(run) ==
              std::string(header) + "D,yellow,2022-05-01T11:20:00Z,2022-05-01T11:25:00Z,1,C,X\n");
    }

    TEST_CASE("no companion: the header alone - a negative window is refused") {
        temp_dir dir;
        const trace_run run = traced(dir,
                                     "person,place,time,leave\n"
                                     "C,X,2022-05-01T10:00:00Z,2022-05-01T11:00:00Z\n",
                                     "person,from,to\nC,2022-05-01T00:00:00Z,\n");
        CHECK(companions_text(run) == header);
        const dataset& data = run.data();
        CHECK_THROWS_AS(find_companions(data.stays, run.record.cases, run.record.result,
                                        data.persons, data.places, {-1}),
                        parameter_error);
    }
}
