#include "ctrace/model/stays.hpp"

#include "core/consumed_memory.hpp"
#include "core/radix_sort.hpp"
#include "ctrace/core/error.hpp"
#include "model/stay_keys.hpp"
#include "model/stay_order.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <new>
#include <span>

namespace ctrace {

namespace {

using detail::keyed_visit;

/// Merges visits fed in (place, start, person) order into stays: a visit
/// extends its person's open stay at the place when it starts by that stay's
/// end (docs/semantics.md §2.2), else opens a new stay. Stays are thus
/// created in (place, start, person) order. One merger takes a run of whole
/// places, so mergers of disjoint runs can work at once.
class stay_merger {
public:
    /// `reserve`: the most stays this merger will make (pages reserved and
    /// never written are never resident).
    stay_merger(std::size_t reserve, std::size_t person_count)
        : open_stay_(person_count, 0), open_at_(person_count, no_place) {
        stays_.person.reserve(reserve);
        stays_.place.reserve(reserve);
        stays_.start.reserve(reserve);
        stays_.end.reserve(reserve);
    }

    void add(person_index person, place_index place, time_point start, time_point end) {
        if (open_at_[person] == place && start <= stays_.end[open_stay_[person]]) {
            time_point& open_end = stays_.end[open_stay_[person]];
            open_end = std::max(open_end, end);
            return;
        }
        open_stay_[person] = static_cast<std::uint32_t>(stays_.person.size());
        open_at_[person] = place;
        stays_.person.push_back(person);
        stays_.place.push_back(place);
        stays_.start.push_back(start);
        stays_.end.push_back(end);
    }

