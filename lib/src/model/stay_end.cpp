#include "ctrace/model/stay_end.hpp"

#include "core/radix_sort.hpp"
#include "ctrace/core/error.hpp"
#include "model/stay_keys.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
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

/// A visit and its check-out flag in 16 bytes: times as offsets from the
/// earliest start (when every end is within 2^31 s of it), the flag in the
/// end's low bit. The rows carry everything the visits need, so the sorted
/// rows are written back as visits front to back.
struct compact_row {
    std::uint32_t person;
    std::uint32_t start;
    place_index place;
    std::uint32_t end_flag;

    struct codec {
        time_point first;
        compact_row row(const visit& v, bool checked_out) const noexcept {
            return {v.person, static_cast<std::uint32_t>(v.start - first), v.place,
                    static_cast<std::uint32_t>(v.end - first) << 1 | (checked_out ? 1u : 0u)};
        }
        time_point start(const compact_row& r) const noexcept { return first + r.start; }
        time_point end(const compact_row& r) const noexcept { return first + (r.end_flag >> 1); }
        bool checked_out(const compact_row& r) const noexcept { return (r.end_flag & 1u) != 0; }
        std::uint32_t start_order(const compact_row& r) const noexcept { return r.start; }
        /// Sorted by (person, start) at once when `time_bits` is not 0,
        /// else by person, each person's rows by start afterwards (`of`).
        unsigned time_bits = 0;
        bool sorted_by_start = false;
        std::uint64_t sort_key(const compact_row& r) const noexcept {
            return std::uint64_t{r.person} << time_bits | (time_bits != 0 ? r.start : 0u);
        }

        /// The codec for `n` rows of `persons` persons from `first` to
        /// `last`: one radix pass more sorts each person's rows by start as
        /// well, which pays when persons have many rows (a city's residents
        /// over weeks: dozens) and not when they have a few (sorted alone).
        static codec of(time_point first, time_point last, std::size_t n,
                        std::uint32_t persons) noexcept {
            constexpr std::size_t many_rows = 16;
            codec c{first};
            if (n >= many_rows * std::max<std::size_t>(persons, 1)) {
                c.time_bits = detail::bits_for(static_cast<std::uint64_t>(last - first) + 1);
                c.sorted_by_start = true;
            }
            return c;
        }
    };
};

/// The same for any span of times: the rows are `flagged_visit`s, 32 bytes.
using wide_row = flagged_visit;

struct wide_codec {
    wide_row row(const visit& v, bool checked_out) const noexcept { return {v, checked_out}; }
    time_point start(const wide_row& r) const noexcept { return r.v.start; }
    time_point end(const wide_row& r) const noexcept { return r.v.end; }
    bool checked_out(const wide_row& r) const noexcept { return r.checked_out; }
    time_point start_order(const wide_row& r) const noexcept { return r.v.start; }
    /// Sorted by person; each person's rows by start afterwards.
    static constexpr unsigned time_bits = 0;
    std::uint64_t sort_key(const wide_row& r) const noexcept { return r.v.person; }
    static constexpr bool sorted_by_start = false;
};

person_index person_of(const compact_row& r) noexcept {
    return r.person;
}
person_index person_of(const wide_row& r) noexcept {
    return r.v.person;
}
place_index place_of(const compact_row& r) noexcept {
    return r.place;
}
place_index place_of(const wide_row& r) noexcept {
    return r.v.place;
}

/// Puts a person's rows in start order: an insertion sort for the few rows
/// most persons have.
template <typename Row, typename Codec>
void sort_by_start(std::span<Row> rows, const Codec& codec) {
    const auto before = [&](const Row& a, const Row& b) {
        return codec.start_order(a) < codec.start_order(b);
    };
    constexpr std::size_t few = 32;
    if (rows.size() > few) {
        std::sort(rows.begin(), rows.end(), before);
        return;
    }
    for (std::size_t i = 1; i < rows.size(); ++i) {
        const Row moving = rows[i];
        std::size_t j = i;
        for (; j > 0 && before(moving, rows[j - 1]); --j)
            rows[j] = rows[j - 1];
        rows[j] = moving;
    }
}

