#include "ctrace/core/time.hpp"

#include "ctrace/core/error.hpp"

#include <algorithm>
#include <cstdio>

namespace ctrace {
namespace {

constexpr std::int64_t seconds_per_day = 86400;
constexpr std::int32_t max_offset_seconds = 18 * 3600;

bool is_digit(char c) noexcept {
    return c >= '0' && c <= '9';
}

/// Reads exactly `n` digits at `pos` into `out`; false if any is not a digit.
bool fixed_digits(std::string_view s, std::size_t pos, std::size_t n, unsigned& out) noexcept {
    if (pos + n > s.size()) return false;
    unsigned v = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const char c = s[pos + i];
        if (!is_digit(c)) return false;
        v = v * 10 + static_cast<unsigned>(c - '0');
    }
    out = v;
    return true;
}

bool is_leap(std::int64_t y) noexcept {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned days_in_month(std::int64_t y, unsigned m) noexcept {
    static constexpr unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29u : days[m - 1];
}

/// The offset `±hh:mm` as seconds east, checked.
parse_result<std::int32_t> offset_of(bool negative, unsigned hh, unsigned mm) noexcept {
    parse_result<std::int32_t> r;
    if (mm > 59) return r.error = "UTC offset minute out of range", r;
    const auto magnitude = static_cast<std::int32_t>(hh * 3600 + mm * 60);
    if (magnitude > max_offset_seconds) return r.error = "UTC offset beyond 18:00", r;
    r.value = negative ? -magnitude : magnitude;
    return r;
}

/// What is wrong with a date (null when nothing).
const char* date_problem(unsigned year, unsigned month, unsigned day) noexcept {
    if (month < 1 || month > 12) return "invalid date: month out of range";
    if (day < 1 || day > days_in_month(year, month)) return "invalid date: day out of range";
    return nullptr;
}

/// What is wrong with a clock time (null when nothing).
const char* clock_problem(unsigned hh, unsigned mm, unsigned ss) noexcept {
    if (hh > 23) return "invalid clock time: hour out of range";
    if (mm > 59) return "invalid clock time: minute out of range";
    if (ss > 59) return "invalid clock time: second out of range";
    return nullptr;
}

/// Parses `±HH:MM` or `±HHMM` (or `±HH` when `allow_hours_only`) covering all
/// of `s`.
parse_result<std::int32_t> parse_signed_offset(std::string_view s, bool allow_hours_only) noexcept {
    parse_result<std::int32_t> r;
    if (s.empty() || (s[0] != '+' && s[0] != '-')) return r.error = "bad UTC offset", r;
    unsigned hh = 0, mm = 0;
    if (!fixed_digits(s, 1, 2, hh)) return r.error = "bad UTC offset", r;
    if (s.size() == 3 && allow_hours_only) {
        mm = 0;
    } else if (s.size() == 6 && s[3] == ':') {
        if (!fixed_digits(s, 4, 2, mm)) return r.error = "bad UTC offset", r;
    } else if (s.size() == 5) {
        if (!fixed_digits(s, 3, 2, mm)) return r.error = "bad UTC offset", r;
    } else {
        return r.error = "bad UTC offset", r;
    }
    return offset_of(s[0] == '-', hh, mm);
}

parse_result<time_point> parse_epoch(std::string_view s) noexcept {
    parse_result<time_point> r;
    std::size_t pos = 0;
    const bool negative = s[0] == '-';
    if (negative) pos = 1;
    if (pos == s.size()) return r.error = "bad time", r;
    std::int64_t v = 0;
    for (; pos < s.size(); ++pos) {
        if (!is_digit(s[pos])) return r.error = "bad time", r;
        v = v * 10 + (s[pos] - '0');
        if (v > max_input_magnitude) return r.error = "epoch seconds out of range", r;
    }
    r.value = negative ? -v : v;
    return r;
}

/// The value of a digit character; above 9 for any other character.
unsigned digit_value(char c) noexcept {
    return static_cast<unsigned>(static_cast<unsigned char>(c)) - unsigned{'0'};
}

/// Reads one or two digits at `pos` (two when two follow) into `out` and
/// moves `pos` past them; false if there is no digit at `pos`.
bool one_or_two_digits(std::string_view s, std::size_t& pos, unsigned& out) noexcept {
    if (pos >= s.size()) return false;
    unsigned v = digit_value(s[pos]);
    if (v > 9) return false;
    if (++pos < s.size()) {
        if (const unsigned second = digit_value(s[pos]); second <= 9) {
            v = v * 10 + second;
            ++pos;
        }
    }
    out = v;
    return true;
}

/// Digit counts of the whole numbers that are not epoch seconds (semantics
/// §1): compact local dates and times, and epoch milliseconds.
constexpr std::size_t compact_date_digits = 8;       // YYYYMMDD
constexpr std::size_t compact_minute_digits = 12;    // YYYYMMDDHHMM
constexpr std::size_t epoch_millisecond_digits = 13; // Java's currentTimeMillis()
constexpr std::size_t compact_second_digits = 14;    // YYYYMMDDHHMMSS

/// 9999-12-31T23:59:59Z: a whole number read as a later time is a misread
/// (`20220405204100` as epoch seconds is year 642729), not a time.
constexpr std::int64_t last_second_of_9999 = 253402300799;

/// `YYYYMMDD`, `YYYYMMDDHHMM` or `YYYYMMDDHHMMSS`, all digits (the caller
/// has checked), local to `tz`.
parse_result<time_point> parse_compact(std::string_view s, utc_offset tz) noexcept {
    parse_result<time_point> r;
    unsigned year = 0, month = 0, day = 0, hh = 0, mm = 0, ss = 0;
    fixed_digits(s, 0, 4, year);
    fixed_digits(s, 4, 2, month);
    fixed_digits(s, 6, 2, day);
    if (const char* problem = date_problem(year, month, day)) return r.error = problem, r;
    if (s.size() >= compact_minute_digits) {
        fixed_digits(s, 8, 2, hh);
        fixed_digits(s, 10, 2, mm);
    }
    if (s.size() == compact_second_digits) fixed_digits(s, 12, 2, ss);
    if (const char* problem = clock_problem(hh, mm, ss)) return r.error = problem, r;
    r.value =
        days_from_civil(year, month, day) * seconds_per_day + hh * 3600 + mm * 60 + ss - tz.seconds;
    return r;
}

/// The caller has seen a date separator (`-` or `/`) at index 4 and at least
/// 8 characters, so that indexes 5 to 7 need no bounds checks.
parse_result<time_point> parse_iso(std::string_view s, utc_offset tz) noexcept {
    parse_result<time_point> r;
    const char separator = s[4];
    unsigned year = 0, month = digit_value(s[5]), day = 0;
    if (!fixed_digits(s, 0, 4, year) || month > 9) return r.error = "bad time", r;
    std::size_t pos = 6;
    if (const unsigned second = digit_value(s[6]); second <= 9) {
        month = month * 10 + second;
        pos = 7;
    }
    if (s[pos] != separator) return r.error = "bad time", r;
    ++pos;
    if (!one_or_two_digits(s, pos, day)) return r.error = "bad time", r;
    if (const char* problem = date_problem(year, month, day)) return r.error = problem, r;
    const std::int64_t days = days_from_civil(year, month, day);
    if (pos == s.size()) {
        r.value = days * seconds_per_day - tz.seconds;
        return r;
    }
    if (s[pos] != 'T' && s[pos] != ' ') return r.error = "bad time", r;
    ++pos;
    unsigned hh = 0, mm = 0, ss = 0;
    if (!one_or_two_digits(s, pos, hh) || pos >= s.size() || s[pos] != ':' ||
        !fixed_digits(s, pos + 1, 2, mm))
        return r.error = "bad time", r;
    pos += 3;
    if (pos < s.size() && s[pos] == ':') {
        if (!fixed_digits(s, pos + 1, 2, ss)) return r.error = "bad time", r;
        pos += 3;
        if (pos < s.size() && s[pos] == '.') {
            const std::size_t digits_start = ++pos;
            while (pos < s.size() && is_digit(s[pos]))
                ++pos;
            if (pos == digits_start) return r.error = "bad time: empty fraction", r;
        }
    }
    if (const char* problem = clock_problem(hh, mm, ss)) return r.error = problem, r;
    std::int32_t offset = tz.seconds;
    if (pos < s.size()) {
        const std::string_view rest = s.substr(pos);
        if (rest == "Z") {
            offset = 0;
        } else {
            const auto parsed = parse_signed_offset(rest, false);
            if (!parsed) return r.error = parsed.error, r;
            offset = parsed.value;
        }
    }
    r.value = days * seconds_per_day + hh * 3600 + mm * 60 + ss - offset;
    return r;
}

/// Reads an offset at `pos` for `%z`: `Z`, or `±HH` followed by `:MM` or
/// `MM` when they are there (the longest form wins), and moves `pos` past it.
/// Returns null, or a static description of what is wrong.
const char* read_offset(std::string_view s, std::size_t& pos, std::int32_t& out) noexcept {
    if (pos < s.size() && s[pos] == 'Z') {
        ++pos;
        out = 0;
        return nullptr;
    }
    if (pos >= s.size() || (s[pos] != '+' && s[pos] != '-')) return "bad UTC offset";
    const bool negative = s[pos] == '-';
    unsigned hh = 0, mm = 0;
    if (!fixed_digits(s, pos + 1, 2, hh)) return "bad UTC offset";
    pos += 3;
    if (pos < s.size() && s[pos] == ':' && fixed_digits(s, pos + 1, 2, mm))
        pos += 3;
    else if (fixed_digits(s, pos, 2, mm))
        pos += 2;
    const parse_result<std::int32_t> offset = offset_of(negative, hh, mm);
    if (offset) out = offset.value;
    return offset.error;
}

/// The fields a `time_format` reads, as indexes of its `step::field`.
enum format_field : std::uint8_t {
    year_field,
    month_field,
    day_field,
    hour_field,
    minute_field,
    second_field,
    field_count
};

void append_two(std::string& out, unsigned v) {
    out.push_back(static_cast<char>('0' + v / 10));
    out.push_back(static_cast<char>('0' + v % 10));
}

} // namespace

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
    // Howard Hinnant's algorithm: eras of 400 years, March-based years.
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

civil_date civil_from_days(std::int64_t z) noexcept {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return {y + (m <= 2), m, d};
}

parse_result<time_point> try_parse_time(std::string_view text, utc_offset tz) noexcept {
    if (text.empty()) return {0, "empty time"};
    // A date always has its separator at index 4 and at least 8 characters
    // (`2022/4/5`); a whole number never has either separator there.
    if (text.size() >= 8 && (text[4] == '-' || text[4] == '/')) return parse_iso(text, tz);
    parse_result<time_point> number = parse_epoch(text);
    if (number) {
        // The common case first: epoch dumps parse tens of millions. A whole
        // number without a sign is read by its digits (semantics §1).
        if (text[0] != '-') {
            switch (text.size()) {
            case compact_date_digits:
            case compact_minute_digits:
            case compact_second_digits:
                return parse_compact(text, tz);
            case epoch_millisecond_digits:
                number.value /= 1000; // non-negative: the floor
                return number;
            default:
                break;
            }
        }
        if (number.value > last_second_of_9999) return {0, "year beyond 9999"};
        return number;
    }
    // Five or more digits, then a date separator: a date past year 9999.
    const std::size_t first_other = text.find_first_not_of("0123456789");
    if (first_other != std::string_view::npos && first_other >= 5 &&
        (text[first_other] == '-' || text[first_other] == '/'))
        return {0, "year beyond 9999"};
    return number;
}

namespace {
/// A text the layout refused for its shape, not its values.
constexpr const char* layout_mismatch = "bad time: does not match the time format";
constexpr const char* layout_trailing_text = "bad time: text after the time format";
} // namespace

bool time_format::may_fall_back(std::string_view text, const char* error) noexcept {
    if (error != layout_mismatch && error != layout_trailing_text) return false;
    const std::size_t digits_from = !text.empty() && text[0] == '-' ? 1 : 0;
    return text.find_first_not_of("0123456789", digits_from) != std::string_view::npos;
}

time_format time_format::compile(std::string_view pattern) {
    const auto bad_pattern = [pattern](const std::string& why) {
        return parameter_error("time_format", "time format '" + std::string(pattern) + "': " + why);
    };
    time_format format;
    format.pattern_ = std::string(pattern);
    const auto add_literal = [&format](char c) {
        if (format.steps_.empty() || format.steps_.back().has_literal) format.steps_.push_back({});
        format.steps_.back().has_literal = true;
        format.steps_.back().literal = c;
    };
    // Directives by letter, each allowed once; the first six are the fields
    // in format_field order.
    static constexpr std::string_view letters = "YmdHMSfz";
    static_assert(letters.find('S') == second_field);
    bool seen[letters.size()] = {};
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        if (pattern[i] != '%') {
            add_literal(pattern[i]);
            continue;
        }
        if (++i == pattern.size()) throw bad_pattern("a lone % at the end (write %% for a %)");
        const bool unpadded = pattern[i] == '-';
        if (unpadded && ++i == pattern.size()) throw bad_pattern("%- at the end");
        const char letter = pattern[i];
        if (letter == '%' && !unpadded) {
            add_literal('%');
            continue;
        }
        const std::string directive = std::string(unpadded ? "%-" : "%") + letter;
        const std::size_t which = letters.find(letter);
        // Only the two-digit fields have an unpadded form.
        if (which == std::string_view::npos ||
            (unpadded && (letter == 'Y' || letter == 'f' || letter == 'z')))
            throw bad_pattern("unknown directive " + directive);
        if (seen[which]) throw bad_pattern(directive + " appears twice");
        seen[which] = true;
        step next;
        if (letter == 'f') {
            next.kind = step_kind::fraction;
        } else if (letter == 'z') {
            next.kind = step_kind::offset;
        } else if (letter == 'Y') {
            next.kind = step_kind::year;
        } else {
            next.kind = step_kind::two_digits;
            next.field = static_cast<std::uint8_t>(which);
            // Minutes and seconds are read unpadded only when asked: a time
            // written `9:5` is more likely a mistake than a layout.
            next.padded = (letter == 'M' || letter == 'S') && !unpadded;
        }
        format.steps_.push_back(next);
    }
    const auto has = [&](char letter) { return seen[letters.find(letter)]; };
    if (!has('Y') || !has('m') || !has('d'))
        throw bad_pattern("needs %Y (year), %m (month) and %d (day)");
    if (has('M') && !has('H')) throw bad_pattern("%M (minute) without %H (hour)");
    if (has('S') && !has('M')) throw bad_pattern("%S (second) without %M (minute)");
    if (has('f') && !has('S')) throw bad_pattern("%f (fraction) without %S (second)");
    return format;
}

