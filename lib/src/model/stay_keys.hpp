#pragma once
// Stays from visits packed into sort keys (internal to ctrace): the core of
// `build_stays`, shared with `build_stays_ending_at_next_scan`, which packs
// the keys as it cuts and so skips a pass over the visits.

#include "ctrace/model/stays.hpp"

#include <cstdint>
#include <optional>
#include <span>

namespace ctrace::detail {

/// A visit reduced to a sort key and its end.
struct keyed_visit {
    std::uint64_t key;
    time_point end;
};

/// How a visit is packed: (place, start − first, person) in one 64-bit key,
/// so that one radix sort puts visits in (place, start) order.
struct stay_key_layout {
    time_point first = 0;
    unsigned person_bits = 0, time_bits = 0, place_bits = 0;

    /// The layout for starts in [first_start, last_start] (seconds) and the
    /// indices given; none when the key would need more than 64 bits.
    static std::optional<stay_key_layout> fitting(time_point first_start, time_point last_start,
                                                  std::size_t person_count,
                                                  std::size_t place_count) noexcept;

    std::uint64_t key(person_index person, place_index place, time_point start) const noexcept {
        return (std::uint64_t{place} << (time_bits + person_bits)) |
               (static_cast<std::uint64_t>(start - first) << person_bits) | person;
    }
};

/// The stays of the keyed visits `keys` (in any order; every index below
/// the counts, every start within the layout), in (place, start, person)
/// order with the place index, by the rule of `build_stays`. `scratch` is
/// a second buffer of the same size, or empty (one is then allocated). Both
/// buffers' contents are consumed; their pages are handed back as they are.
stay_table stays_from_keys(std::span<keyed_visit> keys, std::span<keyed_visit> scratch,
                           const stay_key_layout& layout, std::size_t person_count,
                           std::size_t place_count);

} // namespace ctrace::detail
