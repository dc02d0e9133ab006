#pragma once
/// \file
/// Protocol profiles (docs/semantics.md §8.6): the tracing defaults of a
/// published protocol in one word. A front end applies a profile's values to
/// the parameters the user did not give explicitly (`apply_profile`).

#include "ctrace/core/types.hpp"
#include "ctrace/tracing/sources.hpp"
#include "ctrace/tracing/trace.hpp"

#include <cstdint>
#include <initializer_list>
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

/// A parameter that a protocol profile sets.
enum class profile_parameter : std::uint8_t {
    lookback,
    quarantine,
    monitoring,
    min_overlap,
    linger,
    hops,
};

/// The profile parameters the user gave explicitly (a front end's options,
/// on its command line or in a configuration file): a profile leaves them as
/// given.
class given_parameters {
public:
    given_parameters() = default;
    given_parameters(std::initializer_list<profile_parameter> parameters) noexcept {
        for (const profile_parameter p : parameters)
            insert(p);
    }
    void insert(profile_parameter p) noexcept { bits_ |= bit(p); }
    bool contains(profile_parameter p) const noexcept { return (bits_ & bit(p)) != 0; }

private:
    static constexpr std::uint8_t bit(profile_parameter p) noexcept {
        return static_cast<std::uint8_t>(1U << static_cast<unsigned>(p));
    }
    std::uint8_t bits_ = 0;
};

/// Applies `profile` to forward tracing: `parameters` record its name and
/// take its quarantine, monitoring, minimum overlap, lingering and hops,
/// except those in `given`, which keep their values (§8.6: a parameter given
/// explicitly wins over the profile).
void apply_profile(const protocol_profile& profile, const given_parameters& given,
                   trace_parameters& parameters);

/// Applies `profile` to backward tracing as to forward tracing: its minimum
/// overlap and lingering, unless `given`.
void apply_profile(const protocol_profile& profile, const given_parameters& given,
                   sources_parameters& parameters);

/// The look-back of cases without `from` under `profile`: `lookback` when
/// `given` holds it, else the profile's.
duration profile_lookback(const protocol_profile& profile, const given_parameters& given,
                          duration lookback);

} // namespace ctrace