parse_result<time_point> try_parse_time(std::string_view s, const time_format& format,
                                        utc_offset tz) noexcept {
    using step_kind = time_format::step_kind;
    const char* const mismatch = layout_mismatch;
    parse_result<time_point> r;
    if (s.empty()) return r.error = "empty time", r;
    unsigned fields[field_count] = {};
    std::int32_t offset = tz.seconds;
    std::size_t pos = 0;
    for (const time_format::step& step : format.steps_) {
        switch (step.kind) {
        case step_kind::none:
            break;
        case step_kind::year:
            if (!fixed_digits(s, pos, 4, fields[year_field])) return r.error = mismatch, r;
            pos += 4;
            break;
        case step_kind::two_digits: {
            const std::size_t start = pos;
            if (!one_or_two_digits(s, pos, fields[step.field]) || (step.padded && pos - start != 2))
                return r.error = mismatch, r;
            break;
        }
        case step_kind::fraction: {
            // Dropped: the fields are never negative, so dropping the fraction
            // rounds toward the past whatever the sign of the time.
            const std::size_t start = pos;
            const std::size_t end = std::min(s.size(), pos + 9);
            while (pos < end && is_digit(s[pos]))
                ++pos;
            if (pos == start) return r.error = "bad time: empty fraction", r;
            break;
        }
        case step_kind::offset:
            if (const char* error = read_offset(s, pos, offset)) return r.error = error, r;
            break;
        }
        if (step.has_literal) {
            if (pos >= s.size() || s[pos] != step.literal) return r.error = mismatch, r;
            ++pos;
        }
    }
    if (pos != s.size()) return r.error = layout_trailing_text, r;
    const unsigned year = fields[year_field], month = fields[month_field], day = fields[day_field];
    if (const char* problem = date_problem(year, month, day)) return r.error = problem, r;
    const unsigned hh = fields[hour_field], mm = fields[minute_field], ss = fields[second_field];
    if (const char* problem = clock_problem(hh, mm, ss)) return r.error = problem, r;
    r.value =
        days_from_civil(year, month, day) * seconds_per_day + hh * 3600 + mm * 60 + ss - offset;
    return r;
}

