// Tests of time, duration and UTC offset parsing and formatting
// (ctrace/core/time.hpp; docs/semantics.md §1, §5).

#include "ctrace/core/error.hpp"
#include "ctrace/core/time.hpp"
#include "ctrace/core/types.hpp"

#include <cstdint>
#include <doctest/doctest.h>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

using ctrace::duration;
using ctrace::format_time;
using ctrace::time_point;
using ctrace::try_parse_duration;
using ctrace::try_parse_time;
using ctrace::utc_offset;

namespace {

constexpr utc_offset utc{0};
constexpr utc_offset plus8{8 * 3600};
constexpr utc_offset minus5_30{-(5 * 3600 + 30 * 60)};

/// 2022-04-19T10:00:00Z
constexpr time_point t_2022_04_19_10 = 1650362400;

bool parses(std::string_view text, utc_offset tz = utc) {
    return static_cast<bool>(ctrace::try_parse_time(text, tz));
}

time_point parsed(std::string_view text, utc_offset tz = utc) {
    const auto r = ctrace::try_parse_time(text, tz);
    CAPTURE(text);
    REQUIRE(r);
    CHECK(r.error == nullptr);
    // The throwing form agrees.
    CHECK(ctrace::parse_time(text, tz) == r.value);
    return r.value;
}

void rejected(std::string_view text, utc_offset tz = utc) {
    CAPTURE(text);
    const auto r = ctrace::try_parse_time(text, tz);
    CHECK_FALSE(r);
    CHECK(r.error != nullptr);
    // The throwing form throws parse_error quoting the text.
    try {
        (void)ctrace::parse_time(text, tz);
        FAIL("no exception");
    } catch (const ctrace::parse_error& e) {
        CHECK(std::string(e.what()).find("'" + std::string(text) + "'") != std::string::npos);
    }
}

time_point parsed_as(std::string_view text, std::string_view pattern, utc_offset tz = utc) {
    CAPTURE(text);
    CAPTURE(pattern);
    const auto format = ctrace::time_format::compile(pattern);
    const auto r = ctrace::try_parse_time(text, format, tz);
    if (!r) CAPTURE(r.error);
    REQUIRE(r);
    CHECK(r.error == nullptr);
    CHECK(ctrace::parse_time(text, format, tz) == r.value);
    return r.value;
}

/// Rejected with the format; returns the description.
std::string rejected_as(std::string_view text, std::string_view pattern, utc_offset tz = utc) {
    CAPTURE(text);
    CAPTURE(pattern);
    const auto format = ctrace::time_format::compile(pattern);
    const auto r = ctrace::try_parse_time(text, format, tz);
    CHECK_FALSE(r);
    REQUIRE(r.error != nullptr);
    try {
        (void)ctrace::parse_time(text, format, tz);
        FAIL("no exception");
    } catch (const ctrace::parse_error& e) {
        CHECK(std::string(e.what()).find("'" + std::string(text) + "'") != std::string::npos);
    }
    return r.error;
}

duration dur(std::string_view text) {
    CAPTURE(text);
    const auto r = ctrace::try_parse_duration(text);
    REQUIRE(r);
    CHECK(ctrace::parse_duration(text) == r.value);
    return r.value;
}

void bad_duration(std::string_view text) {
    CAPTURE(text);
    const auto r = ctrace::try_parse_duration(text);
    CHECK_FALSE(r);
    CHECK(r.error != nullptr);
    CHECK_THROWS_AS((void)ctrace::parse_duration(text), ctrace::parse_error);
}

} // namespace

