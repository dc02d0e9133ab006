// Tests of the report page's data (ctrace/report/html_report.hpp): tables read
// back as their commands wrote them, the JSON the page reads, and a trace's
// content on the tiny example with hand-computed presences. The page itself
// is tested in a browser (tests/browser/test_report.py).

#include "ctrace/core/error.hpp"
#include "ctrace/report/html_report.hpp"
#include "test_helpers.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

using namespace ctrace;
using ctrace::testing::file_text;
using ctrace::testing::fixture;
using ctrace::testing::tiny_trace_run;
using json = nlohmann::json;

namespace {

text_table table_of(const std::string& csv, std::span<const std::string_view> required = {}) {
    std::istringstream in(csv);
    return read_text_table(in, "list.csv", required);
}

report_content minimal(const std::string& risk_csv) {
    report_content content;
    content.risk = table_of(risk_csv, risk_list_columns);
    return content;
}

constexpr const char* header =
    "person,hop,code,first_exposure,last_exposure,quarantine_until,exposure_seconds,via_person,"
    "via_place\n";

json data_of(const report_content& content) {
    return json::parse(report_json(content, {report_language::en}));
}

} // namespace

TEST_SUITE("html_report") {
    TEST_CASE("read_text_table: fields as written, quoted ones too") {
        const text_table t = table_of("a,b\n1,\"x,y\"\n,\"say \"\"hi\"\"\"\n");
        CHECK(t.columns == std::vector<std::string>{"a", "b"});
        REQUIRE(t.rows.size() == 2);
        CHECK(t.rows[0] == std::vector<std::string>{"1", "x,y"});
        CHECK(t.rows[1] == std::vector<std::string>{"", "say \"hi\""});
    }

    TEST_CASE("read_text_table: a bad row or a missing column names the file and line") {
        CHECK_THROWS_WITH_AS(table_of("a,b\n1,2\n3\n"),
                             doctest::Contains("list.csv:3: 1 fields, the header has 2"),
                             input_error);
        CHECK_THROWS_WITH_AS(table_of("a,b\n1,\"open\n"), doctest::Contains("list.csv:2"),
                             input_error);
        const std::string_view wanted[] = {"hop"};
        CHECK_THROWS_WITH_AS(table_of("a,b\n", wanted), doctest::Contains("no column 'hop'"),
                             input_error);
        CHECK_THROWS_WITH_AS(table_of(""), doctest::Contains("empty"), input_error);
    }

    TEST_CASE("report_json: counts by hop, places and districts of exposure, numbers as numbers") {
        report_content content = minimal(std::string(header) + "C1,0,red,,,,0,,\n"
                                                               "B,1,red,t1,t2,t3,3600,C1,M01\n"
                                                               "D,2,yellow,t1,t2,t3,600,B,R02\n"
                                                               "E,2,yellow,t1,t2,t3,900,B,M01\n");
        content.places = {{"M01", "Mall", "North", 1.5, 2.5}, {"R02", "", "", {}, {}}};
        const json data = data_of(content);
        CHECK(data["format"] == "ctrace-report");
        CHECK(data["version"] == 1);
        CHECK(data["summary"]["by_hop"] == json::array({1, 1, 2}));
        CHECK(data["summary"]["cases"] == 1); // no case windows: the hop-0 rows
        CHECK(data["summary"]["listed"] == 4);
        CHECK(data["summary"]["places"] == 2);
        CHECK(data["summary"]["districts"] == 1); // R02 has none
        CHECK(data["summary"]["companions"].is_null());
        CHECK(data["risk"]["rows"][1] ==
              json::array({"B", 1, "red", "t1", "t2", "t3", 3600, "C1", "M01"}));
        CHECK(data["places"][0]["lat"] == 1.5);
        CHECK(data["places"][1]["lat"].is_null());
    }

    TEST_CASE("report_json: columns in the page's order, others after") {
        const report_content content =
            minimal("via_place,monitor_until,person,hop,code,first_exposure,last_exposure,"
                    "quarantine_until,exposure_seconds,via_person\nM01,m,B,1,red,a,b,c,60,C1\n");
        const json data = data_of(content);
        CHECK(data["risk"]["columns"].back() == "monitor_until");
        CHECK(data["risk"]["columns"][0] == "person");
        CHECK(data["risk"]["rows"][0] ==
              json::array({"B", 1, "red", "a", "b", "c", 60, "C1", "M01", "m"}));
    }

    TEST_CASE("report_json: no '<' in the text, so no id can end or hide the data element") {
        report_content content =
            minimal(std::string(header) + "\"</script><!--<script>\",0,red,,,,0,,\n");
        content.title = "<b>";
        const std::string text = report_json(content, {});
        CHECK(text.find('<') == std::string::npos);
        const json data = json::parse(text);
        CHECK(data["risk"]["rows"][0][0] == "</script><!--<script>");
        CHECK(data["title"] == "<b>");
        CHECK(data["lang"] == "zh");
    }

    TEST_CASE("report_json: a hop or seconds that is not a whole number names the row") {
        CHECK_THROWS_WITH_AS(report_json(minimal(std::string(header) + "B,one,red,,,,0,,\n"), {}),
                             doctest::Contains("row 1: hop is not a whole number ('one')"),
                             input_error);
        CHECK_THROWS_WITH_AS(report_json(minimal(std::string(header) + "B,1,red,,,,x,,\n"), {}),
                             doctest::Contains("exposure_seconds"), input_error);
        CHECK_THROWS_WITH_AS(report_json(minimal("person,hop\nB,1\n"), {}),
                             doctest::Contains("no column 'code'"), input_error);
    }

    TEST_CASE("report_of_trace: the tiny example's list, windows and presences") {
        const trace_run run = tiny_trace_run();
        const utc_offset tz{8 * 3600};
        const report_content content = report_of_trace(run.data(), run.record, nullptr, tz);
        // The list is the example's, read back.
        const text_table expected = table_of(file_text(fixture("tiny/risk.csv")));
        CHECK(content.risk.columns == expected.columns);
        CHECK(content.risk.rows == expected.rows);
        REQUIRE(content.cases.size() == 2);
        CHECK(content.cases[0].person == "C1");
        CHECK(content.cases[0].from == "2022-04-16T00:00:00+08:00");
        CHECK(content.cases[0].to == "2022-04-21T12:00:00+08:00");
        CHECK(content.cases[1].person == "C9");
        CHECK(content.cases[1].to.empty());
        // C1's stays clipped to [04-16 00:00, 04-21 12:00); C9 never scanned.
        std::vector<std::tuple<std::string, std::string, std::string>> presence;
        for (const report_presence& p : content.presence) {
            CHECK(p.person == "C1");
            presence.emplace_back(p.place, p.from, p.to);
        }
        std::sort(presence.begin(), presence.end());
        CHECK(presence == std::vector<std::tuple<std::string, std::string, std::string>>{
                              {"B03", "2022-04-19T08:00:00+08:00", "2022-04-19T09:00:00+08:00"},
                              {"M01", "2022-04-16T00:00:00+08:00", "2022-04-16T01:00:00+08:00"},
                              {"M01", "2022-04-19T10:00:00+08:00", "2022-04-19T12:00:00+08:00"},
                              {"R02", "2022-04-21T11:30:00+08:00", "2022-04-21T12:00:00+08:00"}});
        CHECK(content.places.size() == 4);
        CHECK_FALSE(content.places[0].lat.has_value()); // the tiny places have no lat/lon
        CHECK(content.tables.empty());
        CHECK(content.span.has_value());
    }

    TEST_CASE("report_json: a large list by column decodes to the same rows") {
        const trace_run run = tiny_trace_run();
        const utc_offset tz{8 * 3600};
        report_content content = report_of_trace(run.data(), run.record, nullptr, tz);
        // One time that the list's zone does not write this way stays text.
        content.risk.rows.push_back(
            {"Z", "2", "yellow", "2022-04-20 10:00", "", "", "5", "B", "M01"});
        html_report_parameters by_column;
        by_column.encode_from_rows = 0;
        const json data = json::parse(report_json(content, by_column));
        CHECK_FALSE(data["risk"].contains("rows"));
        const json& encoded = data["risk"]["encoded"];
        REQUIRE(encoded["rows"] == content.risk.rows.size());
        const json& columns = encoded["columns"];
        REQUIRE(columns.size() == 9);
        CHECK(columns[1].contains("numbers"));
        CHECK(columns[2].contains("dict"));  // red and yellow
        CHECK(columns[3].contains("text"));  // first_exposure: the odd time
        CHECK(columns[4].contains("times")); // last_exposure
        for (std::size_t r = 0; r < content.risk.rows.size(); ++r) {
            CAPTURE(r);
            for (std::size_t c = 0; c < 9; ++c) {
                const json& col = columns[c];
                std::string value;
                if (col.contains("numbers"))
                    value = std::to_string(col["numbers"][r].get<std::int64_t>());
                else if (col.contains("dict"))
                    value = col["dict"][col["index"][r].get<std::size_t>()].get<std::string>();
                else if (col.contains("text"))
                    value = col["text"][r].get<std::string>();
                else if (!col["times"][r].is_null())
                    value = format_time(col["base"].get<time_point>() +
                                            col["times"][r].get<time_point>(),
                                        utc_offset{col["tz_seconds"].get<std::int32_t>()});
                CHECK(value == content.risk.rows[r][c]);
            }
        }
    }

    TEST_CASE("write_html_report: the template with the data in its place, once") {
        std::ostringstream page;
        write_html_report(page, minimal(std::string(header) + "C1,0,red,,,,0,,\n"), {});
        const std::string text = page.str();
        CHECK(text.starts_with("<!DOCTYPE html>"));
        CHECK(text.find("@CTRACE_REPORT_DATA@") == std::string::npos);
        CHECK(text.find("{\"cases\":[]") != std::string::npos);
        CHECK(text.find("Content-Security-Policy") != std::string::npos);
    }

    TEST_CASE("parse_report_language") {
        CHECK(parse_report_language("zh") == report_language::zh);
        CHECK(parse_report_language("en") == report_language::en);
        CHECK_THROWS_AS(parse_report_language("fr"), parameter_error);
    }
}
