// Tests of the places, scans and cases readers (spec §1, §2.1, §4, §6).

#include "ctrace/cases.hpp"
#include "ctrace/error.hpp"
#include "ctrace/scans.hpp"
#include "test_helpers.hpp"

#include <algorithm>
#include <cstdlib>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <streambuf>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace ctrace;
using ctrace::testing::temp_dir;

namespace {

bool contains(std::string_view haystack, std::string_view needle) {
    return haystack.find(needle) != std::string_view::npos;
}

/// Concatenates strings by appending (GCC 12 warns falsely, -Wrestrict, on
/// `"literal" + std::string`).
template <typename... T>
std::string cat(const T&... parts) {
    std::string s;
    (s.append(parts), ...);
    return s;
}

bool starts_with(std::string_view s, std::string_view prefix) {
    return s.starts_with(prefix);
}

place_table places_from(const std::string& text, const std::string& name = "places.csv") {
    std::istringstream in(text);
    return read_places(in, name);
}

scan_log scans_from(const std::string& text, const place_table& places = {},
                    const scan_read_options& options = {}, const std::string& name = "scans.csv") {
    std::istringstream in(text);
    return read_scans(in, name, places, options);
}

scan_log scans_skip_bad(const std::string& text, const place_table& places = {}) {
    scan_read_options options;
    options.skip_bad = true;
    return scans_from(text, places, options);
}

std::vector<index_case> cases_from(const std::string& text, id_table& persons,
                                   const case_read_options& options = {},
                                   const std::string& name = "cases.csv") {
    std::istringstream in(text);
    return read_cases(in, name, persons, options);
}

/// The message of the `input_error` (not a `bad_rows_error`) thrown by `f`.
template <typename F>
std::string input_error_message(F&& f) {
    try {
        f();
    } catch (const bad_rows_error& e) {
        FAIL_CHECK("bad_rows_error instead of a plain input_error: " << e.what());
        return e.what();
    } catch (const input_error& e) {
        return e.what();
    }
    FAIL_CHECK("no exception");
    return {};
}

/// The `bad_rows_error` thrown by `f`.
template <typename F>
bad_rows_error bad_rows_of(F&& f) {
    try {
        f();
    } catch (const bad_rows_error& e) {
        return e;
    }
    FAIL_CHECK("no bad_rows_error");
    return bad_rows_error("", {}, 0);
}

struct visit_t {
    std::string person, place;
    time_point start, end;
    bool operator==(const visit_t&) const = default;
};

std::vector<visit_t> visits_of(const scan_log& log) {
    std::vector<visit_t> out;
    for (const visit& v : log.visits)
        out.push_back(
            {std::string(log.persons[v.person]), std::string(log.places[v.place]), v.start, v.end});
    return out;
}

std::ostream& operator<<(std::ostream& os, const visit_t& v) {
    return os << "{" << v.person << "," << v.place << "," << v.start << "," << v.end << "}";
}

} // namespace

namespace doctest {
template <>
struct StringMaker<std::vector<visit_t>> {
    static String convert(const std::vector<visit_t>& vs) {
        std::ostringstream os;
        for (const auto& v : vs)
            os << v << " ";
        return os.str().c_str();
    }
};
} // namespace doctest

