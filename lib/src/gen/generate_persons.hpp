#pragma once
// The persons of the synthetic city (internal to ctrace): households of 1 to
// 5 in a district, each member's role, workplace or school and bus line.

#include "ctrace/core/types.hpp"
#include "gen/generate_places.hpp"
#include "gen/generate_random.hpp"

#include <cstdint>
#include <vector>

namespace ctrace::generation {

/// `retiree` covers every adult without a job: grandparents and stay-at-home parents.
enum class role : std::uint8_t { worker, child, retiree };

struct person_info {
    /// Workplace of a worker, school of a child, `no_place` otherwise.
    place_index work = no_place;
    /// The bus line taken to work, school or errands; `no_place` for those who walk or drive.
    place_index bus_line = no_place;
    role kind = role::worker;
};

struct population {
    std::vector<person_info> persons;
    /// Household sizes in person order: household h is the next `size[h]` persons.
    std::vector<std::uint8_t> household_size;
    std::vector<std::uint8_t> household_district;
};

/// Households of `persons` persons in all (the last may be cut short), with
/// their districts, and each person's role, workplace and bus line.
population populate(std::uint64_t persons, const venue_chooser& venues,
                    std::uint32_t district_count, random_source& random);

} // namespace ctrace::generation
