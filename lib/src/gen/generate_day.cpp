#include "gen/generate_day.hpp"

#include "gen/generate_units.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace ctrace::generation {

namespace {

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

} // namespace

std::int32_t day_builder::visit(std::uint32_t person, place_index place, std::int32_t arrival,
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

std::int32_t day_builder::visit(std::uint32_t person, place_index place, std::int32_t arrival) {
    if (place == no_place) return arrival;
    const category_info& info = categories[places_.category_of[place]];
    return visit(person, place, arrival, random_->around(info.stay_mean, info.stay_sd));
}

std::int32_t day_builder::maybe_bus(std::uint32_t person, const person_info& info,
                                    std::int32_t time, double p) {
    if (info.bus_line == no_place || !random_->chance(p)) return time;
    return visit(person, info.bus_line, time) + random_->between(2 * minutes, 10 * minutes);
}

void day_builder::worker_weekday(std::uint32_t person, const person_info& info,
                                 std::uint32_t district) {
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
    const bool office_worker = info.work != no_place && places_.category_of[info.work] == office;
    if (office_worker && random.chance(0.1)) // a meeting at another company
        visit(person, venues_.anywhere(office, random), random.around(15 * hours, 60 * minutes),
              random.around(90 * minutes, 20 * minutes));
    t = maybe_bus(person, info, leave + random.between(0, 10 * minutes), 0.85);
    if (random.chance(0.45)) // groceries on the way home
        t = visit(person, venues_.near(market, district, random),
                  t + random.between(0, 15 * minutes), random.around(20 * minutes, 8 * minutes));
    static constexpr category_mix<7> evening{{restaurant, market, mall, gym, ktv, cinema, hospital},
                                             {36, 26, 12, 14, 6, 5, 1}};
    if (random.chance(0.8)) {
        t = std::max(t + 10 * minutes, random.around(19 * hours, 50 * minutes));
        t = visit(person, venues_.near(evening.pick(random), district, random), t);
        static constexpr category_mix<3> late{{ktv, cinema, restaurant}, {40, 30, 30}};
        if (random.chance(0.25))
            visit(person, venues_.near(late.pick(random), district, random),
                  t + random.between(10 * minutes, 30 * minutes));
    }
}

void day_builder::child_weekday(std::uint32_t person, const person_info& info,
                                std::uint32_t district) {
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

void day_builder::retiree_weekday(std::uint32_t person, const person_info& info,
                                  std::uint32_t district) {
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

void day_builder::weekend(std::uint32_t person, const person_info& info, std::uint32_t district) {
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
        {restaurant, mall, market, gym, cinema, ktv, bank, hospital}, {32, 20, 18, 9, 8, 8, 2, 3}};
    std::int32_t t = 0;
    for (std::size_t i = 0; i < count; ++i) {
        t = maybe_bus(person, info, std::max(times[i], t + 10 * minutes), 0.5);
        t = visit(person, venues_.near(outing.pick(random), district, random), t);
    }
}

void day_builder::family_outing(std::uint64_t first, std::uint32_t size, std::uint32_t district) {
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

} // namespace ctrace::generation
