// Tests of backward tracing (ctrace/tracing/sources.hpp; docs/semantics.md §9), with
// expectations worked out by hand from the definitions.

#include "ctrace/core/error.hpp"
#include "ctrace/tracing/sources.hpp"
#include "ctrace/workflow/pipeline.hpp"
#include "test_helpers.hpp"

#include <doctest/doctest.h>
#include <fstream>
#include <sstream>

using namespace ctrace;
using ctrace::testing::contains;
using ctrace::testing::file_text;
using ctrace::testing::fixture;
using ctrace::testing::temp_dir;

namespace {

/// The three lists of `sources` on CSV text (times without an offset are
/// UTC), as the writers write them, through the library's workflow.
struct lists {
    std::string links;
    std::string persons;
    std::string places;
    sources_result result;
};

lists sources_of(const std::string& scans_csv, const std::string& cases_csv,
                 const sources_parameters& parameters = {}, const std::string& places_csv = "",
                 contact_level level = contact_level::code) {
    temp_dir dir;
    data_source source;
    source.scans.scans = {dir.write("scans.csv", scans_csv)};
    if (!places_csv.empty()) source.scans.places = dir.write("places.csv", places_csv);
    source.level = level;
    loaded_data loaded = load_data(source);
    trace_request request;
    request.cases = dir.write("cases.csv", cases_csv);
    request.require_onset = true;
    prepared_cases prepared = read_index_cases(request);
    dataset& data = loaded.ingested.data;
    lists out;
    out.result = find_case_sources(data, prepared, parameters);
    std::ostringstream links, persons, places;
    write_case_links(links, out.result, data.persons, data.places, {});
    write_common_persons(persons, out.result, data.persons, {});
    write_common_places(places, out.result, data.persons, data.places, {});
    out.links = links.str();
    out.persons = persons.str();
    out.places = places.str();
    return out;
}

const std::string links_header = std::string(case_links_header) + "\n";
const std::string persons_header = std::string(common_persons_header) + "\n";
const std::string places_header = std::string(common_places_header) + "\n";

} // namespace

