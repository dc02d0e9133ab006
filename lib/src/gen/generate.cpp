// The city generator's entry points: the parameter checks, and the run of
// the model day by day into the three files. The parts of the model are in
// generate_*.cpp, each with its internal header.

#include "ctrace/gen/generate.hpp"

#include "ctrace/core/atomic_file.hpp"
#include "ctrace/core/error.hpp"
#include "gen/generate_cases.hpp"
#include "gen/generate_day.hpp"
#include "gen/generate_ids.hpp"
#include "gen/generate_output.hpp"
#include "gen/generate_persons.hpp"
#include "gen/generate_places.hpp"
#include "gen/generate_random.hpp"
#include "gen/generate_row_order.hpp"
#include "gen/generate_units.hpp"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

namespace ctrace {

// The parts of the model, internal to the library; this file runs them.
using namespace generation;

namespace {

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
