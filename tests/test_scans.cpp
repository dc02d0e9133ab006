// Tests of the places and scans readers (ctrace/io/scans.hpp; docs/semantics.md
// §1, §2.1, §6), and of reading a scans file in pieces on several threads:
// exactly what one thread gives (visits, ids and their order, rows read,
// rejects with lines).

#include "ctrace/core/error.hpp"
#include "ctrace/io/scans.hpp"
#include "test_helpers.hpp"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <doctest/doctest.h>
#include <filesystem>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace fs = std::filesystem;
using namespace ctrace;
using ctrace::testing::bad_rows_of;
using ctrace::testing::cat;
using ctrace::testing::contains;
using ctrace::testing::failing_buf;
using ctrace::testing::input_error_message;
using ctrace::testing::many_rows;
using ctrace::testing::starts_with;
using ctrace::testing::temp_dir;

namespace {

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

/// A scans file with the awkward things: quoted ids with commas and line
/// breaks, blank lines, CRLF, a BOM, bad rows, an unterminated quote.
std::string random_scans(std::mt19937_64& rng, std::size_t rows) {
    auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
    std::string out = pick(2) ? "\xEF\xBB\xBF" : "";
    const bool crlf = pick(2) == 0;
    const char* eol = crlf ? "\r\n" : "\n";
    out += "time,person,place,leave,note";
    out += eol;
    for (std::size_t i = 0; i < rows; ++i) {
        const std::size_t kind = pick(40);
        const long t = 1650000000 + static_cast<long>(pick(100000));
        std::string person = "P", place = "X";
        person += std::to_string(pick(50));
        place += std::to_string(pick(7));
        if (kind == 0) {
            out += eol; // blank line
            continue;
        }
        if (kind == 1) {
            out += std::to_string(t) + ",\"" + person + ",with comma\"," + place + ",,\"two" + eol +
                   "lines\"" + eol;
            continue;
        }
        if (kind == 2) {
            out += "bad-time," + person + "," + place + ",," + eol;
            continue;
        }
        if (kind == 3) {
            out += std::to_string(t) + "," + person + eol; // too few fields
            continue;
        }
        if (kind == 4) {
            out += std::to_string(t) + "," + person + "," + place + "," + std::to_string(t - 5) +
                   "," + eol; // leave before time
            continue;
        }
        const std::string leave =
            pick(3) == 0 ? std::to_string(t + static_cast<long>(pick(4000))) : "";
        out += std::to_string(t) + "," + person + "," + place + "," + leave + ",n" + eol;
    }
    if (pick(10) == 0) out += "1650000000,\"Q,unterminated,X1,,"; // swallows nothing after it
    return out;
}

bool same_log(const scan_log& a, const scan_log& b) {
    if (a.persons.size() != b.persons.size() || a.places.size() != b.places.size()) return false;
    for (std::size_t i = 0; i < a.persons.size(); ++i)
        if (a.persons[static_cast<person_index>(i)] != b.persons[static_cast<person_index>(i)])
            return false;
    for (std::size_t i = 0; i < a.places.size(); ++i)
        if (a.places[static_cast<place_index>(i)] != b.places[static_cast<place_index>(i)])
            return false;
    if (a.visits.size() != b.visits.size() || a.rows_read != b.rows_read ||
        a.rejects.size() != b.rejects.size() || a.bytes_read != b.bytes_read ||
        a.sha256 != b.sha256)
        return false;
    for (std::size_t i = 0; i < a.visits.size(); ++i) {
        const visit &x = a.visits[i], &y = b.visits[i];
        if (x.person != y.person || x.place != y.place || x.start != y.start || x.end != y.end)
            return false;
    }
    for (std::size_t i = 0; i < a.rejects.size(); ++i)
        if (a.rejects[i].line != b.rejects[i].line || a.rejects[i].reason != b.rejects[i].reason ||
            a.rejects[i].raw != b.rejects[i].raw)
            return false;
    return true;
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

TEST_SUITE("scans") {

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

    // ---------------------------------------------------------------------------
    // reading in pieces on several threads

    TEST_CASE("parallel read: pieces on several threads equal one thread") {
        temp_dir dir;
        std::mt19937_64 rng(20261123);
        for (int round = 0; round < 120; ++round) {
            const std::string text = random_scans(rng, 20 + rng() % 400);
            const auto path = dir.write("scans.csv", text);
            scan_read_options one;
            one.skip_bad = true;
            one.threads = 1;
            one.compute_sha256 = round % 3 == 0;
            const scan_log expected = read_scans(path, {}, one);
            for (const unsigned threads : {2u, 3u, 7u}) {
                // Chunks from a byte (a chunk boundary at every line end, and in
                // quoted line breaks) to the whole file.
                for (const std::uint64_t chunk_bytes :
                     {std::uint64_t{1}, std::uint64_t{37}, std::uint64_t{1000},
                      std::uint64_t{1} << 21}) {
                    scan_read_options many = one;
                    many.threads = threads;
                    many.parallel_min_bytes = 0;
                    many.chunk_bytes = chunk_bytes;
                    const scan_log got = read_scans(path, {}, many);
                    CAPTURE(round);
                    CAPTURE(threads);
                    CAPTURE(chunk_bytes);
                    CHECK(same_log(expected, got));
                }
            }
        }
    }

    TEST_CASE("parallel read: strict mode reports the same first rows and count") {
        temp_dir dir;
        std::string text = "person,place,time\n";
        for (int i = 0; i < 3000; ++i) {
            text.append("P").append(std::to_string(i % 17)).append(",X,");
            text.append(i % 97 == 5 ? "bad" : std::to_string(i)).append("\n");
        }
        const auto path = dir.write("scans.csv", text);
        auto failure = [&](unsigned threads) {
            scan_read_options options;
            options.threads = threads;
            options.parallel_min_bytes = 0;
            options.chunk_bytes = 100;
            try {
                (void)read_scans(path, {}, options);
            } catch (const bad_rows_error& e) {
                return e.report();
            }
            return std::string("no error");
        };
        const std::string expected = failure(1);
        CHECK(expected.find("scans.csv:7: time") != std::string::npos);
        CHECK(failure(2) == expected);
        CHECK(failure(5) == expected);
    }

    // ---------------------------------------------------------------------------
    // slices, as the processes of a distributed run read them

    TEST_CASE("read_scans_slice: the slices of a file, put together in order, are the file") {
        temp_dir dir;
        std::mt19937_64 rng(20261130);
        int whole = 0, refused = 0;
        for (int round = 0; round < 80; ++round) {
            const std::string text = random_scans(rng, 20 + rng() % 400);
            const auto path = dir.write("scans.csv", text);
            for (const bool skip_bad : {true, false}) {
                scan_read_options options;
                options.skip_bad = skip_bad;
                options.threads = 1;
                scan_log expected;
                std::optional<bad_rows_error> expected_error;
                try {
                    expected = read_scans(path, {}, options);
                } catch (const bad_rows_error& e) {
                    expected_error = e;
                }
                for (const std::size_t count : {1u, 2u, 3u, 7u, 64u}) {
                    CAPTURE(round);
                    CAPTURE(skip_bad);
                    CAPTURE(count);
                    scan_log merged;
                    std::vector<bad_row> bad;
                    std::uint64_t bad_total = 0, lines_before = 0, bytes = 0;
                    bool cut_in_quotes = false;
                    const auto read_slices = [&](slice_mode mode) {
                        merged = {};
                        bad.clear();
                        bad_total = lines_before = bytes = 0;
                        for (std::size_t k = 0; k < count; ++k) {
                            scan_slice slice = read_scans_slice(path, {}, options, k, count, mode);
                            cut_in_quotes = cut_in_quotes || slice.ended_inside_quotes;
                            for (bad_row& row : slice.log.rejects) {
                                row.line += lines_before;
                                if (skip_bad || bad.size() < bad_rows_error::max_kept_rows)
                                    bad.push_back(row);
                            }
                            bad_total += slice.bad_rows;
                            lines_before += slice.line_ends;
                            bytes += slice.log.bytes_read;
                            append_scan_log(merged, slice.log);
                        }
                    };
                    read_slices(slice_mode::byte_ranges);
                    if (cut_in_quotes) {
                        // A quoted line break at a cut: read by blocks of rows
                        // (these files are one block: slice 0 holds it all).
                        ++refused;
                        read_slices(slice_mode::row_blocks);
                        CHECK(lines_before == 0);
                    } else {
                        ++whole;
                    }
                    CHECK(bytes + text.find('\n') + 1 >= text.size()); // every data byte once
                    if (expected_error) {
                        REQUIRE(bad_total == expected_error->total());
                        REQUIRE(bad.size() == expected_error->rows().size());
                        for (std::size_t r = 0; r < bad.size(); ++r) {
                            CHECK(bad[r].line == expected_error->rows()[r].line);
                            CHECK(bad[r].reason == expected_error->rows()[r].reason);
                        }
                        continue;
                    }
                    merged.rejects = std::move(bad);
                    merged.bytes_read = expected.bytes_read;
                    CHECK(bad_total == expected.rejects.size());
                    CHECK(same_log(expected, merged));
                }
            }
        }
        // Both ways were exercised.
        CHECK(whole > 100);
        CHECK(refused > 0);
    }

    TEST_CASE("read_scans_slice: slices of a compressed file interleave blocks of rows, and "
              "together are the file") {
        // More rows than one block (65,536), so that the slices take turns.
        temp_dir dir;
        std::mt19937_64 rng(20261201);
        std::string text = "person,place,time,leave\n";
        for (int row = 0; row < 150'000; ++row) {
            text.append("P").append(std::to_string(rng() % 5000));
            text.append(",X").append(std::to_string(rng() % 40)).append(",");
            text.append(std::to_string(1'650'000'000 + rng() % 100'000)).append(",\n");
            if (row % 40'000 == 39'999) text += "bad,row,not a time,\n";
        }
        const auto plain = dir.write("scans.csv", text);
        const auto compressed = dir.path() / "scans.csv.gz";
        REQUIRE(std::system(("gzip -c -n '" + plain.string() + "' > '" + compressed.string() + "'")
                                .c_str()) == 0);
        scan_read_options options;
        options.skip_bad = true;
        options.threads = 1;
        const scan_log expected = read_scans(plain, {}, options);
        REQUIRE(expected.rejects.size() == 3);
        const auto rows_of = [](const scan_log& log) {
            std::vector<std::string> rows;
            for (const visit& v : log.visits)
                rows.push_back(std::string(log.persons[v.person]) + "|" +
                               std::string(log.places[v.place]) + "|" + std::to_string(v.start) +
                               "|" + std::to_string(v.end));
            std::sort(rows.begin(), rows.end());
            return rows;
        };
        for (const std::size_t count : {1u, 2u, 3u}) {
            CAPTURE(count);
            scan_log merged;
            std::vector<std::uint64_t> bad_lines;
            std::size_t largest = 0;
            for (std::size_t k = 0; k < count; ++k) {
                scan_slice slice = read_scans_slice(compressed, {}, options, k, count);
                CHECK(slice.line_ends == 0); // lines are the file's own
                CHECK(slice.bad_rows == slice.log.rejects.size());
                for (const bad_row& row : slice.log.rejects)
                    bad_lines.push_back(row.line);
                largest = std::max(largest, slice.log.visits.size());
                append_scan_log(merged, slice.log);
            }
            CHECK(merged.rows_read == expected.rows_read);
            CHECK(rows_of(merged) == rows_of(expected));
            std::sort(bad_lines.begin(), bad_lines.end());
            CHECK(bad_lines == std::vector<std::uint64_t>{expected.rejects[0].line,
                                                          expected.rejects[1].line,
                                                          expected.rejects[2].line});
            // Each slice keeps only its share.
            CHECK(largest <= expected.visits.size() / count + 65'536);
        }
    }

    TEST_CASE("read_scans_slice: more slices than lines, and refusals") {
        temp_dir dir;
        const auto path = dir.write("scans.csv", "person,place,time\nA,X,1\nB,X,2\n");
        std::size_t rows = 0;
        for (std::size_t k = 0; k < 9; ++k)
            rows += read_scans_slice(path, {}, {}, k, 9).log.visits.size();
        CHECK(rows == 2);
        CHECK_THROWS_AS((void)read_scans_slice(path, {}, {}, 9, 9), parameter_error);
        const auto header_only = dir.write("empty.csv", "person,place,time\n");
        CHECK(read_scans_slice(header_only, {}, {}, 0, 2).log.visits.empty());
        CHECK(read_scans_slice(header_only, {}, {}, 1, 2).log.visits.empty());
        const auto no_column = dir.write("bad.csv", "person,time\nA,1\n");
        CHECK_THROWS_AS((void)read_scans_slice(no_column, {}, {}, 1, 2), input_error);
    }

} // TEST_SUITE

// ---- scans held in columns (read_scan_table) ---------------------------------

namespace {

/// The scans of `rows` (person, place, time text, leave text) as CSV text.
std::string scans_csv(const std::vector<std::array<std::string, 4>>& rows) {
    std::string text = "person,place,time,leave\n";
    for (const auto& row : rows) {
        for (std::size_t c = 0; c < row.size(); ++c) {
            if (c > 0) text.push_back(',');
            append_csv_field(text, row[c]);
        }
        text.push_back('\n');
    }
    return text;
}

void check_same_log(const scan_log& a, const scan_log& b) {
    REQUIRE(a.visits.size() == b.visits.size());
    for (std::size_t k = 0; k < a.visits.size(); ++k) {
        CHECK(a.visits[k].person == b.visits[k].person);
        CHECK(a.visits[k].place == b.visits[k].place);
        CHECK(a.visits[k].start == b.visits[k].start);
        CHECK(a.visits[k].end == b.visits[k].end);
    }
    REQUIRE(a.persons.size() == b.persons.size());
    for (std::size_t i = 0; i < a.persons.size(); ++i)
        CHECK(a.persons[static_cast<id_table::index_type>(i)] ==
              b.persons[static_cast<id_table::index_type>(i)]);
    REQUIRE(a.places.size() == b.places.size());
    CHECK(a.checked_out == b.checked_out);
    CHECK(a.rows_read == b.rows_read);
    REQUIRE(a.rejects.size() == b.rejects.size());
    for (std::size_t k = 0; k < a.rejects.size(); ++k) {
        CHECK(a.rejects[k].line == b.rejects[k].line);
        CHECK(a.rejects[k].reason == b.rejects[k].reason);
        CHECK(a.rejects[k].raw == b.rejects[k].raw);
    }
}

} // namespace

TEST_CASE("read_scan_table reads columns as the CSV reader reads the same values") {
    // Random rows over a few thousand ids, a few of them bad, more than one
    // chunk (65536 rows) so that several threads parse.
    std::mt19937_64 random(29);
    std::vector<std::array<std::string, 4>> rows;
    const std::size_t n = 150000;
    for (std::size_t k = 0; k < n; ++k) {
        const auto t = 1650000000 + static_cast<std::int64_t>(random() % 864000);
        std::array<std::string, 4> row;
        row[0] = 'p';
        row[0] += std::to_string(random() % 5000);
        row[1] = 'x';
        row[1] += std::to_string(random() % 300);
        row[2] = format_time(t, utc_offset{});
        if (random() % 3 == 0) row[3] = format_time(t + 600, utc_offset{});
        switch (random() % 4000) {
        case 0:
            row[0].clear();
            break;
        case 1:
            row[1].clear();
            break;
        case 2:
            row[2] = "2022-13-01T00:00:00Z";
            break;
        case 3:
            row[3] = format_time(t - 1, utc_offset{});
            break;
        default:
            break;
        }
        rows.push_back(row);
    }
    place_table places;
    places.ids.intern("x7");
    places.dwell.push_back(120);
    places.min_overlap.push_back(-1);
    places.site.emplace_back();
    for (const bool checkouts : {false, true}) {
        scan_read_options options;
        options.skip_bad = true;
        options.record_checkouts = checkouts;
        std::istringstream text(scans_csv(rows));
        const scan_log expected = read_scans(text, "scans", places, options);
        REQUIRE(expected.rejects.size() > 100);

        scan_table table;
        table.name = "scans";
        for (const auto& row : rows) {
            table.persons.push_back(row[0]);
            table.places.push_back(row[1]);
            table.time.texts.push_back(row[2]);
            table.leave.texts.push_back(row[3]);
        }
        for (const unsigned threads : {1u, 3u}) {
            options.threads = threads;
            check_same_log(read_scan_table(table, places, options), expected);
        }
        // Times as seconds: UTC, or wall-clock times in the read's zone.
        scan_table seconds = table;
        seconds.time.texts.clear();
        seconds.leave.texts.clear();
        for (const auto& row : rows) {
            const auto parse = [](const std::string& text) {
                const parse_result<time_point> t = try_parse_time(text, utc_offset{});
                return t ? t.value : scan_table::no_time;
            };
            seconds.time.seconds.push_back(parse(row[2]));
            seconds.leave.seconds.push_back(row[3].empty() ? scan_table::no_time : parse(row[3]));
        }
        // The same visits; a bad time is now a missing one (another reason).
        const scan_log from_seconds = read_scan_table(seconds, places, options);
        REQUIRE(from_seconds.visits.size() == expected.visits.size());
        CHECK(std::equal(from_seconds.visits.begin(), from_seconds.visits.end(),
                         expected.visits.begin(), [](const visit& a, const visit& b) {
                             return a.person == b.person && a.place == b.place &&
                                    a.start == b.start && a.end == b.end;
                         }));
        seconds.time.local = seconds.leave.local = true;
        options.tz = utc_offset{8 * 3600};
        const scan_log local = read_scan_table(seconds, places, options);
        REQUIRE(local.visits.size() == from_seconds.visits.size());
        CHECK(local.visits.front().start == from_seconds.visits.front().start - 8 * 3600);
    }
}

TEST_CASE("read_scan_table: strict reads throw with the row's line, columns must match") {
    scan_table table;
    table.name = "frame";
    table.persons = {"a", "b", ""};
    table.places = {"x", "y", "z"};
    table.time.seconds = {0, 60, 120};
    try {
        (void)read_scan_table(table, place_table{}, scan_read_options{});
        FAIL("no throw");
    } catch (const bad_rows_error& e) {
        CHECK(e.file() == "frame");
        REQUIRE(e.rows().size() == 1);
        CHECK(e.rows().front().line == 4);
        CHECK(e.rows().front().reason == "person is empty");
    }
    table.places.pop_back();
    CHECK_THROWS_AS(read_scan_table(table, place_table{}, scan_read_options{}), input_error);
}
