#pragma once
// The places of the synthetic city (internal to ctrace): their categories,
// districts and heavy-tailed popularity, the weighted choice of a venue, and
// places.csv. The choice is inline: the day model makes it for every visit.

#include "ctrace/core/types.hpp"
#include "gen/generate_random.hpp"
#include "gen/generate_units.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace ctrace::generation {

enum category : std::uint8_t {
    office,
    school,
    hospital,
    restaurant,
    market,
    mall,
    bank,
    bus,
    gym,
    cinema,
    ktv,
    category_count
};

struct category_info {
    const char* name;
    /// First letter of the place ids.
    char prefix;
    /// Last word of the place names.
    const char* noun;
    /// The `dwell` column: the stay assumed for a scan without check-out.
    std::int32_t dwell;
    /// How long people really stay: mean and standard deviation.
    std::int32_t stay_mean, stay_sd;
    /// Share of the city's places, in percent.
    std::uint32_t place_percent;
    /// Flattens the head of the popularity law, in per mille of the category's
    /// place count: a restaurant or a bus fills up, a mall or an office tower
    /// can take thousands.
    std::uint32_t head_per_mille;
};

inline constexpr std::array<category_info, category_count> categories = {{
    {"office", 'O', "Tower", 9 * hours, 9 * hours, 40 * minutes, 16, 20},
    {"school", 'S', "School", 8 * hours, 8 * hours + 30 * minutes, 20 * minutes, 5, 100},
    {"hospital", 'H', "Hospital", 90 * minutes, 90 * minutes, 40 * minutes, 3, 20},
    {"restaurant", 'R', "Restaurant", 1 * hours, 60 * minutes, 15 * minutes, 28, 100},
    {"market", 'M', "Market", 40 * minutes, 35 * minutes, 12 * minutes, 10, 50},
    {"mall", 'L', "Mall", 2 * hours, 110 * minutes, 35 * minutes, 5, 20},
    {"bank", 'B', "Bank", 20 * minutes, 18 * minutes, 6 * minutes, 6, 100},
    {"bus", 'U', "Bus", 30 * minutes, 28 * minutes, 10 * minutes, 10, 100},
    {"gym", 'G', "Fitness", 90 * minutes, 80 * minutes, 20 * minutes, 7, 100},
    {"cinema", 'C', "Cinema", 150 * minutes, 140 * minutes, 15 * minutes, 5, 50},
    {"ktv", 'K', "KTV", 3 * hours, 3 * hours, 40 * minutes, 5, 100},
}};

struct place_set {
    std::vector<category> category_of;
    std::vector<std::uint8_t> district_of;
    /// Popularity weight of each place.
    std::vector<double> weight;
    std::uint32_t district_count = 1;
};

/// The categories, districts and popularity weights of `places` places, one
/// district per 15 places (1 to 10).
place_set lay_out_places(std::uint32_t places, random_source& random);

/// A weighted choice among the places of one category (of one district or the city).
struct venue_table {
    std::vector<place_index> places;
    alias_table alias;

    place_index pick(random_source& random) const noexcept {
        return alias.empty() ? no_place : places[alias.pick(random)];
    }
};

/// Venue tables by category, city-wide and per district.
class venue_chooser {
public:
    explicit venue_chooser(const place_set& set);

    /// A place of the category anywhere in the city, or `no_place` when there is none.
    place_index anywhere(category c, random_source& random) const { return city_[c].pick(random); }

    /// Most errands stay in the home district; the rest go across the city.
    place_index near(category c, std::uint32_t district, random_source& random) const {
        const venue_table& local = local_[district * category_count + c];
        if (!local.places.empty() && random.chance(0.6)) return local.pick(random);
        return city_[c].pick(random);
    }

    /// The district of a place.
    std::uint32_t district_of(place_index p) const { return set_.district_of[p]; }

private:
    template <typename Predicate>
    void build(venue_table& table, Predicate belongs);

    const place_set& set_;
    std::uint32_t district_count_;
    std::vector<venue_table> city_;
    std::vector<venue_table> local_;
};

/// Writes places.csv: the place ids `ids` (by place index), names made of
/// two words and the category's noun, categories, districts, coordinates
/// scattered around the district's centre by `random`, and the dwell.
void write_places(std::ostream& stream, const place_set& set, const std::vector<std::string>& ids,
                  random_source& random);

} // namespace ctrace::generation