parse_result<duration> try_parse_duration(std::string_view s) noexcept {
    parse_result<duration> r;
    if (s.empty()) return r.error = "empty duration", r;
    static constexpr char units[] = {'d', 'h', 'm', 's'};
    static constexpr std::int64_t unit_seconds[] = {86400, 3600, 60, 1};
    std::size_t pos = 0;
    std::size_t next_unit = 0; // parts must come in the order d, h, m, s
    std::int64_t total = 0;
    while (pos < s.size()) {
        const std::size_t digits_start = pos;
        std::int64_t v = 0;
        while (pos < s.size() && is_digit(s[pos])) {
            v = v * 10 + (s[pos] - '0');
            if (v > max_input_magnitude) return r.error = "duration out of range", r;
            ++pos;
        }
        if (pos == digits_start) return r.error = "bad duration", r;
        if (pos == s.size()) {
            if (digits_start != 0) return r.error = "bad duration: number without unit", r;
            r.value = v;
            return r;
        }
        std::size_t unit = next_unit;
        while (unit < 4 && units[unit] != s[pos])
            ++unit;
        if (unit == 4) return r.error = "bad duration unit or order (use NdNhNmNs)", r;
        if (v > (max_input_magnitude - total) / unit_seconds[unit])
            return r.error = "duration out of range", r;
        total += v * unit_seconds[unit];
        next_unit = unit + 1;
        ++pos;
    }
    r.value = total;
    return r;
}

