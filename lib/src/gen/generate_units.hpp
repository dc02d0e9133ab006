#pragma once
// Units of time of the city generator (internal to ctrace): the model counts
// whole seconds, and its tables read better in minutes and hours.

#include <cstdint>

namespace ctrace::generation {

inline constexpr std::int32_t minutes = 60;
inline constexpr std::int32_t hours = 3600;
inline constexpr std::int32_t seconds_per_day = 86400;

} // namespace ctrace::generation
