// Tests of explaining a listing (ctrace/tracing/explain.hpp): risk lists read back as
// listings, listings made from a trace, chains back to the index case, their
// failures, and the text and CSV forms. Expectations are worked out by hand
// from tests/fixtures/tiny (risk.csv is its list, --tz +08:00 --hops 3).

#include "ctrace/core/error.hpp"
#include "ctrace/report/risk_list.hpp"
#include "ctrace/report/transmission_tree.hpp"
#include "ctrace/storage/snapshot.hpp"
#include "ctrace/tracing/explain.hpp"
#include "ctrace/workflow/pipeline.hpp"
#include "test_helpers.hpp"

#include <doctest/doctest.h>
#include <sstream>
#include <string>
#include <vector>

using namespace ctrace;
using ctrace::testing::cat;
using ctrace::testing::contains;
using ctrace::testing::fixture;
using ctrace::testing::listed_row;

namespace {

constexpr utc_offset plus8{8 * 3600};
// 2022-04-20T00:00:00Z.
constexpr time_point april20 = 1650412800;

risk_listing listing_from(const std::string& csv, const std::string& name = "risk.csv") {
    std::istringstream in(csv);
    return read_risk_listing(in, name);
}

std::string written(const std::vector<explanation>& explanations, utc_offset tz,
                    explanation_format format) {
    std::ostringstream out;
    write_explanations(out, explanations, tz, format);
    return out.str();
}

const std::string header =
    "person,hop,code,first_exposure,last_exposure,quarantine_until,exposure_seconds,"
    "via_person,via_place\n";

/// A made-up three-hop list in UTC: X0 exposed X1, X1 exposed X2, X2 exposed X3.
const std::string chain_csv = header + "X0,0,red,,,,0,,\n"
                                       "X1,1,red,1970-01-01T00:01:40Z,1970-01-01T00:03:20Z,"
                                       "1970-01-15T00:03:20Z,100,X0,P1\n"
                                       "X2,2,yellow,1970-01-01T00:05:00Z,1970-01-01T00:06:40Z,"
                                       "1970-01-15T00:06:40Z,70,X1,P2\n"
                                       "X3,3,yellow,1970-01-01T00:08:20Z,1970-01-01T00:10:00Z,"
                                       "1970-01-15T00:10:00Z,60,X2,P3\n";

} // namespace