TEST_SUITE("readers") {

    // ---------------------------------------------------------------------------
    // places

    TEST_CASE("read_places: columns by name, optional columns, unknown columns") {
        const place_table t = places_from("lon,dwell,extra,place,name,lat,district,category\n"
                                          "114.1,2h,zz,M01,Harbour Mall,22.3,Kowloon,mall\n"
                                          "114.2,,zz,R02,\"Noodle, House\",22.4,,restaurant\n"
                                          "\n"
                                          ",900,,\"K04,豪华KTV\",,,,\n");
        REQUIRE(t.size() == 3);
        CHECK(t.ids[0] == "M01");
        CHECK(t.ids[1] == "R02");
        CHECK(t.ids[2] == "K04,豪华KTV");
        CHECK(t.ids.find("K04,豪华KTV") == 2);
        CHECK(t.dwell == std::vector<duration>{7200, -1, 900});
        CHECK(t.has_dwell);
        CHECK(t.has_name);
        CHECK(t.has_category);
        CHECK(t.has_district);
        CHECK(t.has_lat);
        CHECK(t.has_lon);
        CHECK(t.name == std::vector<std::string>{"Harbour Mall", "Noodle, House", ""});
        CHECK(t.category == std::vector<std::string>{"mall", "restaurant", ""});
        CHECK(t.district == std::vector<std::string>{"Kowloon", "", ""});
        CHECK(t.lat == std::vector<std::string>{"22.3", "22.4", ""});
        CHECK(t.lon == std::vector<std::string>{"114.1", "114.2", ""});
    }

    TEST_CASE("read_places: only the place column") {
        const place_table t = places_from("place\nA\nB\n");
        REQUIRE(t.size() == 2);
        CHECK_FALSE(t.has_dwell);
        CHECK_FALSE(t.has_name);
        CHECK_FALSE(t.has_category);
        CHECK_FALSE(t.has_district);
        CHECK_FALSE(t.has_lat);
        CHECK_FALSE(t.has_lon);
        CHECK(t.dwell == std::vector<duration>{-1, -1});
        CHECK(t.name == std::vector<std::string>{"", ""});
    }

    TEST_CASE("read_places: from a path") {
        const place_table t = read_places(testing::fixture("tiny/places.csv"));
        REQUIRE(t.size() == 4);
        CHECK(t.ids[0] == "M01");
        CHECK(t.ids[3] == "K04,豪华KTV");
        CHECK(t.dwell == std::vector<duration>{7200, 5400, -1, 10800});
        CHECK(t.name[3] == "Luxury KTV");
        CHECK(t.category[2] == "bank");
    }

    TEST_CASE("read_places: errors") {
        SUBCASE("a place listed twice is fatal") {
            const auto e = bad_rows_of([] { places_from("place,dwell\nA,1h\nB,\nA,2h\n"); });
            CHECK(e.file() == "places.csv");
            CHECK(e.total() == 1);
            REQUIRE(e.rows().size() == 1);
            CHECK(e.rows()[0].line == 4);
            CHECK(contains(e.rows()[0].reason, "twice"));
            CHECK(e.rows()[0].raw == "A,2h");
            CHECK(starts_with(e.report(), "places.csv:4: "));
        }
        SUBCASE("ids differing in case or spaces are different places") {
            const place_table t = places_from("place\nA\na\nA \n");
            CHECK(t.size() == 3);
        }
        SUBCASE("bad rows are fatal") {
            const auto e = bad_rows_of([] {
                places_from("place,dwell\nA,15x\n,1h\nB,1h,extra\nC,\"un\"term\nD,-5\nE,1.5h\n");
            });
            CHECK(e.total() == 6);
            REQUIRE(e.rows().size() == 6);
            CHECK(e.rows()[0].line == 2);
            CHECK(contains(e.rows()[0].reason, "dwell"));
            CHECK(e.rows()[1].line == 3);
            CHECK(contains(e.rows()[1].reason, "place"));
            CHECK(e.rows()[2].line == 4);
            CHECK(contains(e.rows()[2].reason, "fields"));
            CHECK(e.rows()[3].line == 5);
            CHECK(e.rows()[4].line == 6);
            CHECK(e.rows()[5].line == 7);
        }
        SUBCASE("missing place column") {
            const std::string m =
                input_error_message([] { places_from("name,dwell\nA,1h\n", "my_places.csv"); });
            CHECK(contains(m, "my_places.csv"));
            CHECK(contains(m, "place"));
        }
        SUBCASE("empty file") {
            const std::string m = input_error_message([] { places_from("", "p.csv"); });
            CHECK(contains(m, "p.csv"));
            CHECK_FALSE(input_error_message([] { places_from("\n\r\n\n"); }).empty());
        }
        SUBCASE("missing file") {
            const fs::path missing = testing::fixture("tiny/no_such_places.csv");
            try {
                (void)read_places(missing);
                FAIL("no exception");
            } catch (const io_error& e) {
                CHECK(contains(e.what(), missing.string()));
            }
        }
    }

    // ---------------------------------------------------------------------------
    // scans

    TEST_CASE("read_scans: columns by name in any order, unknown columns ignored") {
        const scan_log log = scans_from("gate,time,leave,place,note,person\n"
                                        "e,100,200,M01,x,A\n"
                                        "w,150,,M01,,B\n"
                                        "\n"
                                        "e,300,300,\"R,02\",,\"A\"\n");
        CHECK(log.rows_read == 3);
        CHECK(log.rejects.empty());
        CHECK(visits_of(log) == std::vector<visit_t>{{"A", "M01", 100, 200},
                                                     {"B", "M01", 150, 150 + 3600},
                                                     {"A", "R,02", 300, 300}});
        CHECK(log.persons.size() == 2);
        CHECK(log.persons[0] == "A");
        CHECK(log.persons[1] == "B");
        CHECK(log.places.size() == 2);
    }

    TEST_CASE("read_scans: ISO times use the tz option") {
        scan_read_options options;
        options.tz = utc_offset{8 * 3600};
        const scan_log log = scans_from("person,place,time,leave\n"
                                        "A,M01,2022-04-19 18:00,2022-04-19T11:00:00Z\n"
                                        "B,M01,1650362400,2022-04-19 19:30:00.9\n",
                                        {}, options);
        CHECK(visits_of(log) == std::vector<visit_t>{{"A", "M01", 1650362400, 1650366000},
                                                     {"B", "M01", 1650362400, 1650367800}});
    }

    TEST_CASE("read_scans: the end of a visit without check-out") {
        const place_table places = places_from("place,dwell\nM01,2h\nB03,\nR02,0\n");

        SUBCASE("leave given wins over every dwell") {
            const scan_log log = scans_from("person,place,time,leave\nA,M01,0,10\n", places);
            CHECK(visits_of(log) == std::vector<visit_t>{{"A", "M01", 0, 10}});
        }
        SUBCASE("empty leave: dwell of the place, else the default") {
            scan_read_options options;
            options.default_dwell = 1800;
            const scan_log log = scans_from("person,place,time,leave\n"
                                            "A,M01,0,\n"
                                            "A,B03,0,\n"
                                            "A,X99,0,\n"
                                            "A,R02,0,\n",
                                            places, options);
            CHECK(visits_of(log) == std::vector<visit_t>{{"A", "M01", 0, 7200},
                                                         {"A", "B03", 0, 1800},
                                                         {"A", "X99", 0, 1800},
                                                         {"A", "R02", 0, 0}});
            // The places file's ids come first, with the same indices.
            CHECK(log.places.size() == 4);
            CHECK(log.places[0] == "M01");
            CHECK(log.places[1] == "B03");
            CHECK(log.places[2] == "R02");
            CHECK(log.places[3] == "X99");
            CHECK(log.visits[3].place == 2);
        }
        SUBCASE("no leave column at all") {
            const scan_log log = scans_from("place,person,time\nM01,A,0\nQ,A,5\n", places);
            CHECK(visits_of(log) ==
                  std::vector<visit_t>{{"A", "M01", 0, 7200}, {"A", "Q", 5, 3605}});
        }
        SUBCASE("no places file: the default dwell") {
            const scan_log log = scans_from("person,place,time\nA,M01,0\n");
            CHECK(visits_of(log) == std::vector<visit_t>{{"A", "M01", 0, 3600}});
        }
    }

    TEST_CASE("read_scans: leave == time is a valid empty visit, leave < time a bad row") {
        const scan_log ok = scans_from("person,place,time,leave\nA,M01,100,100\n");
        CHECK(ok.rejects.empty());
        CHECK(visits_of(ok) == std::vector<visit_t>{{"A", "M01", 100, 100}});

        const scan_log log = scans_skip_bad("person,place,time,leave\nA,M01,100,99\nB,M01,5,6\n");
        CHECK(visits_of(log) == std::vector<visit_t>{{"B", "M01", 5, 6}});
        REQUIRE(log.rejects.size() == 1);
        CHECK(log.rejects[0].line == 2);
        CHECK(contains(log.rejects[0].reason, "leave"));
        CHECK(log.rejects[0].raw == "A,M01,100,99");
    }

    TEST_CASE("read_scans: bad rows under skip_bad") {
        const std::string text = "person,place,time,leave\n"   // 1
                                 "A,M01,100,\n"                // 2 good
                                 "A,M01\n"                     // 3 too few fields
                                 "A,M01,100,,x\n"              // 4 too many fields
                                 ",M01,100,\n"                 // 5 empty person
                                 "A,,100,\n"                   // 6 empty place
                                 "A,M01,,\n"                   // 7 empty time
                                 "A,M01,2022-02-30,\n"         // 8 invalid date
                                 "A,M01,100,soon\n"            // 9 bad leave
                                 "\n"                          // 10 blank
                                 "\"multi\nline\",M01,nope,\n" // 11-12 bad time
                                 "B,\"M\"\"01\",100,50\n"      // 13 leave < time
                                 "B,M01,1\"00,\n"              // 14 quote in field
                                 "\"C\r\nD\",M01,200,\r\n"     // 15-16 good (CRLF)
                                 "A,M01, 100,\n"               // 17 space in time
                                 "\"unterminated,M01,100,\n"   // 18 unterminated
                                 "E,M01,300,\n";               // 19 good
        const scan_log log = scans_skip_bad(text);
        CHECK(log.rows_read == 15);
        CHECK(visits_of(log) == std::vector<visit_t>{{"A", "M01", 100, 3700},
                                                     {"C\r\nD", "M01", 200, 3800},
                                                     {"E", "M01", 300, 3900}});
        const std::vector<std::pair<std::uint64_t, std::string>> expected = {
            {3, "A,M01"},
            {4, "A,M01,100,,x"},
            {5, ",M01,100,"},
            {6, "A,,100,"},
            {7, "A,M01,,"},
            {8, "A,M01,2022-02-30,"},
            {9, "A,M01,100,soon"},
            {11, "\"multi\nline\",M01,nope,"},
            {13, "B,\"M\"\"01\",100,50"},
            {14, "B,M01,1\"00,"},
            {17, "A,M01, 100,"},
            {18, "\"unterminated,M01,100,"},
        };
        REQUIRE(log.rejects.size() == expected.size());
        for (std::size_t i = 0; i < expected.size(); ++i) {
            CAPTURE(i);
            CHECK(log.rejects[i].line == expected[i].first);
            CHECK(log.rejects[i].raw == expected[i].second);
            CHECK_FALSE(log.rejects[i].reason.empty());
        }
        CHECK(contains(log.rejects[0].reason, "expected 4 fields, found 2"));
        CHECK(contains(log.rejects[1].reason, "expected 4 fields, found 5"));
        CHECK(contains(log.rejects[2].reason, "person"));
        CHECK(contains(log.rejects[3].reason, "place"));
        CHECK(contains(log.rejects[4].reason, "time"));
        CHECK(contains(log.rejects[5].reason, "time"));
        CHECK(contains(log.rejects[6].reason, "leave"));
        CHECK(contains(log.rejects[7].reason, "time"));
        CHECK(contains(log.rejects[8].reason, "leave"));
        CHECK(contains(log.rejects[9].reason, "quote"));
        CHECK(contains(log.rejects[10].reason, "time"));
        CHECK(contains(log.rejects[11].reason, "quote"));
    }

    TEST_CASE("read_scans: skip_bad keeps every reject, past 20") {
        std::string text = "person,place,time\n";
        for (int i = 0; i < 30; ++i)
            text += cat("P", std::to_string(i), ",M01,bad", std::to_string(i), "\nQ,M01,5\n");
        const scan_log log = scans_skip_bad(text);
        CHECK(log.rows_read == 60);
        CHECK(log.visits.size() == 30);
        REQUIRE(log.rejects.size() == 30);
        for (std::size_t i = 0; i < 30; ++i) {
            CHECK(log.rejects[i].line == 2 + 2 * i);
            CHECK(log.rejects[i].raw == cat("P", std::to_string(i), ",M01,bad", std::to_string(i)));
        }
    }

    TEST_CASE("read_scans: strict mode throws bad_rows_error naming FILE:LINE") {
        SUBCASE("a few bad rows") {
            const auto e = bad_rows_of([] {
                scans_from("person,place,time,leave\n"
                           "A,M01,100,\n"
                           "A,M01,100,99\n"
                           "\n"
                           "\"x\ny\",M01,oops,\n"
                           "B,M01\n",
                           {}, {}, "data/scans.csv");
            });
            CHECK(e.file() == "data/scans.csv");
            CHECK(e.total() == 3);
            REQUIRE(e.rows().size() == 3);
            CHECK(e.rows()[0].line == 3);
            CHECK(e.rows()[1].line == 5);
            CHECK(e.rows()[1].raw == "\"x\ny\",M01,oops,");
            CHECK(e.rows()[2].line == 7);
            const std::string report = e.report();
            const std::string expected = "data/scans.csv:3: " + e.rows()[0].reason + "\n" +
                                         "data/scans.csv:5: " + e.rows()[1].reason + "\n" +
                                         "data/scans.csv:7: " + e.rows()[2].reason + "\n";
            CHECK(report == expected);
            CHECK(contains(report, "data/scans.csv:7: expected 4 fields, found 2\n"));
            CHECK(contains(e.what(), "data/scans.csv"));
            CHECK(contains(e.what(), "3"));
        }
        SUBCASE("the first 20, then a count") {
            std::string text = "person,place,time\n";
            for (int i = 0; i < 25; ++i)
                text += "A,M01,x" + std::to_string(i) + "\n";
            const auto e = bad_rows_of([&] { scans_from(text); });
            CHECK(e.total() == 25);
            REQUIRE(e.rows().size() == 20);
            std::istringstream report(e.report());
            std::vector<std::string> lines;
            for (std::string line; std::getline(report, line);)
                lines.push_back(line);
            REQUIRE(lines.size() == 21);
            for (std::size_t i = 0; i < 20; ++i) {
                CAPTURE(i);
                CHECK(starts_with(lines[i], "scans.csv:" + std::to_string(i + 2) + ": "));
                CHECK(contains(lines[i], cat("x", std::to_string(i))));
            }
            CHECK(starts_with(lines[20], "scans.csv: "));
            CHECK(contains(lines[20], "5"));
            CHECK(contains(lines[20], "25"));
            CHECK(e.report().back() == '\n');
        }
        SUBCASE("exactly 20 bad rows: no count line") {
            std::string text = "person,place,time\n";
            for (int i = 0; i < 20; ++i)
                text += "A,M01,x\n";
            const auto e = bad_rows_of([&] { scans_from(text); });
            CHECK(e.total() == 20);
            const std::string report = e.report();
            CHECK(std::count(report.begin(), report.end(), '\n') == 20);
        }
    }

    TEST_CASE("read_scans: header errors") {
        SUBCASE("each required column") {
            for (const char* column : {"person", "place", "time"}) {
                CAPTURE(column);
                std::string header = "person,place,time,leave";
                header.replace(header.find(column), std::string(column).size(), "other");
                const std::string m = input_error_message(
                    [&] { scans_from(header + "\nA,B,1,\n", {}, {}, "s1.csv"); });
                CHECK(contains(m, "s1.csv"));
                CHECK(contains(m, column));
            }
        }
        SUBCASE("names are not trimmed or case-folded") {
            const std::string m = input_error_message([] { scans_from("Person,place, time\n"); });
            CHECK(contains(m, "person"));
        }
        SUBCASE("empty file") {
            CHECK(contains(input_error_message([] { scans_from("", {}, {}, "e.csv"); }), "e.csv"));
            CHECK(contains(input_error_message([] { scans_from("\n\n", {}, {}, "e.csv"); }),
                           "e.csv"));
            CHECK(contains(input_error_message([] { scans_from("\xEF\xBB\xBF", {}, {}, "e.csv"); }),
                           "e.csv"));
        }
        SUBCASE("a header without data rows is fine") {
            const scan_log log = scans_from("person,place,time\n");
            CHECK(log.rows_read == 0);
            CHECK(log.visits.empty());
        }
        SUBCASE("a column twice") {
            CHECK(contains(input_error_message([] { scans_from("person,place,time,place\n"); }),
                           "place"));
        }
    }

    TEST_CASE("read_scans: from a path") {
        const place_table places = read_places(testing::fixture("tiny/places.csv"));
        scan_read_options options;
        options.tz = utc_offset{8 * 3600};
        const scan_log log = read_scans(testing::fixture("tiny/scans.csv"), places, options);
        CHECK(log.rows_read == 24);
        CHECK(log.rejects.empty());
        REQUIRE(log.visits.size() == 24);
        CHECK(log.places.size() == 4);
        CHECK(log.persons.size() == 12);
        const auto v = visits_of(log);
        // 2022-04-19 10:00 +08:00 at M01 (dwell 2h).
        CHECK(v[0] == visit_t{"C1", "M01", 1650333600, 1650333600 + 7200});
        // Check-out given.
        CHECK(v[2] == visit_t{"B", "M01", 1650337200, 1650338100});
        // Epoch seconds at R02 (dwell 1h30m).
        CHECK(v[4] == visit_t{"D", "R02", 1650342600, 1650342600 + 5400});
        // Z time at B03 (no dwell: default 60m).
        CHECK(v[7] == visit_t{"E", "B03", 1650328200, 1650328200 + 3600});
        CHECK(v[9].place == "K04,豪华KTV");
        CHECK(v[9].end - v[9].start == 10800);
        // The fraction is dropped.
        CHECK(v[18] == visit_t{"J", "R02", 1650512400, 1650515400});
        CHECK(v[22].person == "Li, Wei");

        const fs::path missing = testing::fixture("tiny/no_such_scans.csv");
        try {
            (void)read_scans(missing, places, options);
            FAIL("no exception");
        } catch (const io_error& e) {
            CHECK(contains(e.what(), missing.string()));
        }
        temp_dir dir;
        CHECK_THROWS_AS((void)read_scans(dir.path(), places, options), io_error);
    }

    TEST_CASE("read_scans: skip_bad from a path keeps raw rows with CRLF line ends") {
        temp_dir dir;
        const fs::path p = dir.write("scans.csv", "\xEF\xBB\xBFperson,place,time\r\n"
                                                  "A,M01,1\r\n"
                                                  "\r\n"
                                                  "\"B\r\nB\",M01,x\r\n"
                                                  "C,M01,2");
        scan_read_options options;
        options.skip_bad = true;
        const scan_log log = read_scans(p, {}, options);
        CHECK(log.rows_read == 3);
        CHECK(log.visits.size() == 2);
        REQUIRE(log.rejects.size() == 1);
        CHECK(log.rejects[0].line == 4);
        CHECK(log.rejects[0].raw == "\"B\r\nB\",M01,x");
    }

    // ---------------------------------------------------------------------------
    // cases

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
    }

    TEST_CASE("read_cases: only from, only onset, default until") {
        id_table persons;
        const auto a = cases_from("person,from\nA,100\n", persons);
        REQUIRE(a.size() == 1);
        CHECK(a[0].from == 100);
        CHECK(a[0].to == time_infinity);

        const auto b = cases_from("person,onset\nB,1000000\n", persons);
        REQUIRE(b.size() == 1);
        CHECK(b[0].from == 1000000 - 4 * 86400);
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
        CHECK(cases[1].from == 1650499200 - 4 * 86400); // onset 2022-04-21 08:00 +08:00
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

    namespace {

    /// A stream buffer that serves `data`, then fails on the next read.
    class failing_buf : public std::streambuf {
    public:
        explicit failing_buf(std::string data) : data_(std::move(data)) {}

    protected:
        int_type underflow() override {
            if (!served_ && !data_.empty()) {
                served_ = true;
                setg(data_.data(), data_.data(), data_.data() + data_.size());
                return traits_type::to_int_type(data_[0]);
            }
            throw std::runtime_error("device error");
        }

    private:
        std::string data_;
        bool served_ = false;
    };

    /// More than the reader's first 4 MiB block of good rows, so that the read
    /// error comes after rows have been taken in.
    std::string many_rows(const std::string& header, const std::string& row_tail) {
        std::string text = header;
        for (int i = 0; text.size() < (std::size_t{5} << 20); ++i) {
            text += "NEW";
            text += std::to_string(i);
            text += row_tail;
        }
        return text;
    }

    } // namespace

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

    TEST_CASE("read_scans: a read error throws io_error") {
        failing_buf buf(many_rows("person,place,time\n", ",M01,100\n"));
        std::istream in(&buf);
        try {
            (void)read_scans(in, "scans.csv", {}, {});
            FAIL("no exception");
        } catch (const io_error& e) {
            CHECK(contains(e.what(), "scans.csv"));
        }
    }

} // TEST_SUITE
