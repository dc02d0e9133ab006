#pragma once
/// \file
/// Fixed index and time types used throughout ctrace.
///
/// Times are whole seconds since the Unix epoch (1970-01-01T00:00:00Z) in a
/// signed 64-bit integer; durations are whole seconds. Every interval in the
/// library is half-open, `[start, end)`.

#include <cstdint>
#include <limits>

namespace ctrace {

/// Dense index of a person, assigned in order of first appearance.
using person_index = std::uint32_t;
/// Dense index of a place, assigned in order of first appearance.
using place_index = std::uint32_t;
/// Seconds since the Unix epoch.
using time_point = std::int64_t;
/// A length of time in seconds.
using duration = std::int64_t;

/// "No time": used for an unbounded interval end (+infinity) and for a person
/// that was never exposed.
inline constexpr time_point time_infinity = std::numeric_limits<time_point>::max();

/// Marks "no person" / "no place" in index columns.
inline constexpr person_index no_person = std::numeric_limits<person_index>::max();
inline constexpr place_index no_place = std::numeric_limits<place_index>::max();

/// Largest magnitude accepted for a time or a duration read from input (2^55 s,
/// about a billion years). Keeping inputs this small lets the library add a
/// time and a duration without overflow checks.
inline constexpr std::int64_t max_input_magnitude = std::int64_t{1} << 55;

} // namespace ctrace
