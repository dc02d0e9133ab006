// Fuzz target: any bytes as a time (by the default parser and by a fixed set
// of time_format layouts), a time_format pattern, a duration and a UTC offset.
// Parsing must never crash and never throw anything but parse_error (and
// parameter_error for a pattern); an accepted time must be within the
// documented range and survive formatting and parsing back.

#include "ctrace/core/error.hpp"
#include "ctrace/core/time.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

/// One layout of each directive and form, unpadded fields and literals
/// around offsets included.
const std::vector<ctrace::time_format>& fuzzed_formats() {
    static const std::vector<ctrace::time_format> formats = [] {
        std::vector<ctrace::time_format> compiled;
        for (const char* pattern :
             {"%Y-%m-%dT%H:%M:%S%z", "%Y/%m/%d %H:%M", "%d.%m.%Y %-H:%-M:%-S", "%Y%m%d%H%M%S.%f%z",
              "%z %-d/%-m/%Y %H%%", "%m/%d/%Y %H:%M:%S,%f (%z)"})
            compiled.push_back(ctrace::time_format::compile(pattern));
        return compiled;
    }();
    return formats;
}

const ctrace::time_format& iso_format() {
    static const ctrace::time_format format = ctrace::time_format::compile("%Y-%m-%dT%H:%M:%S%z");
    return format;
}

// A time_format reads years 0000–9999 shifted by an offset of at most 18:00.
constexpr std::int64_t max_offset = 18 * 3600;
const std::int64_t earliest_formatted = ctrace::days_from_civil(0, 1, 1) * 86400 - max_offset;
const std::int64_t latest_formatted =
    ctrace::days_from_civil(9999, 12, 31) * 86400 + 86399 + max_offset;

/// An accepted time from a format: in range, and read back from its ISO
/// spelling (in UTC, so always a four-digit year) by the ISO layout.
void check_formatted(ctrace::time_point t) {
    if (t < earliest_formatted || t > latest_formatted) std::abort();
    const std::string written = ctrace::format_time(t, {});
    if (written.size() > 4 && written[0] != '-' && written[4] == '-') {
        const auto back = ctrace::try_parse_time(written, iso_format(), {});
        if (!back || back.value != t) std::abort();
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    for (const std::int32_t zone : {0, 8 * 3600, -(5 * 3600 + 30 * 60)}) {
        const ctrace::utc_offset tz{zone};
        const auto t = ctrace::try_parse_time(text, tz);
        for (const ctrace::time_format& format : fuzzed_formats()) {
            const auto f = ctrace::try_parse_time(text, format, tz);
            if (!f) continue;
            check_formatted(f.value);
            // Where both parsers read a text, they read the same time.
            if (t && t.value != f.value) std::abort();
        }
        if (!t) continue;
        if (t.value > ctrace::max_input_magnitude + 18 * 3600 ||
            t.value < -ctrace::max_input_magnitude - 18 * 3600)
            std::abort();
        // Epoch seconds reach years past 9999, which the ISO parser refuses:
        // only four-digit years must read back.
        const std::string written = ctrace::format_time(t.value, tz);
        if (written.size() > 4 && written[0] != '-' && written[4] == '-') {
            const auto back = ctrace::try_parse_time(written, tz);
            if (!back || back.value != t.value) std::abort();
        }
    }
    // The input as a pattern: compiled or refused, and then usable.
    try {
        const auto format = ctrace::time_format::compile(text);
        const auto f = ctrace::try_parse_time("2022-04-19T10:00:00Z", format, {});
        if (f) check_formatted(f.value);
    } catch (const ctrace::parameter_error&) {
    }
    const auto d = ctrace::try_parse_duration(text);
    if (d && (d.value < 0 || d.value > ctrace::max_input_magnitude)) std::abort();
    try {
        ctrace::parse_utc_offset(text);
    } catch (const ctrace::parse_error&) {
    } catch (const ctrace::input_error&) {
    }
    return 0;
}