TEST_SUITE("explain") {

    TEST_CASE("the tiny risk list read back: rows, times and zone") {
        const risk_listing listing = read_risk_listing(fixture("tiny/risk.csv"));
        REQUIRE(listing.rows.size() == 12);
        CHECK(listing.tz == plus8);
        CHECK(listing.source == fixture("tiny/risk.csv").string());
        const listed_person& c1 = listing.rows[0];
        CHECK(c1.person == "C1");
        CHECK(c1.hop == 0);
        CHECK(c1.code == "red");
        CHECK(c1.first_exposure == time_infinity);
        CHECK(c1.last_exposure == time_infinity);
        CHECK(c1.quarantine_until == time_infinity);
        CHECK(c1.exposure_seconds == 0);
        CHECK(c1.via_person.empty());
        CHECK(c1.via_place.empty());
        // G,3,yellow,2022-04-20T09:20:00+08:00,2022-04-20T10:00:00+08:00,
        // 2022-05-04T10:00:00+08:00,2400,D,B03: 01:20Z and 02:00Z on 04-20.
        const listed_person& g = listing.rows[11];
        CHECK(g.person == "G");
        CHECK(g.hop == 3);
        CHECK(g.code == "yellow");
        CHECK(g.first_exposure == april20 + 4800);
        CHECK(g.last_exposure == april20 + 7200);
        CHECK(g.quarantine_until == april20 + 7200 + 14 * 86400);
        CHECK(g.exposure_seconds == 2400);
        CHECK(g.via_person == "D");
        CHECK(g.via_place == "B03");
        CHECK(listing.rows[6].person == "Li, Wei");
    }

    TEST_CASE("a three-hop chain back to the index case, as text") {
        const risk_listing listing = read_risk_listing(fixture("tiny/risk.csv"));
        const explanation e = explain(listing, "G");
        CHECK(e.asked == "G");
        REQUIRE(e.steps.size() == 4);
        CHECK(e.steps[0].person == "G");
        CHECK(e.steps[1].person == "D");
        CHECK(e.steps[2].person == "B");
        CHECK(e.steps[3].person == "C1");
        for (std::size_t i = 0; i < 4; ++i)
            CHECK(e.steps[i].hop == 3 - i);
        CHECK(written({e}, listing.tz, explanation_format::text) ==
              "G (hop 3, yellow): first exposed at B03 by D, 2022-04-20T09:20:00+08:00 to "
              "2022-04-20T10:00:00+08:00, 2400 s in all\n"
              "D (hop 2, yellow): first exposed at R02 by B, 2022-04-19T13:00:00+08:00 to "
              "2022-04-19T14:00:00+08:00, 3600 s in all\n"
              "B (hop 1, red): first exposed at M01 by C1, 2022-04-19T11:00:00+08:00 to "
              "2022-04-19T12:00:00+08:00, 3600 s in all\n"
              "C1 (hop 0, red): index case\n");
    }

    TEST_CASE("several chains: text separated by one blank line, CSV with one header") {
        const risk_listing listing = read_risk_listing(fixture("tiny/risk.csv"));
        const std::vector<std::string> asked = {"Li, Wei", "C9", "J"};
        const std::vector<explanation> chains = explain(listing, asked);
        REQUIRE(chains.size() == 3);
        CHECK(written(chains, listing.tz, explanation_format::text) ==
              "Li, Wei (hop 2, yellow): first exposed at M01 by K, 2022-04-17T11:00:00+08:00 to "
              "2022-04-17T12:00:00+08:00, 3600 s in all\n"
              "K (hop 1, red): first exposed at M01 by C1, 2022-04-16T00:00:00+08:00 to "
              "2022-04-16T00:30:00+08:00, 1800 s in all\n"
              "C1 (hop 0, red): index case\n"
              "\n"
              "C9 (hop 0, red): index case\n"
              "\n"
              "J (hop 1, red): first exposed at R02 by C1, 2022-04-21T11:40:00+08:00 to "
              "2022-04-21T12:00:00+08:00, 1200 s in all\n"
              "C1 (hop 0, red): index case\n");
        CHECK(written(chains, listing.tz, explanation_format::csv) ==
              "asked,step,person,hop,code,first_exposure,last_exposure,exposure_seconds,"
              "via_person,via_place\n"
              "\"Li, Wei\",1,\"Li, Wei\",2,yellow,2022-04-17T11:00:00+08:00,"
              "2022-04-17T12:00:00+08:00,3600,K,M01\n"
              "\"Li, Wei\",2,K,1,red,2022-04-16T00:00:00+08:00,2022-04-16T00:30:00+08:00,1800,"
              "C1,M01\n"
              "\"Li, Wei\",3,C1,0,red,,,0,,\n"
              "C9,1,C9,0,red,,,0,,\n"
              "J,1,J,1,red,2022-04-21T11:40:00+08:00,2022-04-21T12:00:00+08:00,1200,C1,R02\n"
              "J,2,C1,0,red,,,0,,\n");
        CHECK(written({}, listing.tz, explanation_format::text).empty());
    }

    TEST_CASE("a listing made from the trace equals the risk list read back") {
        const trace_run run = ctrace::testing::tiny_trace_run();
        const risk_listing traced =
            risk_listing_of(run.record.result, run.data().persons, run.data().places, plus8);
        const risk_listing read = read_risk_listing(fixture("tiny/risk.csv"));
        CHECK(traced.rows == read.rows);
        CHECK(traced.tz == read.tz);
        CHECK(traced.source.empty());

        // And from a traced snapshot (the traced run's data and /trace).
        testing::temp_dir dir;
        const auto with_trace = dir.path() / "traced.h5";
        write_snapshot(with_trace, run.data(), &run.record);
        const risk_listing from_snapshot = read_traced_listing(with_trace);
        CHECK(from_snapshot.rows == read.rows);
        CHECK(from_snapshot.tz == plus8);
        CHECK(from_snapshot.source == with_trace.string());

        const auto without = dir.path() / "plain.h5";
        write_snapshot(without, run.data());
        const std::string message =
            testing::input_error_message([&] { (void)read_traced_listing(without); });
        CHECK(contains(message, without.string()));
        CHECK(contains(message, "no trace"));
    }

    TEST_CASE("CRLF, a byte-order mark and the monitor_until column read the same") {
        const risk_listing plain = listing_from(chain_csv);
        REQUIRE(plain.rows.size() == 4);
        CHECK(plain.tz == utc_offset{});
        CHECK(plain.rows[3].first_exposure == 500);
        CHECK(plain.rows[3].last_exposure == 600);
        CHECK(plain.rows[3].quarantine_until == 600 + 14 * 86400);

        std::string crlf;
        for (const char c : "\xEF\xBB\xBF" + chain_csv) {
            if (c == '\n') crlf += '\r';
            crlf += c;
        }
        const risk_listing bom_crlf = listing_from(crlf);
        CHECK(bom_crlf.rows == plain.rows);

        // monitor_until follows as the tenth column (docs/semantics.md §8.4).
        const std::string monitored =
            "\xEF\xBB\xBFperson,hop,code,first_exposure,last_exposure,quarantine_until,"
            "exposure_seconds,via_person,via_place,monitor_until\r\n"
            "X0,0,red,,,,0,,,\r\n"
            "X1,1,red,1970-01-01T00:01:40Z,1970-01-01T00:03:20Z,1970-01-15T00:03:20Z,100,X0,P1,"
            "1970-01-18T00:03:20Z\r\n"
            "X2,2,yellow,1970-01-01T00:05:00Z,1970-01-01T00:06:40Z,1970-01-15T00:06:40Z,70,X1,"
            "P2,1970-01-15T00:06:40Z\r\n"
            "X3,3,yellow,1970-01-01T00:08:20Z,1970-01-01T00:10:00Z,1970-01-15T00:10:00Z,60,X2,"
            "P3,1970-01-15T00:10:00Z\r\n";
        const risk_listing with_monitoring = listing_from(monitored);
        CHECK(with_monitoring.rows == plain.rows);

        // Columns are found by name, in any order.
        const risk_listing reordered = listing_from(
            "via_place,via_person,exposure_seconds,quarantine_until,last_exposure,"
            "first_exposure,code,hop,person\n"
            ",,0,,,,red,0,X0\n"
            "P1,X0,100,1970-01-15T00:03:20Z,1970-01-01T00:03:20Z,1970-01-01T00:01:40Z,red,1,X1\n");
        REQUIRE(reordered.rows.size() == 2);
        CHECK(reordered.rows[1] == plain.rows[1]);

        const explanation e = explain(with_monitoring, "X3");
        CHECK(written({e}, with_monitoring.tz, explanation_format::text) ==
              "X3 (hop 3, yellow): first exposed at P3 by X2, 1970-01-01T00:08:20Z to "
              "1970-01-01T00:10:00Z, 60 s in all\n"
              "X2 (hop 2, yellow): first exposed at P2 by X1, 1970-01-01T00:05:00Z to "
              "1970-01-01T00:06:40Z, 70 s in all\n"
              "X1 (hop 1, red): first exposed at P1 by X0, 1970-01-01T00:01:40Z to "
              "1970-01-01T00:03:20Z, 100 s in all\n"
              "X0 (hop 0, red): index case\n");
    }

    TEST_CASE("the zone is the first time's — a time in another zone is read at its offset") {
        const risk_listing listing =
            listing_from(header + "A,0,red,,,,0,,\n"
                                  "B,1,red,1970-01-01T09:00:00+09:00,1970-01-01T00:10:00Z,"
                                  "1970-01-14T19:10:00-05:00,600,A,M\n");
        CHECK(listing.tz == utc_offset{9 * 3600});
        CHECK(listing.rows[1].first_exposure == 0);
        CHECK(listing.rows[1].last_exposure == 600);
        CHECK(listing.rows[1].quarantine_until == 600 + 14 * 86400);
        // Written in the listing's zone.
        CHECK(written({explain(listing, "B")}, listing.tz, explanation_format::csv) ==
              cat(std::string(explanation_csv_header),
                  "\nB,1,B,1,red,1970-01-01T09:00:00+09:00,1970-01-01T09:10:00+09:00,600,A,M\n"
                  "B,2,A,0,red,,,0,,\n"));
    }

    TEST_CASE("ids with commas, quotes and control characters") {
        const risk_listing listing =
            listing_from(header + "\"C,1\",0,red,,,,0,,\n"
                                  "\"say \"\"hi\"\"\",1,red,1970-01-01T00:00:00Z,"
                                  "1970-01-01T00:20:00Z,1970-01-15T00:20:00Z,1200,\"C,1\","
                                  "\"K04,豪华KTV\"\n"
                                  "\"tab\there\",2,yellow,1970-01-01T01:00:00Z,"
                                  "1970-01-01T01:20:00Z,1970-01-15T01:20:00Z,1200,"
                                  "\"say \"\"hi\"\"\",\"line\nbreak\"\n");
        REQUIRE(listing.rows.size() == 3);
        CHECK(listing.rows[1].person == "say \"hi\"");
        CHECK(listing.rows[1].via_person == "C,1");
        CHECK(listing.rows[1].via_place == "K04,豪华KTV");
        const std::vector<std::string> asked = {"tab\there"};
        const std::vector<explanation> chains = explain(listing, asked);
        CHECK(written(chains, listing.tz, explanation_format::text) ==
              "tab\\there (hop 2, yellow): first exposed at line\\nbreak by say \"hi\", "
              "1970-01-01T01:00:00Z to 1970-01-01T01:20:00Z, 1200 s in all\n"
              "say \"hi\" (hop 1, red): first exposed at K04,豪华KTV by C,1, "
              "1970-01-01T00:00:00Z to 1970-01-01T00:20:00Z, 1200 s in all\n"
              "C,1 (hop 0, red): index case\n");
        CHECK(written(chains, listing.tz, explanation_format::csv) ==
              cat(std::string(explanation_csv_header),
                  // A tab needs no quoting (RFC 4180).
                  "\ntab\there,1,tab\there,2,yellow,1970-01-01T01:00:00Z,"
                  "1970-01-01T01:20:00Z,1200,\"say \"\"hi\"\"\",\"line\nbreak\"\n"
                  "tab\there,2,\"say \"\"hi\"\"\",1,red,1970-01-01T00:00:00Z,"
                  "1970-01-01T00:20:00Z,1200,\"C,1\",\"K04,豪华KTV\"\n"
                  "tab\there,3,\"C,1\",0,red,,,0,,\n"));
    }

    TEST_CASE("an unknown person: unknown_person_error naming it, nothing returned") {
        const risk_listing listing = listing_from(chain_csv);
        try {
            (void)explain(listing, "nobody");
            FAIL("no exception");
        } catch (const unknown_person_error& e) {
            CHECK(e.person() == "nobody");
            CHECK(std::string(e.what()) == "risk.csv: person 'nobody' is not listed");
        }
        const std::vector<std::string> asked = {"X3", "X9", "X1"};
        CHECK_THROWS_AS((void)explain(listing, asked), unknown_person_error);
        // Ids are compared byte for byte.
        CHECK_THROWS_AS((void)explain(listing, "x3"), unknown_person_error);
        CHECK_THROWS_AS((void)explain(listing, "X3 "), unknown_person_error);
        // An unknown person is an input error (exit status 2).
        CHECK_THROWS_AS((void)explain(listing, ""), input_error);
    }

    TEST_CASE("a broken chain throws input_error naming where it breaks, and never loops") {
        auto message = [](const std::vector<listed_person>& rows, const std::string& asked) {
            risk_listing listing;
            listing.rows = rows;
            listing.source = "list.csv";
            std::string text;
            try {
                (void)explain(listing, asked);
                FAIL("no exception");
            } catch (const unknown_person_error& e) {
                FAIL("the asked person is listed: " << e.what());
            } catch (const input_error& e) {
                text = e.what();
            }
            return text;
        };
        // The source is not listed.
        CHECK(
            message({listed_row("A", 0), listed_row("B", 1, "A"), listed_row("C", 2, "Z")}, "C") ==
            "list.csv: the chain breaks at 'C', hop 2: its via_person 'Z' is not listed");
        // Further down the chain of the asked person.
        CHECK(
            message({listed_row("A", 0), listed_row("B", 1, "Q"), listed_row("C", 2, "B")}, "C") ==
            "list.csv: the chain breaks at 'B' (in the chain of 'C'), hop 1: its via_person "
            "'Q' is not listed");
        // The source is at the same hop or higher.
        CHECK(
            message({listed_row("A", 0), listed_row("B", 2, "A"), listed_row("C", 2, "B")}, "C") ==
            "list.csv: the chain breaks at 'C', hop 2: its via_person 'B' is at hop 2, not "
            "below 2");
        // A cycle: B and C expose each other; a self-loop.
        CHECK(message({listed_row("B", 1, "C"), listed_row("C", 2, "B")}, "C") ==
              "list.csv: the chain breaks at 'B' (in the chain of 'C'), hop 1: its via_person "
              "'C' is at hop 2, not below 1");
        CHECK(message({listed_row("B", 1, "C"), listed_row("C", 1, "B")}, "B") ==
              "list.csv: the chain breaks at 'B', hop 1: its via_person 'C' is at hop 1, not "
              "below 1");
        CHECK(message({listed_row("S", 1, "S")}, "S") ==
              "list.csv: the chain breaks at 'S', hop 1: its via_person 'S' is at hop 1, not "
              "below 1");
        // No source at all.
        CHECK(message({listed_row("A", 0), listed_row("C", 1)}, "C") ==
              "list.csv: the chain breaks at 'C', hop 1: no via_person");
        // A listing made in memory has no source to name.
        risk_listing unnamed;
        unnamed.rows = {listed_row("C", 1)};
        CHECK(testing::input_error_message([&] { (void)explain(unnamed, "C"); }) ==
              "the chain breaks at 'C', hop 1: no via_person");
        // A broken link elsewhere does not stop the chains that do not use it.
        risk_listing partly;
        partly.rows = {listed_row("A", 0), listed_row("B", 1, "A"), listed_row("C", 2, "Z")};
        CHECK(explain(partly, "B").steps.size() == 2);
    }

    TEST_CASE("listing_index: rows and sources") {
        risk_listing listing = listing_from(chain_csv);
        const listing_index index(listing);
        CHECK(index.row_of("X0") == 0);
        CHECK(index.row_of("X3") == 3);
        CHECK(index.source_of(3) == 2);
        CHECK(index.source_of(1) == 0);
        CHECK_THROWS_AS((void)index.row_of("X4"), unknown_person_error);
    }

    TEST_CASE("bad rows are named FILE:LINE after the whole file is read") {
        const std::string text =
            header + "A,0,red,,,,0,,\n"                                                   // 2
                     "B,x,red,,,,0,,\n"                                                   // 3
                     "C,1,red,2022-04-17T12:20:00,2022-04-17T13:00:00+08:00,"             // 4
                     "2022-05-01T13:00:00+08:00,2400,A,R02\n"                             //
                     "D,1,red,2022-04-17T12:20:00+08:00,2022-04-17T13:00:00+08:00,"       // 5
                     "2022-05-01T13:00:00+08:00,2400,,R02\n"                              //
                     "E,1,red,2022-04-17T12:20:00+08:00,,2022-05-01T13:00:00+08:00,2400," // 6
                     "A,R02\n"                                                            //
                     "A,1,red,2022-04-17T12:20:00+08:00,2022-04-17T13:00:00+08:00,"       // 7
                     "2022-05-01T13:00:00+08:00,2400,A,R02\n"                             //
                     "F,1,red\n"                                                          // 8
                     "G,1,red,2022-04-17T12:20:00+08:00,2022-04-17T13:00:00+08:00,"       // 9
                     "2022-05-01T13:00:00+08:00,-5,A,R02\n"                               //
                     ",0,red,,,,0,,\n"                                                    // 10
                     "H,1,red,2022-02-30T12:20:00+08:00,2022-04-17T13:00:00+08:00,"       // 11
                     "2022-05-01T13:00:00+08:00,5,A,R02\n"                                //
                     "I,0,,,,,0,,\n"                                                      // 12
                     "J,0,red,,,,0,,\n";                                                  // 13
        const bad_rows_error e = testing::bad_rows_of([&] { (void)listing_from(text); });
        CHECK(e.file() == "risk.csv");
        CHECK(e.total() == 10);
        REQUIRE(e.rows().size() == 10);
        const std::uint64_t lines[] = {3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
        for (std::size_t i = 0; i < 10; ++i)
            CHECK(e.rows()[i].line == lines[i]);
        CHECK(e.rows()[0].reason == "hop: not a hop number ('x')");
        CHECK(e.rows()[1].reason ==
              "first_exposure: no UTC offset (Z or +HH:MM) ('2022-04-17T12:20:00')");
        CHECK(e.rows()[2].reason == "via_person: empty at hop 1 or more ('')");
        CHECK(e.rows()[3].reason == "last_exposure: empty at hop 1 or more ('')");
        CHECK(e.rows()[4].reason == "person: listed twice (first on line 2) ('A')");
        CHECK(e.rows()[5].reason == "expected 9 fields, found 3");
        CHECK(e.rows()[6].reason == "exposure_seconds: not a number of seconds ('-5')");
        CHECK(e.rows()[7].reason == "person: empty");
        CHECK(contains(e.rows()[8].reason, "first_exposure: invalid date"));
        CHECK(e.rows()[9].reason == "code: empty");
        CHECK(contains(e.report(), "risk.csv:3: hop: not a hop number"));
    }

    TEST_CASE("a missing column, an empty file or a missing file is an input_error") {
        const std::string missing = testing::input_error_message(
            [] { (void)listing_from("person,hop,code\nA,0,red\n", "short.csv"); });
        CHECK(contains(missing, "short.csv"));
        CHECK(contains(missing, "first_exposure"));
        CHECK(contains(testing::input_error_message([] { (void)listing_from(""); }), "empty"));
        CHECK_THROWS_AS((void)read_risk_listing(std::filesystem::path("/no/such/risk.csv")),
                        io_error);
        const risk_listing header_only = listing_from(header);
        CHECK(header_only.rows.empty());
        CHECK(header_only.tz == utc_offset{});
    }

    TEST_CASE("formats: parse_explanation_format and a failing stream") {
        CHECK(parse_explanation_format("text") == explanation_format::text);
        CHECK(parse_explanation_format("csv") == explanation_format::csv);
        try {
            (void)parse_explanation_format("json");
            FAIL("no exception");
        } catch (const parameter_error& e) {
            CHECK(e.parameter() == "format");
            CHECK(contains(e.what(), "'json'"));
        }
        const risk_listing listing = listing_from(chain_csv);
        const std::vector<explanation> chains = {explain(listing, "X2")};
        for (const explanation_format format :
             {explanation_format::text, explanation_format::csv}) {
            testing::failing_write_buf buffer;
            std::ostream broken(&buffer);
            CHECK_THROWS_AS(write_explanations(broken, chains, listing.tz, format), output_error);
        }
    }

    TEST_CASE("regression: a via_person more than one hop lower is a whole chain (§4), for "
              "explain and the transmission tree") {
        // C exposes r at A (10h-11h) and q at D (100h-101h): both hop 1, q
        // with E = 100h. At layer 2 r exposes q at B (20h-21h): q's E goes
        // down to 20h, its hop stays 1. At layer 3 q, infectious from 20h,
        // exposes p at E (30h-31h): p is at hop 3 with q, at hop 1, as source.
        const auto at = [](int hour) { return std::to_string(hour * 3600); };
        const std::string scans =
            cat("person,place,time,leave\n", "C,A,", at(10), ",", at(11), "\nr,A,", at(10), ",",
                at(11), "\nr,B,", at(20), ",", at(21), "\nq,B,", at(20), ",", at(21), "\nC,D,",
                at(100), ",", at(101), "\nq,D,", at(100), ",", at(101), "\nq,E,", at(30), ",",
                at(31), "\np,E,", at(30), ",", at(31), "\n");
        trace_parameters parameters;
        parameters.hops = 3;
        const auto run = ctrace::testing::run_trace(scans, "person,from\nC,0\n", parameters);
        const risk_listing listing =
            risk_listing_of(run.result, run.log.persons, run.log.places, {});
        const explanation chain = explain(listing, "p");
        REQUIRE(chain.steps.size() == 3);
        CHECK(chain.steps[0].person == "p");
        CHECK(chain.steps[0].hop == 3);
        CHECK(chain.steps[0].via_person == "q");
        CHECK(chain.steps[1].person == "q");
        CHECK(chain.steps[1].hop == 1);
        CHECK(chain.steps[2].person == "C");
        std::ostringstream tree;
        write_transmission_tree(tree, listing);
        CHECK(contains(tree.str(), ">p</data>"));
    }
} // TEST_SUITE
