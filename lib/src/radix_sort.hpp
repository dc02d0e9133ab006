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

/// Sorts `items` ascending by bits [low_bit, low_bit + key_bits) of
/// `key(item)` (a std::uint64_t), stably: ties keep their order. `scratch` is
/// resized and used as the second buffer. A pass whose digit is the same for
/// every item is skipped.
template <typename T, typename Key>
void radix_sort_by(std::vector<T>& items, std::vector<T>& scratch, unsigned low_bit,
                   unsigned key_bits, Key key) {
    constexpr unsigned digit_bits = 11;
    constexpr std::size_t buckets = std::size_t{1} << digit_bits;
    scratch.resize(items.size());
    for (unsigned shift = low_bit; shift < low_bit + key_bits; shift += digit_bits) {
        std::array<std::size_t, buckets> start{};
        for (const T& item : items)
            ++start[(key(item) >> shift) & (buckets - 1)];
        if (!items.empty() && start[(key(items[0]) >> shift) & (buckets - 1)] == items.size())
            continue;
        std::size_t sum = 0;
        for (std::size_t& s : start) {
            const std::size_t count = s;
            s = sum;
            sum += count;
        }
        for (const T& item : items)
            scratch[start[(key(item) >> shift) & (buckets - 1)]++] = item;
        items.swap(scratch);
    }
}

/// `radix_sort_by` for plain 64-bit keys.
inline void radix_sort_bits(std::vector<std::uint64_t>& keys, std::vector<std::uint64_t>& scratch,
                            unsigned low_bit, unsigned key_bits) {
    radix_sort_by(keys, scratch, low_bit, key_bits, [](std::uint64_t k) { return k; });
}

/// Bits needed to hold values below `n` (at least 1).
inline unsigned bits_for(std::uint64_t n) {
    unsigned bits = 1;
    while (bits < 64 && (std::uint64_t{1} << bits) < n)
        ++bits;
    return bits;
}

} // namespace ctrace::detail
