#pragma once
/// \file
/// Parsing and formatting of times, durations and UTC offsets
/// (docs/semantics.md §1, §5).
///
/// Accepted times (`try_parse_time(text, tz)`):
/// - a whole number, read by its digits (semantics §1):
///   - 8 digits without a sign: a compact local date `YYYYMMDD` (midnight);
///   - 12 or 14 digits: a compact local time `YYYYMMDDHHMM[SS]`;
///   - 13 digits: Unix epoch milliseconds, floored to seconds (Java platforms);
///   - any other length, or with a `-`: Unix epoch seconds (`1650412800`,
///     `-60`), at most 2^55 in magnitude.
///   A whole number read as a time after 9999-12-31T23:59:59Z is rejected
///   ("year beyond 9999"): it is a misread (`20220405204100` as epoch
///   seconds would be year 642729), never a time.
/// - ISO 8601: `YYYY-MM-DD` alone (midnight), or followed by `T` or one space,
///   then `HH:MM`, optional `:SS`, optional fraction `.f…` after the seconds
///   (dropped: times are whole seconds, rounded toward the past), optional
///   offset `Z`, `±HH:MM` or `±HHMM` (at most 18:00). Without an offset the time
///   is local to the caller's `tz` offset.
/// - the same with the date written as health-code systems export it: `/` for
///   `-` (`2022/04/20 10:00:00`), and month, day and hour in one or two digits
///   (`2022/4/5`, `2022-4-5 9:05`). One date uses one separator (`2022/04-20`
///   is rejected); year, minute and second keep their fixed width.
/// Everything else, including invalid dates (`2022-02-30`), `24:00`, minute or
/// second 60, surrounding spaces and magnitudes beyond 2^55 s, is rejected.
///
/// Times in any other layout are read with a `time_format` compiled from a
/// strptime-style pattern (`%d.%m.%Y %H:%M`).
///
/// Durations are whole seconds (`900`) or `NdNhNmNs` with any of the parts in
/// that order (`15m`, `1h30m`, `14d`).

#include "ctrace/core/types.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

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

/// A time layout compiled once from a strptime-style pattern, for dumps whose
/// times are neither epoch seconds nor ISO 8601 (`%d.%m.%Y %H:%M`). Like the
/// default parser it yields whole seconds since the Unix epoch, and reads
/// offsets (`%z`, the caller's `tz`) as seconds east of UTC.
///
/// Directives (each at most once; `%Y`, `%m` and `%d` required; `%M` needs
/// `%H`, `%S` needs `%M`, `%f` needs `%S`):
/// - `%Y` year, exactly 4 digits (0000–9999);
/// - `%m` month, `%d` day, `%H` hour (00–23): 1 or 2 digits, as `%-m` `%-d`
///   `%-H` also read them;
/// - `%M` minute, `%S` second (00–59): exactly 2 digits; `%-M`, `%-S`: 1 or 2;
/// - `%f` fraction of a second, 1–9 digits, dropped: times are whole seconds,
///   and dropping the fraction rounds toward the past, before 1970 too
///   (`1969-12-31 23:59:59.5` UTC is -1);
/// - `%z` offset `Z`, `±HH:MM`, `±HHMM` or `±HH` (at most 18:00); without `%z`
///   the time is local to the caller's `tz`;
/// - `%%` a `%`; any other character must appear in the text as it is.
/// Ties: a field of 1 or 2 digits takes two when two digits follow
/// (`%Y%m%d` reads `2022420` as month 42, rejected), and `%z` takes the
/// longest offset form that follows (`+0800` is 8 hours, never `+08` then
/// `00`). Hour, minute and second left out of the pattern are 0. The text
/// must match the whole pattern, with nothing before or after. A missing
/// field, a time out of range or an invalid date (`2023/2/29`) is rejected
/// with the same descriptions as the default parser.
class time_format {
public:
    /// Compiles `pattern`; throws `parameter_error` ("time_format") naming
    /// what is wrong with a pattern that is not a valid layout.
    static time_format compile(std::string_view pattern);