time_point parse_time(std::string_view text, utc_offset tz) {
    const auto r = try_parse_time(text, tz);
    if (!r) throw parse_error(std::string(r.error) + ": '" + std::string(text) + "'");
    return r.value;
}

time_point parse_time(std::string_view text, const time_format& format, utc_offset tz) {
    const auto r = try_parse_time(text, format, tz);
    if (!r) throw parse_error(std::string(r.error) + ": '" + std::string(text) + "'");
    return r.value;
}

duration parse_duration(std::string_view text) {
    const auto r = try_parse_duration(text);
    if (!r) throw parse_error(std::string(r.error) + ": '" + std::string(text) + "'");
    return r.value;
}

utc_offset parse_utc_offset(std::string_view text) {
    if (text == "Z" || text == "UTC") return {};
    const auto r = parse_signed_offset(text, true);
    if (!r)
        throw parse_error(std::string(r.error) + ": '" + std::string(text) +
                          "' (expected Z, UTC, +HH, +HHMM or +HH:MM)");
    return {r.value};
}

void append_time(std::string& out, time_point t, utc_offset tz) {
    // Formatted into a local buffer and appended once: risk lists write
    // three times per row, millions of rows.
    const std::int64_t local = t + tz.seconds;
    std::int64_t days = local / seconds_per_day;
    std::int64_t secs = local % seconds_per_day;
    if (secs < 0) {
        secs += seconds_per_day;
        --days;
    }
    const civil_date date = civil_from_days(days);
    char text[48];
    char* p = text;
    auto put_two = [&p](unsigned v) {
        *p++ = static_cast<char>('0' + v / 10);
        *p++ = static_cast<char>('0' + v % 10);
    };
    if (date.year >= 0 && date.year <= 9999) {
        const auto year = static_cast<unsigned>(date.year);
        put_two(year / 100);
        put_two(year % 100);
    } else {
        p += std::snprintf(p, 24, date.year < 0 ? "%05lld" : "%04lld",
                           static_cast<long long>(date.year));
    }
    *p++ = '-';
    put_two(date.month);
    *p++ = '-';
    put_two(date.day);
    *p++ = 'T';
    const auto s = static_cast<unsigned>(secs);
    put_two(s / 3600);
    *p++ = ':';
    put_two(s / 60 % 60);
    *p++ = ':';
    put_two(s % 60);
    if (tz.seconds == 0) {
        *p++ = 'Z';
    } else {
        *p++ = tz.seconds < 0 ? '-' : '+';
        const auto magnitude = static_cast<unsigned>(tz.seconds < 0 ? -tz.seconds : tz.seconds);
        put_two(magnitude / 3600);
        *p++ = ':';
        put_two(magnitude / 60 % 60);
    }
    out.append(text, static_cast<std::size_t>(p - text));
}

