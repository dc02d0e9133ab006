// Hints from a file's bad rows: an encoding, or a time layout, when one
// reading option rather than the data is wrong.

#include "ctrace/io/reading_hints.hpp"

#include <doctest/doctest.h>
#include <string>
#include <vector>

using namespace ctrace;

namespace {

bad_rows_error error_of(std::vector<bad_row> rows) {
    const std::uint64_t total = rows.size();
    return bad_rows_error("scans.csv", std::move(rows), total);
}

bad_row time_row(std::uint64_t line, const std::string& column, const std::string& value) {
    return {line, column + ": bad time ('" + value + "')", "raw", {}};
}

} // namespace

TEST_SUITE("reading_hints") {

    TEST_CASE("the first rows of a time column all fail: the values and a layout") {
        const auto hint = reading_hint_of(error_of(
            {time_row(2, "time", "05.04.2022 20:41"), time_row(3, "time", "05.04.2022 20:41"),
             time_row(4, "time", "31.12.2022 08:00"), time_row(5, "time", "01.01.2023 09:00")}));
        REQUIRE(hint);
        CHECK(hint->what == reading_hint::kind::time_format);
        CHECK(hint->column == "time");
        // Distinct values, at most three.
        CHECK(hint->samples ==
              std::vector<std::string>{"05.04.2022 20:41", "31.12.2022 08:00", "01.01.2023 09:00"});
        CHECK(hint->layout == "%d.%m.%Y %H:%M");
    }

    TEST_CASE("a layout that fits no guess still gives the values") {
        const auto hint = reading_hint_of(error_of({time_row(2, "onset", "April 5, 2022")}));
        REQUIRE(hint);
        CHECK(hint->column == "onset");
        CHECK_FALSE(hint->layout);
    }

    TEST_CASE("bad rows that are the data's fault give no hint") {
        // Not the first rows.
        CHECK_FALSE(reading_hint_of(error_of({time_row(7, "time", "05.04.2022 20:41")})));
        // A gap: good rows between.
        CHECK_FALSE(reading_hint_of(error_of(
            {time_row(2, "time", "05.04.2022 20:41"), time_row(9, "time", "05.04.2022 20:41")})));
        // Two columns, or not a time column, or not a parse failure.
        CHECK_FALSE(reading_hint_of(error_of(
            {time_row(2, "time", "05.04.2022 20:41"), time_row(3, "leave", "05.04.2022 21:41")})));
        CHECK_FALSE(reading_hint_of(error_of({time_row(2, "dwell", "1 hour")})));
        CHECK_FALSE(reading_hint_of(error_of({{2, "leave: before time ('2022-04-05')", "", {}}})));
        CHECK_FALSE(reading_hint_of(error_of({{2, "place is empty", "A,,1", {}}})));
        // A value cut to a readable length is not the value.
        CHECK_FALSE(reading_hint_of(error_of({time_row(2, "time", std::string(80, '1'))})));
    }

    TEST_CASE("rows refused as UTF-8 that are GB18030") {
        // 张三 in GB18030.
        const std::string gb = "\xD5\xC5\xC8\xFD,X,2022-04-05 20:41";
        const auto hint =
            reading_hint_of(error_of({{3, "invalid UTF-8", gb, {}}, {9, "invalid UTF-8", gb, {}}}));
        REQUIRE(hint);
        CHECK(hint->what == reading_hint::kind::encoding);
        CHECK(hint->encoding == "gb18030");
        // One row that is not GB18030 either spoils it.
        CHECK_FALSE(reading_hint_of(
            error_of({{3, "invalid UTF-8", gb, {}}, {4, "invalid UTF-8", "\xFF\xFF", {}}})));
        CHECK_FALSE(reading_hint_of(error_of({})));
    }
}
