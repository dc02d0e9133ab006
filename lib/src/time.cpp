#include "ctrace/time.hpp"

#include "ctrace/error.hpp"

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
    if (mm > 59) return r.error = "UTC offset minute out of range", r;
    const auto magnitude = static_cast<std::int32_t>(hh * 3600 + mm * 60);
    if (magnitude > max_offset_seconds) return r.error = "UTC offset beyond 18:00", r;
    r.value = s[0] == '-' ? -magnitude : magnitude;
    return r;
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

parse_result<time_point> parse_iso(std::string_view s, utc_offset tz) noexcept {
    parse_result<time_point> r;
    unsigned year = 0, month = 0, day = 0;
    if (!fixed_digits(s, 0, 4, year) || s.size() < 10 || s[4] != '-' ||
        !fixed_digits(s, 5, 2, month) || s[7] != '-' || !fixed_digits(s, 8, 2, day))
        return r.error = "bad time", r;
    if (month < 1 || month > 12) return r.error = "invalid date: month out of range", r;
    if (day < 1 || day > days_in_month(year, month))
        return r.error = "invalid date: day out of range", r;
    const std::int64_t days = days_from_civil(year, month, day);
    if (s.size() == 10) {
        r.value = days * seconds_per_day - tz.seconds;
        return r;
    }
    if (s[10] != 'T' && s[10] != ' ') return r.error = "bad time", r;
    unsigned hh = 0, mm = 0, ss = 0;
    if (!fixed_digits(s, 11, 2, hh) || s.size() < 16 || s[13] != ':' || !fixed_digits(s, 14, 2, mm))
        return r.error = "bad time", r;
    std::size_t pos = 16;
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
    if (hh > 23) return r.error = "invalid clock time: hour out of range", r;
    if (mm > 59) return r.error = "invalid clock time: minute out of range", r;
    if (ss > 59) return r.error = "invalid clock time: second out of range", r;
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
    // An ISO date always has '-' at index 4; an epoch value never does.
    if (text.size() >= 10 && text[4] == '-') return parse_iso(text, tz);
    // Five or more digits, then '-': a date past year 9999.
    const std::size_t dash = text.find('-', 1);
    if (dash != std::string_view::npos && dash >= 5 && text[0] != '-' &&
        text.find_first_not_of("0123456789") == dash)
        return {0, "year beyond 9999"};
    return parse_epoch(text);
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