/// Sweeps each person's rows of `sorted` (grouped by person) from the latest
/// back and hands `write(i, v)` the visit of row i with its end cut. Threads
/// take runs of whole persons; within a person, the rows of one second are
/// decided before any of them counts as a next scan (n is strictly later).
/// `write` may change row i's end: only starts and places are read after.
template <typename Row, typename Codec, typename Group, typename Write>
void sweep_persons(std::span<Row> sorted, const Codec& codec, Group group_of, unsigned threads,
                   Write write) {
    const std::vector<std::size_t> run_begin =
        detail::runs_of_whole_groups(sorted.size(), threads, [&](std::size_t i) {
            return person_of(sorted[i]) == person_of(sorted[i - 1]);
        });
    detail::run_on_threads(threads, [&](unsigned t) {
        for (std::size_t begin = run_begin[t]; begin < run_begin[t + 1];) {
            std::size_t end = begin + 1;
            while (end < run_begin[t + 1] && person_of(sorted[end]) == person_of(sorted[begin]))
                ++end;
            const std::span<Row> mine = sorted.subspan(begin, end - begin);
            if (!codec.sorted_by_start) sort_by_start(mine, codec);
            next_scans later;
            for (std::size_t i = mine.size(); i > 0;) {
                const time_point when = codec.start(mine[i - 1]);
                std::size_t same = i;
                while (same > 0 && codec.start(mine[same - 1]) == when)
                    --same;
                for (std::size_t k = same; k < i; ++k) {
                    const Row& r = mine[k];
                    const time_point end_at =
                        codec.checked_out(r)
                            ? codec.end(r)
                            : std::min(codec.end(r), later.elsewhere(group_of(place_of(r))));
                    write(begin + k, visit{person_of(r), place_of(r), when, end_at});
                }
                for (std::size_t k = same; k < i; ++k)
                    later.add(when, group_of(place_of(mine[k])));
                i = same;
            }
            begin = end;
        }
    });
}

/// The rule on rows of type `Row`: the visits and flags as rows, a radix
/// sort by person (and start, when the codec packs both in one key), the
/// sweep, and the rows written back over `visits` in (person, start) order.
template <typename Row, typename Codec, typename Group>
void cut_in_rows(std::vector<visit>& visits, const std::vector<bool>& checked_out,
                 std::uint32_t persons, const Codec& codec, Group group_of, unsigned threads) {
    const std::size_t n = visits.size();
    const auto slice = [&](unsigned t) {
        return std::pair(n * t / threads, n * (t + 1) / threads);
    };
    // Not zeroed: every entry is written before it is read.
    std::unique_ptr<Row[]> rows(new Row[n]), spare(new Row[n]);
    detail::run_on_threads(threads, [&](unsigned t) {
        for (std::size_t i = slice(t).first; i < slice(t).second; ++i)
            rows[i] = codec.row(visits[i], checked_out[i]);
    });
    const std::span<Row> sorted =
        detail::radix_sort_spans(std::span(rows.get(), n), std::span(spare.get(), n), 0,
                                 detail::bits_for(persons) + codec.time_bits,
                                 [&codec](const Row& r) { return codec.sort_key(r); });
    sweep_persons(sorted, codec, group_of, threads,
                  [&visits](std::size_t i, const visit& v) { visits[i] = v; });
}

/// The range of persons, times and places of `n` rows, checked on every core.
struct rows_range {
    std::uint32_t persons = 0, places = 0;
    /// Smallest start, largest end, largest start.
    time_point first = time_infinity, last = -time_infinity, last_start = -time_infinity;
    bool bad_place = false;
};

