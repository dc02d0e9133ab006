#include "gen/generate_cases.hpp"

#include "ctrace/core/defaults.hpp"
#include "gen/generate_output.hpp"
#include "gen/generate_units.hpp"

#include <algorithm>
#include <ostream>

namespace ctrace::generation {

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
    out.append("person,from,to,onset\n");
    for (const generated_case& c : cases) {
        out.append(ids.text(c.person));
        out.append(",");
        out.append(format_time(c.from, tz));
        out.append(",");
        if (c.to != time_infinity) out.append(format_time(c.to, tz));
        out.append(",");
        // The onset that the default look-back turns into `from`, so that
        // backward tracing (which needs onsets) runs on generated cities and
        // a trace without `from` would give the same windows.
        out.append(format_time(c.from + defaults::lookback, tz));
        out.append("\n");
    }
    out.flush();
}

} // namespace ctrace::generation
