#pragma once
// Writing the CSV files of the synthetic city (internal to ctrace): rows are
// formatted by hand into a large buffer that goes to the stream in big
// blocks; nothing is allocated per row. The number formatting and the scan
// row are inline, as they run for every row of scans.csv.

#include "ctrace/core/types.hpp"
#include "gen/generate_ids.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iosfwd>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ctrace::generation {

inline constexpr char digit_pairs[] = "00010203040506070809"
                                      "10111213141516171819"
                                      "20212223242526272829"
                                      "30313233343536373839"
                                      "40414243444546474849"
                                      "50515253545556575859"
                                      "60616263646566676869"
                                      "70717273747576777879"
                                      "80818283848586878889"
                                      "90919293949596979899";

/// Writes `value` as exactly `width` digits, zero-padded; returns the end.
inline char* put_fixed(char* out, std::uint64_t value, std::size_t width) noexcept {
    char* end = out + width;
    char* p = end;
    while (p - out >= 2) {
        const std::size_t pair = static_cast<std::size_t>(value % 100) * 2;
        value /= 100;
        p -= 2;
        p[0] = digit_pairs[pair];
        p[1] = digit_pairs[pair + 1];
    }
    if (p > out) *--p = static_cast<char>('0' + value % 10);
    return end;
}

/// The number of decimal digits of `value` (1 for 0).
inline std::size_t decimal_digits(std::uint64_t value) noexcept {
    std::size_t digits = 1;
    while (value >= 10) {
        value /= 10;
        ++digits;
    }
    return digits;
}

/// Writes `value` in decimal, with a minus sign when negative; returns the end.
inline char* put_signed(char* out, std::int64_t value) noexcept {
    std::uint64_t magnitude = static_cast<std::uint64_t>(value);
    if (value < 0) {
        *out++ = '-';
        magnitude = ~magnitude + 1;
    }
    return put_fixed(out, magnitude, decimal_digits(magnitude));
}

/// Collects rows in a 4 MiB buffer and writes it to the stream when full
/// (and on `flush`).
class block_writer {
public:
    static constexpr std::size_t capacity = std::size_t{4} << 20;
    /// Room every caller may ask for at once: one row of any file.
    static constexpr std::size_t max_row = 512;

    explicit block_writer(std::ostream& out);

    /// A pointer with at least `max_row` bytes of room; hand the end back to `advance`.
    char* room() {
        if (capacity - used_ < max_row) flush();
        return buffer_.get() + used_;
    }
    void advance(char* end) noexcept { used_ = static_cast<std::size_t>(end - buffer_.get()); }

    void append(std::string_view text);

    void flush();
    std::uint64_t bytes() const noexcept { return written_ + used_; }

private:
    std::ostream& out_;
    std::unique_ptr<char[]> buffer_;
    std::size_t used_ = 0;
    std::uint64_t written_ = 0;
};

/// No check-out, in `scan_row::leave`.
inline constexpr time_point no_leave = std::numeric_limits<time_point>::min();

/// A scan row with absolute times, as the shuffle keeps it on disk.
struct scan_row {
    std::uint32_t person;
    place_index place;
    time_point time;
    time_point leave; ///< or `no_leave`
};
static_assert(sizeof(scan_row) == 24);

/// Formats rows of scans.csv; nothing is allocated per row.
class scan_row_writer {
public:
    scan_row_writer(const person_id_writer& persons, const std::vector<std::string>& places);

    void write(block_writer& out, const scan_row& row) const {
        char* p = out.room();
        p = persons_.put(p, row.person);
        *p++ = ',';
        std::memcpy(p, place_block_.data() + std::size_t{row.place} * place_length_, place_length_);
        p += place_length_;
        *p++ = ',';
        p = put_signed(p, row.time);
        *p++ = ',';
        if (row.leave != no_leave) p = put_signed(p, row.leave);
        *p++ = '\n';
        out.advance(p);
    }

private:
    const person_id_writer& persons_;
    std::size_t place_length_;
    std::vector<char> place_block_;
};

} // namespace ctrace::generation
