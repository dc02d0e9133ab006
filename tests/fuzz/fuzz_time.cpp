// Fuzz target: any bytes as a time, a duration and a UTC offset. Parsing
// must never crash and never throw anything but parse_error; an accepted time
// must be within the documented range and survive formatting and parsing back.

#include "ctrace/error.hpp"
#include "ctrace/time.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    for (const std::int32_t zone : {0, 8 * 3600, -(5 * 3600 + 30 * 60)}) {
        const ctrace::utc_offset tz{zone};
        const auto t = ctrace::try_parse_time(text, tz);
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
    const auto d = ctrace::try_parse_duration(text);
    if (d && (d.value < 0 || d.value > ctrace::max_input_magnitude)) std::abort();
    try {
        ctrace::parse_utc_offset(text);
    } catch (const ctrace::parse_error&) {
    } catch (const ctrace::input_error&) {
    }
    return 0;
}
