#pragma once
// The day model of the synthetic city (internal to ctrace): where each
// person scans in on one day, and when, as scan records of that day.

#include "ctrace/core/types.hpp"
#include "ctrace/gen/generate.hpp"
#include "gen/generate_persons.hpp"
#include "gen/generate_places.hpp"
#include "gen/generate_random.hpp"

#include <cstdint>
#include <vector>

namespace ctrace::generation {

/// One scan row of a day: times in seconds after the day's local midnight.
struct scan_record {
    std::uint32_t person;
    place_index place;
    std::int32_t time;
    /// Seconds from `time` to the check-out, or -1 without check-out.
    std::int32_t stay;
};

inline constexpr std::int32_t no_checkout = -1;

/// Appends the scans of one day to `records`, one person or household at a
/// time, with the draws of the day's own random source (`set_random`).
class day_builder {
public:
    day_builder(const city_parameters& parameters, const place_set& places,
                const venue_chooser& venues, std::vector<scan_record>& records)
        : parameters_(parameters), places_(places), venues_(venues), records_(records) {}

    void set_random(random_source* random) noexcept { random_ = random; }

    void worker_weekday(std::uint32_t person, const person_info& info, std::uint32_t district);
    void child_weekday(std::uint32_t person, const person_info& info, std::uint32_t district);
    void retiree_weekday(std::uint32_t person, const person_info& info, std::uint32_t district);

    /// Individual outings of a weekend day, in time order.
    void weekend(std::uint32_t person, const person_info& info, std::uint32_t district);

    /// The whole household at one venue: members scan within a few minutes.
    void family_outing(std::uint64_t first, std::uint32_t size, std::uint32_t district);

private:
    /// A person arrives at `place` at `arrival` and stays there `stay`
    /// seconds; returns the departure. Scans are kept inside the day.
    std::int32_t visit(std::uint32_t person, place_index place, std::int32_t arrival,
                       std::int32_t stay);

    /// A visit of the typical length for the place's category.
    std::int32_t visit(std::uint32_t person, place_index place, std::int32_t arrival);

    /// Takes the person's bus line with probability `p`; returns the arrival after the ride.
    std::int32_t maybe_bus(std::uint32_t person, const person_info& info, std::int32_t time,
                           double p);

    const city_parameters& parameters_;
    const place_set& places_;
    const venue_chooser& venues_;
    std::vector<scan_record>& records_;
    random_source* random_ = nullptr;
};

} // namespace ctrace::generation
