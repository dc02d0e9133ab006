// Tests of the meetings behind risk list rows (ctrace/tracing/meetings.hpp) and their
// place in explanations (add_meetings, names, text and CSV in
// ctrace/tracing/explain.hpp): worked by hand on tests/fixtures/tiny (--tz +08:00
// --hops 3) and on small data with lingering and per-place minimum overlaps,
// and checked against every row of generated cities.

#include "ctrace/core/error.hpp"
#include "ctrace/gen/generate.hpp"
#include "ctrace/tracing/explain.hpp"
#include "ctrace/tracing/meetings.hpp"
#include "ctrace/workflow/pipeline.hpp"
#include "test_helpers.hpp"

#include <doctest/doctest.h>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

using namespace ctrace;
using ctrace::testing::fixture;

namespace {

constexpr utc_offset plus8{8 * 3600};

std::vector<person_meetings> meetings_of(trace_run& run, std::vector<std::string_view> asked) {
    dataset& data = run.data();
    const person_place_graph graph = build_person_place_graph(data.stays, data.persons.size());
    return find_meetings(data.stays, graph, data.persons, data.places, run.record.cases,
                         run.record.parameters, asked);
}

/// Checks that the meetings give the row: first start, last end, seconds, via.
void check_consistent(const risk_entry& row, const person_meetings& found, const id_table& persons,
                      const id_table& places) {
    REQUIRE(found.entry);
    CHECK(found.entry->hop == row.hop);
    if (row.hop == 0) {
        CHECK(found.meetings.empty());
        return;
    }
    REQUIRE_FALSE(found.meetings.empty());
    time_point first = time_infinity, last = -time_infinity;
    duration seconds = 0;
    for (const meeting& m : found.meetings) {
        CHECK(m.end - m.start > 0);
        CHECK(m.source_hop < row.hop);
        first = std::min(first, m.start);
        last = std::max(last, m.end);
        seconds += m.seconds();
    }
    CHECK(first == row.first_exposure);
    CHECK(last == row.last_exposure);
    CHECK(seconds == row.exposure_seconds);
    CHECK(persons[found.meetings.front().source] == persons[row.via_person]);
    CHECK(places[found.meetings.front().place] == places[row.via_place]);
}

std::string text_of(const std::vector<explanation>& chains, const explanation_writing& how) {
    std::ostringstream out;
    write_explanations(out, chains, how);
    return out.str();
}

} // namespace

