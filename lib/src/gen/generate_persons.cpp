#include "gen/generate_persons.hpp"

#include <algorithm>
#include <array>

namespace ctrace::generation {

namespace {

/// Members of a household of `size`, as a small list of roles: one or two
/// adults first, then children and grandparents.
std::array<role, 5> household_roles(std::uint32_t size, random_source& random) {
    std::array<role, 5> roles{};
    const auto adult = [&] { return random.chance(0.85) ? role::worker : role::retiree; };
    switch (size) {
    case 1:
        roles[0] = random.chance(0.8) ? role::worker : role::retiree;
        break;
    case 2:
        roles[0] = adult();
        roles[1] = random.chance(0.1) ? role::child : adult(); // some single parents
        break;
    case 3:
        roles = {adult(), adult(), random.chance(0.75) ? role::child : role::retiree};
        break;
    case 4:
        roles = {adult(), adult(), role::child, random.chance(0.6) ? role::child : role::retiree};
        break;
    default:
        roles = {adult(), adult(), role::child, random.chance(0.6) ? role::child : role::retiree,
                 role::retiree};
        break;
    }
    return roles;
}

} // namespace

population populate(std::uint64_t persons, const venue_chooser& venues,
                    std::uint32_t district_count, random_source& random) {
    population city;
    city.persons.resize(persons);
    // Household sizes 1..5 with shares 25, 30, 22, 15 and 8 %.
    constexpr std::array<std::uint32_t, 5> size_percent = {25, 30, 22, 15, 8};
    std::uint64_t next = 0;
    while (next < persons) {
        std::uint32_t x = random.below32(100);
        std::uint32_t size = 1;
        while (x >= size_percent[size - 1]) {
            x -= size_percent[size - 1];
            ++size;
        }
        size = static_cast<std::uint32_t>(std::min<std::uint64_t>(size, persons - next));
        const auto district = random.below32(district_count);
        city.household_size.push_back(static_cast<std::uint8_t>(size));
        city.household_district.push_back(static_cast<std::uint8_t>(district));
        const std::array<role, 5> roles = household_roles(size, random);
        for (std::uint32_t i = 0; i < size; ++i) {
            person_info& person = city.persons[next + i];
            person.kind = roles[i];
            double bus_share = 0.5;
            switch (person.kind) {
            case role::worker: {
                // Most work in offices anywhere in the city; some teach or nurse.
                const category job = random.chance(0.86)   ? office
                                     : random.chance(0.45) ? school
                                     : random.chance(0.5)  ? hospital
                                                           : mall;
                person.work = venues.anywhere(job, random);
                if (person.work == no_place) person.work = venues.anywhere(office, random);
                bus_share = 0.6;
                break;
            }
            case role::child:
                person.work = venues.near(school, district, random);
                bus_share = 0.5;
                break;
            case role::retiree:
                break;
            }
            if (random.chance(bus_share)) person.bus_line = venues.near(bus, district, random);
        }
        next += size;
    }
    return city;
}

} // namespace ctrace::generation