TEST_SUITE("sources") {

    TEST_CASE("the worked example (shared examples/sources), byte for byte") {
        data_source source;
        source.scans.scans = {fixture("sources/scans.csv")};
        source.scans.places = fixture("sources/places.csv");
        source.scans.read.tz = parse_utc_offset("+08:00");
        loaded_data loaded = load_data(source);
        trace_request request;
        request.cases = fixture("sources/cases.csv");
        request.tz = parse_utc_offset("+08:00");
        request.require_onset = true;
        prepared_cases prepared = read_index_cases(request);
        dataset& data = loaded.ingested.data;
        const sources_result result = find_case_sources(data, prepared, {});
        std::ostringstream links, persons, places;
        write_case_links(links, result, data.persons, data.places, *request.tz);
        write_common_persons(persons, result, data.persons, *request.tz);
        write_common_places(places, result, data.persons, data.places, *request.tz);
        CHECK(links.str() == file_text(fixture("sources/links.csv")));
        CHECK(persons.str() == file_text(fixture("sources/common-persons.csv")));
        CHECK(places.str() == file_text(fixture("sources/common-places.csv")));
        // C and B shared R02 on 04-15, C not yet infectious: 2 links in all.
        CHECK(result.link_events == 2);
        CHECK(result.cases_without_stays.empty());
    }

    TEST_CASE("a common source met by three cases in their windows, not by a fourth outside "
              "it") {
        // Windows [onset - 14d, onset - 1d): A [04-06 09:00, 04-19 09:00),
        // B [04-07 09:00, 04-20 09:00), C [04-08 09:00, 04-21 09:00),
        // D [03-29 09:00, 04-11 09:00).
        const std::string cases = "person,onset\n"
                                  "A,2022-04-20 09:00\n"
                                  "B,2022-04-21 09:00\n"
                                  "C,2022-04-22 09:00\n"
                                  "D,2022-04-12 09:00\n";
        const std::string scans = "person,place,time,leave\n"
                                  // S meets A at G for 30m (18:10-18:40),
                                  "S,G,2022-04-15 18:00,2022-04-15 19:00\n"
                                  "A,G,2022-04-15 18:10,2022-04-15 18:40\n"
                                  // B at R for 30m (12:30-13:00),
                                  "S,R,2022-04-16 12:00,2022-04-16 13:00\n"
                                  "B,R,2022-04-16 12:30,2022-04-16 13:30\n"
                                  // C at M for 20m (08:00-08:20),
                                  "S,M,2022-04-17 08:00,2022-04-17 09:00\n"
                                  "C,M,2022-04-17 08:00,2022-04-17 08:20\n"
                                  // and D at K for an hour, but after D's window.
                                  "S,K,2022-04-17 20:00,2022-04-17 21:00\n"
                                  "D,K,2022-04-17 20:00,2022-04-17 21:00\n"
                                  // U meets A for exactly 15m (counts) and B
                                  // for 14m59s (does not).
                                  "U,G,2022-04-15 18:25,2022-04-15 18:40\n"
                                  "U,R,2022-04-16 12:30:01,2022-04-16 12:45\n";
        SUBCASE("at least two cases (the default)") {
            const lists out = sources_of(scans, cases);
            CHECK(out.persons == persons_header + "S,3,2022-04-15T18:10:00Z,2022-04-17T08:20:00Z,"
                                                  "4800,3,A;B;C\n");
            // Every place saw one case in its window (D's K visit is outside).
            CHECK(out.places == places_header);
            CHECK(out.links == links_header);
            // S-A, S-B, S-C and U-A.
            CHECK(out.result.meetings == 4);
        }
        SUBCASE("at least one case") {
            sources_parameters parameters;
            parameters.min_cases = 1;
            const lists out = sources_of(scans, cases, parameters);
            CHECK(out.persons == persons_header +
                                     "S,3,2022-04-15T18:10:00Z,2022-04-17T08:20:00Z,4800,3,A;B;C\n"
                                     "U,1,2022-04-15T18:25:00Z,2022-04-15T18:40:00Z,900,1,A\n");
            // Most cases first, then most seconds, then the place id.
            CHECK(out.places == places_header +
                                    "R,1,2022-04-16T12:30:00Z,2022-04-16T13:30:00Z,3600,B\n"
                                    "G,1,2022-04-15T18:10:00Z,2022-04-15T18:40:00Z,1800,A\n"
                                    "M,1,2022-04-17T08:00:00Z,2022-04-17T08:20:00Z,1200,C\n");
        }
        SUBCASE("at least four cases: nobody") {
            sources_parameters parameters;
            parameters.min_cases = 4;
            CHECK(sources_of(scans, cases, parameters).persons == persons_header);
        }
        SUBCASE("a window wide enough to reach D's visit") {
            // D's onset a week later, 04-19 09:00: its window now runs to
            // 04-18 09:00 and holds the K visit, an hour with S.
            std::string later = cases;
            later.replace(later.find("D,2022-04-12"), 12, "D,2022-04-19");
            const lists out = sources_of(scans, later);
            CHECK(out.persons == persons_header + "S,4,2022-04-15T18:10:00Z,2022-04-17T21:00:00Z,"
                                                  "8400,4,A;B;C;D\n");
        }
    }

    TEST_CASE("a link that fails only because the infector was not yet infectious") {
        // Q's window [04-12 10:00, 04-25 10:00) covers the whole meeting at R
        // (09:00-10:00); Q is not infectious before 04-22 10:00, so no Q -> P.
        const std::string scans = "person,place,time,leave\n"
                                  "P,R,2022-04-16 09:00,2022-04-16 10:00\n"
                                  "Q,R,2022-04-16 09:00,2022-04-16 10:00\n";
        const auto cases_with_from = [](const char* from) {
            return std::string("person,onset,from\nP,2022-04-20 10:00,") + from +
                   "\nQ,2022-04-26 10:00,\n";
        };
        SUBCASE("infectious from 10:00: no presence during the meeting") {
            const lists out = sources_of(scans, cases_with_from("2022-04-16 10:00"));
            CHECK(out.links == links_header);
            CHECK(out.result.link_events == 0);
        }
        SUBCASE("infectious from 09:50: a 10m presence, under the minimum overlap") {
            CHECK(sources_of(scans, cases_with_from("2022-04-16 09:50")).links == links_header);
        }
        SUBCASE("infectious from 09:40: 20m, a link") {
            CHECK(sources_of(scans, cases_with_from("2022-04-16 09:40")).links ==
                  links_header + "P,Q,2022-04-16T09:40:00Z,2022-04-16T10:00:00Z,1200,R\n");
        }
        SUBCASE("the whole meeting counts for the place list, infectious or not") {
            sources_parameters parameters;
            parameters.min_cases = 2;
            const lists out = sources_of(scans, cases_with_from("2022-04-16 10:00"), parameters);
            // P's window [04-06 10:00, 04-19 10:00) and Q's both hold the hour.
            CHECK(out.places ==
                  places_header + "R,2,2022-04-16T09:00:00Z,2022-04-16T10:00:00Z,7200,P;Q\n");
        }
    }

    TEST_CASE("lingering creates a link and a meeting") {
        // I is at X 10:00-10:30 (infectious since 04-16 10:00); E arrives at
        // 10:35. With --linger 30m I's footprint lasts to 11:00: 25m with E.
        const std::string cases = "person,onset\nI,2022-04-20 10:00\nE,2022-04-25 10:00\n";
        const std::string scans = "person,place,time,leave\n"
                                  "I,X,2022-04-18 10:00,2022-04-18 10:30\n"
                                  "E,X,2022-04-18 10:35,2022-04-18 11:00\n"
                                  "N,X,2022-04-18 10:00,2022-04-18 10:30\n";
        SUBCASE("no lingering: no link, and N met only I (at once)") {
            const lists out = sources_of(scans, cases);
            CHECK(out.links == links_header);
            CHECK(out.result.meetings == 1);
        }
        SUBCASE("30m: a link, and N met E") {
            sources_parameters parameters;
            parameters.linger = 30 * 60;
            parameters.min_cases = 1;
            const lists out = sources_of(scans, cases, parameters);
            CHECK(out.links ==
                  links_header + "I,E,2022-04-18T10:35:00Z,2022-04-18T11:00:00Z,1500,X\n");
            // N (not a case, never clipped) lingers too: 25m with E. N and I
            // overlap, but I's window [04-06, 04-19 10:00) holds 10:00-10:30,
            // so N met I as well, for 30m.
            CHECK(out.persons ==
                  persons_header + "N,2,2022-04-18T10:00:00Z,2022-04-18T11:00:00Z,3300,1,E;I\n");
        }
        SUBCASE("10m: the footprint ends at 10:40, 5m with E") {
            sources_parameters parameters;
            parameters.linger = 10 * 60;
            CHECK(sources_of(scans, cases, parameters).links == links_header);
        }
        SUBCASE("lingering is directional: E's footprint never reaches I") {
            // Even infectious, E came after I left: E -> I needs I's stay to
            // overlap E's footprint, which starts at 10:35.
            const std::string both_infectious =
                "person,onset,from\nI,2022-04-20 10:00,\nE,2022-04-25 10:00,2022-04-18 00:00\n";
            sources_parameters parameters;
            parameters.linger = 30 * 60;
            CHECK(sources_of(scans, both_infectious, parameters).links ==
                  links_header + "I,E,2022-04-18T10:35:00Z,2022-04-18T11:00:00Z,1500,X\n");
        }
    }

    TEST_CASE("ties in the place of the earliest contact go to the smallest place id") {
        // I and E at two codes at once: X2 is read first (index 0) but X1 is
        // the smaller id. The link sums both events.
        const std::string cases = "person,onset,from\nI,2022-04-20 10:00,2022-04-17 00:00\n"
                                  "E,2022-04-25 10:00,\n";
        const std::string scans = "person,place,time,leave\n"
                                  "I,X2,2022-04-18 10:00,2022-04-18 11:00\n"
                                  "E,X2,2022-04-18 10:00,2022-04-18 11:00\n"
                                  "I,X1,2022-04-18 10:00,2022-04-18 10:30\n"
                                  "E,X1,2022-04-18 10:00,2022-04-18 10:30\n"
                                  // a later, longer event elsewhere changes nothing
                                  "I,A0,2022-04-18 12:00,2022-04-18 14:00\n"
                                  "E,A0,2022-04-18 12:00,2022-04-18 14:00\n";
        const lists out = sources_of(scans, cases);
        CHECK(out.links ==
              links_header + "I,E,2022-04-18T10:00:00Z,2022-04-18T14:00:00Z,12600,X1\n");
        CHECK(out.result.link_events == 3);
    }

    TEST_CASE("links are ordered by infectee, first contact, infector") {
        // Four cases infectious from 04-10 with windows holding 04-18 (listed
        // out of byte order): every ordered pair that met is a link.
        const std::string cases = "person,onset,from\n"
                                  "D,2022-04-25 00:00,2022-04-10 00:00\n"
                                  "C,2022-04-25 00:00,2022-04-10 00:00\n"
                                  "B,2022-04-25 00:00,2022-04-10 00:00\n"
                                  "A,2022-04-25 00:00,2022-04-10 00:00\n";
        const std::string scans = "person,place,time,leave\n"
                                  "A,X,2022-04-18 10:00,2022-04-18 11:00\n"
                                  "B,X,2022-04-18 10:30,2022-04-18 11:00\n"
                                  "C,X,2022-04-18 10:00,2022-04-18 10:20\n"
                                  "D,X,2022-04-18 10:00,2022-04-18 10:20\n";
        CHECK(sources_of(scans, cases).links ==
              links_header + "C,A,2022-04-18T10:00:00Z,2022-04-18T10:20:00Z,1200,X\n"
                             "D,A,2022-04-18T10:00:00Z,2022-04-18T10:20:00Z,1200,X\n"
                             "B,A,2022-04-18T10:30:00Z,2022-04-18T11:00:00Z,1800,X\n"
                             "A,B,2022-04-18T10:30:00Z,2022-04-18T11:00:00Z,1800,X\n"
                             "A,C,2022-04-18T10:00:00Z,2022-04-18T10:20:00Z,1200,X\n"
                             "D,C,2022-04-18T10:00:00Z,2022-04-18T10:20:00Z,1200,X\n"
                             "A,D,2022-04-18T10:00:00Z,2022-04-18T10:20:00Z,1200,X\n"
                             "C,D,2022-04-18T10:00:00Z,2022-04-18T10:20:00Z,1200,X\n");
    }

    TEST_CASE("a place's own minimum overlap, and ids that need quoting") {
        const std::string cases = "person,onset\n\"A,1\",2022-04-20 09:00\nB,2022-04-21 09:00\n";
        const std::string scans = "person,place,time,leave\n"
                                  "S,Q,2022-04-15 18:00,2022-04-15 18:10\n"
                                  "\"A,1\",Q,2022-04-15 18:00,2022-04-15 18:10\n"
                                  "S,Q,2022-04-16 18:00,2022-04-16 18:10\n"
                                  "B,Q,2022-04-16 18:00,2022-04-16 18:10\n";
        SUBCASE("10m meetings are under the default 15m") {
            CHECK(sources_of(scans, cases).persons == persons_header);
        }
        SUBCASE("Q's min_overlap of 5m lets them count") {
            const lists out = sources_of(scans, cases, {}, "place,min_overlap\nQ,5m\n");
            CHECK(out.persons == persons_header + "S,2,2022-04-15T18:00:00Z,2022-04-16T18:10:00Z,"
                                                  "1200,1,\"A,1;B\"\n");
            CHECK(out.places == places_header + "Q,2,2022-04-15T18:00:00Z,2022-04-16T18:10:00Z,"
                                                "1200,\"A,1;B\"\n");
        }
    }

    TEST_CASE("at site level, doors of one venue are one place") {
        // S and A scan different doors of M01 at once.
        const std::string places = "place,site\nM01-E,M01\nM01-W,M01\n";
        const std::string cases = "person,onset\nA,2022-04-20 09:00\nB,2022-04-21 09:00\n";
        const std::string scans = "person,place,time,leave\n"
                                  "S,M01-E,2022-04-15 18:00,2022-04-15 19:00\n"
                                  "A,M01-W,2022-04-15 18:00,2022-04-15 19:00\n"
                                  "S,M01-W,2022-04-16 18:00,2022-04-16 19:00\n"
                                  "B,M01-W,2022-04-16 18:00,2022-04-16 19:00\n";
        CHECK(sources_of(scans, cases, {}, places).persons == persons_header);
        const lists out = sources_of(scans, cases, {}, places, contact_level::site);
        CHECK(out.persons ==
              persons_header + "S,2,2022-04-15T18:00:00Z,2022-04-16T19:00:00Z,7200,1,A;B\n");
        CHECK(out.places ==
              places_header + "M01,2,2022-04-15T18:00:00Z,2022-04-16T19:00:00Z,7200,A;B\n");
    }

    TEST_CASE("only the lists asked for are computed") {
        const std::string cases = "person,onset,from\nI,2022-04-25 00:00,2022-04-10 00:00\n"
                                  "E,2022-04-25 00:00,\n";
        const std::string scans = "person,place,time,leave\n"
                                  "I,X,2022-04-18 10:00,2022-04-18 11:00\n"
                                  "E,X,2022-04-18 10:00,2022-04-18 11:00\n"
                                  "S,X,2022-04-18 10:00,2022-04-18 11:00\n";
        sources_parameters parameters;
        parameters.find_links = false;
        parameters.find_common_places = false;
        const lists out = sources_of(scans, cases, parameters);
        CHECK(out.result.links.empty());
        CHECK(out.result.common_places.empty());
        REQUIRE(out.result.common_persons.size() == 1);
        CHECK(out.result.common_persons[0].cases.size() == 2);
    }

    TEST_CASE("errors: cases without onset, bad parameters") {
        id_table persons;
        persons.intern("A");
        persons.intern("B");
        id_table places;
        const stay_table stays = build_stays({}, persons.size(), 0);
        std::vector<index_case> cases(2);
        cases[0].person = 0;
        cases[0].onset = 1'000'000;
        cases[1].person = 1;
        cases[1].line = 3;
        SUBCASE("a case without an onset names the case and its line") {
            try {
                (void)find_sources(stays, persons, places, cases, {});
                FAIL("accepted");
            } catch (const input_error& e) {
                CHECK(contains(e.what(), "'B'"));
                CHECK(contains(e.what(), "line 3"));
                CHECK(contains(e.what(), "onset"));
            }
        }
        cases[1].onset = 2'000'000;
        CHECK(find_sources(stays, persons, places, cases, {}).cases_without_stays ==
              std::vector<person_index>{0, 1});
        SUBCASE("a case listed twice") {
            std::vector<index_case> twice = cases;
            twice[1].person = 0;
            CHECK_THROWS_AS((void)find_sources(stays, persons, places, twice, {}), input_error);
        }
        const auto refused_parameter = [&](const sources_parameters& p) {
            try {
                (void)find_sources(stays, persons, places, cases, p);
            } catch (const parameter_error& e) {
                return e.parameter();
            }
            return std::string("accepted");
        };
        sources_parameters p;
        p.incubation_min = -1;
        CHECK(refused_parameter(p) == "incubation_min");
        p.incubation_min = 5 * 86400;
        p.incubation_max = 4 * 86400;
        CHECK(refused_parameter(p) == "incubation_max");
        p.incubation_max = 5 * 86400; // an empty window is allowed: nothing is exposed
        CHECK(refused_parameter(p) == "accepted");
        p.min_cases = 0;
        CHECK(refused_parameter(p) == "min_cases");
    }

    TEST_CASE("regression: sums beyond 64 bits are refused, not wrapped to negative seconds") {
        // 260 cases, each a stay of 2^55 s at one place, all exposed: the
        // place's case_seconds would be 260 * 2^55 > 2^63.
        constexpr time_point half = time_point{1} << 54;
        id_table persons, places;
        places.intern("X");
        std::vector<visit> visits;
        std::vector<index_case> cases;
        for (int k = 0; k < 260; ++k) {
            const person_index p = persons.intern(ctrace::testing::cat("c", std::to_string(k)));
            visits.push_back({p, 0, -half, half});
            index_case c;
            c.person = p;
            c.from = -half;
            c.onset = half;
            cases.push_back(c);
        }
        const stay_table stays = build_stays(visits, persons.size(), places.size());
        sources_parameters parameters;
        parameters.incubation_min = 0;
        parameters.incubation_max = 2 * half;
        parameters.find_links = false;
        parameters.find_common_persons = false;
        try {
            (void)find_sources(stays, persons, places, cases, parameters);
            FAIL("accepted");
        } catch (const input_error& e) {
            CHECK(contains(e.what(), "case_seconds"));
        }
        // 200 cases fit: 200 * 2^55 < 2^63.
        cases.resize(200);
        const sources_result fits = find_sources(stays, persons, places, cases, parameters);
        REQUIRE(fits.common_places.size() == 1);
        CHECK(fits.common_places[0].case_seconds == 200 * (2 * half));
        SUBCASE("incubations and lingering beyond the bounds of input are refused") {
            parameters.incubation_max = max_input_magnitude + 1;
            CHECK_THROWS_AS((void)find_sources(stays, persons, places, cases, parameters),
                            parameter_error);
            parameters.incubation_max = 2 * half;
            parameters.linger = max_input_magnitude + 1;
            CHECK_THROWS_AS((void)find_sources(stays, persons, places, cases, parameters),
                            parameter_error);
        }
    }

    TEST_CASE("regression: a common person's contact_seconds beyond 64 bits is refused") {
        // A met 260 cases, each for 2^55 s, in their exposure windows: A's
        // contact_seconds would be 260 * 2^55 > 2^63.
        constexpr time_point half = time_point{1} << 54;
        id_table persons, places;
        places.intern("X");
        std::vector<visit> visits;
        std::vector<index_case> cases;
        visits.push_back({persons.intern("A"), 0, -half, half});
        for (int k = 0; k < 260; ++k) {
            const person_index p = persons.intern(ctrace::testing::cat("c", std::to_string(k)));
            visits.push_back({p, 0, -half, half});
            index_case c;
            c.person = p;
            c.from = -half;
            c.onset = half;
            cases.push_back(c);
        }
        const stay_table stays = build_stays(visits, persons.size(), places.size());
        sources_parameters parameters;
        parameters.incubation_min = 0;
        parameters.incubation_max = 2 * half;
        parameters.find_links = false;
        parameters.find_common_places = false;
        try {
            (void)find_sources(stays, persons, places, cases, parameters);
            FAIL("accepted");
        } catch (const input_error& e) {
            CHECK(contains(e.what(), "contact_seconds"));
        }
    }

    TEST_CASE("a cases file without onsets is refused when backward tracing reads it") {
        temp_dir dir;
        trace_request request;
        request.cases = dir.write("cases.csv", "person,from\nA,2022-04-18 00:00\n");
        request.require_onset = true;
        CHECK_THROWS_AS((void)read_index_cases(request), input_error);
        request.cases = dir.write("cases2.csv", "person,from,onset\nA,2022-04-18 00:00,\n");
        try {
            (void)read_index_cases(request);
            FAIL("accepted");
        } catch (const bad_rows_error& e) {
            REQUIRE(e.rows().size() == 1);
            CHECK(e.rows()[0].line == 2);
        }
    }
}