template <typename VisitOf>
rows_range range_of(std::size_t n, unsigned threads, std::span<const std::uint32_t> group_of_place,
                    VisitOf visit_of) {
    std::vector<rows_range> ranges(threads);
    detail::run_on_threads(threads, [&](unsigned t) {
        rows_range r;
        for (std::size_t i = n * t / threads; i < n * (t + 1) / threads; ++i) {
            const visit& v = visit_of(i);
            r.bad_place |= !group_of_place.empty() && v.place >= group_of_place.size();
            r.persons = std::max(r.persons, v.person + 1);
            r.places = std::max(r.places, v.place + 1);
            r.first = std::min(r.first, v.start);
            r.last = std::max(r.last, v.end);
            r.last_start = std::max(r.last_start, v.start);
        }
        ranges[t] = r;
    });
    rows_range all;
    for (const rows_range& r : ranges) {
        if (r.bad_place) throw error("cut_at_next_scan: a place has no group");
        all.persons = std::max(all.persons, r.persons);
        all.places = std::max(all.places, r.places);
        all.first = std::min(all.first, r.first);
        all.last = std::max(all.last, r.last);
        all.last_start = std::max(all.last_start, r.last_start);
    }
    return all;
}

} // namespace

void cut_at_next_scan(std::vector<visit>& visits, const std::vector<bool>& checked_out,
                      std::span<const std::uint32_t> group_of_place) {
    const std::size_t n = visits.size();
    if (checked_out.size() != n) throw error("cut_at_next_scan: one check-out flag per visit");
    if (n >= std::numeric_limits<std::uint32_t>::max())
        throw error("cut_at_next_scan: 2^32 visits or more");
    if (n == 0) return;
    const unsigned threads = n >= (std::size_t{1} << 20) ? detail::hardware_threads() : 1;

    const rows_range all = range_of(n, threads, group_of_place,
                                    [&visits](std::size_t i) -> const visit& { return visits[i]; });
    const auto group_of = [&](place_index x) {
        return group_of_place.empty() ? std::uint32_t{x} : group_of_place[x];
    };
    if (static_cast<std::uint64_t>(all.last - all.first) < (std::uint64_t{1} << 31))
        cut_in_rows<compact_row>(visits, checked_out, all.persons,
                                 compact_row::codec::of(all.first, all.last, n, all.persons),
                                 group_of, threads);
    else
        cut_in_rows<wide_row>(visits, checked_out, all.persons, wide_codec{}, group_of, threads);
}

void cut_at_next_scan(std::vector<flagged_visit>& rows,
                      std::span<const std::uint32_t> group_of_place) {
    const std::size_t n = rows.size();
    if (n >= std::numeric_limits<std::uint32_t>::max())
        throw error("cut_at_next_scan: 2^32 visits or more");
    if (n == 0) return;
    const unsigned threads = n >= (std::size_t{1} << 20) ? detail::hardware_threads() : 1;
    const rows_range all = range_of(n, threads, group_of_place,
                                    [&rows](std::size_t i) -> const visit& { return rows[i].v; });
    const auto group_of = [&](place_index x) {
        return group_of_place.empty() ? std::uint32_t{x} : group_of_place[x];
    };
    // Sorted into a copy, cut in place there, and moved back: `rows` is
    // unchanged until nothing can throw.
    std::vector<flagged_visit> spare(n), copy(rows);
    const std::span<flagged_visit> sorted = detail::radix_sort_spans(
        std::span(copy), std::span(spare), 0, detail::bits_for(all.persons),
        [](const flagged_visit& r) { return std::uint64_t{r.v.person}; });
    sweep_persons(sorted, wide_codec{}, group_of, threads,
                  [&sorted](std::size_t i, const visit& v) { sorted[i].v.end = v.end; });
    if (sorted.data() == copy.data())
        rows = std::move(copy);
    else
        rows = std::move(spare);
}