    /// The pattern this layout was compiled from.
    const std::string& pattern() const noexcept { return pattern_; }

    /// Whether a text the layout refused with `error` may still be read in
    /// the default forms: only when it did not fit the layout's shape (not
    /// for an invalid date, clock time or offset, which stay refused), and
    /// never as epoch seconds (a digits-only layout's invalid date,
    /// `20230229`, must not become a time in 1970).
    static bool may_fall_back(std::string_view text, const char* error) noexcept;

private:
    enum class step_kind : std::uint8_t { none, year, two_digits, fraction, offset };
    /// One directive of the layout and the literal character after it, if
    /// any (a leading literal, and each literal after the first of a run, has
    /// a step of kind `none`): one step per directive rather than per
    /// character keeps the parse loop short, and it runs once per scan row.
    /// `two_digits` reads 1 or 2 digits (exactly 2 when `padded`) into field
    /// `field` (month, day, hour, minute, second).
    struct step {
        step_kind kind = step_kind::none;
        std::uint8_t field = 0;
        bool padded = false;
        bool has_literal = false;
        char literal = 0;
    };

    time_format() = default;

    std::string pattern_;
    std::vector<step> steps_;

    friend parse_result<time_point> try_parse_time(std::string_view text, const time_format& format,
                                                   utc_offset tz) noexcept;
};

/// Parses a time laid out as `format` says. Never throws; never allocates.
parse_result<time_point> try_parse_time(std::string_view text, const time_format& format,
                                        utc_offset tz) noexcept;

/// Throwing forms: `parse_error` whose message quotes the text.
time_point parse_time(std::string_view text, utc_offset tz);
time_point parse_time(std::string_view text, const time_format& format, utc_offset tz);

/// Parses with `format` when there is one, and in the default forms when
/// there is none or the text does not fit it (a cases file written by hand
/// in ISO 8601 beside an export's layout): how a reader whose input may have
/// a layout of its own reads each time. The error is the layout's.
inline parse_result<time_point> try_parse_time(std::string_view text,
                                               const std::optional<time_format>& format,
                                               utc_offset tz) noexcept {
    if (!format) return try_parse_time(text, tz);
    const parse_result<time_point> laid_out = try_parse_time(text, *format, tz);
    if (laid_out || !time_format::may_fall_back(text, laid_out.error)) return laid_out;
    const parse_result<time_point> standard = try_parse_time(text, tz);
    return standard ? standard : laid_out;
}
duration parse_duration(std::string_view text);

/// A `time_format` pattern that reads every one of `samples` (times as a
/// file gives them, which the default forms refused), guessed from their
/// shape: `05.04.2022 20:41` gives `%d.%m.%Y %H:%M`, `2022年4月5日 20:41`
/// gives `%Y年%m月%d日 %H:%M`. With the year last, day first is tried before
/// month first. None when no layout of the digit runs fits them all (AM/PM
/// clocks, too few fields): a hint for an error message, never a silent
/// reading rule.
std::optional<std::string> guess_time_format(std::span<const std::string> samples);

/// Parses a `--tz` value: `Z`, `UTC`, `±HH`, `±HHMM` or `±HH:MM` (at most 18:00).
utc_offset parse_utc_offset(std::string_view text);

/// `YYYY-MM-DDTHH:MM:SS` in the zone `tz`, followed by `Z` when the offset is
/// zero, else by `±HH:MM`.
std::string format_time(time_point t, utc_offset tz);
/// Appends `format_time(t, tz)` to `out` (no temporary string).
void append_time(std::string& out, time_point t, utc_offset tz);

/// `Z` or `±HH:MM`.
std::string format_utc_offset(utc_offset tz);
/// The UTC offset a date-time text ends with (`Z`, `±HH:MM` or `±HHMM`), or
/// none when it has none (a local time, a date alone, epoch seconds): the zone
/// a file written by ctrace was written in (`2022-04-17T12:20:00+08:00` is
/// `+08:00`). Only meaningful for a text `try_parse_time` accepts.
std::optional<utc_offset> written_offset(std::string_view text) noexcept;
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