std::string format_time(time_point t, utc_offset tz) {
    std::string out;
    append_time(out, t, tz);
    return out;
}

std::string format_utc_offset(utc_offset tz) {
    if (tz.seconds == 0) return "Z";
    std::string out(1, tz.seconds < 0 ? '-' : '+');
    const auto magnitude = static_cast<unsigned>(tz.seconds < 0 ? -tz.seconds : tz.seconds);
    append_two(out, magnitude / 3600);
    out.push_back(':');
    append_two(out, magnitude / 60 % 60);
    return out;
}

std::optional<utc_offset> written_offset(std::string_view text) noexcept {
    // Only a date carries an offset, after its clock time: past the date's own
    // separators, which stand at indexes 4 to 7.
    if (text.size() < 8 || (text[4] != '-' && text[4] != '/')) return std::nullopt;
    if (text.back() == 'Z') return utc_offset{};
    const std::size_t sign = text.find_first_of("+-", 8);
    if (sign == std::string_view::npos) return std::nullopt;
    const parse_result<std::int32_t> offset = parse_signed_offset(text.substr(sign), false);
    if (!offset) return std::nullopt;
    return utc_offset{offset.value};
}

std::string format_duration(duration d) {
    if (d == 0) return "0s";
    std::string out;
    static constexpr char units[] = {'d', 'h', 'm', 's'};
    static constexpr std::int64_t unit_seconds[] = {86400, 3600, 60, 1};
    for (int i = 0; i < 4; ++i) {
        if (d >= unit_seconds[i]) {
            out += std::to_string(d / unit_seconds[i]);
            out.push_back(units[i]);
            d %= unit_seconds[i];
        }
    }
    return out;
}

} // namespace ctrace

