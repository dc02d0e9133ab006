#pragma once
/// \file
/// Every default of the library, named once: the options structs start from
/// these, the command-line help prints them (`format_duration`), and the tests
/// compare with them. Durations in seconds.

#include "ctrace/core/types.hpp"

#include <cstdint>

namespace ctrace::defaults {

/// Stay length of a scan without check-out at a place without its own dwell.
inline constexpr duration dwell = 60 * 60;
/// A case's infectious window starts this long before its onset when the
/// cases file gives no `from`.
inline constexpr duration lookback = 4 * 86400;
/// Minimum effective overlap for a contact to count.
inline constexpr duration min_overlap = 15 * 60;
/// Largest hop traced: close contacts (1) and their contacts (2).
inline constexpr std::uint32_t hops = 2;
/// Delay between exposure and becoming infectious.
inline constexpr duration latency = 0;
/// How long a source keeps exposing a place after it left (at most as long
/// as it stayed).
inline constexpr duration linger = 0;
/// Quarantine after the last exposure.
inline constexpr duration quarantine = 14 * 86400;
/// Backward tracing (docs/semantics.md §9): a case was infected between
/// `incubation_max` and `incubation_min` before its onset.
inline constexpr duration incubation_min = 86400;
inline constexpr duration incubation_max = 14 * 86400;
/// Backward tracing: a person or place is listed as a common source when it
/// met at least this many distinct cases.
inline constexpr std::uint32_t min_cases = 2;

/// `ctrace rank`: the places listed (0: all).
inline constexpr std::uint32_t top_places = 50;
/// Same-time-and-place persons (docs/semantics.md §10): a case's presence at
/// a place is widened by this much on each side.
inline constexpr duration companion_window = 30 * 60;
/// Lifting zones (§11): a district may be lifted this long after its last
/// case presence or close-contact exposure, after a screening round in the
/// `screening` before.
inline constexpr duration zone_quiet = 14 * 86400;
inline constexpr duration screening = 2 * 86400;
/// How long a store keeps stays after they end.
inline constexpr duration retention = 28 * 86400;

} // namespace ctrace::defaults
