#pragma once
// Stays in person order (internal to ctrace).

#include "core/radix_sort.hpp"
#include "ctrace/core/error.hpp"
#include "ctrace/model/stays.hpp"

#include <cstdint>
#include <limits>
#include <vector>

namespace ctrace::detail {

/// Orders the rows of `stays` by person with a counting sort, stably (a
/// person's rows stay in (place, start) order): calls `put(k, row)` for every
/// row, `k` being its position in person order, and returns where each
/// person's rows begin (size `person_count + 1`). Large tables are counted
/// and scattered on every core, each core taking a slice of the rows; `put`
/// is then called from several threads, never twice for the same `k`.
/// Throws `error` when a person index is not below `person_count` or there
/// are 2^32 stays or more.
template <typename Put>
std::vector<std::uint32_t> scatter_stays_by_person(const stay_table& stays,
                                                   std::size_t person_count, Put put) {
    const std::size_t n = stays.size();
    if (n >= std::numeric_limits<std::uint32_t>::max())
        throw error("stays by person: 2^32 stays or more");
    for (const person_index p : stays.person)
        if (p >= person_count) throw error("stays by person: person out of range");
    // A slice per core pays when the rows far outnumber the persons (the
    // per-core counters are person_count each).
    const unsigned threads =
        n >= (std::size_t{1} << 20) && n >= 4 * person_count ? hardware_threads() : 1;
    auto slice_begin = [&](unsigned t) { return n * t / threads; };
    std::vector<std::vector<std::uint32_t>> next(threads);
    run_on_threads(threads, [&](unsigned t) {
        next[t].assign(person_count, 0);
        for (std::size_t i = slice_begin(t); i < slice_begin(t + 1); ++i)
            ++next[t][stays.person[i]];
    });
    std::vector<std::uint32_t> begin(person_count + 1);
    std::uint32_t total = 0;
    for (std::size_t p = 0; p < person_count; ++p) {
        begin[p] = total;
        for (unsigned t = 0; t < threads; ++t) {
            const std::uint32_t count = next[t][p];
            next[t][p] = total;
            total += count;
        }
    }
    begin[person_count] = total;
    run_on_threads(threads, [&](unsigned t) {
        std::vector<std::uint32_t>& at = next[t];
        for (std::size_t i = slice_begin(t); i < slice_begin(t + 1); ++i)
            put(at[stays.person[i]]++, static_cast<std::uint32_t>(i));
    });
    return begin;
}

} // namespace ctrace::detail
