// Tests of the cases reader (ctrace/io/cases.hpp; docs/semantics.md §1, §4).

#include "ctrace/core/error.hpp"
#include "ctrace/io/cases.hpp"
#include "test_helpers.hpp"

#include <algorithm>
#include <doctest/doctest.h>
#include <sstream>
#include <string>
#include <vector>

using namespace ctrace;
using ctrace::testing::bad_rows_of;
using ctrace::testing::contains;
using ctrace::testing::failing_buf;
using ctrace::testing::input_error_message;
using ctrace::testing::many_rows;
using ctrace::testing::starts_with;

namespace {

std::vector<index_case> cases_from(const std::string& text, id_table& persons,
                                   const case_read_options& options = {},
                                   const std::string& name = "cases.csv") {
    std::istringstream in(text);
    return read_cases(in, name, persons, options);
}

} // namespace

TEST_SUITE("cases") {

    TEST_CASE("read_cases: windows") {
        id_table persons;
        case_read_options options;
        options.lookback = 100;
        options.until = 100000;
        const auto cases = cases_from("to,extra,onset,person,from\n"
                                      "5000,x,3000,C1,1000\n" // from wins over onset
                                      ",x,3000,C2,\n"         // onset - lookback, until
                                      "4000,x,3000,C3,\n"     // onset - lookback, to
                                      ",,,C4,2000\n"          // from, until
                                      "\n"
                                      "-10,,,\"C,5\",-20\n", // negative times
                                      persons, options);
        REQUIRE(cases.size() == 5);
        CHECK(persons.size() == 5);
        const auto check_case = [&](std::size_t i, std::string_view id, time_point from,
                                    time_point to, std::uint64_t line) {
            CAPTURE(i);
            CHECK(persons[cases[i].person] == id);
            CHECK(cases[i].from == from);
            CHECK(cases[i].to == to);
            CHECK(cases[i].line == line);
        };
        check_case(0, "C1", 1000, 5000, 2);
        check_case(1, "C2", 2900, 100000, 3);
        check_case(2, "C3", 2900, 4000, 4);
        check_case(3, "C4", 2000, 100000, 5);
        check_case(4, "C,5", -20, -10, 7);
        // The onset is kept whether or not `from` wins over it.
        CHECK(cases[0].onset == 3000);
        CHECK(cases[1].onset == 3000);
        CHECK(cases[3].onset == time_infinity);
    }

    TEST_CASE("read_cases: an onset beside from is kept when it reads, left out when nothing "
              "needs it") {
        id_table persons;
        const auto cases =
            cases_from("person,from,onset\nA,1000,yesterday\nB,1000,2000\n", persons);
        REQUIRE(cases.size() == 2);
        CHECK(cases[0].from == 1000);
        CHECK(cases[0].onset == time_infinity);
        CHECK(cases[1].onset == 2000);
        SUBCASE("backward tracing needs it: a bad row") {
            id_table other;
            case_read_options options;
            options.require_onset = true;
            const bad_rows_error e = bad_rows_of([&] {
                cases_from("person,from,onset\nA,1000,yesterday\nB,1000,2000\n", other, options);
            });
            REQUIRE(e.rows().size() == 1);
            CHECK(e.rows()[0].line == 2);
            CHECK(contains(e.rows()[0].reason, "onset"));
            CHECK(other.size() == 0);
        }
        SUBCASE("a negative test to compare with needs it: a bad row") {
            id_table other;
            CHECK(bad_rows_of([&] {
                      cases_from("person,from,onset,last_negative\nA,1000,yesterday,500\n", other);
                  })
                      .rows()
                      .size() == 1);
        }
    }

    TEST_CASE("read_cases: require_onset (backward tracing)") {
        id_table persons;
        case_read_options options;
        options.require_onset = true;
        SUBCASE("a row without an onset is a bad row, named by its line") {
            const bad_rows_error e = bad_rows_of([&] {
                cases_from("person,from,onset\nA,1000,5000\nB,1000,\nC,,6000\n", persons, options);
            });
            REQUIRE(e.rows().size() == 1);
            CHECK(e.rows()[0].line == 3);
            CHECK(contains(e.rows()[0].reason, "onset is empty"));
            CHECK(persons.size() == 0);
        }
        SUBCASE("a file without the column is refused, naming it") {
            const std::string message =
                input_error_message([&] { cases_from("person,from\nA,1000\n", persons, options); });
            CHECK(contains(message, "cases.csv"));
            CHECK(contains(message, "'onset'"));
        }
        SUBCASE("every case has one") {
            const auto cases =
                cases_from("person,from,onset\nA,1000,5000\nC,,6000\n", persons, options);
            REQUIRE(cases.size() == 2);
            CHECK(cases[0].onset == 5000);
            CHECK(cases[1].onset == 6000);
            CHECK(cases[1].from == 6000 - defaults::lookback);
        }
    }

    TEST_CASE("read_cases: only from, only onset, default until") {
        id_table persons;
        const auto a = cases_from("person,from\nA,100\n", persons);
        REQUIRE(a.size() == 1);
        CHECK(a[0].from == 100);
        CHECK(a[0].to == time_infinity);

        const auto b = cases_from("person,onset\nB,1000000\n", persons);
        REQUIRE(b.size() == 1);
        CHECK(b[0].from == 1000000 - defaults::lookback);
        CHECK(b[0].to == time_infinity);
        CHECK(persons.size() == 2);
        CHECK(persons[b[0].person] == "B");
    }

    TEST_CASE("read_cases: interning into a table that has ids") {
        id_table persons;
        persons.intern("X");
        persons.intern("B");
        const auto cases = cases_from("person,from\nB,1\nN,2\n", persons);
        REQUIRE(cases.size() == 2);
        CHECK(cases[0].person == 1);
        CHECK(cases[1].person == 2);
        CHECK(persons.size() == 3);
    }

    TEST_CASE("read_cases: from a path with tz") {
        id_table persons;
        case_read_options options;
        options.tz = utc_offset{8 * 3600};
        const auto cases = read_cases(testing::fixture("tiny/cases.csv"), persons, options);
        REQUIRE(cases.size() == 2);
        CHECK(persons[cases[0].person] == "C1");
        CHECK(cases[0].from == 1650038400); // 2022-04-16 00:00 +08:00
        CHECK(cases[0].to == 1650513600);   // 2022-04-21 12:00 +08:00
        CHECK(persons[cases[1].person] == "C9");
        CHECK(cases[1].from == 1650499200 - defaults::lookback); // onset 2022-04-21 08:00 +08:00
        CHECK(cases[1].to == time_infinity);
        CHECK(cases[1].line == 3);
    }

    TEST_CASE("read_cases: bad rows are fatal and leave persons unchanged") {
        id_table persons;
        persons.intern("P0");
        persons.intern("C1");
        persons.intern("P2");
        const auto unchanged = [&] {
            CHECK(persons.size() == 3);
            CHECK(persons[0] == "P0");
            CHECK(persons[1] == "C1");
            CHECK(persons[2] == "P2");
            CHECK(persons.find("P0") == 0);
            CHECK(persons.find("C1") == 1);
            CHECK(persons.find("P2") == 2);
            CHECK(persons.find("NEW1") == id_table::npos);
            CHECK(persons.find("NEW2") == id_table::npos);
            CHECK(persons.find("NEW3") == id_table::npos);
        };

        SUBCASE("to <= from") {
            const auto e = bad_rows_of([&] {
                cases_from("person,from,to\nNEW1,100,200\nNEW2,100,100\nNEW3,100,50\n", persons);
            });
            CHECK(e.file() == "cases.csv");
            CHECK(e.total() == 2);
            REQUIRE(e.rows().size() == 2);
            CHECK(e.rows()[0].line == 3);
            CHECK(e.rows()[0].raw == "NEW2,100,100");
            CHECK(e.rows()[1].line == 4);
            unchanged();
        }
        SUBCASE("onset - lookback at or after to") {
            case_read_options options;
            options.lookback = 10;
            CHECK_THROWS_AS(cases_from("person,onset,to\nNEW1,100,90\n", persons, options),
                            bad_rows_error);
            unchanged();
        }
        SUBCASE("until at or before from") {
            case_read_options options;
            options.until = 100;
            CHECK_THROWS_AS(cases_from("person,from\nNEW1,50\nNEW2,100\n", persons, options),
                            bad_rows_error);
            unchanged();
        }
        SUBCASE("a person listed twice") {
            const auto e = bad_rows_of(
                [&] { cases_from("person,from\nNEW1,1\nC1,2\nNEW1,3\nNEW2,4\n", persons); });
            CHECK(e.total() == 1);
            REQUIRE(e.rows().size() == 1);
            CHECK(e.rows()[0].line == 4);
            CHECK(contains(e.rows()[0].reason, "NEW1"));
            unchanged();
        }
        SUBCASE("neither from nor onset in a row") {
            const auto e = bad_rows_of(
                [&] { cases_from("person,from,onset,to\nNEW1,1,,\nNEW2,,,5\n", persons); });
            CHECK(e.total() == 1);
            REQUIRE(e.rows().size() == 1);
            CHECK(e.rows()[0].line == 3);
            unchanged();
        }
        SUBCASE("bad times, empty person, wrong field count, malformed CSV") {
            const auto e = bad_rows_of([&] {
                cases_from("person,from,to\n"
                           "NEW1,1,2\n"
                           "NEW2,yesterday,\n"
                           "NEW3,1,later\n"
                           ",1,2\n"
                           "NEW1\n"
                           "\"NEW\n2\",1,2,3\n"
                           "NEW3,\"1\"x,2\n",
                           persons, {}, "c.csv");
            });
            CHECK(e.file() == "c.csv");
            CHECK(e.total() == 6);
            REQUIRE(e.rows().size() == 6);
            CHECK(e.rows()[0].line == 3);
            CHECK(contains(e.rows()[0].reason, "from"));
            CHECK(e.rows()[1].line == 4);
            CHECK(contains(e.rows()[1].reason, "to"));
            CHECK(e.rows()[2].line == 5);
            CHECK(contains(e.rows()[2].reason, "person"));
            CHECK(e.rows()[3].line == 6);
            CHECK(e.rows()[4].line == 7);
            CHECK(e.rows()[4].raw == "\"NEW\n2\",1,2,3");
            CHECK(e.rows()[5].line == 9);
            CHECK(starts_with(e.report(), "c.csv:3: "));
            unchanged();
        }
        SUBCASE("the first 20, then a count") {
            std::string text = "person,from\n";
            for (int i = 0; i < 23; ++i)
                text += "NEW" + std::to_string(i) + ",bad\n";
            const auto e = bad_rows_of([&] { cases_from(text, persons); });
            CHECK(e.total() == 23);
            CHECK(e.rows().size() == 20);
            const std::string report = e.report();
            CHECK(std::count(report.begin(), report.end(), '\n') == 21);
            CHECK(contains(report, "cases.csv: 3 more bad rows (23 in all)\n"));
            unchanged();
        }
        SUBCASE("header errors") {
            CHECK(contains(input_error_message([&] { cases_from("person,to\nA,1\n", persons); }),
                           "cases.csv"));
            const std::string m =
                input_error_message([&] { cases_from("who,from\nA,1\n", persons, {}, "k.csv"); });
            CHECK(contains(m, "k.csv"));
            CHECK(contains(m, "person"));
            CHECK(contains(input_error_message([&] { cases_from("", persons, {}, "k.csv"); }),
                           "k.csv"));
            unchanged();
        }
    }

    TEST_CASE("read_cases: last_negative bounds the look-back (§8.5)") {
        id_table persons;
        case_read_options options;
        options.lookback = 1000;
        options.until = 100000;
        // onset 5000 - lookback 1000 = 4000 without a negative test.
        const auto cases = cases_from("person,onset,from,to,last_negative\n"
                                      "N1,5000,,,4500\n"     // max(4000, 4500) = 4500
                                      "N2,5000,,,3000\n"     // max(4000, 3000) = 4000
                                      "N3,5000,,,\n"         // empty: onset - lookback
                                      "N4,5000,2000,,4500\n" // from wins
                                      "N5,5000,,6000,5000\n" // on the onset day: allowed
                                      "N6,,2000,,9000\n",    // no onset to compare: from
                                      persons, options);
        REQUIRE(cases.size() == 6);
        const auto check_case = [&](std::size_t i, std::string_view id, time_point from,
                                    time_point to) {
            CAPTURE(i);
            CHECK(persons[cases[i].person] == id);
            CHECK(cases[i].from == from);
            CHECK(cases[i].to == to);
        };
        check_case(0, "N1", 4500, 100000);
        check_case(1, "N2", 4000, 100000);
        check_case(2, "N3", 4000, 100000);
        check_case(3, "N4", 2000, 100000);
        check_case(4, "N5", 5000, 6000);
        check_case(5, "N6", 2000, 100000);
        CHECK(std::find(std::begin(cases_file_columns), std::end(cases_file_columns),
                        "last_negative") != std::end(cases_file_columns));
    }

    TEST_CASE("read_cases: last_negative with a time layout, a mapped column and a zone") {
        id_table persons;
        case_read_options options;
        options.tz = parse_utc_offset("+08:00");
        options.time_layout = time_format::compile("%d.%m.%Y %H:%M");
        options.columns = column_names::parse("last_negative=neg_test", cases_file_columns, "x");
        // onset 04-20 09:00 +08:00 - 4d = 04-16 09:00; the test on 04-18 08:00 bounds it.
        const auto cases = cases_from("person,onset,neg_test\n"
                                      "C1,2022-04-20 09:00,18.04.2022 08:00\n",
                                      persons, options);
        REQUIRE(cases.size() == 1);
        CHECK(cases[0].from == parse_time("2022-04-18T00:00:00Z", utc_offset{}));
    }

    TEST_CASE("read_cases: a last_negative later than the onset is a bad row") {
        id_table persons;
        const auto e = bad_rows_of([&] {
            cases_from("person,onset,last_negative,from\n"
                       "NEW1,5000,4000,\n"
                       "NEW2,5000,5001,\n"      // one second after the onset
                       "NEW3,5000,soon,\n"      // not a time
                       "NEW4,5000,6000,1000\n", // after the onset even though from wins
                       persons, {}, "screened.csv");
        });
        CHECK(e.file() == "screened.csv");
        CHECK(e.total() == 3);
        REQUIRE(e.rows().size() == 3);
        CHECK(e.rows()[0].line == 3);
        CHECK(contains(e.rows()[0].reason, "last_negative"));
        CHECK(contains(e.rows()[0].reason, "onset"));
        CHECK(e.rows()[0].raw == "NEW2,5000,5001,");
        CHECK(e.rows()[1].line == 4);
        CHECK(contains(e.rows()[1].reason, "last_negative"));
        CHECK(e.rows()[2].line == 5);
        CHECK(contains(e.rows()[2].reason, "last_negative"));
        CHECK(starts_with(e.report(), "screened.csv:3: "));
        CHECK(persons.size() == 0);
    }

    TEST_CASE("read_cases: a read error leaves persons unchanged") {
        // cases.hpp: "on any throw `persons` is left as it was".
        SUBCASE("at the first read") {
            id_table persons;
            persons.intern("P0");
            failing_buf buf("");
            std::istream in(&buf);
            CHECK_THROWS_AS(read_cases(in, "cases.csv", persons, {}), io_error);
            CHECK(persons.size() == 1);
        }
        SUBCASE("after rows have been read") {
            id_table persons;
            persons.intern("P0");
            failing_buf buf(many_rows("person,from\n", ",100\n"));
            std::istream in(&buf);
            CHECK_THROWS_AS(read_cases(in, "cases.csv", persons, {}), io_error);
            CHECK(persons.size() == 1);
            CHECK(persons.find("NEW0") == id_table::npos);
            CHECK(persons.find("P0") == 0);
        }
    }

    TEST_CASE("regression: a read error in read_cases left new ids in persons") {
        std::string text = "person,from\n";
        for (int i = 0; i < 400000; ++i)
            text.append("P").append(std::to_string(i)).append(",0\n");
        failing_buf buffer(text);
        std::istream in(&buffer);
        in.exceptions(std::ios::badbit);
        id_table persons;
        persons.intern("existing");
        CHECK_THROWS(read_cases(in, "cases.csv", persons, {}));
        CHECK(persons.size() == 1);
        CHECK(persons[0] == "existing");
    }

} // TEST_SUITE
