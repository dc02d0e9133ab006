// Tests of typed tables (ctrace/io/column_table.hpp): the columns a list's
// rows become, and that `write_csv` gives back the list's own CSV byte for
// byte (blanks, quoting, zones, shortest numbers).

#include "ctrace/analytics/place_rank.hpp"
#include "ctrace/analytics/zones.hpp"
#include "ctrace/core/error.hpp"
#include "ctrace/core/id_table.hpp"
#include "ctrace/io/column_table.hpp"

#include <cmath>
#include <doctest/doctest.h>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

using namespace ctrace;

namespace {

std::string csv_of(const column_table& table) {
    std::ostringstream out;
    write_csv(out, table, "table");
    return out.str();
}

} // namespace

TEST_CASE("column_table: the header names the columns, cells take their column's kind") {
    column_table table;
    table.raw("id,count,when").raw("score").end_row();
    table.field("a,b").field(std::uint64_t{3}).time(3600, utc_offset{8 * 3600}).number(0.25);
    table.end_row();
    table.field("").raw("").raw("").number(1e-4);
    table.end_row();
    REQUIRE(table.rows() == 2);
    const std::vector<table_column>& columns = table.columns();
    REQUIRE(columns.size() == 4);
    CHECK(columns[0].name == "id");
    CHECK(columns[3].name == "score");
    CHECK(columns[0].kind == column_kind::text);
    CHECK(columns[0].text(0) == "a,b");
    CHECK(columns[0].blank == std::vector<std::uint8_t>{0, 1});
    CHECK(columns[1].kind == column_kind::integer);
    CHECK(columns[1].integers == std::vector<std::int64_t>{3, 0});
    CHECK(columns[2].kind == column_kind::time);
    CHECK(columns[2].tz.seconds == 8 * 3600);
    CHECK(columns[3].numbers == std::vector<double>{0.25, 1e-4});
    CHECK(csv_of(table) == "id,count,when,score\n"
                           "\"a,b\",3,1970-01-01T09:00:00+08:00,0.25\n"
                           ",,,1e-04\n");
}

TEST_CASE("column_table: blanks before a column's first value take its kind") {
    column_table table;
    table.raw("t").end_row();
    table.raw("").end_row();
    table.time(0, utc_offset{}).end_row();
    const table_column& t = table.columns().front();
    CHECK(t.kind == column_kind::time);
    CHECK(t.integers.size() == 2);
    CHECK(t.blank == std::vector<std::uint8_t>{1, 0});
    CHECK(csv_of(table) == "t\n\n1970-01-01T00:00:00Z\n");
}

TEST_CASE("column_table: a column of blanks only stays blank") {
    column_table table;
    table.raw("a,b").end_row();
    table.field("x").raw("").end_row();
    CHECK(table.columns()[1].kind == column_kind::blank);
    CHECK(csv_of(table) == "a,b\nx,\n");
}

TEST_CASE("column_table: refuses cells of two kinds, rows of another width, two zones") {
    column_table table;
    table.raw("a,b").end_row();
    table.field("x").field(std::int64_t{1}).end_row();
    CHECK_THROWS_AS(table.field(std::int64_t{2}), error);

    column_table narrow;
    narrow.raw("a,b").end_row();
    narrow.field("x");
    CHECK_THROWS_AS(narrow.end_row(), error);

    column_table wide;
    wide.raw("a").end_row();
    wide.field("x");
    CHECK_THROWS_AS(wide.field("y"), error);

    column_table zones;
    zones.raw("t").end_row();
    zones.time(0, utc_offset{}).end_row();
    CHECK_THROWS_AS(zones.time(0, utc_offset{3600}), error);
}

TEST_CASE("column_table: columns added from elsewhere are checked and written") {
    column_table table;
    table_column ids;
    ids.name = "id";
    ids.kind = column_kind::text;
    ids.blank = {0, 1, 0};
    ids.text_bytes = "ab\"c";
    ids.text_offsets = {0, 2, 2, 4};
    table.add_column(ids);
    const auto integers = [](std::string name, std::vector<std::uint8_t> blank,
                             std::vector<std::int64_t> values) {
        table_column column;
        column.name = std::move(name);
        column.kind = column_kind::integer;
        column.blank = std::move(blank);
        column.integers = std::move(values);
        return column;
    };
    table.add_column(integers("n", {0, 0, 1}, {-1, 7, 0}));
    CHECK(csv_of(table) == "id,n\nab,-1\n,7\n\"\"\"c\",\n");

    CHECK_THROWS_AS(table.add_column(integers("m", {0, 0}, {1, 2})), error);
    table_column wrong_kind = integers("m", {0, 0, 0}, {1, 2, 3});
    wrong_kind.kind = column_kind::number;
    CHECK_THROWS_AS(table.add_column(wrong_kind), error);
    CHECK(table.columns().size() == 2); // nothing added by a refused call
}

TEST_CASE("column_table: the zone list and the place ranking written back byte for byte") {
    const utc_offset tz{8 * 3600};
    std::vector<zone> zones(2);
    zones[0] = {"Dongcheng, \"north\"", 2, 5, 1000, std::nullopt, 90000, 80000};
    zones[1] = {"Xicheng", 0, 1, std::nullopt, 2000, 50000, 40000};
    for (const std::optional<time_point> as_of : {std::optional<time_point>{}, {60000}}) {
        std::ostringstream direct;
        write_zone_list(direct, zones, tz, as_of);
        column_table table;
        write_zone_list(table, zones, tz, as_of);
        CHECK(csv_of(table) == direct.str());
        CHECK(table.columns()[3].kind == column_kind::time);
    }

    place_rank_result ranking;
    ranking.score = {0.1, 1.0 / 3, 2e-7, 0.0001};
    ranking.visitors = {4, 3, 2, 1};
    id_table places;
    for (const char* id : {"P1", "P2", "P,3", "P4"})
        places.intern(id);
    const std::vector<place_index> order = {1, 0, 3, 2};
    std::ostringstream direct;
    write_place_ranking(direct, ranking, order, places);
    column_table table;
    write_place_ranking(table, ranking, order, places);
    CHECK(csv_of(table) == direct.str());
    CHECK(table.columns()[2].kind == column_kind::number);
    CHECK(table.columns()[2].numbers[0] == 1.0 / 3);
}
