#pragma once
/// \file
/// Protocol profiles (docs/semantics.md §8.6): the tracing defaults of a
/// published protocol in one word. A front end applies a profile's values to
/// the parameters the user did not give explicitly.

#include "ctrace/core/types.hpp"
#include "ctrace/tracing/trace.hpp"

#include <optional>
#include <span>
#include <string_view>

namespace ctrace {

struct protocol_profile {
    std::string_view name;
    /// Infectious window start before onset.
    duration lookback;
    hop_durations quarantine;
    /// Home health monitoring after quarantine, by hop; none: no column.
    std::optional<hop_durations> monitoring;
    duration min_overlap;
    duration linger;
    std::uint32_t hops;
    /// Where the values come from, one sentence.
    std::string_view basis;
};

/// Every profile ctrace knows: `cn-ed8`, `cn-ed9`, `cwa`.
std::span<const protocol_profile> protocol_profiles();

/// The profile called `name`; throws `parameter_error` for "profile" naming
/// the known ones otherwise.
const protocol_profile& find_profile(std::string_view name);

} // namespace ctrace
