#pragma once
// LSD radix sort by 64-bit keys, and running work on every core (internal to
// ctrace).
//
// Sorting by a dense index (a person, a place) with a comparison sort or a
// one-pass bucket scatter touches memory at random; passes of 11 bits keep
// at most 2048 write streams live, which the caches absorb.

#include "ctrace/core/threads.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <thread>
#include <vector>

namespace ctrace::detail {

/// Runs `work(t)` for t in [0, threads) on that many threads (t = 0 on the
/// caller's).
template <typename Work>
void run_on_threads(unsigned threads, Work work) {
    std::vector<std::thread> helpers;
    for (unsigned t = 1; t < threads; ++t)
        helpers.emplace_back(work, t);
    work(0u);
    for (std::thread& h : helpers)
        h.join();
}

/// Cuts `n` items that are grouped (equal keys adjacent) into `threads` runs
/// of about equal length that never split a group: run t is `[begin[t],
/// begin[t + 1])`. `same_group(i)` says whether item i is in item i - 1's
/// group. A run may be empty (a group longer than a run).
template <typename SameGroup>
std::vector<std::size_t> runs_of_whole_groups(std::size_t n, unsigned threads,
                                              SameGroup same_group) {
    std::vector<std::size_t> begin(threads + 1, n);
    begin[0] = 0;
    for (unsigned t = 1; t < threads; ++t) {
        std::size_t cut = std::max(begin[t - 1], n * t / threads);
        while (cut > 0 && cut < n && same_group(cut))
            ++cut;
        begin[t] = cut;
    }
    return begin;
}

/// Threads the large passes use: one per core, at most `thread_limit()`.
inline unsigned hardware_threads() {
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    const unsigned limit = thread_limit();
    return limit == 0 ? cores : std::min(cores, limit);
}

/// Sorts `items` ascending by bits [low_bit, low_bit + key_bits) of
/// `key(item)` (a std::uint64_t), stably: ties keep their order. Passes
/// take digits of at most 13 bits, as few passes as that allows (3 for the
/// 35-bit keys of a city's stays, where 11-bit digits took 4: measured 10%
/// faster end to end on the 2-core VM). `scratch`,
/// of the same length, is the second buffer; the sorted items end up in
/// whichever of the two spans is returned. A pass whose digit is the same for
/// every item is skipped. Large inputs use one thread per core: each counts
/// and scatters its own slice, and slices fill each bucket in order, which
/// keeps the sort stable.
template <typename T, typename Key>
std::span<T> radix_sort_spans(std::span<T> items, std::span<T> scratch, unsigned low_bit,
                              unsigned key_bits, Key key) {
    // Digits of at most 13 bits, as few passes as that allows, equal widths.
    constexpr unsigned max_digit_bits = 13;
    const unsigned passes = std::max(1u, (key_bits + max_digit_bits - 1) / max_digit_bits);
    const unsigned digit_bits = (key_bits + passes - 1) / passes;
    const std::size_t buckets = std::size_t{1} << digit_bits;
    constexpr std::size_t min_items_per_thread = std::size_t{1} << 20;
    const std::size_t n = items.size();
    const unsigned threads = static_cast<unsigned>(
        std::clamp<std::size_t>(n / min_items_per_thread, 1, hardware_threads()));
    std::vector<std::vector<std::size_t>> next(threads, std::vector<std::size_t>(buckets));
    auto slice_begin = [&](unsigned t) { return n * t / threads; };
    for (unsigned shift = low_bit; shift < low_bit + key_bits; shift += digit_bits) {
        // The last digit may be narrower: bits above the key are not sorted by.
        const std::uint64_t mask =
            (std::uint64_t{1} << std::min(digit_bits, low_bit + key_bits - shift)) - 1;
        run_on_threads(threads, [&](unsigned t) {
            std::fill(next[t].begin(), next[t].end(), 0);
            for (std::size_t i = slice_begin(t); i < slice_begin(t + 1); ++i)
                ++next[t][(key(items[i]) >> shift) & mask];
        });
        if (n > 0) {
            const std::size_t digit = (key(items[0]) >> shift) & mask;
            std::size_t with_digit = 0;
            for (unsigned t = 0; t < threads; ++t)
                with_digit += next[t][digit];
            if (with_digit == n) continue;
        }
        std::size_t sum = 0;
        for (std::size_t b = 0; b < buckets; ++b)
            for (unsigned t = 0; t < threads; ++t) {
                const std::size_t count = next[t][b];
                next[t][b] = sum;
                sum += count;
            }
        run_on_threads(threads, [&](unsigned t) {
            std::vector<std::size_t>& at = next[t];
            for (std::size_t i = slice_begin(t); i < slice_begin(t + 1); ++i)
                scratch[at[(key(items[i]) >> shift) & mask]++] = items[i];
        });
        std::swap(items, scratch);
    }
    return items;
}

/// Bits needed to hold values below `n` (at least 1).
inline unsigned bits_for(std::uint64_t n) {
    unsigned bits = 1;
    while (bits < 64 && (std::uint64_t{1} << bits) < n)
        ++bits;
    return bits;
}

} // namespace ctrace::detail
