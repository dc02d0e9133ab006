#include "ctrace/model/stay_end.hpp"

#include "core/radix_sort.hpp"
#include "ctrace/core/error.hpp"

#include <algorithm>
#include <limits>
#include <string>

namespace ctrace {

stay_end_rule parse_stay_end(std::string_view text) {
    if (text == "dwell") return stay_end_rule::dwell;
    if (text == "next-scan") return stay_end_rule::next_scan;
    throw parameter_error("stay_end",
                          "expected 'dwell' or 'next-scan', not '" + std::string(text) + "'");
}

std::string_view stay_end_name(stay_end_rule rule) noexcept {
    return rule == stay_end_rule::next_scan ? "next-scan" : "dwell";
}

namespace {

/// A visit's position in (person, start) order.
struct keyed_row {
    std::uint64_t key;
    std::uint32_t row;
};

/// The two earliest scans seen so far (all later than the rows being
/// decided) at two different places: `first` is the earliest, `second` the
/// earliest whose place is not `first`'s.
struct next_scans {
    static constexpr std::uint32_t no_group = std::numeric_limits<std::uint32_t>::max();
    time_point first_time = time_infinity, second_time = time_infinity;
    std::uint32_t first_group = no_group, second_group = no_group;

    /// The earliest of them at a place other than `group`.
    time_point elsewhere(std::uint32_t group) const noexcept {
        return first_group != group ? first_time : second_time;
    }
    /// Adds a scan no later than every scan added before.
    void add(time_point t, std::uint32_t group) noexcept {
        if (first_group != group) {
            second_time = first_time;
            second_group = first_group;
        }
        first_time = t;
        first_group = group;
    }
};

} // namespace

void cut_at_next_scan(std::vector<visit>& visits, const std::vector<bool>& checked_out,
                      std::span<const std::uint32_t> group_of_place) {
    const std::size_t n = visits.size();
    if (checked_out.size() != n) throw error("cut_at_next_scan: one check-out flag per visit");
    if (n >= std::numeric_limits<std::uint32_t>::max())
        throw error("cut_at_next_scan: 2^32 visits or more");
    if (n == 0) return;
    std::uint32_t persons = 0;
    time_point first = visits[0].start, last = visits[0].start;
    for (const visit& v : visits) {
        if (!group_of_place.empty() && v.place >= group_of_place.size())
            throw error("cut_at_next_scan: a place has no group");
        persons = std::max(persons, v.person + 1);
        first = std::min(first, v.start);
        last = std::max(last, v.start);
    }
    const auto group = [&](place_index x) -> std::uint32_t {
        return group_of_place.empty() ? x : group_of_place[x];
    };

    // The visits in (person, start) order: one radix sort of packed keys,
    // or a comparison sort when they do not fit in 64 bits.
    std::vector<keyed_row> order(n), scratch(n);
    const unsigned time_bits = detail::bits_for(static_cast<std::uint64_t>(last - first) + 1);
    const unsigned person_bits = detail::bits_for(persons);
    std::span<keyed_row> sorted = order;
    if (time_bits + person_bits <= 64) {
        for (std::uint32_t i = 0; i < n; ++i)
            order[i] = {(std::uint64_t{visits[i].person} << time_bits) |
                            static_cast<std::uint64_t>(visits[i].start - first),
                        i};
        sorted = detail::radix_sort_spans(std::span(order), std::span(scratch), 0,
                                          time_bits + person_bits,
                                          [](const keyed_row& k) { return k.key; });
    } else {
        for (std::uint32_t i = 0; i < n; ++i)
            order[i] = {visits[i].person, i};
        std::sort(order.begin(), order.end(), [&](const keyed_row& a, const keyed_row& b) {
            if (a.key != b.key) return a.key < b.key;
            return visits[a.row].start < visits[b.row].start;
        });
    }
    scratch = {};

    // Each person's rows from the latest back: the rows of one second are
    // decided before any of them counts as a next scan (n is strictly later).
    std::vector<time_point> new_end(n);
    for (std::size_t end = n; end > 0;) {
        const person_index p = visits[sorted[end - 1].row].person;
        std::size_t begin = end;
        while (begin > 0 && visits[sorted[begin - 1].row].person == p)
            --begin;
        next_scans later;
        for (std::size_t i = end; i > begin;) {
            const time_point t = visits[sorted[i - 1].row].start;
            std::size_t same = i;
            while (same > begin && visits[sorted[same - 1].row].start == t)
                --same;
            for (std::size_t k = same; k < i; ++k) {
                const std::uint32_t row = sorted[k].row;
                new_end[row] =
                    checked_out[row]
                        ? visits[row].end
                        : std::min(visits[row].end, later.elsewhere(group(visits[row].place)));
            }
            for (std::size_t k = same; k < i; ++k)
                later.add(t, group(visits[sorted[k].row].place));
            i = same;
        }
        end = begin;
    }
    for (std::size_t i = 0; i < n; ++i)
        visits[i].end = new_end[i];
}

} // namespace ctrace
