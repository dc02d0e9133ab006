#pragma once
/// \file
/// Parsing and formatting of times, durations and UTC offsets
/// (docs/semantics.md §1, §5).
///
/// Accepted times:
/// - Unix epoch seconds: an optional `-` and 1–19 digits (`1650412800`, `-60`);
/// - ISO 8601: `YYYY-MM-DD` alone (midnight), or followed by `T` or one space,
///   then `HH:MM`, optional `:SS`, optional fraction `.f…` after the seconds
///   (dropped: times are whole seconds, rounded toward the past), optional
///   offset `Z`, `±HH:MM` or `±HHMM` (at most 18:00). Without an offset the time
///   is local to the caller's `tz` offset.
/// Everything else, including invalid dates (`2022-02-30`), `24:00`, minute or
/// second 60, surrounding spaces and magnitudes beyond 2^55 s, is rejected.
///
/// Durations are whole seconds (`900`) or `NdNhNmNs` with any of the parts in
/// that order (`15m`, `1h30m`, `14d`).

#include "ctrace/types.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace ctrace {

/// A fixed offset from UTC in seconds, east positive (`+08:00` is 28800).
struct utc_offset {
    std::int32_t seconds = 0;
    friend bool operator==(utc_offset, utc_offset) = default;
};

/// Outcome of a non-throwing parse: `error` is null on success, else a static
/// description of what is wrong, and `value` is unspecified.
template <typename T>
struct parse_result {
    T value{};
    const char* error = nullptr;
    explicit operator bool() const noexcept { return error == nullptr; }
};

/// Parses a time (see file comment). Never throws; never allocates.
parse_result<time_point> try_parse_time(std::string_view text, utc_offset tz) noexcept;
/// Parses a duration (see file comment). Never throws; never allocates.
parse_result<duration> try_parse_duration(std::string_view text) noexcept;

/// Throwing forms: `parse_error` whose message quotes the text.
time_point parse_time(std::string_view text, utc_offset tz);
duration parse_duration(std::string_view text);

/// Parses a `--tz` value: `Z`, `UTC`, `±HH`, `±HHMM` or `±HH:MM` (at most 18:00).
utc_offset parse_utc_offset(std::string_view text);

/// `YYYY-MM-DDTHH:MM:SS` in the zone `tz`, followed by `Z` when the offset is
/// zero, else by `±HH:MM`.
std::string format_time(time_point t, utc_offset tz);
/// Appends `format_time(t, tz)` to `out` (no temporary string).
void append_time(std::string& out, time_point t, utc_offset tz);

/// `Z` or `±HH:MM`.
std::string format_utc_offset(utc_offset tz);
/// The shortest `NdNhNmNs` spelling of a non-negative duration (`0s` for 0).
std::string format_duration(duration d);

/// Days since 1970-01-01 of a proleptic Gregorian date, and back.
std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day) noexcept;
struct civil_date {
    std::int64_t year;
    unsigned month;
    unsigned day;
};
civil_date civil_from_days(std::int64_t days) noexcept;

} // namespace ctrace