stay_table build_stays_ending_at_next_scan(std::vector<visit> visits,
                                           const std::vector<bool>& checked_out,
                                           std::span<const std::uint32_t> group_of_place,
                                           std::size_t person_count, std::size_t place_count) {
    const std::size_t n = visits.size();
    if (checked_out.size() != n) throw error("cut_at_next_scan: one check-out flag per visit");
    if (n >= std::numeric_limits<std::uint32_t>::max())
        throw error("cut_at_next_scan: 2^32 visits or more");
    if (n == 0) return build_stays(std::move(visits), person_count, place_count);
    const unsigned threads = n >= (std::size_t{1} << 20) ? detail::hardware_threads() : 1;
    const rows_range all = range_of(n, threads, group_of_place,
                                    [&visits](std::size_t i) -> const visit& { return visits[i]; });
    if (all.persons > person_count || all.places > place_count)
        throw error("build_stays: visit index out of range");
    const std::optional<detail::stay_key_layout> layout =
        detail::stay_key_layout::fitting(all.first, all.last_start, person_count, place_count);
    if (!layout || static_cast<std::uint64_t>(all.last - all.first) >= (std::uint64_t{1} << 31)) {
        // Rows too wide for 16 bytes, or keys for 64 bits: one step after the other.
        cut_at_next_scan(visits, checked_out, group_of_place);
        return build_stays(std::move(visits), person_count, place_count);
    }
    // Two 16-byte buffers: the rows, radix sorted from one into the other;
    // the sweep reads the sorted rows and writes each visit's sort key into
    // the buffer they left, and the stays are sorted from there with the
    // rows' buffer as scratch. The first buffer is the visits' own memory
    // (fresh pages cost more than a pass, as in `build_stays`): row i takes
    // 16 of visit i's 24 bytes, written after visit i is read, below every
    // visit not yet read, so the rows are made front to back on one thread.
    using detail::keyed_visit;
    static_assert(sizeof(compact_row) == sizeof(keyed_visit) &&
                  alignof(compact_row) <= alignof(visit) && alignof(keyed_visit) <= alignof(visit));
    const compact_row::codec codec = compact_row::codec::of(all.first, all.last, n, all.persons);
    auto* const base = reinterpret_cast<unsigned char*>(visits.data());
    for (std::size_t i = 0; i < n; ++i) {
        // memcpy both ways: the bytes are read as a visit and written as a row.
        visit v;
        std::memcpy(&v, base + i * sizeof(visit), sizeof v);
        const compact_row r = codec.row(v, checked_out[i]);
        std::memcpy(base + i * sizeof r, &r, sizeof r);
    }
    const std::unique_ptr<keyed_visit[]> other(new keyed_visit[n]);
    auto* const one = std::launder(reinterpret_cast<keyed_visit*>(base));
    auto* const two = other.get();
    const auto as_rows = [n](keyed_visit* memory) {
        return std::span(std::launder(reinterpret_cast<compact_row*>(memory)), n);
    };
    const std::span<compact_row> sorted = detail::radix_sort_spans(
        as_rows(one), as_rows(two), 0, detail::bits_for(all.persons) + codec.time_bits,
        [&codec](const compact_row& r) { return codec.sort_key(r); });
    keyed_visit* const keys = reinterpret_cast<void*>(sorted.data()) == one ? two : one;
    keyed_visit* const scratch = keys == one ? two : one;
    const auto group_of = [&](place_index x) {
        return group_of_place.empty() ? std::uint32_t{x} : group_of_place[x];
    };
    auto* const key_bytes = reinterpret_cast<unsigned char*>(keys);
    sweep_persons(sorted, codec, group_of, threads, [&](std::size_t i, const visit& v) {
        const keyed_visit k{layout->key(v.person, v.place, v.start), v.end};
        std::memcpy(key_bytes + i * sizeof k, &k, sizeof k);
    });
    return detail::stays_from_keys(std::span(std::launder(keys), n),
                                   std::span(std::launder(scratch), n), *layout, person_count,
                                   place_count);
}

} // namespace ctrace
