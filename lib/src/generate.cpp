#include "ctrace/generate.hpp"

#include "ctrace/atomic_file.hpp"
#include "ctrace/error.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <limits>
#include <memory>
#include <numeric>
#include <ostream>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unistd.h>
#include <utility>
#include <vector>

namespace ctrace {

namespace {

constexpr std::int32_t minutes = 60;
constexpr std::int32_t hours = 3600;
constexpr std::int32_t seconds_per_day = 86400;

// ---------------------------------------------------------------------------
// Random numbers. Our own generator and integer-only draws, so that a seed
// gives the same city with every compiler and standard library (the
// std::*_distribution outputs are implementation-defined).

std::uint64_t splitmix64(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/// xoshiro256** (Blackman and Vigna), seeded through splitmix64. `stream`
/// separates independent sequences of one seed (places, persons, each day),
/// so that changing one part of the model does not reshuffle the others.
class random_source {
public:
    random_source(std::uint64_t seed, std::uint64_t stream) {
        std::uint64_t mix = seed ^ (stream * 0xd1b54a32d192ed03ULL);
        for (std::uint64_t& word : state_)
            word = splitmix64(mix);
    }

    std::uint64_t next() noexcept {
        const std::uint64_t result = rotate_left(state_[1] * 5, 7) * 9;
        const std::uint64_t t = state_[1] << 17;
        state_[2] ^= state_[0];
        state_[3] ^= state_[1];
        state_[1] ^= state_[2];
        state_[0] ^= state_[3];
        state_[2] ^= t;
        state_[3] = rotate_left(state_[3], 45);
        return result;
    }

    /// Uniform in [0, n) by Lemire's multiply-shift (bias below n / 2^64).
    std::uint64_t below(std::uint64_t n) noexcept {
        return static_cast<std::uint64_t>((static_cast<unsigned __int128>(next()) * n) >> 64);
    }
    std::uint32_t below32(std::uint32_t n) noexcept { return static_cast<std::uint32_t>(below(n)); }

    /// Uniform in [low, high].
    std::int32_t between(std::int32_t low, std::int32_t high) noexcept {
        return low + static_cast<std::int32_t>(below(static_cast<std::uint64_t>(high - low) + 1));
    }

    /// True with probability p. The 53-bit draw and the power-of-two scale
    /// are exact in double, so the comparison is the same everywhere.
    bool chance(double p) noexcept { return static_cast<double>(next() >> 11) * 0x1p-53 < p; }

    /// A bell-shaped draw with the given mean and standard deviation, within
    /// mean ± 3 sd: the Irwin–Hall sum of three 21-bit uniforms, in integers.
    std::int32_t around(std::int32_t mean, std::int32_t sd) noexcept {
        constexpr std::uint64_t mask = (std::uint64_t{1} << 21) - 1;
        const std::uint64_t x = next();
        const auto sum =
            static_cast<std::int64_t>((x & mask) + ((x >> 21) & mask) + ((x >> 42) & mask));
        const std::int64_t centred = sum - 3 * (std::int64_t{1} << 20);
        return mean + static_cast<std::int32_t>((centred * 2 * sd) >> 21);
    }

private:
    static std::uint64_t rotate_left(std::uint64_t x, int k) noexcept {
        return (x << k) | (x >> (64 - k));
    }
    std::array<std::uint64_t, 4> state_{};
};

/// Walker's alias method (Vose's construction): O(1) weighted draws, so a
/// heavy-tailed choice among many places costs two memory reads.
class alias_table {
public:
    alias_table() = default;
    explicit alias_table(std::span<const double> weights) {
        const std::size_t n = weights.size();
        threshold_.assign(n, full_scale);
        alias_.resize(n);
        for (std::size_t i = 0; i < n; ++i)
            alias_[i] = static_cast<std::uint32_t>(i);
        if (n == 0) return;
        double total = 0;
        for (const double w : weights)
            total += w;
        std::vector<double> scaled(n);
        std::vector<std::uint32_t> small, large;
        for (std::size_t i = 0; i < n; ++i) {
            scaled[i] = weights[i] * static_cast<double>(n) / total;
            (scaled[i] < 1.0 ? small : large).push_back(static_cast<std::uint32_t>(i));
        }
        while (!small.empty() && !large.empty()) {
            const std::uint32_t s = small.back();
            small.pop_back();
            const std::uint32_t l = large.back();
            threshold_[s] = static_cast<std::uint64_t>(scaled[s] * 0x1p32);
            alias_[s] = l;
            scaled[l] -= 1.0 - scaled[s];
            if (scaled[l] < 1.0) {
                large.pop_back();
                small.push_back(l);
            }
        }
        // Entries left over are 1 up to rounding: they keep their full threshold.
    }

    bool empty() const noexcept { return alias_.empty(); }

    /// An index in [0, size); the table must not be empty.
    std::uint32_t pick(random_source& random) const noexcept {
        const std::uint64_t x = random.next();
        const auto slot = static_cast<std::uint32_t>(
            ((x >> 32) * static_cast<std::uint64_t>(alias_.size())) >> 32);
        return (x & 0xffffffffULL) < threshold_[slot] ? slot : alias_[slot];
    }

private:
    static constexpr std::uint64_t full_scale = std::uint64_t{1} << 32;
    std::vector<std::uint64_t> threshold_;
    std::vector<std::uint32_t> alias_;
};

// ---------------------------------------------------------------------------
// Places.

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

constexpr std::array<category_info, category_count> categories = {{
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

struct place_set {
    std::vector<category> category_of;
    std::vector<std::uint8_t> district_of;
    /// Popularity weight of each place.
    std::vector<double> weight;
    std::uint32_t district_count = 1;
};

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

template <typename T>
void shuffle(std::vector<T>& items, random_source& random) {
    for (std::size_t i = items.size(); i > 1; --i)
        std::swap(items[i - 1], items[random.below(i)]);
}

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
    explicit venue_chooser(const place_set& set) : set_(set), district_count_(set.district_count) {
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
    void build(venue_table& table, Predicate belongs) {
        std::vector<double> weights;
        for (place_index p = 0; p < set_.category_of.size(); ++p)
            if (belongs(p)) {
                table.places.push_back(p);
                weights.push_back(set_.weight[p]);
            }
        table.alias = alias_table(weights);
    }

    const place_set& set_;
    std::uint32_t district_count_;
    std::vector<venue_table> city_;
    std::vector<venue_table> local_;
};

/// Picks a category by integer weights.
template <std::size_t N>
struct category_mix {
    std::array<category, N> choices;
    std::array<std::uint32_t, N> weights;

    category pick(random_source& random) const noexcept {
        std::uint32_t total = 0;
        for (const std::uint32_t w : weights)
            total += w;
        std::uint32_t x = random.below32(total);
        for (std::size_t i = 0; i < N; ++i) {
            if (x < weights[i]) return choices[i];
            x -= weights[i];
        }
        return choices[N - 1];
    }
};

// ---------------------------------------------------------------------------
// Persons.

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

// ---------------------------------------------------------------------------
// A day of scans.

/// One scan row of a day: times in seconds after the day's local midnight.
struct scan_record {
    std::uint32_t person;
    place_index place;
    std::int32_t time;
    /// Seconds from `time` to the check-out, or -1 without check-out.
    std::int32_t stay;
};

constexpr std::int32_t no_checkout = -1;

class day_builder {
public:
    day_builder(const city_parameters& parameters, const place_set& places,
                const venue_chooser& venues, std::vector<scan_record>& records)
        : parameters_(parameters), places_(places), venues_(venues), records_(records) {}

    void set_random(random_source* random) noexcept { random_ = random; }

    /// A person arrives at `place` at `arrival` and stays there `stay`
    /// seconds; returns the departure. Scans are kept inside the day.
    std::int32_t visit(std::uint32_t person, place_index place, std::int32_t arrival,
                       std::int32_t stay) {
        if (place == no_place) return arrival;
        random_source& random = *random_;
        arrival = std::clamp(arrival, 0, seconds_per_day - 1);
        stay = std::max(stay, 2 * minutes);
        const scan_record record{person, place, arrival,
                                 random.chance(parameters_.checkout_share) ? stay : no_checkout};
        records_.push_back(record);
        if (random.chance(parameters_.duplicate_share)) records_.push_back(record);
        if (random.chance(parameters_.rescan_share)) {
            // Scanned again, e.g. after the first scan seemed not to register.
            const std::int32_t again =
                std::min(arrival + random.between(1 * minutes, 10 * minutes), seconds_per_day - 1);
            records_.push_back({person, place, again, no_checkout});
        }
        return arrival + stay;
    }

    /// A visit of the typical length for the place's category.
    std::int32_t visit(std::uint32_t person, place_index place, std::int32_t arrival) {
        if (place == no_place) return arrival;
        const category_info& info = categories[places_.category_of[place]];
        return visit(person, place, arrival, random_->around(info.stay_mean, info.stay_sd));
    }

    /// Takes the person's bus line with probability `p`; returns the arrival after the ride.
    std::int32_t maybe_bus(std::uint32_t person, const person_info& info, std::int32_t time,
                           double p) {
        if (info.bus_line == no_place || !random_->chance(p)) return time;
        return visit(person, info.bus_line, time) + random_->between(2 * minutes, 10 * minutes);
    }

    void worker_weekday(std::uint32_t person, const person_info& info, std::uint32_t district) {
        random_source& random = *random_;
        std::int32_t t = random.around(7 * hours + 50 * minutes, 35 * minutes);
        t = maybe_bus(person, info, t, 0.9);
        const std::int32_t arrival = t + random.between(3 * minutes, 15 * minutes);
        const std::int32_t leave =
            visit(person, info.work, arrival, random.around(9 * hours, 40 * minutes));
        const std::uint32_t work_district =
            info.work == no_place ? district : venues_.district_of(info.work);
        if (random.chance(0.6)) {
            const std::int32_t lunch = random.around(12 * hours + 5 * minutes, 12 * minutes);
            const std::int32_t back = visit(person, venues_.near(restaurant, work_district, random),
                                            lunch, random.around(45 * minutes, 10 * minutes));
            // Building entrances have their own code, scanned again on return.
            if (random.chance(0.5) && back < leave) visit(person, info.work, back, leave - back);
        } else if (random.chance(0.15)) {
            visit(person, venues_.near(bank, work_district, random),
                  random.around(12 * hours + 30 * minutes, 20 * minutes));
        }
        const bool office_worker =
            info.work != no_place && places_.category_of[info.work] == office;
        if (office_worker && random.chance(0.1)) // a meeting at another company
            visit(person, venues_.anywhere(office, random), random.around(15 * hours, 60 * minutes),
                  random.around(90 * minutes, 20 * minutes));
        t = maybe_bus(person, info, leave + random.between(0, 10 * minutes), 0.85);
        if (random.chance(0.45)) // groceries on the way home
            t = visit(person, venues_.near(market, district, random),
                      t + random.between(0, 15 * minutes),
                      random.around(20 * minutes, 8 * minutes));
        static constexpr category_mix<7> evening{
            {restaurant, market, mall, gym, ktv, cinema, hospital}, {36, 26, 12, 14, 6, 5, 1}};
        if (random.chance(0.8)) {
            t = std::max(t + 10 * minutes, random.around(19 * hours, 50 * minutes));
            t = visit(person, venues_.near(evening.pick(random), district, random), t);
            static constexpr category_mix<3> late{{ktv, cinema, restaurant}, {40, 30, 30}};
            if (random.chance(0.25))
                visit(person, venues_.near(late.pick(random), district, random),
                      t + random.between(10 * minutes, 30 * minutes));
        }
    }

    void child_weekday(std::uint32_t person, const person_info& info, std::uint32_t district) {
        random_source& random = *random_;
        std::int32_t t = random.around(7 * hours + 25 * minutes, 15 * minutes);
        t = maybe_bus(person, info, t, 0.9);
        t = visit(person, info.work, t, random.around(8 * hours + 30 * minutes, 20 * minutes));
        t = maybe_bus(person, info, t + random.between(0, 15 * minutes), 0.6);
        static constexpr category_mix<4> after_school{{gym, restaurant, market, mall},
                                                      {35, 30, 20, 15}};
        if (random.chance(0.85))
            visit(person, venues_.near(after_school.pick(random), district, random),
                  std::max(t + 10 * minutes, random.around(18 * hours, 50 * minutes)));
    }

    void retiree_weekday(std::uint32_t person, const person_info& info, std::uint32_t district) {
        random_source& random = *random_;
        std::int32_t t = random.around(7 * hours + 40 * minutes, 40 * minutes);
        if (random.chance(0.8)) t = visit(person, venues_.near(market, district, random), t);
        if (random.chance(0.06)) {
            t = maybe_bus(person, info, t + 20 * minutes, 0.6);
            t = visit(person, venues_.near(hospital, district, random), t);
        }
        if (random.chance(0.1))
            t = visit(person, venues_.near(bank, district, random),
                      std::max(t + 10 * minutes, random.around(10 * hours, 40 * minutes)));
        if (random.chance(0.5)) // morning tea or lunch
            t = visit(person, venues_.near(restaurant, district, random),
                      std::max(t + 10 * minutes, random.around(11 * hours, 50 * minutes)));
        if (random.chance(0.35)) {
            t = maybe_bus(person, info,
                          std::max(t + 30 * minutes, random.around(15 * hours, 50 * minutes)), 0.6);
            t = visit(person, venues_.near(mall, district, random), t);
        }
        if (random.chance(0.5)) // tai chi class, or tea with friends
            t = visit(person, venues_.near(random.chance(0.5) ? gym : restaurant, district, random),
                      std::max(t + 10 * minutes, random.around(16 * hours, 40 * minutes)));
        if (random.chance(0.4))
            visit(person, venues_.near(market, district, random),
                  std::max(t + 10 * minutes, random.around(17 * hours, 30 * minutes)));
    }

    /// Individual outings of a weekend day, in time order.
    void weekend(std::uint32_t person, const person_info& info, std::uint32_t district) {
        random_source& random = *random_;
        if (info.kind == role::worker && random.chance(0.08))
            visit(person, info.work, random.around(10 * hours, 40 * minutes),
                  random.around(5 * hours, 60 * minutes));
        std::array<std::int32_t, 4> times{};
        std::size_t count = 1;
        count += random.chance(0.85);
        count += random.chance(0.6);
        count += random.chance(0.35);
        for (std::size_t i = 0; i < count; ++i)
            times[i] = random.between(8 * hours + 30 * minutes, 21 * hours);
        // Insertion sort: std::sort on four elements draws a false -Warray-bounds from GCC 12.
        for (std::size_t i = 1; i < count; ++i)
            for (std::size_t j = i; j > 0 && times[j - 1] > times[j]; --j)
                std::swap(times[j - 1], times[j]);
        static constexpr category_mix<8> outing{
            {restaurant, mall, market, gym, cinema, ktv, bank, hospital},
            {32, 20, 18, 9, 8, 8, 2, 3}};
        std::int32_t t = 0;
        for (std::size_t i = 0; i < count; ++i) {
            t = maybe_bus(person, info, std::max(times[i], t + 10 * minutes), 0.5);
            t = visit(person, venues_.near(outing.pick(random), district, random), t);
        }
    }

    /// The whole household at one venue: members scan within a few minutes.
    void family_outing(std::uint64_t first, std::uint32_t size, std::uint32_t district) {
        random_source& random = *random_;
        static constexpr category_mix<5> family{{mall, restaurant, cinema, market, ktv},
                                                {38, 37, 12, 9, 4}};
        const place_index place = venues_.near(family.pick(random), district, random);
        if (place == no_place) return;
        const category_info& info = categories[places_.category_of[place]];
        const std::int32_t arrival = random.between(10 * hours, 20 * hours);
        const std::int32_t stay = random.around(info.stay_mean, info.stay_sd);
        for (std::uint32_t i = 0; i < size; ++i)
            visit(static_cast<std::uint32_t>(first + i), place,
                  arrival + random.between(0, 4 * minutes), stay + random.between(0, 5 * minutes));
    }

private:
    const city_parameters& parameters_;
    const place_set& places_;
    const venue_chooser& venues_;
    std::vector<scan_record>& records_;
    random_source* random_ = nullptr;
};

/// Sorts a day's records by time with a stable counting sort (times are
/// seconds of the day), so a duplicate row stays next to its original.
void sort_by_time(const std::vector<scan_record>& records, std::vector<scan_record>& sorted,
                  std::vector<std::uint32_t>& counts) {
    counts.assign(seconds_per_day + 1, 0);
    for (const scan_record& r : records)
        ++counts[static_cast<std::size_t>(r.time) + 1];
    for (std::size_t i = 1; i < counts.size(); ++i)
        counts[i] += counts[i - 1];
    // A day with more rows than the last: the old buffer goes first, so that
    // the two never take memory together.
    if (sorted.capacity() < records.size()) std::vector<scan_record>().swap(sorted);
    sorted.resize(records.size());
    for (const scan_record& r : records)
        sorted[counts[static_cast<std::size_t>(r.time)]++] = r;
}

// ---------------------------------------------------------------------------
// Output: rows are formatted by hand into a large buffer that goes to the
// stream in big blocks; nothing is allocated per row.

constexpr char digit_pairs[] = "00010203040506070809"
                               "10111213141516171819"
                               "20212223242526272829"
                               "30313233343536373839"
                               "40414243444546474849"
                               "50515253545556575859"
                               "60616263646566676869"
                               "70717273747576777879"
                               "80818283848586878889"
                               "90919293949596979899";

/// Writes `value` as exactly `width` digits, zero-padded; returns the end.
char* put_fixed(char* out, std::uint64_t value, std::size_t width) noexcept {
    char* end = out + width;
    char* p = end;
    while (p - out >= 2) {
        const std::size_t pair = static_cast<std::size_t>(value % 100) * 2;
        value /= 100;
        p -= 2;
        p[0] = digit_pairs[pair];
        p[1] = digit_pairs[pair + 1];
    }
    if (p > out) *--p = static_cast<char>('0' + value % 10);
    return end;
}

std::size_t decimal_digits(std::uint64_t value) noexcept {
    std::size_t digits = 1;
    while (value >= 10) {
        value /= 10;
        ++digits;
    }
    return digits;
}

char* put_signed(char* out, std::int64_t value) noexcept {
    std::uint64_t magnitude = static_cast<std::uint64_t>(value);
    if (value < 0) {
        *out++ = '-';
        magnitude = ~magnitude + 1;
    }
    return put_fixed(out, magnitude, decimal_digits(magnitude));
}

class block_writer {
public:
    static constexpr std::size_t capacity = std::size_t{4} << 20;
    /// Room every caller may ask for at once: one row of any file.
    static constexpr std::size_t max_row = 512;

    explicit block_writer(std::ostream& out) : out_(out), buffer_(new char[capacity]) {}

    /// A pointer with at least `max_row` bytes of room; hand the end back to `advance`.
    char* room() {
        if (capacity - used_ < max_row) flush();
        return buffer_.get() + used_;
    }
    void advance(char* end) noexcept { used_ = static_cast<std::size_t>(end - buffer_.get()); }

    void append(std::string_view text) {
        for (std::size_t done = 0; done < text.size();) {
            char* p = room();
            const std::size_t n = std::min(text.size() - done, max_row);
            std::memcpy(p, text.data() + done, n);
            advance(p + n);
            done += n;
        }
    }

    void flush() {
        out_.write(buffer_.get(), static_cast<std::streamsize>(used_));
        written_ += used_;
        used_ = 0;
    }
    std::uint64_t bytes() const noexcept { return written_ + used_; }

private:
    std::ostream& out_;
    std::unique_ptr<char[]> buffer_;
    std::size_t used_ = 0;
    std::uint64_t written_ = 0;
};

/// Ids are a letter and zero-padded number, at least `min_digits` wide and
/// wide enough for the largest number, so they all have the same length.
struct id_format {
    char prefix;
    std::size_t digits;

    char* put(char* out, std::uint64_t number) const noexcept {
        *out = prefix;
        return put_fixed(out + 1, number, digits);
    }
    std::string text(std::uint64_t number) const {
        std::string s(digits + 1, ' ');
        put(s.data(), number);
        return s;
    }
};

// ---------------------------------------------------------------------------
// Ids as real dumps have them. Each style maps person and place numbers
// through a seeded bijection, so ids are distinct and look unordered.

/// An invertible affine map n -> (a n + b) mod m, a coprime to m, with a and
/// b drawn from `random`.
class affine_permutation {
public:
    affine_permutation() = default;
    affine_permutation(std::uint64_t modulus, random_source& random) : modulus_(modulus) {
        do
            a_ = 1 + random.below(modulus - 1);
        while (std::gcd(a_, modulus) != 1);
        b_ = random.below(modulus);
    }
    std::uint64_t operator()(std::uint64_t n) const noexcept {
        return static_cast<std::uint64_t>((static_cast<unsigned __int128>(a_) * n + b_) % modulus_);
    }

private:
    std::uint64_t modulus_ = 1, a_ = 1, b_ = 0;
};

/// ISO 7064 MOD 11-2 weights of the 17 digits of a resident identity number
/// (2^(17 - i) mod 11), and the check character for each weighted sum mod 11.
constexpr std::array<std::uint32_t, 17> resident_weights = {7, 9, 10, 5,  8, 4, 2, 1, 6,
                                                            3, 7, 9,  10, 5, 8, 4, 2};
constexpr char resident_check[] = "10X98765432";

/// Region codes of Dalian districts: Zhongshan, Xigang, Shahekou, Ganjingzi,
/// Lüshunkou and Jinzhou.
constexpr std::array<std::uint32_t, 6> resident_regions = {210202, 210203, 210204,
                                                           210211, 210212, 210213};
constexpr std::int64_t first_birth_year = 1940;
constexpr std::int64_t last_birth_year = 2021;

std::uint32_t weighted_digit_sum(const char* digits, std::size_t count, std::size_t first_weight) {
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i < count; ++i)
        sum += static_cast<std::uint32_t>(digits[i] - '0') * resident_weights[first_weight + i];
    return sum;
}

/// 18-character resident identity numbers: region (6 digits), birth date
/// (8), sequence (3) and check character. Person n is number
/// permutation(n) of the region × date × sequence space, decomposed.
class resident_ids {
public:
    static constexpr std::size_t length = 18;

    resident_ids() = default;
    explicit resident_ids(random_source& random) {
        for (const std::uint32_t code : resident_regions) {
            region_text_.push_back({});
            put_fixed(region_text_.back().data(), code, 6);
            region_sum_.push_back(weighted_digit_sum(region_text_.back().data(), 6, 0));
        }
        const std::int64_t first = days_from_civil(first_birth_year, 1, 1);
        const std::int64_t end = days_from_civil(last_birth_year + 1, 1, 1);
        for (std::int64_t day = first; day < end; ++day) {
            const civil_date date = civil_from_days(day);
            date_text_.push_back({});
            char* p = date_text_.back().data();
            put_fixed(
                put_fixed(put_fixed(p, static_cast<std::uint64_t>(date.year), 4), date.month, 2),
                date.day, 2);
            date_sum_.push_back(weighted_digit_sum(p, 8, 6));
        }
        const std::uint64_t modulus = std::uint64_t{region_text_.size()} * date_text_.size() * 1000;
        if (modulus != max_resident_persons)
            throw std::logic_error("resident id space differs from max_resident_persons");
        permutation_ = affine_permutation(modulus, random);
    }

    char* put(char* out, std::uint64_t person) const noexcept {
        const std::uint64_t number = permutation_(person);
        const auto sequence = static_cast<std::uint32_t>(number % 1000);
        const std::uint64_t rest = number / 1000;
        const std::size_t date = rest % date_text_.size();
        const std::size_t region = rest / date_text_.size();
        std::memcpy(out, region_text_[region].data(), 6);
        std::memcpy(out + 6, date_text_[date].data(), 8);
        put_fixed(out + 14, sequence, 3);
        const std::uint32_t sum =
            region_sum_[region] + date_sum_[date] + (sequence / 100) * resident_weights[14] +
            (sequence / 10 % 10) * resident_weights[15] + (sequence % 10) * resident_weights[16];
        out[17] = resident_check[sum % 11];
        return out + length;
    }

private:
    std::vector<std::array<char, 6>> region_text_;
    std::vector<std::uint32_t> region_sum_;
    std::vector<std::array<char, 8>> date_text_;
    std::vector<std::uint32_t> date_sum_;
    affine_permutation permutation_;
};

/// The splitmix64 finalizer: a bijection of 64-bit words.
constexpr std::uint64_t mix64(std::uint64_t z) noexcept {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

constexpr std::array<char, 512> make_hex_pairs() {
    std::array<char, 512> pairs{};
    constexpr char digits[] = "0123456789abcdef";
    for (std::size_t i = 0; i < 256; ++i) {
        pairs[2 * i] = digits[i >> 4];
        pairs[2 * i + 1] = digits[i & 15];
    }
    return pairs;
}
constexpr std::array<char, 512> hex_pairs = make_hex_pairs();

char* put_hex64(char* out, std::uint64_t word) noexcept {
    for (int shift = 56; shift >= 0; shift -= 8) {
        const std::size_t byte = (word >> shift) & 0xff;
        *out++ = hex_pairs[2 * byte];
        *out++ = hex_pairs[2 * byte + 1];
    }
    return out;
}

/// 64 lowercase hex digits, like HMAC-SHA-256 pseudonyms: four seeded mixes,
/// the first a bijection of the person number.
class hex_ids {
public:
    static constexpr std::size_t length = 64;

    hex_ids() = default;
    explicit hex_ids(random_source& random) {
        for (std::uint64_t& key : keys_)
            key = random.next();
    }

    char* put(char* out, std::uint64_t person) const noexcept {
        std::uint64_t word = mix64(person + keys_[0]);
        out = put_hex64(out, word);
        for (std::size_t i = 1; i < keys_.size(); ++i) {
            word = mix64(word ^ keys_[i]);
            out = put_hex64(out, word);
        }
        return out;
    }

private:
    std::array<std::uint64_t, 4> keys_{};
};

/// Person ids in the chosen style, written by person index (from 0).
class person_id_writer {
public:
    explicit person_id_writer(const city_parameters& parameters)
        : style_(parameters.ids), short_{'P', std::max<std::size_t>(
                                                  7, decimal_digits(parameters.persons))} {
        random_source random(parameters.seed, 5);
        if (style_ == id_style::resident) resident_ = resident_ids(random);
        if (style_ == id_style::hex) hex_ = hex_ids(random);
    }

    char* put(char* out, std::uint64_t person) const noexcept {
        switch (style_) {
        case id_style::resident:
            return resident_.put(out, person);
        case id_style::hex:
            return hex_.put(out, person);
        case id_style::short_ids:
            break;
        }
        return short_.put(out, person + 1);
    }
    std::string text(std::uint64_t person) const {
        std::array<char, hex_ids::length> buffer{};
        return {buffer.data(), put(buffer.data(), person)};
    }

private:
    id_style style_;
    id_format short_;
    resident_ids resident_;
    hex_ids hex_;
};

/// Place ids, preformatted, all of one length: `<category letter><number>`
/// (numbers from 1) for short ids, else `DL` and 10 digits.
std::vector<std::string> place_ids(const place_set& set, const city_parameters& parameters) {
    std::vector<std::string> ids;
    ids.reserve(set.category_of.size());
    if (parameters.ids == id_style::short_ids) {
        const id_format format{'?',
                               std::max<std::size_t>(5, decimal_digits(set.category_of.size()))};
        for (std::size_t p = 0; p < set.category_of.size(); ++p) {
            std::string id = format.text(p + 1);
            id[0] = categories[set.category_of[p]].prefix;
            ids.push_back(std::move(id));
        }
        return ids;
    }
    random_source random(parameters.seed, 6);
    const affine_permutation permutation(10'000'000'000ULL, random);
    for (std::size_t p = 0; p < set.category_of.size(); ++p) {
        std::string id = "DL0000000000";
        put_fixed(id.data() + 2, permutation(p), 10);
        ids.push_back(std::move(id));
    }
    return ids;
}

char* put_micro_degrees(char* out, std::int32_t micro) noexcept {
    std::uint64_t magnitude = static_cast<std::uint64_t>(micro < 0 ? -std::int64_t{micro} : micro);
    if (micro < 0) *out++ = '-';
    out = put_fixed(out, magnitude / 1000000, decimal_digits(magnitude / 1000000));
    *out++ = '.';
    return put_fixed(out, magnitude % 1000000, 6);
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

struct generated_case {
    std::uint64_t person;
    time_point from;
    time_point to; // time_infinity: still infectious, not isolated
};

std::vector<generated_case> choose_cases(const city_parameters& parameters, random_source& random) {
    const std::uint64_t count = std::min<std::uint64_t>(parameters.cases, parameters.persons);
    std::vector<bool> taken(parameters.persons, false);
    std::vector<generated_case> cases;
    const time_point end = parameters.start + std::int64_t{parameters.days} * seconds_per_day;
    // Cases come to light at the end of the period, when tracing runs: their
    // infectious windows start in its last `recent_case_days` days (whole
    // hours, at least six hours before the end) and last six hours to two days.
    const std::int64_t recent_hours =
        std::int64_t{std::min(parameters.days, parameters.recent_case_days)} * 24;
    while (cases.size() < count) {
        const std::uint64_t person = random.below(parameters.persons);
        if (taken[person]) continue;
        taken[person] = true;
        const auto hours_in =
            static_cast<std::int64_t>(random.below(static_cast<std::uint64_t>(recent_hours - 6)));
        const time_point from = end - (recent_hours - hours_in) * hours;
        const time_point to =
            random.chance(parameters.open_case_share)
                ? time_infinity
                : std::min(end, from + std::int64_t{random.between(6, 48)} * hours);
        cases.push_back({person, from, to});
    }
    std::sort(cases.begin(), cases.end(), [](const generated_case& a, const generated_case& b) {
        return a.from != b.from ? a.from < b.from : a.person < b.person;
    });
    return cases;
}

void write_cases(std::ostream& stream, const std::vector<generated_case>& cases,
                 const person_id_writer& ids, utc_offset tz) {
    block_writer out(stream);
    out.append("person,from,to\n");
    for (const generated_case& c : cases) {
        out.append(ids.text(c.person));
        out.append(",");
        out.append(format_time(c.from, tz));
        out.append(",");
        if (c.to != time_infinity) out.append(format_time(c.to, tz));
        out.append("\n");
    }
    out.flush();
}

void check(bool ok, const char* message) {
    if (!ok) throw input_error(std::string("city generator: ") + message);
}

void check_share(double share, const char* name) {
    if (!(share >= 0.0 && share <= 1.0))
        throw input_error(std::string("city generator: ") + name + " must be between 0 and 1");
}

void check_parameters(const city_parameters& p) {
    check(p.persons > 0, "at least one person is needed");
    check(p.persons < no_person, "too many persons (at most 4294967294)");
    check(p.places > 0, "at least one place is needed");
    check(p.places < no_place, "too many places");
    check(p.days > 0, "at least one day is needed");
    check(p.days <= 36600, "at most 36600 days (a century)");
    check(p.recent_case_days > 0, "cases need at least one recent day");
    check(p.shuffle_bucket_rows > 0, "shuffle buckets need room for at least one row");
    check(p.start > -max_input_magnitude / 2 && p.start < max_input_magnitude / 2,
          "start time out of range");
    check(p.tz.seconds % 60 == 0 && p.tz.seconds >= -18 * 3600 && p.tz.seconds <= 18 * 3600,
          "UTC offset out of range");
    check_share(p.checkout_share, "checkout share");
    check_share(p.open_case_share, "open case share");
    check_share(p.rescan_share, "rescan share");
    check_share(p.duplicate_share, "duplicate share");
    if (p.ids == id_style::resident && p.persons > max_resident_persons)
        throw input_error("city generator: resident ids allow at most " +
                          std::to_string(max_resident_persons) + " persons");
}

// ---------------------------------------------------------------------------
// Scan rows and their shuffle.

/// No check-out, in `scan_row::leave`.
constexpr time_point no_leave = std::numeric_limits<time_point>::min();

/// A scan row with absolute times, as the shuffle keeps it on disk.
struct scan_row {
    std::uint32_t person;
    place_index place;
    time_point time;
    time_point leave; ///< or `no_leave`
};
static_assert(sizeof(scan_row) == 24);

/// Formats rows of scans.csv; nothing is allocated per row.
class scan_row_writer {
public:
    scan_row_writer(const person_id_writer& persons, const std::vector<std::string>& places)
        : persons_(persons), place_length_(places.front().size()) {
        // Place ids packed into one block, for cache-friendly copying.
        place_block_.reserve(places.size() * place_length_);
        for (const std::string& id : places)
            place_block_.insert(place_block_.end(), id.begin(), id.end());
    }

    void write(block_writer& out, const scan_row& row) const {
        char* p = out.room();
        p = persons_.put(p, row.person);
        *p++ = ',';
        std::memcpy(p, place_block_.data() + std::size_t{row.place} * place_length_, place_length_);
        p += place_length_;
        *p++ = ',';
        p = put_signed(p, row.time);
        *p++ = ',';
        if (row.leave != no_leave) p = put_signed(p, row.leave);
        *p++ = '\n';
        out.advance(p);
    }

private:
    const person_id_writer& persons_;
    std::size_t place_length_;
    std::vector<char> place_block_;
};

[[noreturn]] void throw_temporary_error(const std::filesystem::path& folder, const char* what,
                                        int error) {
    throw io_error(folder.string() + ": " + what +
                   " a temporary file for the shuffle: " + std::strerror(error));
}

/// An unnamed temporary file in `folder`: O_TMPFILE where the file system
/// has it, else mkstemp and an immediate unlink. Closed by the destructor.
class unnamed_file {
public:
    explicit unnamed_file(const std::filesystem::path& folder) : folder_(folder) {
        const std::string where = folder.empty() ? std::string(".") : folder.string();
#ifdef O_TMPFILE
        fd_ = ::open(where.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
        if (fd_ >= 0) return;
#endif
        std::string pattern = where + "/.scans.csv.tmp-XXXXXX";
        fd_ = ::mkostemp(pattern.data(), O_CLOEXEC);
        if (fd_ < 0) throw_temporary_error(folder_, "cannot create", errno);
        ::unlink(pattern.c_str());
    }
    ~unnamed_file() {
        close();
    }
    unnamed_file(unnamed_file&& other) noexcept
        : folder_(std::move(other.folder_)), fd_(std::exchange(other.fd_, -1)) {}
    unnamed_file(const unnamed_file&) = delete;
    unnamed_file& operator=(const unnamed_file&) = delete;
    unnamed_file& operator=(unnamed_file&&) = delete;

    void append(const void* data, std::size_t size) {
        const char* p = static_cast<const char*>(data);
        while (size > 0) {
            const ssize_t n = ::write(fd_, p, size);
            if (n < 0) {
                if (errno == EINTR) continue;
                throw_temporary_error(folder_, "cannot write", errno);
            }
            p += n;
            size -= static_cast<std::size_t>(n);
        }
    }

    void read_at(void* data, std::size_t size, std::uint64_t offset) const {
        char* p = static_cast<char*>(data);
        while (size > 0) {
            const ssize_t n = ::pread(fd_, p, size, static_cast<off_t>(offset));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) throw_temporary_error(folder_, "cannot read", n < 0 ? errno : EIO);
            p += n;
            size -= static_cast<std::size_t>(n);
            offset += static_cast<std::uint64_t>(n);
        }
    }

    /// Closes the file, which frees its space.
    void close() noexcept {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

private:
    std::filesystem::path folder_;
    int fd_ = -1;
};

/// An out-of-core uniform shuffle (Rao's method): each row goes to one of B
/// bucket files chosen at random; then each bucket in turn is read back,
/// shuffled by Fisher–Yates and written. Every order of the rows is equally
/// likely, and at most one bucket is in memory.
class row_shuffler {
public:
    /// At most this many buckets (file descriptors); beyond 4 billion rows
    /// buckets grow instead.
    static constexpr std::uint64_t max_buckets = 512;

    /// `bucket_rows`: rows per bucket aimed at, for the expected row count.
    row_shuffler(const std::filesystem::path& folder, std::uint64_t expected_rows,
                 std::uint64_t bucket_rows, std::uint64_t seed)
        : scatter_random_(seed, 7), shuffle_random_(seed, 8) {
        const std::uint64_t count = std::clamp<std::uint64_t>(
            expected_rows / bucket_rows + (expected_rows % bucket_rows != 0), 1, max_buckets);
        // Write buffers of 1 MiB each, less with many buckets: 64 MiB in all at most.
        buffer_rows_ = std::clamp<std::size_t>((std::size_t{64} << 20) / count / sizeof(scan_row),
                                               (std::size_t{64} << 10) / sizeof(scan_row),
                                               (std::size_t{1} << 20) / sizeof(scan_row));
        buckets_.reserve(count);
        for (std::uint64_t b = 0; b < count; ++b)
            buckets_.push_back(bucket{unnamed_file(folder), {}, 0});
    }

    void add(const scan_row& row) {
        bucket& b = buckets_[buckets_.size() == 1 ? 0 : scatter_random_.below(buckets_.size())];
        if (b.buffer.capacity() == 0) b.buffer.reserve(buffer_rows_);
        b.buffer.push_back(row);
        if (b.buffer.size() == buffer_rows_) flush(b);
    }

    /// Writes every row, in shuffled order, through `emit`.
    template <typename Emit>
    void drain(Emit emit) {
        std::vector<scan_row> rows;
        for (bucket& b : buckets_) {
            flush(b);
            std::vector<scan_row>().swap(b.buffer);
        }
        for (bucket& b : buckets_) {
            rows.resize(b.rows);
            b.file.read_at(rows.data(), rows.size() * sizeof(scan_row), 0);
            shuffle(rows, shuffle_random_);
            for (const scan_row& row : rows)
                emit(row);
            b.file.close(); // frees its disk space at once
        }
    }

private:
    struct bucket {
        unnamed_file file;
        std::vector<scan_row> buffer;
        std::uint64_t rows;
    };

    void flush(bucket& b) {
        b.file.append(b.buffer.data(), b.buffer.size() * sizeof(scan_row));
        b.rows += b.buffer.size();
        b.buffer.clear();
    }

    random_source scatter_random_;
    random_source shuffle_random_;
    std::size_t buffer_rows_ = 0;
    std::vector<bucket> buckets_;
};

/// Monday = 0, ..., Sunday = 6 for the local day that begins at `local_midnight`.
std::uint32_t day_of_week(time_point local_midnight, utc_offset tz) {
    const time_point local = local_midnight + tz.seconds;
    const std::int64_t days =
        local >= 0 ? local / seconds_per_day : -((-local + seconds_per_day - 1) / seconds_per_day);
    // 1970-01-01 was a Thursday.
    return static_cast<std::uint32_t>(((days + 3) % 7 + 7) % 7);
}

} // namespace

std::uint64_t persons_for_scans(std::uint64_t scans, std::uint32_t days) {
    const double per_person = scans_per_person_day * std::max<std::uint32_t>(days, 1);
    return std::max<std::uint64_t>(
        1, static_cast<std::uint64_t>(static_cast<double>(scans) / per_person + 0.5));
}

std::uint32_t default_places(std::uint64_t persons) {
    return static_cast<std::uint32_t>(std::clamp<std::uint64_t>(persons / 20, 20, no_place - 1));
}

city_summary generate_city(const city_parameters& parameters, const std::filesystem::path& folder) {
    check_parameters(parameters);
    // All three temporaries first: a folder we cannot write to fails before any work.
    atomic_file scans_file(folder / "scans.csv");
    atomic_file places_file(folder / "places.csv");
    atomic_file cases_file(folder / "cases.csv");

    random_source place_random(parameters.seed, 1);
    const place_set places = lay_out_places(parameters.places, place_random);
    const venue_chooser venues(places);
    random_source person_random(parameters.seed, 2);
    const population city =
        populate(parameters.persons, venues, places.district_count, person_random);

    city_summary summary;
    summary.persons = parameters.persons;
    summary.places = parameters.places;

    const std::vector<std::string> place_id_text = place_ids(places, parameters);
    const person_id_writer person_id(parameters);
    const scan_row_writer row_writer(person_id, place_id_text);
    std::unique_ptr<row_shuffler> shuffler;
    if (parameters.order == row_order::shuffled) {
        // A quarter above the mean, so that buckets stay near their aimed size.
        const double expected = static_cast<double>(parameters.persons) * parameters.days *
                                scans_per_person_day *
                                (1.0 + parameters.duplicate_share + parameters.rescan_share) * 1.25;
        shuffler = std::make_unique<row_shuffler>(
            folder, static_cast<std::uint64_t>(std::min(expected, 1e18)),
            parameters.shuffle_bucket_rows, parameters.seed);
    }

    std::vector<scan_record> records, sorted;
    std::vector<std::uint32_t> counts;
    records.reserve(static_cast<std::size_t>(static_cast<double>(parameters.persons) *
                                             scans_per_person_day * 1.5));
    day_builder builder(parameters, places, venues, records);
    block_writer out(scans_file.stream());
    out.append("person,place,time,leave\n");
    for (std::uint32_t day = 0; day < parameters.days; ++day) {
        random_source random(parameters.seed, 1000 + std::uint64_t{day});
        builder.set_random(&random);
        const time_point midnight = parameters.start + std::int64_t{day} * seconds_per_day;
        const bool weekend = day_of_week(midnight, parameters.tz) >= 5;
        records.clear();
        std::uint64_t first = 0;
        for (std::size_t h = 0; h < city.household_size.size(); ++h) {
            const std::uint32_t size = city.household_size[h];
            const std::uint32_t district = city.household_district[h];
            if (weekend && random.chance(0.45)) builder.family_outing(first, size, district);
            for (std::uint64_t p = first; p < first + size; ++p) {
                const person_info& info = city.persons[p];
                const auto person = static_cast<std::uint32_t>(p);
                if (weekend)
                    builder.weekend(person, info, district);
                else if (info.kind == role::worker)
                    builder.worker_weekday(person, info, district);
                else if (info.kind == role::child)
                    builder.child_weekday(person, info, district);
                else
                    builder.retiree_weekday(person, info, district);
            }
            first += size;
        }
        const auto row = [midnight](const scan_record& r) {
            const time_point time = midnight + r.time;
            return scan_row{r.person, r.place, time,
                            r.stay == no_checkout ? no_leave : time + r.stay};
        };
        if (shuffler) {
            for (const scan_record& r : records)
                shuffler->add(row(r));
        } else {
            sort_by_time(records, sorted, counts);
            for (const scan_record& r : sorted)
                row_writer.write(out, row(r));
        }
        summary.scan_rows += records.size();
    }
    if (shuffler) {
        // The day's rows are done with: their memory goes to the buckets.
        std::vector<scan_record>().swap(records);
        std::vector<scan_record>().swap(sorted);
        shuffler->drain([&](const scan_row& r) { row_writer.write(out, r); });
        shuffler.reset();
    }
    out.flush();

    random_source output_random(parameters.seed, 3);
    write_places(places_file.stream(), places, place_id_text, output_random);
    random_source case_random(parameters.seed, 4);
    const std::vector<generated_case> cases = choose_cases(parameters, case_random);
    write_cases(cases_file.stream(), cases, person_id, parameters.tz);
    summary.cases = static_cast<std::uint32_t>(cases.size());

    summary.bytes = out.bytes() + static_cast<std::uint64_t>(places_file.stream().tellp()) +
                    static_cast<std::uint64_t>(cases_file.stream().tellp());
    scans_file.commit();
    places_file.commit();
    cases_file.commit();
    return summary;
}

} // namespace ctrace
