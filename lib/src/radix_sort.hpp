#pragma once
// LSD radix sort of 64-bit keys (internal to ctrace).
//
// Sorting by a dense index (a person, a place) with a comparison sort or a
// one-pass bucket scatter touches memory at random; passes of 11 bits keep
// at most 2048 write streams live, which the caches absorb.

#include <array>
#include <cstdint>
#include <vector>

namespace ctrace::detail {

/// Sorts `keys` ascending by their bits [low_bit, low_bit + key_bits), stably
/// (ties keep their order). `scratch` is resized and used as the second buffer.
inline void radix_sort_bits(std::vector<std::uint64_t>& keys, std::vector<std::uint64_t>& scratch,
                            unsigned low_bit, unsigned key_bits) {
    constexpr unsigned digit_bits = 11;
    constexpr std::size_t buckets = std::size_t{1} << digit_bits;
    scratch.resize(keys.size());
    for (unsigned shift = low_bit; shift < low_bit + key_bits; shift += digit_bits) {
        std::array<std::size_t, buckets> start{};
        for (const std::uint64_t k : keys)
            ++start[(k >> shift) & (buckets - 1)];
        std::size_t sum = 0;
        for (std::size_t& s : start) {
            const std::size_t count = s;
            s = sum;
            sum += count;
        }
        for (const std::uint64_t k : keys)
            scratch[start[(k >> shift) & (buckets - 1)]++] = k;
        keys.swap(scratch);
    }
}

/// Bits needed to hold values below `n` (at least 1).
inline unsigned bits_for(std::uint64_t n) {
    unsigned bits = 1;
    while (bits < 64 && (std::uint64_t{1} << bits) < n)
        ++bits;
    return bits;
}

} // namespace ctrace::detail