TEST_SUITE("meetings") {

    TEST_CASE("the tiny example: each listed person's meetings, worked by hand") {
        trace_run run = testing::tiny_trace_run();
        const id_table& persons = run.data().persons;
        const id_table& places = run.data().places;
        const auto found = meetings_of(run, {"H", "A", "G", "C1", "Li, Wei", "nobody"});
        REQUIRE(found.size() == 6);
        // H was with B and E at B03 from 15:00 to 16:00 on 04-19: two meetings
        // of an hour at once, 7200 s in all; B first (the smaller id).
        REQUIRE(found[0].meetings.size() == 2);
        const meeting& with_b = found[0].meetings[0];
        CHECK(persons[with_b.source] == "B");
        CHECK(with_b.source_hop == 1);
        CHECK(places[with_b.place] == "B03");
        CHECK(with_b.start == 1650351600); // 2022-04-19T15:00:00+08:00
        CHECK(with_b.end == 1650355200);
        CHECK(persons[found[0].meetings[1].source] == "E");
        CHECK(found[0].meetings[1].start == with_b.start);
        // A met B at M01 from 11:50 to 13:10 (B's stay, merged, ends then);
        // C1's 10 minutes there (until 12:00) are under the minimum overlap.
        REQUIRE(found[1].meetings.size() == 1);
        CHECK(persons[found[1].meetings[0].source] == "B");
        CHECK(found[1].meetings[0].seconds() == 4800);
        // G met D at B03: 09:20 to 10:00 on 04-20.
        REQUIRE(found[2].meetings.size() == 1);
        CHECK(persons[found[2].meetings[0].source] == "D");
        CHECK(found[2].meetings[0].source_hop == 2);
        CHECK(found[2].meetings[0].seconds() == 2400);
        // An index case has a row and no meetings; an unknown id neither.
        REQUIRE(found[3].entry);
        CHECK(found[3].entry->hop == 0);
        CHECK(found[3].meetings.empty());
        REQUIRE(found[4].meetings.size() == 1);
        CHECK(persons[found[4].meetings[0].source] == "K");
        CHECK_FALSE(found[5].entry);
        CHECK(found[5].meetings.empty());
    }

    TEST_CASE("the tiny example: every row's meetings give the row") {
        trace_run run = testing::tiny_trace_run();
        const id_table& persons = run.data().persons;
        std::vector<std::string_view> everyone;
        for (const risk_entry& e : run.record.result.entries)
            everyone.push_back(persons[e.person]);
        const auto found = meetings_of(run, everyone);
        REQUIRE(found.size() == 12);
        for (std::size_t k = 0; k < found.size(); ++k) {
            CAPTURE(everyone[k]);
            check_consistent(run.record.result.entries[k], found[k], persons, run.data().places);
        }
    }

    TEST_CASE("lingering and a place's own minimum overlap shape the meetings") {
        // C is at P 10:00-10:20 and lingers (20 min stayed, at most 30 min:
        // footprint to 10:40); T arrives at 10:25 and stays to 11:00: one
        // meeting 10:25-10:40, which ends after C left.
        const std::string scans = "person,place,time,leave\n"
                                  "C,P,1970-01-01T10:00:00Z,1970-01-01T10:20:00Z\n"
                                  "T,P,1970-01-01T10:25:00Z,1970-01-01T11:00:00Z\n"
                                  "C,Q,1970-01-01T12:00:00Z,1970-01-01T12:20:00Z\n"
                                  "U,Q,1970-01-01T12:00:00Z,1970-01-01T12:20:00Z\n"
                                  "U,P,1970-01-01T10:30:00Z,1970-01-01T10:50:00Z\n";
        const std::string places = "place,min_overlap\nP,\nQ,30m\n";
        trace_parameters parameters;
        parameters.linger = 30 * 60;
        parameters.min_overlap = 10 * 60;
        testing::traced t =
            testing::run_trace(scans, "person,from\nC,1970-01-01T00:00:00Z\n", parameters, places);
        std::istringstream in(places);
        parameters.place_min_overlap = read_places(in, "places.csv").min_overlap;
        t.result = trace(t.stays, t.graph, t.log.persons, t.log.places, t.cases, parameters);
        const std::vector<std::string_view> asked = {"T", "U"};
        const auto found = find_meetings(t.stays, t.graph, t.log.persons, t.log.places, t.cases,
                                         parameters, asked);
        REQUIRE(found.size() == 2);
        REQUIRE(found[0].meetings.size() == 1);
        CHECK(found[0].meetings[0].start == 10 * 3600 + 25 * 60);
        CHECK(found[0].meetings[0].end == 10 * 3600 + 40 * 60);
        // U's 20 minutes with C at Q are under Q's own minimum (30m); its 10
        // minutes in C's footprint at P reach P's (--min-overlap, 10m).
        REQUIRE(found[1].meetings.size() == 1);
        CHECK(t.log.places[found[1].meetings[0].place] == "P");
        CHECK(found[1].meetings[0].seconds() == 600);
        for (std::size_t k = 0; k < 2; ++k)
            check_consistent(*t.find(asked[k]), found[k], t.log.persons, t.log.places);
    }

    TEST_CASE("a source whose E went down after its hop: meetings at the person's hop only") {
        // B is reached at hop 1 late (C at P2 at 20:00) and at hop 2 early
        // (through A at 08:00): B's interval grows at layer 2, so its events
        // are seen again at layer 3. D, met by B at 09:00, is at hop 3; its
        // meeting is the one of layer 3, once. B meets A again at layer 3
        // (at P3), which is not one of A's meetings: A is at hop 1.
        const std::string scans = "person,place,time,leave\n"
                                  "C,P1,1970-01-01T06:00:00Z,1970-01-01T07:00:00Z\n"
                                  "A,P1,1970-01-01T06:00:00Z,1970-01-01T07:00:00Z\n"
                                  "A,P3,1970-01-01T08:00:00Z,1970-01-01T08:30:00Z\n"
                                  "B,P3,1970-01-01T08:00:00Z,1970-01-01T08:30:00Z\n"
                                  "B,P4,1970-01-01T09:00:00Z,1970-01-01T09:40:00Z\n"
                                  "D,P4,1970-01-01T09:00:00Z,1970-01-01T09:40:00Z\n"
                                  "C,P2,1970-01-01T20:00:00Z,1970-01-01T20:30:00Z\n"
                                  "B,P2,1970-01-01T20:00:00Z,1970-01-01T20:30:00Z\n";
        trace_parameters parameters;
        parameters.hops = 4;
        const testing::traced t =
            testing::run_trace(scans, "person,from\nC,1970-01-01T00:00:00Z\n", parameters);
        const risk_entry* b = t.find("B");
        const risk_entry* d = t.find("D");
        REQUIRE(b);
        REQUIRE(d);
        CHECK(b->hop == 1);
        CHECK(d->hop == 3);
        const std::vector<std::string_view> asked = {"D", "B", "A"};
        const auto found = find_meetings(t.stays, t.graph, t.log.persons, t.log.places, t.cases,
                                         parameters, asked);
        REQUIRE(found.size() == 3);
        REQUIRE(found[0].meetings.size() == 1);
        CHECK(found[0].meetings[0].source_hop == 1);
        CHECK(found[0].meetings[0].seconds() == 2400);
        // B's row is its hop-1 exposure by C at P2, not the earlier one.
        REQUIRE(found[1].meetings.size() == 1);
        CHECK(t.log.places[found[1].meetings[0].place] == "P2");
        REQUIRE(found[2].meetings.size() == 1);
        CHECK(t.log.places[found[2].meetings[0].place] == "P1");
        for (std::size_t k = 0; k < 3; ++k)
            check_consistent(*t.find(asked[k]), found[k], t.log.persons, t.log.places);
    }

    TEST_CASE("generated cities: every listed person's meetings give its row") {
        testing::temp_dir dir;
        std::size_t checked = 0, several = 0;
        for (const std::uint64_t seed : {std::uint64_t{3}, std::uint64_t{8}}) {
            city_parameters city;
            city.persons = 3000;
            city.places = 60;
            city.days = 7;
            city.seed = seed;
            const std::filesystem::path folder = dir.path() / std::to_string(seed);
            std::filesystem::create_directories(folder);
            generate_city(city, folder);
            data_source source;
            source.scans.scans = {folder / "scans.csv"};
            source.scans.places = folder / "places.csv";
            source.scans.read.tz = city.tz;
            trace_request request;
            request.cases = folder / "cases.csv";
            request.parameters.hops = 3;
            request.parameters.linger = seed == 8 ? 20 * 60 : 0;
            request.parameters.latency = seed == 8 ? 3600 : 0;
            trace_run run = trace_from(source, request);
            const id_table& persons = run.data().persons;
            std::vector<std::string_view> everyone;
            for (const risk_entry& e : run.record.result.entries)
                everyone.push_back(persons[e.person]);
            const auto found = meetings_of(run, everyone);
            REQUIRE(found.size() == everyone.size());
            for (std::size_t k = 0; k < found.size(); ++k) {
                CAPTURE(seed);
                CAPTURE(everyone[k]);
                check_consistent(run.record.result.entries[k], found[k], persons,
                                 run.data().places);
                checked += found[k].meetings.empty() ? 0u : 1u;
                several += found[k].meetings.size() > 1 ? 1u : 0u;
            }
        }
        // Enough rows, and rows of several meetings, for the check to mean something.
        INFO("persons with meetings ", checked, ", with several ", several);
        CHECK(checked > 500);
        CHECK(several > 100);
    }

    TEST_CASE("add_meetings checks the meetings against the list and changes nothing on failure") {
        trace_run run = testing::tiny_trace_run();
        const id_table& persons = run.data().persons;
        const id_table& places = run.data().places;
        risk_listing listing = risk_listing_of(run.record.result, persons, places, plus8);
        const std::vector<std::string> asked = {"H", "C1"};
        std::vector<explanation> chains = explain(listing, asked);
        const auto found = meetings_of(run, {"H", "C1"});
        add_meetings(chains, found, persons, places);
        REQUIRE(chains[0].meetings.size() == 2);
        CHECK(chains[0].meetings[0] ==
              explained_meeting{"B", 1, "B03", 1650351600, 1650351600 + 3600});
        CHECK(chains[1].meetings.empty());

        // A list whose H has other seconds than the data give.
        for (listed_person& row : listing.rows)
            if (row.person == "H") row.exposure_seconds = 3600;
        std::vector<explanation> other = explain(listing, asked);
        const std::vector<explanation> before = other;
        const std::string message =
            testing::input_error_message([&] { add_meetings(other, found, persons, places); });
        CHECK(message == "the meetings of 'H' (hop 2) do not give its row of the list: the "
                         "meetings give exposure_seconds 7200; the list was made from other "
                         "data, cases or tracing options");
        CHECK(other[0].meetings == before[0].meetings);
        CHECK(other[0].meetings.empty());
        // A person the trace does not list.
        std::vector<person_meetings> none(2);
        CHECK(testing::input_error_message([&] { add_meetings(other, none, persons, places); }) ==
              "the meetings of 'H' (hop 2) do not give its row of the list: the trace does not "
              "list the person; the list was made from other data, cases or tracing options");
        CHECK_THROWS_AS(add_meetings(other, std::span(found).first(1), persons, places), error);
    }

    TEST_CASE("text and CSV with names and meetings, and without names as before") {
        trace_run run = testing::tiny_trace_run();
        const id_table& persons = run.data().persons;
        const id_table& places = run.data().places;
        const risk_listing listing = risk_listing_of(run.record.result, persons, places, plus8);
        const std::vector<std::string> asked = {"H", "C1"};
        std::vector<explanation> chains = explain(listing, asked);
        add_meetings(chains, meetings_of(run, {"H", "C1"}), persons, places);
        const std::optional<place_names> names = place_names_of(run.data().place_info);
        REQUIRE(names);
        CHECK(names->at("B03") == "City Bank");
        CHECK(names->at("K04,豪华KTV") == "Luxury KTV");

        explanation_writing how;
        how.tz = plus8;
        // No names, no meetings: the bytes of the three-argument form.
        std::ostringstream plain;
        write_explanations(plain, chains, plus8, explanation_format::text);
        CHECK(text_of(chains, how) == plain.str());
        CHECK(plain.str() ==
              "H (hop 2, yellow): first exposed at B03 by B, 2022-04-19T15:00:00+08:00 to "
              "2022-04-19T16:00:00+08:00, 7200 s in all\n"
              "B (hop 1, red): first exposed at M01 by C1, 2022-04-19T11:00:00+08:00 to "
              "2022-04-19T12:00:00+08:00, 3600 s in all\n"
              "C1 (hop 0, red): index case\n\n"
              "C1 (hop 0, red): index case\n");

        how.names = &*names;
        how.meetings = true;
        CHECK(text_of(chains, how) ==
              "H (hop 2, yellow): first exposed at B03 (City Bank) by B, "
              "2022-04-19T15:00:00+08:00 to 2022-04-19T16:00:00+08:00, 7200 s in all\n"
              "B (hop 1, red): first exposed at M01 (Harbour Mall) by C1, "
              "2022-04-19T11:00:00+08:00 to 2022-04-19T12:00:00+08:00, 3600 s in all\n"
              "C1 (hop 0, red): index case\n"
              "meetings of H at hop 2: 2, 7200 s in all\n"
              "  1. B (hop 1) at B03 (City Bank), 2022-04-19T15:00:00+08:00 to "
              "2022-04-19T16:00:00+08:00, 3600 s (60 min)\n"
              "  2. E (hop 1) at B03 (City Bank), 2022-04-19T15:00:00+08:00 to "
              "2022-04-19T16:00:00+08:00, 3600 s (60 min)\n\n"
              "C1 (hop 0, red): index case\n"
              "meetings of C1: none (an index case)\n");

        how.format = explanation_format::csv;
        CHECK(text_of(chains, how) ==
              "person,hop,meeting,source,source_hop,place,place_name,start,end,seconds,minutes\n"
              "H,2,1,B,1,B03,City Bank,2022-04-19T15:00:00+08:00,2022-04-19T16:00:00+08:00,"
              "3600,60\n"
              "H,2,2,E,1,B03,City Bank,2022-04-19T15:00:00+08:00,2022-04-19T16:00:00+08:00,"
              "3600,60\n");
        how.meetings = false;
        CHECK(text_of(chains, how) ==
              "asked,step,person,hop,code,first_exposure,last_exposure,exposure_seconds,"
              "via_person,via_place,via_place_name\n"
              "H,1,H,2,yellow,2022-04-19T15:00:00+08:00,2022-04-19T16:00:00+08:00,7200,B,B03,"
              "City Bank\n"
              "H,2,B,1,red,2022-04-19T11:00:00+08:00,2022-04-19T12:00:00+08:00,3600,C1,M01,"
              "Harbour Mall\n"
              "H,3,C1,0,red,,,0,,,\n"
              "C1,1,C1,0,red,,,0,,,\n");
        // A places table without a name column gives no names at all.
        place_table unnamed;
        unnamed.ids.intern("B03");
        unnamed.name.push_back("City Bank");
        CHECK_FALSE(place_names_of(unnamed));
    }

    TEST_CASE("minutes: two decimals at most") {
        // Through the CSV, the only place they are written apart.
        explanation e;
        e.asked = "P";
        listed_person row;
        row.person = "P";
        row.hop = 1;
        e.steps = {row};
        for (const duration s : {1, 30, 59, 61, 90, 599, 3600})
            e.meetings.push_back({"Q", 0, "X", 0, s});
        explanation_writing how;
        how.format = explanation_format::csv;
        how.meetings = true;
        const std::string csv = text_of({e}, how);
        std::vector<std::string> minutes;
        std::istringstream lines(csv);
        std::string line;
        std::getline(lines, line);
        while (std::getline(lines, line))
            minutes.push_back(line.substr(line.rfind(',') + 1));
        CHECK(minutes ==
              std::vector<std::string>{"0.02", "0.5", "0.98", "1.02", "1.5", "9.98", "60"});
    }

} // TEST_SUITE