TEST_SUITE("time") {

    TEST_CASE("epoch seconds") {
        CHECK(parsed("1650412800") == 1650412800);
        CHECK(parsed("0") == 0);
        CHECK(parsed("-0") == 0);
        CHECK(parsed("1") == 1);
        CHECK(parsed("-1") == -1);
        CHECK(parsed("-60") == -60);
        CHECK(parsed("-2208988800") == -2208988800);
        CHECK(parsed("007") == 7);
        // The zone does not apply to epoch seconds.
        CHECK(parsed("1650412800", plus8) == 1650412800);
        CHECK(parsed("-60", minus5_30) == -60);
        // Negative: up to 2^55 in magnitude. Positive: up to the end of year
        // 9999 (a larger whole number is a misread).
        CHECK(parsed("-36028797018963968") == -ctrace::max_input_magnitude);
        rejected("253402300799");                    // 12 digits: a compact time, 2534-02-30
        CHECK(parsed("99999999999") == 99999999999); // 11 digits: year 5138
        rejected("36028797018963968");
        rejected("36028797018963969");
        rejected("-36028797018963969");
        rejected("9223372036854775807");
        rejected("99999999999999999999999");
        rejected("1650412800.5");
        rejected("1650412800.");
        rejected("+1650412800");
        rejected("-");
        rejected("--1");
        rejected("1e9");
        rejected("0x10");
        rejected("12a");
    }

    TEST_CASE("ISO dates and times") {
        SUBCASE("date alone is midnight in the zone") {
            CHECK(parsed("2022-04-19") == 1650326400);
            CHECK(parsed("2022-04-19", plus8) == 1650326400 - 8 * 3600);
            CHECK(parsed("2022-04-19", minus5_30) == 1650326400 + 5 * 3600 + 30 * 60);
            CHECK(parsed("1970-01-01") == 0);
            CHECK(parsed("1969-12-31") == -86400);
            CHECK(parsed("1900-01-01") == -2208988800);
        }
        SUBCASE("'T' and ' ' separators, HH:MM and :SS") {
            CHECK(parsed("2022-04-19T10:00") == t_2022_04_19_10);
            CHECK(parsed("2022-04-19 10:00") == t_2022_04_19_10);
            CHECK(parsed("2022-04-19T10:00:00") == t_2022_04_19_10);
            CHECK(parsed("2022-04-19 10:00:07") == t_2022_04_19_10 + 7);
            CHECK(parsed("2022-04-19T23:59:59") == t_2022_04_19_10 + 13 * 3600 + 59 * 60 + 59);
            CHECK(parsed("2022-04-19T00:00") == 1650326400);
            CHECK(parsed("2024-02-29T12:34:56") == 1709210096);
        }
        SUBCASE("fraction is dropped (floor)") {
            CHECK(parsed("2022-04-19T10:00:00.9") == t_2022_04_19_10);
            CHECK(parsed("2022-04-19T10:00:07.999999999") == t_2022_04_19_10 + 7);
            CHECK(parsed("2022-04-19 10:00:07.000") == t_2022_04_19_10 + 7);
            CHECK(parsed("2022-04-19T10:00:07.5Z") == t_2022_04_19_10 + 7);
            CHECK(parsed("2022-04-19T18:00:07.5+08:00") == t_2022_04_19_10 + 7);
            // Before 1970 (negative epoch) the floor is still toward the past:
            // 23:59:59.5 is -0.5 s, whose floor is -1.
            CHECK(parsed("1969-12-31T23:59:59.5Z") == -1);
            CHECK(parsed("1969-12-31T23:59:59.999") == -1);
            CHECK(parsed("1960-06-15T12:00:00.75") == -301233600);
            CHECK(parsed("1960-06-15T12:00:00.25-01:00") == -301233600 + 3600);
        }
        SUBCASE("Z and explicit offsets") {
            CHECK(parsed("2022-04-19T10:00Z") == t_2022_04_19_10);
            CHECK(parsed("2022-04-19T10:00:00Z") == t_2022_04_19_10);
            CHECK(parsed("2022-04-19T18:00:00+08:00") == t_2022_04_19_10);
            CHECK(parsed("2022-04-19T18:00+08:00") == t_2022_04_19_10);
            CHECK(parsed("2022-04-19T18:00:00+0800") == t_2022_04_19_10);
            CHECK(parsed("2022-04-19 04:30:00-05:30") == t_2022_04_19_10);
            CHECK(parsed("2022-04-19T04:30-0530") == t_2022_04_19_10);
            CHECK(parsed("2022-04-19T10:00:00+00:00") == t_2022_04_19_10);
            CHECK(parsed("2022-04-19T10:00:00-00:00") == t_2022_04_19_10);
            CHECK(parsed("2022-04-20T04:00:00+18:00") == t_2022_04_19_10);
            CHECK(parsed("2022-04-18T16:00:00-18:00") == t_2022_04_19_10);
            CHECK(parsed("2022-04-20T04:00:00+1800") == t_2022_04_19_10);
        }
        SUBCASE("the tz applies only when there is no offset") {
            CHECK(parsed("2022-04-19T18:00", plus8) == t_2022_04_19_10);
            CHECK(parsed("2022-04-19 18:00:00", plus8) == t_2022_04_19_10);
            CHECK(parsed("2022-04-19T04:30", minus5_30) == t_2022_04_19_10);
            CHECK(parsed("2022-04-19T10:00Z", plus8) == t_2022_04_19_10);
            CHECK(parsed("2022-04-19T10:00:00Z", minus5_30) == t_2022_04_19_10);
            CHECK(parsed("2022-04-19T18:00:00+08:00", minus5_30) == t_2022_04_19_10);
            CHECK(parsed("2022-04-19T10:00:00+00:00", plus8) == t_2022_04_19_10);
            CHECK(parsed("2022-04-19T18:00:00.5+0800", plus8) == t_2022_04_19_10);
        }
        SUBCASE("leap days") {
            CHECK(parsed("2024-02-29") == 19782 * 86400LL);
            CHECK(parses("2000-02-29"));
            CHECK(parses("1600-02-29"));
            rejected("2023-02-29");
            rejected("1900-02-29");
            rejected("2100-02-29");
            rejected("2024-02-30");
        }
    }

    TEST_CASE("invalid dates and clock times") {
        rejected("2022-02-30");
        rejected("2022-04-31");
        rejected("2022-13-01");
        rejected("2022-00-10");
        rejected("2022-01-00");
        rejected("2022-01-32");
        rejected("2022-04-19T24:00");
        rejected("2022-04-19T24:00:00");
        rejected("2022-04-19T10:60");
        rejected("2022-04-19T10:00:60");
        rejected("2022-04-19T10:00:61");
        rejected("2022-04-19T99:00");
        CHECK(parses("2022-12-31T23:59:59"));
        CHECK(parses("2022-01-31"));
    }

    TEST_CASE("malformed times") {
        // Offsets.
        rejected("2022-04-19T10:00+18:01");
        rejected("2022-04-19T10:00-18:30");
        rejected("2022-04-19T10:00+19:00");
        rejected("2022-04-19T10:00+99:00");
        rejected("2022-04-19T10:00+08:60");
        rejected("2022-04-19T10:00+08");
        rejected("2022-04-19T10:00+8:00");
        rejected("2022-04-19T10:00+080");
        rejected("2022-04-19T10:00+08:00:00");
        rejected("2022-04-19T10:00 +08:00");
        rejected("2022-04-19T10:00UTC");
        rejected("2022-04-19T10:00ZZ");
        // Separators (`/` is accepted too, see "dates with '/' ...").
        rejected("2022-04/19");
        rejected("2022.04.19");
        rejected("2022-04-19_10:00");
        rejected("2022-04-19  10:00");
        rejected("2022-04-19T10.00");
        rejected("2022-04-19T10-00");
        rejected("2022-04-19T1000");
        rejected("2022-04-19T10");
        rejected("2022-04-19T10:0");
        rejected("2022-04-19T10:00:0");
        rejected("2022-04-19T10:00:");
        rejected("2022-04-19T");
        rejected("2022-04-19 ");
        // Eight digits are a compact date, not epoch seconds.
        CHECK(parsed("20220419") == parsed("2022-04-19"));
        rejected("20220419T100000Z");
        // Lowercase t and z.
        rejected("2022-04-19t10:00");
        rejected("2022-04-19T10:00z");
        // Surrounding spaces.
        rejected(" 2022-04-19T10:00");
        rejected("2022-04-19T10:00 ");
        rejected(" 1650412800");
        rejected("1650412800 ");
        rejected("\t1650412800");
        // Empty.
        rejected("");
        // Unpadded year, minute and second (month, day and hour may be).
        rejected("22-04-19");
        rejected("202-04-19");
        rejected("+2022-04-19");
        rejected("2022-04-19T10:5");
        rejected("2022-04-19T10:05:7");
        // Fractions: only after the seconds, and with digits.
        rejected("2022-04-19T10:00:00.");
        rejected("2022-04-19T10:00:00.Z");
        rejected("2022-04-19T10:00:00.+08:00");
        rejected("2022-04-19T10:00.5");
        rejected("2022-04-19T10:00:00,5");
        rejected("2022-04-19.5");
    }

    TEST_CASE("dates with '/' and unpadded month, day and hour") {
        SUBCASE("each reads as its ISO spelling, in every zone") {
            const std::vector<std::pair<std::string_view, std::string_view>> same = {
                {"2022/4/20 10:00", "2022-04-20 10:00"},
                {"2022/04/20 10:00:00", "2022-04-20T10:00:00"},
                {"2022/4/5", "2022-04-05"},
                {"2022/04/05", "2022-04-05"},
                {"2022-4-5 9:05", "2022-04-05 09:05"},
                {"2022-4-5", "2022-04-05"},
                {"2022-04-5", "2022-04-05"},
                {"2022-4-05", "2022-04-05"},
                {"2022-04-19T9:00", "2022-04-19T09:00"},
                {"2022/4/5T9:05:07", "2022-04-05T09:05:07"},
                {"2022/4/5 0:00", "2022-04-05T00:00"},
                {"2022/12/31 23:59:59", "2022-12-31T23:59:59"},
                {"2022/4/19 18:00:00.5+08:00", "2022-04-19T18:00:00.5+08:00"},
                {"2022/4/19 4:30-0530", "2022-04-19T04:30-05:30"},
                {"2022/4/19 10:00Z", "2022-04-19T10:00Z"},
                {"2024/2/29", "2024-02-29"},
                {"1900/1/1", "1900-01-01"},
                {"1969/12/31 23:59:59.999", "1969-12-31T23:59:59.999"},
            };
            for (const utc_offset tz : {utc, plus8, minus5_30}) {
                for (const auto& [text, iso] : same) {
                    CAPTURE(iso);
                    CHECK(parsed(text, tz) == parsed(iso, tz));
                }
            }
            CHECK(parsed("2022/4/19 10:00") == t_2022_04_19_10);
            CHECK(parsed("2022/4/19 18:00", plus8) == t_2022_04_19_10);
            CHECK(parsed("1969/12/31 23:59:59.5Z") == -1);
        }
        SUBCASE("one separator per date") {
            rejected("2022/04-20");
            rejected("2022-04/20");
            rejected("2022/4-5");
            rejected("2022-4/5 9:05");
            rejected("2022/4/5/");
            rejected("2022//5");
        }
        SUBCASE("the ISO rejections hold") {
            CHECK(std::string(try_parse_time("2023/2/29", utc).error) ==
                  "invalid date: day out of range");
            CHECK(std::string(try_parse_time("2022/13/1", utc).error) ==
                  "invalid date: month out of range");
            CHECK(std::string(try_parse_time("2022/4/5 24:00", utc).error) ==
                  "invalid clock time: hour out of range");
            for (const char* text : {"2023/2/29",
                                     "2022/2/30",
                                     "2022/4/31",
                                     "2022/13/1",
                                     "2022/0/1",
                                     "2022/1/0",
                                     "2022/00/10",
                                     "2022/4/5 24:00",
                                     "2022/4/5 9:60",
                                     "2022/4/5 9:05:60",
                                     "2022/4/5 9:5",
                                     "2022/4/5 9:05:7",
                                     "2022/4/5 009:05",
                                     "2022/004/5",
                                     "2022/4/005",
                                     "2022/4/5  9:05",
                                     " 2022/4/5",
                                     "2022/4/5 ",
                                     "2022/4/5 9",
                                     "2022/4/5 9:",
                                     "2022/4/",
                                     "2022/4",
                                     "22/4/5",
                                     "2022/4/5+08:00",
                                     "2022/4/5 9:05 +08:00",
                                     "2022/4/5 9:05+08",
                                     "2022/4/5t9:05",
                                     "2022/4/5 9:05z",
                                     "2022/4/5 9:05:00.",
                                     "2022/4/5 9:05.5",
                                     "2022/4/5_9:05",
                                     "2022\\4\\5"}) {
                rejected(text);
            }
            CHECK(std::string(try_parse_time("10000/01/01", utc).error) == "year beyond 9999");
        }
    }

    TEST_CASE("time_format: the date and clock directives") {
        CHECK(parsed_as("2022-04-19", "%Y-%m-%d") == 1650326400);
        CHECK(parsed_as("2022-04-19", "%Y-%m-%d", plus8) == 1650326400 - 8 * 3600);
        CHECK(parsed_as("19.04.2022 10:00:07", "%d.%m.%Y %H:%M:%S") == t_2022_04_19_10 + 7);
        CHECK(parsed_as("19.04.2022 18:00", "%d.%m.%Y %H:%M", plus8) == t_2022_04_19_10);
        CHECK(parsed_as("04/19/2022 04:30", "%m/%d/%Y %H:%M", minus5_30) == t_2022_04_19_10);
        CHECK(parsed_as("2022-04-19 10", "%Y-%m-%d %H") == t_2022_04_19_10);
        CHECK(parsed_as("19 04 2022 at 10:00", "%d %m %Y at %H:%M") == t_2022_04_19_10);
        CHECK(parsed_as("2022%04%19", "%Y%%%m%%%d") == 1650326400);
        CHECK(parsed_as("[2022-04-19]", "[%Y-%m-%d]") == 1650326400);
        // Fixed widths read a layout without separators.
        CHECK(parsed_as("20220419100007", "%Y%m%d%H%M%S") == t_2022_04_19_10 + 7);
        CHECK(parsed_as("0000-01-01", "%Y-%m-%d") == ctrace::days_from_civil(0, 1, 1) * 86400);
        CHECK(parsed_as("9999-12-31 23:59:59", "%Y-%m-%d %H:%M:%S") == 253402300799);
        CHECK(ctrace::time_format::compile("%d.%m.%Y").pattern() == "%d.%m.%Y");
    }

    TEST_CASE("time_format: unpadded fields") {
        const time_point t_2022_04_05_09_05 = parsed("2022-04-05T09:05");
        // Plain %m %d %H take one or two digits.
        CHECK(parsed_as("2022/4/5 9:05", "%Y/%m/%d %H:%M") == t_2022_04_05_09_05);
        CHECK(parsed_as("2022/04/05 09:05", "%Y/%m/%d %H:%M") == t_2022_04_05_09_05);
        CHECK(parsed_as("2022/4/20 9:05", "%Y/%m/%d %H:%M") == parsed("2022-04-20T09:05"));
        // The %- forms too, and unpadded minutes and seconds only with %-M %-S.
        CHECK(parsed_as("5/4/2022 9:5:7", "%-d/%-m/%Y %-H:%-M:%-S") == t_2022_04_05_09_05 + 7);
        CHECK(parsed_as("05/04/2022 09:05:07", "%-d/%-m/%Y %-H:%-M:%-S") == t_2022_04_05_09_05 + 7);
        rejected_as("2022/4/5 9:5", "%Y/%m/%d %H:%M");
        rejected_as("2022/4/5 9:05:7", "%Y/%m/%d %H:%M:%S");
        // At most two digits, and the year exactly four.
        rejected_as("2022/004/5", "%Y/%m/%d");
        rejected_as("2022/4/5 009:05", "%Y/%m/%d %H:%M");
        rejected_as("22/4/5", "%Y/%m/%d");
        rejected_as("02022/4/5", "%Y/%m/%d");
        // Two digits when two follow: the greedy month is 42.
        CHECK(rejected_as("2022420", "%Y%m%d") == "invalid date: month out of range");
        CHECK(parsed_as("20220420", "%Y%m%d") == parsed("2022-04-20"));
    }

    TEST_CASE("time_format: %f is dropped, rounding toward the past") {
        const std::string_view pattern = "%Y-%m-%d %H:%M:%S.%f";
        CHECK(parsed_as("2022-04-19 10:00:07.5", pattern) == t_2022_04_19_10 + 7);
        CHECK(parsed_as("2022-04-19 10:00:07.0", pattern) == t_2022_04_19_10 + 7);
        CHECK(parsed_as("2022-04-19 10:00:07.999999999", pattern) == t_2022_04_19_10 + 7);
        // Before 1970 too: -0.5 s is -1.
        CHECK(parsed_as("1969-12-31 23:59:59.5", pattern) == -1);
        CHECK(parsed_as("1969-12-31 23:59:59.000000001", pattern) == -1);
        CHECK(parsed_as("1960-06-15 12:00:00.75", pattern) == -301233600);
        CHECK(parsed_as("1960-06-15 12:00:00.25-01:00", "%Y-%m-%d %H:%M:%S.%f%z") ==
              -301233600 + 3600);
        CHECK(parsed_as("1969-12-31T23:59:59,5Z", "%Y-%m-%dT%H:%M:%S,%f%z") == -1);
        CHECK(rejected_as("2022-04-19 10:00:07.", pattern) == "bad time: empty fraction");
        rejected_as("2022-04-19 10:00:07", pattern);
        rejected_as("2022-04-19 10:00:07.1234567890", pattern); // ten digits
        rejected_as("2022-04-19 10:00:07.5x", pattern);
    }

    TEST_CASE("time_format: %z") {
        const std::string_view pattern = "%Y-%m-%d %H:%M%z";
        for (const utc_offset tz : {utc, plus8, minus5_30}) {
            // The offset in the text wins over the caller's zone.
            CHECK(parsed_as("2022-04-19 10:00Z", pattern, tz) == t_2022_04_19_10);
            CHECK(parsed_as("2022-04-19 18:00+08:00", pattern, tz) == t_2022_04_19_10);
            CHECK(parsed_as("2022-04-19 18:00+0800", pattern, tz) == t_2022_04_19_10);
            CHECK(parsed_as("2022-04-19 18:00+08", pattern, tz) == t_2022_04_19_10);
            CHECK(parsed_as("2022-04-19 04:30-05:30", pattern, tz) == t_2022_04_19_10);
            CHECK(parsed_as("2022-04-19 04:30-0530", pattern, tz) == t_2022_04_19_10);
            CHECK(parsed_as("2022-04-19 05:00-05", pattern, tz) == t_2022_04_19_10);
            CHECK(parsed_as("2022-04-20 04:00+18:00", pattern, tz) == t_2022_04_19_10);
            CHECK(parsed_as("2022-04-18 16:00-1800", pattern, tz) == t_2022_04_19_10);
            CHECK(parsed_as("2022-04-19 10:00-00:00", pattern, tz) == t_2022_04_19_10);
        }
        // The offset may come first, and a literal may follow it.
        CHECK(parsed_as("+08:00 2022-04-19 18:00", "%z %Y-%m-%d %H:%M") == t_2022_04_19_10);
        CHECK(parsed_as("2022-04-19 18:00 (+0800)", "%Y-%m-%d %H:%M (%z)") == t_2022_04_19_10);
        CHECK(rejected_as("2022-04-19 10:00+18:01", pattern) == "UTC offset beyond 18:00");
        CHECK(rejected_as("2022-04-19 10:00+19", pattern) == "UTC offset beyond 18:00");
        CHECK(rejected_as("2022-04-19 10:00+08:60", pattern) == "UTC offset minute out of range");
        for (const char* text :
             {"2022-04-19 10:00", "2022-04-19 10:00+8", "2022-04-19 10:00+8:00",
              "2022-04-19 10:00z", "2022-04-19 10:00UTC", "2022-04-19 10:00 +08:00",
              "2022-04-19 10:00+08:0", "2022-04-19 10:00+080", "2022-04-19 10:00+08:00:00",
              "2022-04-19 10:00ZZ", "2022-04-19 10:00+", "2022-04-19 10:00--08"})
            rejected_as(text, pattern);
    }

    TEST_CASE("time_format: literals, trailing text and invalid dates") {
        const std::string_view pattern = "%Y/%m/%d %H:%M";
        CHECK(rejected_as("2022-04-19 10:00", pattern) ==
              "bad time: does not match the time format");
        rejected_as("2022/04/19T10:00", pattern);
        rejected_as("2022/04/19  10:00", pattern);
        rejected_as("2022/04/19 10.00", pattern);
        rejected_as("2022/04/19", pattern);
        rejected_as("2022/04/19 10", pattern);
        rejected_as("2022/04/19 10:", pattern);
        rejected_as(" 2022/04/19 10:00", pattern);
        CHECK(rejected_as("2022/04/19 10:00 ", pattern) == "bad time: text after the time format");
        rejected_as("2022/04/19 10:00:00", pattern);
        rejected_as("2022/04/19 10:00Z", pattern);
        rejected_as("2022/04/19 10:00x", pattern);
        CHECK(rejected_as("", pattern) == "empty time");
        rejected_as("19 04 2022 at 10:00", "%d %m %Y, %H:%M");
        rejected_as("2022-04-19", "%Y%%%m%%%d");

        CHECK(rejected_as("2023/2/29", "%Y/%m/%d") == "invalid date: day out of range");
        CHECK(parsed_as("2024/2/29", "%Y/%m/%d") == parsed("2024-02-29"));
        rejected_as("1900/2/29", "%Y/%m/%d");
        rejected_as("2022/4/31", "%Y/%m/%d");
        rejected_as("2022/1/32", "%Y/%m/%d");
        rejected_as("2022/1/0", "%Y/%m/%d");
        CHECK(rejected_as("2022/0/1", "%Y/%m/%d") == "invalid date: month out of range");
        rejected_as("2022/13/1", "%Y/%m/%d");
        CHECK(rejected_as("2022/1/1 24:00", pattern) == "invalid clock time: hour out of range");
        CHECK(rejected_as("2022/1/1 10:60", pattern) == "invalid clock time: minute out of range");
        CHECK(rejected_as("2022/1/1 10:00:60", "%Y/%m/%d %H:%M:%S") ==
              "invalid clock time: second out of range");
    }

    TEST_CASE("time_format: bad patterns throw parameter_error") {
        for (const char* pattern : {"",
                                    "%Y-%m",
                                    "%m-%d",
                                    "%Y-%d",
                                    "%Y-%M-%d",
                                    "%y-%m-%d",
                                    "%Y-%m-%d %q",
                                    "%Y-%m-%d %",
                                    "%Y-%m-%d %-",
                                    "%-Y-%m-%d",
                                    "%Y-%m-%d %-f",
                                    "%Y-%m-%d %-z",
                                    "%Y-%m-%d %-%",
                                    "%Y-%m-%d %Y",
                                    "%Y-%m-%d %m",
                                    "%Y-%m-%d %M",
                                    "%Y-%m-%d %H:%S",
                                    "%Y-%m-%d %H:%M.%f",
                                    "%Y-%m-%d %z%z",
                                    "%Y-%m-%d %H %-H",
                                    "%Y-%m-%d %I:%M %p",
                                    "%Y-%m-%d %Z",
                                    "%F",
                                    "Y-m-d"}) {
            CAPTURE(pattern);
            try {
                (void)ctrace::time_format::compile(pattern);
                FAIL("no exception");
            } catch (const ctrace::parameter_error& e) {
                CHECK(e.parameter() == "time_format");
                const std::string message = e.what();
                CHECK(message.find("'" + std::string(pattern) + "'") != std::string::npos);
                CHECK(message.find("--") == std::string::npos);
            }
        }
        CHECK_NOTHROW((void)ctrace::time_format::compile("%Y-%m-%d"));
        CHECK_NOTHROW((void)ctrace::time_format::compile("%d.%m.%Y %H"));
        CHECK_NOTHROW((void)ctrace::time_format::compile("%Y%m%d%H%M%S.%f%z 100%%"));
    }

    TEST_CASE("try_parse_duration") {
        CHECK(dur("900") == 900);
        CHECK(dur("0") == 0);
        CHECK(dur("15") == 15);
        CHECK(dur("15m") == 900);
        CHECK(dur("1h30m") == 5400);
        CHECK(dur("14d") == 14 * 86400);
        CHECK(dur("90s") == 90);
        CHECK(dur("90m") == 5400);
        CHECK(dur("1d2h3m4s") == 86400 + 2 * 3600 + 3 * 60 + 4);
        CHECK(dur("1d4s") == 86404);
        CHECK(dur("2h5s") == 7205);
        CHECK(dur("0s") == 0);
        CHECK(dur("0d0h0m0s") == 0);
        CHECK(dur("0015m") == 900);
        CHECK(dur("36028797018963968") == ctrace::max_input_magnitude);
        CHECK(dur("36028797018963968s") == ctrace::max_input_magnitude);

        bad_duration("");
        bad_duration("m");
        bad_duration("h15");
        bad_duration("1m1h");
        bad_duration("1s1d");
        bad_duration("1h1h");
        bad_duration("1h30");
        bad_duration("15M");
        bad_duration("15H");
        bad_duration("1w");
        bad_duration("-5");
        bad_duration("-5m");
        bad_duration("+5");
        bad_duration("1.5h");
        bad_duration("15 m");
        bad_duration(" 15m");
        bad_duration("15m ");
        bad_duration("1h 30m");
        bad_duration("15mm");
        bad_duration("36028797018963969");
        bad_duration("36028797018963969s");
        bad_duration("1000000000000d");
    }

    TEST_CASE("durations beyond 2^55 s are rejected, whatever their unit") {
        // Each number is below 2^55 itself, but number x unit is far beyond; the
        // products also exceed 2^63, so they must be caught before multiplying.
        bad_duration("36028797018963968d");   // 2^55 days
        bad_duration("1000000000000000d");    // 10^15 days
        bad_duration("34374141155870808d");   // x 86400 wraps to 1024 mod 2^64
        bad_duration("36028797018963968h");   // 2^55 hours
        bad_duration("36028797018963968m");   // 2^55 minutes
        bad_duration("1d36028797018963968s"); // the sum
    }

    TEST_CASE("parse_utc_offset") {
        CHECK(ctrace::parse_utc_offset("Z") == utc_offset{0});
        CHECK(ctrace::parse_utc_offset("UTC") == utc_offset{0});
        CHECK(ctrace::parse_utc_offset("+00:00") == utc_offset{0});
        CHECK(ctrace::parse_utc_offset("-00:00") == utc_offset{0});
        CHECK(ctrace::parse_utc_offset("+08") == utc_offset{28800});
        CHECK(ctrace::parse_utc_offset("+0800") == utc_offset{28800});
        CHECK(ctrace::parse_utc_offset("+08:00") == utc_offset{28800});
        CHECK(ctrace::parse_utc_offset("-05:30") == minus5_30);
        CHECK(ctrace::parse_utc_offset("-0530") == minus5_30);
        CHECK(ctrace::parse_utc_offset("-05") == utc_offset{-18000});
        CHECK(ctrace::parse_utc_offset("+05:45") == utc_offset{5 * 3600 + 45 * 60});
        CHECK(ctrace::parse_utc_offset("+18:00") == utc_offset{18 * 3600});
        CHECK(ctrace::parse_utc_offset("-18") == utc_offset{-18 * 3600});

        for (const char* bad :
             {"+19:00", "+18:01", "-18:30", "8",       "+8",        "+8:00", "08:00",
              "0800",   "+08:60", "+08:0",  "+080",    "+08:00:00", "",      "z",
              "utc",    "GMT",    "UTC+8",  " +08:00", "+08:00 ",   "+",     "++08"}) {
            CAPTURE(bad);
            CHECK_THROWS_AS((void)ctrace::parse_utc_offset(bad), ctrace::parse_error);
        }
    }

    TEST_CASE("format_utc_offset") {
        CHECK(ctrace::format_utc_offset(utc) == "Z");
        CHECK(ctrace::format_utc_offset(plus8) == "+08:00");
        CHECK(ctrace::format_utc_offset(minus5_30) == "-05:30");
        CHECK(ctrace::format_utc_offset(utc_offset{18 * 3600}) == "+18:00");
        CHECK(ctrace::format_utc_offset(utc_offset{-18 * 3600}) == "-18:00");
        CHECK(ctrace::format_utc_offset(utc_offset{5 * 3600 + 45 * 60}) == "+05:45");
    }

    TEST_CASE("written_offset: the zone a time was written in") {
        using ctrace::written_offset;
        CHECK(written_offset("2022-04-17T12:20:00+08:00") == plus8);
        CHECK(written_offset("2022-04-17T12:20:00-05:30") == minus5_30);
        CHECK(written_offset("2022-04-17T12:20:00Z") == utc);
        CHECK(written_offset("2022-04-17 12:20+0800") == plus8);
        CHECK(written_offset("2022/4/5 9:05:00.5-0530") == minus5_30);
        // No offset written: local times, dates alone, epoch seconds.
        CHECK_FALSE(written_offset("2022-04-17T12:20:00"));
        CHECK_FALSE(written_offset("2022-04-17"));
        CHECK_FALSE(written_offset("2022-4-5"));
        CHECK_FALSE(written_offset("1650342600"));
        CHECK_FALSE(written_offset("-1650342600"));
        CHECK_FALSE(written_offset(""));
        // An offset the parser refuses is none either.
        CHECK_FALSE(written_offset("2022-04-17T12:20:00+19:00"));
        CHECK_FALSE(written_offset("2022-04-17T12:20:00+8"));
    }

    TEST_CASE("format_time") {
        CHECK(ctrace::format_time(t_2022_04_19_10, utc) == "2022-04-19T10:00:00Z");
        CHECK(ctrace::format_time(t_2022_04_19_10, plus8) == "2022-04-19T18:00:00+08:00");
        CHECK(ctrace::format_time(t_2022_04_19_10, minus5_30) == "2022-04-19T04:30:00-05:30");
        CHECK(ctrace::format_time(t_2022_04_19_10 + 16 * 3600, plus8) ==
              "2022-04-20T10:00:00+08:00");
        CHECK(ctrace::format_time(t_2022_04_19_10 - 11 * 3600, minus5_30) ==
              "2022-04-18T17:30:00-05:30");
        CHECK(ctrace::format_time(0, utc) == "1970-01-01T00:00:00Z");
        CHECK(ctrace::format_time(0, plus8) == "1970-01-01T08:00:00+08:00");
        CHECK(ctrace::format_time(0, minus5_30) == "1969-12-31T18:30:00-05:30");
        CHECK(ctrace::format_time(-1, utc) == "1969-12-31T23:59:59Z");
        CHECK(ctrace::format_time(-86400, utc) == "1969-12-31T00:00:00Z");
        CHECK(ctrace::format_time(-86401, utc) == "1969-12-30T23:59:59Z");
        CHECK(ctrace::format_time(-2208988800, utc) == "1900-01-01T00:00:00Z");
        CHECK(ctrace::format_time(-301233600, utc) == "1960-06-15T12:00:00Z");
        CHECK(ctrace::format_time(1709210096, utc) == "2024-02-29T12:34:56Z");
        CHECK(ctrace::format_time(253402300799, utc) == "9999-12-31T23:59:59Z");
        CHECK(ctrace::format_time(-62135596800, utc) == "0001-01-01T00:00:00Z");

        std::string out = "x=";
        ctrace::append_time(out, t_2022_04_19_10, plus8);
        CHECK(out == "x=2022-04-19T18:00:00+08:00");
    }

    TEST_CASE("parse(format(t)) == t") {
        std::mt19937_64 rng(20220419);
        constexpr std::int64_t hundred_years = 100LL * 36525 * 864; // 100 * 365.25 days
        std::uniform_int_distribution<std::int64_t> when(-hundred_years, hundred_years);
        const std::vector<utc_offset> zones = {utc,
                                               plus8,
                                               minus5_30,
                                               utc_offset{18 * 3600},
                                               utc_offset{-18 * 3600},
                                               utc_offset{5 * 3600 + 45 * 60},
                                               utc_offset{-9 * 3600 - 30 * 60}};
        // Edge values first, then random times.
        std::vector<time_point> times = {0, -1, 1, 86399, -86400, -86401, 951782400, 1709164800};
        while (times.size() < 20000)
            times.push_back(when(rng));
        std::size_t failures = 0;
        for (const time_point t : times) {
            for (const utc_offset tz : zones) {
                const std::string text = ctrace::format_time(t, tz);
                // Parsing back under any --tz gives t: the text carries its offset.
                const auto r1 = ctrace::try_parse_time(text, utc);
                const auto r2 = ctrace::try_parse_time(text, plus8);
                // Without the offset suffix, the --tz zone must be the one used.
                const std::string local = text.substr(0, 19);
                const auto r3 = ctrace::try_parse_time(local, tz);
                if (!r1 || r1.value != t || !r2 || r2.value != t || !r3 || r3.value != t) {
                    if (++failures <= 5) {
                        CAPTURE(t);
                        CAPTURE(text);
                        CHECK(r1.value == t);
                        CHECK(r3.value == t);
                    }
                }
            }
        }
        CHECK(failures == 0);
    }

    TEST_CASE("time_format: parse(write(t)) == t for random times and offsets") {
        // Each time is written here, field by field, in the layout of a
        // pattern, so that the parser is checked against an independent writer.
        std::mt19937_64 rng(20220420);
        std::uniform_int_distribution<time_point> when(-2208988800, 4102444799); // 1900–2100
        std::uniform_int_distribution<std::int32_t> offset_minutes(-18 * 60, 18 * 60);
        std::uniform_int_distribution<int> pick(0, 3);
        std::uniform_int_distribution<int> fraction_digits(1, 9);

        struct fields {
            unsigned year, month, day, hour, minute, second;
        };
        const auto local_fields = [](time_point t, utc_offset tz) {
            const time_point local = t + tz.seconds;
            const time_point days = local >= 0 ? local / 86400 : (local - 86399) / 86400;
            const auto clock = static_cast<unsigned>(local - days * 86400);
            const ctrace::civil_date date = ctrace::civil_from_days(days);
            return fields{static_cast<unsigned>(date.year),
                          date.month,
                          date.day,
                          clock / 3600,
                          clock / 60 % 60,
                          clock % 60};
        };
        const auto two = [](unsigned v) {
            return std::string(1, static_cast<char>('0' + v / 10)) +
                   static_cast<char>('0' + v % 10);
        };
        const auto four = [&two](unsigned v) { return two(v / 100) + two(v % 100); };
        const auto plain = [](unsigned v) { return std::to_string(v); };
        // `%z` in one of its forms: Z for 0, ±HH when whole hours, else
        // ±HH:MM or ±HHMM.
        const auto offset_text = [&](utc_offset tz, int form) {
            if (tz.seconds == 0 && form == 0) return std::string("Z");
            const auto magnitude = static_cast<unsigned>(tz.seconds < 0 ? -tz.seconds : tz.seconds);
            std::string text(1, tz.seconds < 0 ? '-' : '+');
            text += two(magnitude / 3600);
            if (magnitude % 3600 == 0 && form == 1) return text;
            if (form == 2) return text + two(magnitude / 60 % 60);
            return text + ":" + two(magnitude / 60 % 60);
        };

        const auto iso_offset = ctrace::time_format::compile("%Y-%m-%dT%H:%M:%S%z");
        const auto day_first = ctrace::time_format::compile("%d/%m/%Y %H:%M:%S");
        const auto unpadded = ctrace::time_format::compile("%Y/%-m/%-d %-H:%-M:%-S");
        const auto compact = ctrace::time_format::compile("%Y%m%d%H%M%S.%f%z");
        const auto slashes = ctrace::time_format::compile("%Y/%m/%d %H:%M:%S");

        std::vector<time_point> times = {-2208988800, 0, -1, 951782400, 4102444799};
        while (times.size() < 10000)
            times.push_back(when(rng));
        std::size_t failures = 0;
        for (const time_point t : times) {
            const utc_offset tz{offset_minutes(rng) * 60};
            const fields f = local_fields(t, tz);
            std::string fraction;
            for (int i = fraction_digits(rng); i > 0; --i)
                fraction.push_back(static_cast<char>('0' + rng() % 10));
            const std::vector<std::pair<const ctrace::time_format*, std::string>> written = {
                {&iso_offset, four(f.year) + "-" + two(f.month) + "-" + two(f.day) + "T" +
                                  two(f.hour) + ":" + two(f.minute) + ":" + two(f.second) +
                                  offset_text(tz, pick(rng))},
                {&day_first, two(f.day) + "/" + two(f.month) + "/" + four(f.year) + " " +
                                 two(f.hour) + ":" + two(f.minute) + ":" + two(f.second)},
                {&unpadded, four(f.year) + "/" + plain(f.month) + "/" + plain(f.day) + " " +
                                plain(f.hour) + ":" + plain(f.minute) + ":" + plain(f.second)},
                {&compact, four(f.year) + two(f.month) + two(f.day) + two(f.hour) + two(f.minute) +
                               two(f.second) + "." + fraction + offset_text(tz, 2)},
                {&slashes, four(f.year) + "/" + plain(f.month) + "/" + plain(f.day) + " " +
                               plain(f.hour) + ":" + two(f.minute) + ":" + two(f.second)},
            };
            for (const auto& [format, text] : written) {
                // Texts with an offset ignore the zone given: pass another one.
                const utc_offset given = format == &iso_offset || format == &compact ? plus8 : tz;
                const auto r = ctrace::try_parse_time(text, *format, given);
                // The last layout is also one of the default parser's.
                const auto by_default = format == &slashes ? ctrace::try_parse_time(text, tz) : r;
                if (!r || r.value != t || !by_default || by_default.value != t) {
                    if (++failures <= 5) {
                        CAPTURE(t);
                        CAPTURE(tz.seconds);
                        CAPTURE(format->pattern());
                        CAPTURE(text);
                        CHECK(r);
                        CHECK(r.value == t);
                        CHECK(by_default.value == t);
                    }
                }
            }
        }
        CHECK(failures == 0);
    }

    TEST_CASE("format_duration") {
        CHECK(ctrace::format_duration(0) == "0s");
        CHECK(ctrace::format_duration(900) == "15m");
        CHECK(ctrace::format_duration(5400) == "1h30m");
        CHECK(ctrace::format_duration(14 * 86400) == "14d");
        CHECK(ctrace::format_duration(93784) == "1d2h3m4s");
        CHECK(ctrace::format_duration(59) == "59s");
        for (const duration d : {0LL, 1LL, 59LL, 60LL, 3599LL, 3600LL, 86399LL, 86400LL, 1234567LL})
            CHECK(ctrace::parse_duration(ctrace::format_duration(d)) == d);
    }

    TEST_CASE("days_from_civil and civil_from_days") {
        CHECK(ctrace::days_from_civil(1970, 1, 1) == 0);
        CHECK(ctrace::days_from_civil(1969, 12, 31) == -1);
        CHECK(ctrace::days_from_civil(2000, 3, 1) == 11017);
        CHECK(ctrace::days_from_civil(2024, 2, 29) == 19782);
        CHECK(ctrace::days_from_civil(2022, 4, 19) == 19101);
        CHECK(ctrace::days_from_civil(1900, 1, 1) == -25567);
        CHECK(ctrace::days_from_civil(1, 1, 1) == -719162);
        CHECK(ctrace::days_from_civil(0, 12, 31) == -719163); // year 0 is a leap year
        CHECK(ctrace::days_from_civil(0, 1, 1) == -719528);
        CHECK(ctrace::days_from_civil(9999, 12, 31) == 2932896);

        const auto c = ctrace::civil_from_days(19782);
        CHECK(c.year == 2024);
        CHECK(c.month == 2);
        CHECK(c.day == 29);
        const auto before = ctrace::civil_from_days(-1);
        CHECK(before.year == 1969);
        CHECK(before.month == 12);
        CHECK(before.day == 31);

        // Every day over about ±11,000 years: round trip, and consecutive days
        // are consecutive dates.
        std::size_t failures = 0;
        ctrace::civil_date prev = ctrace::civil_from_days(-4'000'001);
        for (std::int64_t d = -4'000'000; d <= 4'000'000; ++d) {
            const ctrace::civil_date cd = ctrace::civil_from_days(d);
            bool ok = cd.month >= 1 && cd.month <= 12 && cd.day >= 1 && cd.day <= 31 &&
                      ctrace::days_from_civil(cd.year, cd.month, cd.day) == d;
            const bool next_day =
                cd.year == prev.year && cd.month == prev.month && cd.day == prev.day + 1;
            const bool next_month =
                cd.year == prev.year && cd.month == prev.month + 1 && cd.day == 1;
            const bool next_year = cd.year == prev.year + 1 && cd.month == 1 && cd.day == 1 &&
                                   prev.month == 12 && prev.day == 31;
            ok = ok && (next_day || next_month || next_year);
            if (!ok && ++failures <= 5) {
                CAPTURE(d);
                CHECK(ok);
            }
            prev = cd;
        }
        CHECK(failures == 0);

        // Far years.
        for (const std::int64_t y : {-1000000LL, -400LL, -1LL, 1LL, 1000000LL, 100000000LL}) {
            for (unsigned m = 1; m <= 12; ++m) {
                const auto cd = ctrace::civil_from_days(ctrace::days_from_civil(y, m, 28));
                CHECK(cd.year == y);
                CHECK(cd.month == m);
                CHECK(cd.day == 28);
            }
        }
    }

    // ---------------------------------------------------------------------------
    // regressions

    TEST_CASE("regression: a huge duration overflowed instead of being rejected") {
        for (const char* text : {"36028797018963968d", "1000000000000000d", "34374141155870808d",
                                 "100000000000000h", "100000000000000000s", "416999965498d"})
            CHECK_FALSE(try_parse_duration(text));
        // 416999965497 days is the largest whole number of days below 2^55 s.
        CHECK(try_parse_duration("416999965497d").value == 416999965497LL * 86400);
    }

    // Found by fuzz_time: epoch seconds up to 2^55 are valid input, and are
    // written with years past 9999; such a date must be refused by name when
    // read back, not as a generic bad time.
    TEST_CASE("regression: a year past 9999 was refused as 'bad time'") {
        const std::string written = format_time(6154165412802128, {});
        CHECK(written == "195019708-06-29T21:02:08Z");
        const auto back = try_parse_time(written, {});
        REQUIRE(!back);
        CHECK(std::string(back.error) == "year beyond 9999");
        CHECK(std::string(try_parse_time("10000-01-01", {}).error) == "year beyond 9999");
        CHECK(try_parse_time("9999-12-31T23:59:59Z", {}).value == 253402300799);
        CHECK(try_parse_time("12345", {}).value == 12345); // epoch seconds, no dash
        CHECK(!try_parse_time("-10000-01-01", {}));
    }

    TEST_CASE("whole numbers are read by their digits") {
        // semantics §1: 8 -> YYYYMMDD, 12/14 -> YYYYMMDDHHMM[SS] (local),
        // 13 -> epoch milliseconds, otherwise epoch seconds.
        const time_point evening = parsed("2022-04-05T20:41:00+08:00");
        CHECK(parsed("20220405204100", plus8) == evening);
        CHECK(parsed("202204052041", plus8) == evening);
        CHECK(parsed("20220405", plus8) == parsed("2022-04-05T00:00:00+08:00"));
        CHECK(parsed("1649162460000") == evening); // milliseconds: no zone
        CHECK(parsed("1649162460000", plus8) == evening);
        CHECK(parsed("1649162460999") == evening); // the floor
        CHECK(parsed("0000000000000") == 0);
        CHECK(parsed("20220405204159", utc) == parsed("2022-04-05T20:41:59Z"));
        CHECK(parsed("00000101") == parsed("0000-01-01"));
        CHECK(parsed("99991231235959") == 253402300799);
        // Other lengths and signed numbers stay epoch seconds.
        CHECK(parsed("1649162460") == evening);
        CHECK(parsed("164916246") == 164916246);
        CHECK(parsed("-20220405") == -20220405);
        CHECK(parsed("-1649162460000") == -1649162460000);
        // Compact forms follow the date and clock rules.
        CHECK(std::string(try_parse_time("20220230", utc).error) ==
              "invalid date: day out of range");
        CHECK(std::string(try_parse_time("20221301", utc).error) ==
              "invalid date: month out of range");
        CHECK(std::string(try_parse_time("202204052361", utc).error) ==
              "invalid clock time: minute out of range");
        CHECK(std::string(try_parse_time("202204052461", utc).error) ==
              "invalid clock time: hour out of range");
        CHECK(std::string(try_parse_time("202204052400", utc).error) ==
              "invalid clock time: hour out of range");
        CHECK(std::string(try_parse_time("20220405204160", utc).error) ==
              "invalid clock time: second out of range");
        // Past 9999: a misread, refused by name.
        for (const char* text : {"12345678901234567", "253402300800000", "999999999999999"})
            CHECK(std::string(try_parse_time(text, utc).error) == "year beyond 9999");
        rejected("+20220405");
        CHECK(parsed("2022040520411") == 2022040520); // 13 digits: milliseconds, not a date
    }

    TEST_CASE("a layout is guessed from the values a file holds") {
        using ctrace::guess_time_format;
        const auto guess = [](std::initializer_list<std::string> samples) {
            return guess_time_format(std::vector<std::string>(samples));
        };
        CHECK(guess({"05.04.2022 20:41", "06.04.2022 09:10"}) == "%d.%m.%Y %H:%M");
        CHECK(guess({"2022年4月5日 20:41"}) == "%Y年%m月%d日 %H:%M");
        CHECK(guess({"2022年4月5日 20时41分05秒"}) == "%Y年%m月%d日 %H时%M分%S秒");
        // Day first unless a value says otherwise.
        CHECK(guess({"04/05/2022 20:41:07"}) == "%d/%m/%Y %H:%M:%S");
        CHECK(guess({"04/05/2022 20:41:07", "12/31/2022 08:00:00"}) == "%m/%d/%Y %H:%M:%S");
        CHECK(guess({"2022.04.05 20:41:07.250"}) == "%Y.%m.%d %H:%M:%S.%f");
        CHECK(guess({"2022040520"}) == "%Y%m%d%H");
        CHECK(guess({"05.04.2022 20:41+0800"}) == "%d.%m.%Y %H:%M%z");
        CHECK(guess({"05.04.2022 9:5"}) == "%d.%m.%Y %H:%-M");
        // No guess beats a wrong one.
        CHECK_FALSE(guess({"04/05/2022 08:41 PM"}));
        CHECK_FALSE(guess({"Apr 5 2022"}));
        CHECK_FALSE(guess({"05.04.2022", "31.31.2022"}));
        CHECK_FALSE(guess({}));
        // Every guess reads what it was guessed from.
        const std::optional<std::string> layout = guess({"5.4.2022 20:41"});
        REQUIRE(layout);
        CHECK(ctrace::parse_time("5.4.2022 20:41", ctrace::time_format::compile(*layout), plus8) ==
              parsed("2022-04-05T20:41:00+08:00"));
    }

    TEST_CASE("a reader's layout is tried first, then the default forms") {
        using ctrace::time_format;
        const std::optional<time_format> layout = time_format::compile("%d.%m.%Y %H:%M");
        const ctrace::utc_offset tz{8 * 3600};
        const auto laid_out = ctrace::try_parse_time("20.04.2022 10:00", layout, tz);
        const auto iso = ctrace::try_parse_time("2022-04-20T10:00:00+08:00", layout, tz);
        const auto slash = ctrace::try_parse_time("2022/4/20 10:00", layout, tz);
        REQUIRE(laid_out);
        REQUIRE(iso);
        REQUIRE(slash);
        CHECK(laid_out.value == iso.value);
        CHECK(slash.value == iso.value);
        // Never epoch seconds through the fallback, and never after a date or
        // clock the layout found invalid (regression: a digits-only layout's
        // invalid dates were read as epoch times).
        CHECK_FALSE(ctrace::try_parse_time("1650420000", layout, tz));
        const std::optional<time_format> digits = time_format::compile("%Y%m%d");
        CHECK_FALSE(ctrace::try_parse_time("20230229", digits, tz));
        CHECK_FALSE(ctrace::try_parse_time("20221320", digits, tz));
        CHECK(ctrace::try_parse_time("20220420", digits, tz).value ==
              ctrace::try_parse_time("2022-04-20", tz).value);
        CHECK_FALSE(ctrace::try_parse_time("31.04.2022 10:00", layout, tz)); // invalid date
        CHECK_FALSE(ctrace::try_parse_time("20.04.2022 24:00", layout, tz)); // invalid clock
        const auto neither = ctrace::try_parse_time("20.04.22 10:00", layout, tz);
        REQUIRE_FALSE(neither);
        CHECK(std::string(neither.error).find("time format") != std::string::npos);
        // Without a layout, the default forms only.
        CHECK_FALSE(ctrace::try_parse_time("20.04.2022 10:00", std::optional<time_format>{}, tz));
    }

} // TEST_SUITE
