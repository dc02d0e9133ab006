// The places of the synthetic city: how many of each category, their
// districts and popularity, the venue tables, and places.csv. District
// names, centres and place-name words appear only in places.csv, so they
// live here.

#include "gen/generate_places.hpp"

#include "ctrace/core/time.hpp"
#include "gen/generate_output.hpp"

#include <algorithm>
#include <ostream>
#include <string>

namespace ctrace::generation {

namespace {

/// Which categories a very small city gets first, one place each.
constexpr std::array<category, category_count> category_priority = {
    office, school, restaurant, market, bus, mall, hospital, bank, gym, cinema, ktv};

/// Fictional districts, with centres as micro-degree offsets from the city centre.
struct district_info {
    const char* name;
    std::int32_t lat_offset, lon_offset;
};
constexpr std::array<district_info, 10> districts = {{
    {"Old Town", 0, 0},
    {"Harbourside", -21000, 4000},
    {"Riverside", 9000, -26000},
    {"Hill Park", 27000, 15000},
    {"East Gate", 3000, 38000},
    {"West Bay", -12000, -44000},
    {"Lakeview", 41000, -12000},
    {"University Town", 52000, -41000},
    {"New Port", -30000, -71000},
    {"Airport", 18000, -95000},
}};
constexpr std::int32_t city_centre_lat = 22543000; // micro-degrees
constexpr std::int32_t city_centre_lon = 114057000;
constexpr std::int32_t place_scatter = 12000; // micro-degrees around the district centre

constexpr std::array<const char*, 16> name_first = {
    "Golden", "Jade",   "Pearl", "Lotus",  "Phoenix", "Bamboo",  "Silver",    "Red",
    "Orchid", "Banyan", "Crane", "Lychee", "Sunrise", "Harmony", "Evergreen", "Blue"};
constexpr std::array<const char*, 16> name_second = {
    "Garden", "Bay",    "Star",    "Moon",  "Spring", "Peak",   "River", "Bridge",
    "Cloud",  "Palace", "Harbour", "Plaza", "Valley", "Square", "Court", "Gate"};

/// How many places of each category: each category first gets one place in
/// priority order, then the rest go by `place_percent`, largest remainder first.
std::array<std::uint32_t, category_count> category_counts(std::uint32_t places) {
    std::array<std::uint32_t, category_count> counts{};
    std::uint32_t left = places;
    for (const category c : category_priority) {
        if (left == 0) break;
        counts[c] = 1;
        --left;
    }
    if (left == 0) return counts;
    std::array<std::uint64_t, category_count> remainder{};
    std::uint32_t given = 0;
    for (std::size_t c = 0; c < category_count; ++c) {
        const std::uint64_t share = std::uint64_t{left} * categories[c].place_percent;
        counts[c] += static_cast<std::uint32_t>(share / 100);
        given += static_cast<std::uint32_t>(share / 100);
        remainder[c] = share % 100;
    }
    while (given < left) {
        const auto largest = static_cast<std::size_t>(
            std::max_element(remainder.begin(), remainder.end()) - remainder.begin());
        ++counts[largest];
        remainder[largest] = 0;
        ++given;
    }
    return counts;
}

/// Micro-degrees as degrees with six decimals (`22.543000`).
char* put_micro_degrees(char* out, std::int32_t micro) noexcept {
    std::uint64_t magnitude = static_cast<std::uint64_t>(micro < 0 ? -std::int64_t{micro} : micro);
    if (micro < 0) *out++ = '-';
    out = put_fixed(out, magnitude / 1000000, decimal_digits(magnitude / 1000000));
    *out++ = '.';
    return put_fixed(out, magnitude % 1000000, 6);
}

} // namespace

place_set lay_out_places(std::uint32_t places, random_source& random) {
    place_set set;
    set.district_count = std::clamp<std::uint32_t>(places / 15, 1, districts.size());
    const auto counts = category_counts(places);
    for (std::size_t c = 0; c < category_count; ++c)
        set.category_of.insert(set.category_of.end(), counts[c], static_cast<category>(c));
    // Shuffled, so that ids of one category are spread over the id range.
    shuffle(set.category_of, random);
    set.district_of.resize(places);
    for (std::uint8_t& d : set.district_of)
        d = static_cast<std::uint8_t>(random.below32(set.district_count));
    // Popularity: within each category of n places, a random rank r and the
    // Zipf–Mandelbrot weight 1/(r + 2 + n * head_per_mille / 1000).
    set.weight.resize(places);
    for (std::size_t c = 0; c < category_count; ++c) {
        const double head = 2.0 + static_cast<double>(std::uint64_t{counts[c]} *
                                                      categories[c].head_per_mille / 1000);
        std::vector<std::uint32_t> ranks(counts[c]);
        for (std::uint32_t r = 0; r < counts[c]; ++r)
            ranks[r] = r;
        shuffle(ranks, random);
        std::size_t next_rank = 0;
        for (std::uint32_t p = 0; p < places; ++p)
            if (set.category_of[p] == c)
                set.weight[p] = 1.0 / (static_cast<double>(ranks[next_rank++]) + head);
    }
    return set;
}

venue_chooser::venue_chooser(const place_set& set)
    : set_(set), district_count_(set.district_count) {
    city_.resize(category_count);
    local_.resize(std::size_t{category_count} * district_count_);
    for (std::size_t c = 0; c < category_count; ++c) {
        build(city_[c], [&](place_index p) { return set.category_of[p] == c; });
        for (std::uint32_t d = 0; d < district_count_; ++d)
            build(local_[d * category_count + c], [&](place_index p) {
                return set.category_of[p] == c && set.district_of[p] == d;
            });
    }
}

template <typename Predicate>
void venue_chooser::build(venue_table& table, Predicate belongs) {
    std::vector<double> weights;
    for (place_index p = 0; p < set_.category_of.size(); ++p)
        if (belongs(p)) {
            table.places.push_back(p);
            weights.push_back(set_.weight[p]);
        }
    table.alias = alias_table(weights);
}

void write_places(std::ostream& stream, const place_set& set, const std::vector<std::string>& ids,
                  random_source& random) {
    block_writer out(stream);
    out.append("place,name,category,district,lat,lon,dwell\n");
    std::array<std::uint32_t, category_count> ordinal{};
    for (std::size_t p = 0; p < ids.size(); ++p) {
        const category c = set.category_of[p];
        const std::uint32_t k = ordinal[c]++;
        std::string name;
        if (c == bus) {
            name = "Bus line " + std::to_string(k + 1);
        } else {
            // (j mod 16, (j/16 + j) mod 16) differs for any 256 consecutive j; the
            // offset per category keeps the first mall from sharing the first restaurant's words.
            const std::uint32_t j = k + 37 * static_cast<std::uint32_t>(c);
            name = std::string(name_first[j % 16]) + ' ' + name_second[(j / 16 + j) % 16] + ' ' +
                   categories[c].noun;
            if (k >= 256) name += ' ' + std::to_string(k / 256 + 1);
        }
        const district_info& district = districts[set.district_of[p]];
        const std::int32_t lat =
            city_centre_lat + district.lat_offset + random.between(-place_scatter, place_scatter);
        const std::int32_t lon =
            city_centre_lon + district.lon_offset + random.between(-place_scatter, place_scatter);
        std::string row =
            ids[p] + ',' + name + ',' + categories[c].name + ',' + district.name + ',';
        out.append(row);
        char* q = out.room();
        q = put_micro_degrees(q, lat);
        *q++ = ',';
        q = put_micro_degrees(q, lon);
        *q++ = ',';
        out.advance(q);
        out.append(format_duration(categories[c].dwell));
        out.append("\n");
    }
    out.flush();
}

} // namespace ctrace::generation
