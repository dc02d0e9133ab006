#pragma once
// The index cases of the synthetic city (internal to ctrace): who, their
// infectious windows near the end of the period, and cases.csv.

#include "ctrace/core/time.hpp"
#include "ctrace/core/types.hpp"
#include "ctrace/gen/generate.hpp"
#include "gen/generate_ids.hpp"
#include "gen/generate_random.hpp"

#include <cstdint>
#include <iosfwd>
#include <vector>

namespace ctrace::generation {

struct generated_case {
    std::uint64_t person;
    time_point from;
    time_point to; // time_infinity: still infectious, not isolated
};

/// `parameters.cases` distinct persons (at most all), with windows that start
/// within the last `recent_case_days` days; ordered by start, then person.
std::vector<generated_case> choose_cases(const city_parameters& parameters, random_source& random);

/// Writes cases.csv, persons by their ids, times in the city's zone `tz`.
void write_cases(std::ostream& stream, const std::vector<generated_case>& cases,
                 const person_id_writer& ids, utc_offset tz);

} // namespace ctrace::generation