namespace ctrace {
namespace {

/// A run of digits or of other bytes in a time text.
struct time_token {
    bool digits = false;
    std::string_view text;
};

std::vector<time_token> time_tokens(std::string_view s) {
    std::vector<time_token> tokens;
    std::size_t i = 0;
    while (i < s.size()) {
        const bool digits = is_digit(s[i]);
        std::size_t j = i;
        while (j < s.size() && is_digit(s[j]) == digits)
            ++j;
        tokens.push_back({digits, s.substr(i, j - i)});
        i = j;
    }
    return tokens;
}

/// The layout of `sample` when its date's fields come in `order` (three of
/// `Y`, `m`, `d`), or "" when its shape does not allow it.
std::string layout_for(std::string_view sample, std::string_view order) {
    const std::vector<time_token> tokens = time_tokens(sample);
    std::string layout;
    std::size_t field = 0; // date fields, then H, M, S, f
    static constexpr std::string_view clock = "HMSf";
    for (std::size_t t = 0; t < tokens.size(); ++t) {
        const time_token& token = tokens[t];
        if (!token.digits) {
            // An offset at the end (`+08:00`, `+0800`, `Z`) after the clock.
            const bool last_fields = field >= 5; // after the minutes
            if (last_fields && (token.text == "+" || token.text == "-" || token.text == " +" ||
                                token.text == " -")) {
                if (token.text.size() == 2) layout.push_back(' ');
                layout += "%z";
                return t + 2 == tokens.size() ||
                               (t + 4 == tokens.size() && tokens[t + 2].text == ":")
                           ? layout
                           : std::string();
            }
            if (last_fields && token.text == "Z" && t + 1 == tokens.size()) return layout + "%z";
            if (token.text == "." && field >= 6 && field < 7) {
                layout.push_back('.');
                continue;
            }
            for (const char c : token.text) {
                // AM/PM is not a layout this parser reads: no guess beats a wrong one.
                if ((c >= 'A' && c <= 'Z' && c != 'T') || (c >= 'a' && c <= 'z')) return {};
                if (c == '%') layout.push_back('%');
                layout.push_back(c);
            }
            continue;
        }
        std::string_view digits = token.text;
        // A compact run (`2022040520`): fixed widths, year first.
        if (field == 0 && order[0] == 'Y' && digits.size() > 4) {
            if (digits.size() % 2 != 0 || digits.size() > 14) return {};
            static constexpr std::string_view compact[] = {"%Y", "%m", "%d", "%H", "%M", "%S"};
            for (std::size_t k = 0; k * 2 + 4 <= digits.size(); ++k)
                layout += compact[k];
            field = digits.size() == 8 ? 3 : (digits.size() - 4) / 2 + 1;
            continue;
        }
        if (field < 3) {
            const char which = order[field];
            if ((which == 'Y') != (digits.size() == 4) || digits.size() > 4) return {};
            layout += '%';
            layout += which;
        } else if (field - 3 < clock.size()) {
            const char which = clock[field - 3];
            if (which == 'f') {
                if (digits.size() > 9) return {};
            } else if (digits.size() > 2) {
                return {};
            }
            layout += digits.size() == 1 && (which == 'M' || which == 'S') ? "%-" : "%";
            layout += which;
        } else {
            return {};
        }
        ++field;
    }
    return field >= 3 ? layout : std::string();
}

} // namespace

std::optional<std::string> guess_time_format(std::span<const std::string> samples) {
    if (samples.empty()) return std::nullopt;
    // Year first is unambiguous; with the year last, day first is the more
    // common export (`05.04.2022`), month first the American one.
    for (const std::string_view order : {"Ymd", "dmY", "mdY"}) {
        std::optional<time_format> format;
        for (const std::string& sample : samples) {
            const std::string layout = layout_for(sample, order);
            if (layout.empty()) {
                format.reset();
                break;
            }
            if (!format) {
                try {
                    format = time_format::compile(layout);
                } catch (const parameter_error&) {
                    break;
                }
            }
            if (!try_parse_time(sample, *format, utc_offset{})) {
                format.reset();
                break;
            }
        }
        if (format) return format->pattern();
    }
    return std::nullopt;
}

} // namespace ctrace