    /// The stays made so far, without the place index.
    stay_table take() && {
        open_stay_ = {};
        open_at_ = {};
        return std::move(stays_);
    }

private:
    stay_table stays_;
    std::vector<std::uint32_t> open_stay_;
    std::vector<place_index> open_at_; // place of open_stay_
};

/// Appends `from`'s column to `to`'s, handing back `from`'s pages as they
/// are copied, so that the two are never resident whole together.
template <typename T>
void append_releasing(std::vector<T>& to, std::vector<T>& from) {
    constexpr std::size_t step = (std::size_t{8} << 20) / sizeof(T);
    detail::consumed_prefix<T> consumed(from);
    for (std::size_t i = 0; i < from.size(); i += step) {
        const std::size_t end = std::min(from.size(), i + step);
        to.insert(to.end(), from.begin() + static_cast<std::ptrdiff_t>(i),
                  from.begin() + static_cast<std::ptrdiff_t>(end));
        consumed.advance(end);
    }
    from = {};
}

/// Smallest and largest visit start; throws `error` when an index is out of
/// range. Slices of a large table are checked on every core.
struct start_range {
    time_point first = 0;
    time_point last = 0;
};
start_range check_visits(const std::vector<visit>& visits, std::size_t person_count,
                         std::size_t place_count) {
    const std::size_t n = visits.size();
    const unsigned threads = n >= (std::size_t{1} << 20) ? detail::hardware_threads() : 1;
    std::vector<start_range> ranges(threads, {visits[0].start, visits[0].start});
    std::vector<char> out_of_range(threads, 0);
    detail::run_on_threads(threads, [&](unsigned t) {
        start_range r = ranges[t];
        bool bad = false;
        for (std::size_t i = n * t / threads; i < n * (t + 1) / threads; ++i) {
            const visit& v = visits[i];
            bad |= v.person >= person_count || v.place >= place_count;
            r.first = std::min(r.first, v.start);
            r.last = std::max(r.last, v.start);
        }
        ranges[t] = r;
        out_of_range[t] = bad;
    });
    start_range all = ranges[0];
    for (unsigned t = 0; t < threads; ++t) {
        if (out_of_range[t]) throw error("build_stays: visit index out of range");
        all.first = std::min(all.first, ranges[t].first);
        all.last = std::max(all.last, ranges[t].last);
    }
    return all;
}

} // namespace

stay_table build_stays(std::vector<visit> visits, std::size_t person_count,
                       std::size_t place_count) {
    if (visits.empty()) {
        stay_table none;
        index_stays_by_place(none, place_count);
        return none;
    }
    // Named, not a structured binding: lambdas below capture them (which
    // clang before C++20's P1091 refuses).
    const start_range range = check_visits(visits, person_count, place_count);
    const std::optional<detail::stay_key_layout> layout =
        detail::stay_key_layout::fitting(range.first, range.last, person_count, place_count);
    if (!layout) {
        // Times too far apart to pack beside the indices: a comparison sort.
        std::sort(visits.begin(), visits.end(), [](const visit& a, const visit& b) {
            if (a.place != b.place) return a.place < b.place;
            if (a.start != b.start) return a.start < b.start;
            return a.person < b.person;
        });
        stay_merger merger(visits.size(), person_count);
        for (const visit& v : visits)
            merger.add(v.person, v.place, v.start, v.end);
        stay_table stays = std::move(merger).take();
        index_stays_by_place(stays, place_count);
        return stays;
    }
    // One radix sort of packed (place, start - first, person) keys, in the
    // visits' own memory: fresh pages are expensive (on a virtual machine
    // far more than a pass over them), so the keys are written over the
    // visits they come from (a key and end take 16 of a visit's 24 bytes,
    // and key i is written only after visit i is read, below every visit not
    // yet read), and the sort's second buffer is the visits' memory after
    // the keys when the vector has room there (it has the reserve of the
    // read), else one of its own.
    const std::size_t n = visits.size();
    const std::size_t keyed_bytes = n * sizeof(keyed_visit);
    const std::size_t in_place = (2 * keyed_bytes + sizeof(visit) - 1) / sizeof(visit);
    const bool scratch_in_place = visits.capacity() >= in_place;
    if (scratch_in_place) visits.resize(in_place); // within capacity: no copy
    auto* const base = reinterpret_cast<unsigned char*>(visits.data());
    for (std::size_t i = 0; i < n; ++i) {
        // memcpy both ways: the bytes are read as a visit and written as a
        // key, and memcpy is what may alias them.
        visit v;
        std::memcpy(&v, base + i * sizeof(visit), sizeof(visit));
        const keyed_visit k{layout->key(v.person, v.place, v.start), v.end};
        std::memcpy(base + i * sizeof(keyed_visit), &k, sizeof k);
    }
    const std::span<keyed_visit> keys(std::launder(reinterpret_cast<keyed_visit*>(base)), n);
    std::span<keyed_visit> scratch;
    if (scratch_in_place)
        scratch = {std::launder(reinterpret_cast<keyed_visit*>(base + keyed_bytes)), n};
    return detail::stays_from_keys(keys, scratch, *layout, person_count, place_count);
}

namespace detail {

std::optional<stay_key_layout> stay_key_layout::fitting(time_point first_start,
                                                        time_point last_start,
                                                        std::size_t person_count,
                                                        std::size_t place_count) noexcept {
    stay_key_layout layout;
    layout.first = first_start;
    layout.person_bits = bits_for(person_count);
    layout.time_bits = bits_for(static_cast<std::uint64_t>(last_start - first_start) + 1);
    layout.place_bits = bits_for(place_count);
    if (layout.person_bits + layout.time_bits + layout.place_bits > 64) return std::nullopt;
    return layout;
}

stay_table stays_from_keys(std::span<keyed_visit> keys, std::span<keyed_visit> scratch,
                           const stay_key_layout& layout, std::size_t person_count,
                           std::size_t place_count) {
    const std::size_t n = keys.size();
    const time_point first = layout.first;
    const unsigned person_bits = layout.person_bits, time_bits = layout.time_bits,
                   place_bits = layout.place_bits;
    if (n == 0) {
        stay_table none;
        index_stays_by_place(none, place_count);
        return none;
    }
    std::vector<keyed_visit> own_scratch;
    if (scratch.empty()) {
        own_scratch.resize(n);
        scratch = own_scratch;
    }
    // Sorted by (place, start) only, which is a third fewer radix passes;
    // visits of one place with the same start are put in person order below
    // (such runs are short: one second at one place).
    const std::span<keyed_visit> keyed =
        radix_sort_spans(keys, scratch, person_bits, time_bits + place_bits,
                         [](const keyed_visit& k) { return k.key; });
    // The buffer the sort did not end in is not needed any more.
    const std::span<keyed_visit> spare = keyed.data() == keys.data() ? scratch : keys;
    if (spare.data() == own_scratch.data())
        own_scratch = {};
    else
        release_pages(spare.data(), spare.data() + spare.size());

    // Each thread merges a run of whole places: no person's stay at a place
    // spans two runs, so the runs' stays, concatenated in order, are the
    // stays of one merge in (place, start, person) order.
    const unsigned threads = n >= (std::size_t{1} << 20) ? hardware_threads() : 1;
    const unsigned place_shift = time_bits + person_bits;
    const std::vector<std::size_t> run_begin = runs_of_whole_groups(n, threads, [&](std::size_t i) {
        return keyed[i].key >> place_shift == keyed[i - 1].key >> place_shift;
    });
    const std::uint64_t person_mask = (std::uint64_t{1} << person_bits) - 1;
    const std::uint64_t time_mask = (std::uint64_t{1} << time_bits) - 1;
    std::vector<stay_table> runs(threads);
    run_on_threads(threads, [&](unsigned t) {
        const std::span<keyed_visit> run =
            keyed.subspan(run_begin[t], run_begin[t + 1] - run_begin[t]);
        for (std::size_t i = 1; i < run.size();) {
            if (run[i].key >> person_bits != run[i - 1].key >> person_bits) {
                ++i;
                continue;
            }
            std::size_t end = i + 1;
            while (end < run.size() && run[end].key >> person_bits == run[i - 1].key >> person_bits)
                ++end;
            std::stable_sort(
                run.begin() + static_cast<std::ptrdiff_t>(i - 1),
                run.begin() + static_cast<std::ptrdiff_t>(end),
                [](const keyed_visit& a, const keyed_visit& b) { return a.key < b.key; });
            i = end + 1;
        }
        // The first run's stays become the table: it reserves room for all.
        stay_merger merger(t == 0 ? n : run.size(), person_count);
        consumed_prefix<keyed_visit> consumed(run.data(), run.size());
        for (std::size_t i = 0; i < run.size(); ++i) {
            const std::uint64_t key = run[i].key;
            merger.add(static_cast<person_index>(key & person_mask),
                       static_cast<place_index>(key >> place_shift),
                       first + static_cast<time_point>((key >> person_bits) & time_mask),
                       run[i].end);
            consumed.advance(i + 1);
        }
        runs[t] = std::move(merger).take();
    });
    stay_table stays = std::move(runs[0]);
    for (unsigned t = 1; t < threads; ++t) {
        append_releasing(stays.person, runs[t].person);
        append_releasing(stays.place, runs[t].place);
        append_releasing(stays.start, runs[t].start);
        append_releasing(stays.end, runs[t].end);
    }
    index_stays_by_place(stays, place_count);
    return stays;
}

} // namespace detail

void index_stays_by_place(stay_table& stays, std::size_t place_count) {
    stays.place_begin.assign(place_count + 1, 0);
    stays.place_longest.assign(place_count, 0);
    for (std::size_t i = 0; i < stays.size(); ++i) {
        const place_index x = stays.place[i];
        ++stays.place_begin[x + 1];
        stays.place_longest[x] = std::max(stays.place_longest[x], stays.end[i] - stays.start[i]);
    }
    for (std::size_t x = 0; x < place_count; ++x)
        stays.place_begin[x + 1] += stays.place_begin[x];
}

std::vector<std::uint32_t> stay_rows_by_person(const stay_table& stays, std::size_t person_count) {
    std::vector<std::uint32_t> rows(stays.size());
    detail::scatter_stays_by_person(stays, person_count,
                                    [&](std::uint32_t k, std::uint32_t row) { rows[k] = row; });
    return rows;
}

time_span stay_time_span(const stay_table& stays) noexcept {
    if (stays.size() == 0) return {};
    time_span span{time_infinity, -time_infinity};
    for (std::size_t i = 0; i < stays.size(); ++i) {
        span.min = std::min(span.min, stays.start[i]);
        span.max = std::max(span.max, stays.end[i]);
    }
    return span;
}

} // namespace ctrace
