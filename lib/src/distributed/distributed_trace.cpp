// The layered trace across ranks (ctrace/distributed/distributed.hpp): the rules of
// ctrace::trace, with each person's state on the rank owning its id.

#include "core/radix_sort.hpp"
#include "ctrace/distributed/distributed.hpp"
#include "distributed/mpi_helpers.hpp"
#include "tracing/companion_windows.hpp"
#include "tracing/exposure_rules.hpp"
#include "tracing/layer_state.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>

namespace ctrace::distributed {

namespace {

using detail::all_gather_records;
using detail::exchange;
using detail::gather_ids;
using detail::gather_records;
using detail::local_step;
using detail::packed_ids;
using detail::rank_of;
using detail::size_of;

using ctrace::detail::layer_source;
using ctrace::detail::layer_state;

constexpr std::uint64_t not_found = std::numeric_limits<std::uint64_t>::max();

/// The qualifying events of one layer for one target, combined: the
/// earliest start with its source and place (ties: the smallest source,
/// then place, by global index, which is byte order), the latest end, the
/// summed overlap and the number of events. A sum past 2^63 is kept at the
/// largest value and marked: it is an error only if the target is listed
/// at this layer (as `ctrace::trace` adds only those), which its owner
/// decides.
struct exposure {
    person_index target = 0;
    person_index via_person = 0;
    place_index via_place = 0;
    std::uint32_t seconds_overflowed = 0;
    time_point first = 0;
    time_point last = 0;
    duration seconds = 0;
    std::uint64_t events = 0;
};

void combine(exposure& into, const exposure& e) {
    if (e.first < into.first || (e.first == into.first && (e.via_person < into.via_person ||
                                                           (e.via_person == into.via_person &&
                                                            e.via_place < into.via_place)))) {
        into.first = e.first;
        into.via_person = e.via_person;
        into.via_place = e.via_place;
    }
    into.last = std::max(into.last, e.last);
    if (__builtin_add_overflow(into.seconds, e.seconds, &into.seconds)) {
        into.seconds = std::numeric_limits<duration>::max();
        into.seconds_overflowed = 1;
    }
    into.seconds_overflowed |= e.seconds_overflowed;
    into.events += e.events;
}

/// One layer's exposures found on this rank, combined per target as they
/// come: an open-addressing hash table on the target, so its size follows
/// the distinct targets, not the events (tens of millions at hop 3 of a
/// city).
class exposures_by_target {
public:
    void add(const exposure& e) {
        if (2 * (used_ + 1) > slots_.size()) grow();
        exposure& slot = slots_[find(e.target)];
        if (slot.target == no_person) {
            slot = e;
            ++used_;
        } else {
            combine(slot, e);
        }
    }

    /// The combined exposures, ascending by target; the table is emptied.
    std::vector<exposure> take_sorted() {
        std::vector<exposure> out;
        out.reserve(used_);
        for (const exposure& e : slots_)
            if (e.target != no_person) out.push_back(e);
        slots_ = {};
        used_ = 0;
        std::sort(out.begin(), out.end(),
                  [](const exposure& a, const exposure& b) { return a.target < b.target; });
        return out;
    }

private:
    std::size_t find(person_index target) const noexcept {
        const std::size_t mask = slots_.size() - 1;
        std::size_t at = static_cast<std::size_t>((target * 0x9E3779B97F4A7C15ull) >> 20) & mask;
        while (slots_[at].target != no_person && slots_[at].target != target)
            at = (at + 1) & mask;
        return at;
    }

    void grow() {
        std::vector<exposure> old = std::move(slots_);
        exposure empty;
        empty.target = no_person;
        slots_.assign(std::max<std::size_t>(1024, 2 * old.size()), empty);
        for (const exposure& e : old)
            if (e.target != no_person) slots_[find(e.target)] = e;
    }

    std::vector<exposure> slots_;
    std::size_t used_ = 0;
};

/// This rank's stay rows in person order (then row order): a stable radix
/// sort, with no array as long as all the persons.
std::vector<std::uint32_t> rows_by_person(const stay_table& stays, std::uint64_t person_count) {
    std::vector<std::uint32_t> rows(stays.size()), scratch(stays.size());
    for (std::size_t row = 0; row < rows.size(); ++row)
        rows[row] = static_cast<std::uint32_t>(row);
    unsigned bits = 1;
    while (bits < 32 && (std::uint64_t{1} << bits) < person_count)
        ++bits;
    const std::span<std::uint32_t> sorted = ctrace::detail::radix_sort_spans(
        std::span<std::uint32_t>(rows), std::span<std::uint32_t>(scratch), 0, bits,
        [&stays](std::uint32_t row) { return std::uint64_t{stays.person[row]}; });
    if (sorted.data() != rows.data()) rows.swap(scratch);
    return rows;
}

/// The strings of the sorted global indices `wanted` (known on rank 0), from
/// the ranks owning them (ids `[first, first + owned.size())` here); on rank
/// 0 in the order of `wanted`. Collective.
std::vector<std::string> names_of(MPI_Comm comm, const std::vector<std::uint64_t>& asked,
                                  std::uint64_t first, const std::vector<std::string>& owned) {
    std::uint64_t count = asked.size();
    MPI_Bcast(&count, 1, MPI_UINT64_T, 0, comm);
    std::vector<std::uint64_t> wanted;
    local_step(comm, [&] {
        wanted = asked;
        wanted.resize(static_cast<std::size_t>(count));
        (void)detail::count_of(wanted.size());
    });
    if (rank_of(comm) == 0) detail::count_sent_to_all(comm, wanted.size() * sizeof(std::uint64_t));
    MPI_Bcast(wanted.data(), static_cast<int>(wanted.size()), MPI_UINT64_T, 0, comm);
    packed_ids mine;
    local_step(comm, [&] {
        const auto begin = std::lower_bound(wanted.begin(), wanted.end(), first);
        const auto end = std::lower_bound(begin, wanted.end(), first + owned.size());
        for (auto it = begin; it != end; ++it)
            mine.add(owned[static_cast<std::size_t>(*it - first)]);
    });
    const packed_ids all = gather_ids(comm, mine);
    std::vector<std::string> names;
    local_step(comm, [&] {
        for (const std::string_view id : all.views())
            names.emplace_back(id);
    });
    return names;
}

/// Each case's global index, from the rank owning its id (`not_found` when
/// the case never scanned), on every rank. Collective.
std::vector<std::uint64_t> case_global_indices(MPI_Comm comm, const rank_scans& ids,
                                               const id_table& case_ids,
                                               std::span<const index_case> cases) {
    std::vector<std::uint64_t> case_index;
    local_step(comm, [&] {
        case_index.assign(cases.size(), not_found);
        for (std::size_t k = 0; k < cases.size(); ++k) {
            const std::string_view id = case_ids[cases[k].person];
            const auto at = std::lower_bound(ids.persons.begin(), ids.persons.end(), id);
            if (at != ids.persons.end() && *at == id)
                case_index[k] =
                    ids.first_person + static_cast<std::uint64_t>(at - ids.persons.begin());
        }
        (void)detail::count_of(case_index.size());
    });
    MPI_Allreduce(MPI_IN_PLACE, case_index.data(), static_cast<int>(case_index.size()),
                  MPI_UINT64_T, MPI_MIN, comm);
    return case_index;
}

} // namespace

traced trace(MPI_Comm comm, const rank_scans& ids, const rank_stays& stays,
             const id_table& case_ids, std::span<const index_case> cases,
             const trace_parameters& parameters) {
    ctrace::detail::check_trace_parameters(parameters);
    // Every rank has the same cases, so every rank refuses a repeat alike.
    // Each stretch of this rank's own work is a `local_step`: a failure in
    // one is agreed on before the next collective.
    std::optional<traced> result;
    std::vector<std::uint64_t> case_index;
    std::vector<unsigned char> case_has_stays;
    local_step(comm, [&] {
        ctrace::detail::check_index_cases(cases, case_ids.size(),
                                          [&case_ids](person_index p) { return case_ids[p]; });
        result.emplace();
        case_has_stays.assign(cases.size(), 0);
    });
    traced& out = *result;
    const int rank = rank_of(comm);
    const int size = size_of(comm);
    const std::uint64_t first = ids.first_person;
    std::vector<std::uint64_t> my_first;
    local_step(comm, [&] { my_first.assign(1, first); });
    const std::vector<std::uint64_t> firsts = all_gather_records(comm, my_first);
    // Ranks owning no id share their first index with the next: the owner
    // is the last rank starting at or before p.
    const auto owner = [&firsts](person_index p) {
        return static_cast<std::size_t>(
            std::upper_bound(firsts.begin(), firsts.end(), std::uint64_t{p}) - firsts.begin() - 1);
    };

    // Each case's global index (none when the case never scanned).
    case_index = case_global_indices(comm, ids, case_ids, cases);

    // The state of the persons this rank owns, as ctrace::trace keeps it.
    const std::size_t owned = ids.persons.size();
    std::vector<person_index> case_persons;
    std::optional<layer_state> state;
    std::vector<layer_source> frontier;
    const stay_table& table = stays.stays;
    std::vector<std::uint32_t> rows;
    // Whether each case has a stay at this rank's places (a case can be a
    // person of a snapshot without any).
    local_step(comm, [&] {
        for (const std::uint64_t p : case_index)
            if (p != not_found) case_persons.push_back(static_cast<person_index>(p));
        std::sort(case_persons.begin(), case_persons.end());
        state.emplace(static_cast<person_index>(first), owned);
        for (std::size_t k = 0; k < cases.size(); ++k) {
            const std::uint64_t p = case_index[k];
            if (p == not_found ||
                owner(static_cast<person_index>(p)) != static_cast<std::size_t>(rank))
                continue;
            state->start_case(static_cast<person_index>(p), cases[k].from);
            frontier.push_back({static_cast<person_index>(p), 0, cases[k].from, cases[k].to});
        }
        std::sort(frontier.begin(), frontier.end(),
                  [](const layer_source& a, const layer_source& b) { return a.person < b.person; });
        rows = rows_by_person(table, ids.person_count);
        for (std::size_t k = 0; k < cases.size(); ++k) {
            const std::uint64_t p = case_index[k];
            const auto at = std::lower_bound(
                rows.begin(), rows.end(), p,
                [&table](std::uint32_t row, std::uint64_t q) { return table.person[row] < q; });
            case_has_stays[k] = p != not_found && at != rows.end() && table.person[*at] == p;
        }
    });
    MPI_Allreduce(MPI_IN_PLACE, case_has_stays.data(), static_cast<int>(case_has_stays.size()),
                  MPI_UNSIGNED_CHAR, MPI_MAX, comm);
    const auto is_case = [&case_persons](person_index p) {
        return std::binary_search(case_persons.begin(), case_persons.end(), p);
    };

    const duration min_overlap = std::max<duration>(parameters.min_overlap, 1);
    const duration linger = std::max<duration>(parameters.linger, 0);
    std::uint64_t events = 0;
    std::vector<std::uint64_t> sent_per_layer;
    for (std::uint32_t layer = 1; layer <= parameters.hops; ++layer) {
        const std::uint64_t sent_before = detail::bytes_sent();
        // Each rank's frontier is ascending and the ranks own ascending
        // ranges, so the sources are ascending by person.
        const std::vector<layer_source> sources = all_gather_records(comm, frontier);
        if (sources.empty()) break;
        std::vector<exposure> found;
        std::vector<int> counts;
        local_step(comm, [&] {
            counts.assign(static_cast<std::size_t>(size), 0);
            exposures_by_target by_target;
            std::size_t at = 0;
            for (const layer_source& s : sources) {
                while (at < rows.size() && table.person[rows[at]] < s.person)
                    ++at;
                for (std::size_t k = at; k < rows.size() && table.person[rows[k]] == s.person;
                     ++k) {
                    const std::size_t own = rows[k];
                    const auto x = static_cast<place_index>(
                        rank_stays::global_place(table.place[own], rank, size));
                    ctrace::detail::for_each_exposed_stay(
                        table, own, s.from, s.to, parameters.place_min_overlap, min_overlap, linger,
                        [&](std::size_t row, time_point start, time_point end) {
                            const person_index p = table.person[row];
                            if (p == s.person || is_case(p)) return;
                            by_target.add({p, s.person, x, 0, start, end, end - start, 1});
                        });
                }
            }
            found = by_target.take_sorted();
            // To the targets' owners (ascending targets: ascending owners).
            for (const exposure& e : found)
                ++counts[owner(e.target)];
        });
        const std::vector<exposure> mine = exchange(comm, found, counts);
        found = {};

        local_step(comm, [&] {
            sent_per_layer.push_back(detail::bytes_sent() - sent_before);
            for (const exposure& e : mine) {
                events += e.events;
                // Global indices are in byte order: the smaller wins a tie.
                state->expose(
                    e.target, layer, e.first, e.last, e.seconds, e.via_person, e.via_place,
                    [](const risk_entry& entry, person_index q, place_index x) {
                        return q != entry.via_person ? q < entry.via_person : x < entry.via_place;
                    },
                    e.seconds_overflowed != 0);
            }
            frontier = state->next_sources(parameters);
        });
    }

    // Rank 0 gathers the entries, the ids of their persons (each from its
    // owner) and of the places they name.
    out.bytes_sent_per_layer = std::move(sent_per_layer);
    const std::uint64_t sent_before_gathering = detail::bytes_sent();
    MPI_Allreduce(&events, &out.result.qualifying_events, 1, MPI_UINT64_T, MPI_SUM, comm);
    packed_ids names;
    local_step(comm, [&] {
        for (const risk_entry& e : state->entries())
            names.add(ids.persons[static_cast<std::size_t>(e.person - first)]);
    });
    local_step(comm, [&] {
        for (const risk_entry& e : state->entries())
            out.listed_here.push_back(e.person);
        std::sort(out.listed_here.begin(), out.listed_here.end());
    });
    std::vector<risk_entry> all = gather_records(comm, state->entries());
    const packed_ids all_names = gather_ids(comm, names);
    std::vector<std::uint64_t> via_places;
    local_step(comm, [&] {
        for (const risk_entry& e : all)
            if (e.via_place != no_place) via_places.push_back(e.via_place);
        std::sort(via_places.begin(), via_places.end());
        via_places.erase(std::unique(via_places.begin(), via_places.end()), via_places.end());
    });
    const std::vector<std::string> place_names =
        names_of(comm, via_places, ids.first_place, ids.places);
    out.bytes_sent_gathering = detail::bytes_sent() - sent_before_gathering;
    local_step(comm, [&] {
        if (rank != 0) return;
        std::vector<std::pair<person_index, person_index>> compact; // global, local
        const std::vector<std::string_view> views = all_names.views();
        for (std::size_t k = 0; k < all.size(); ++k)
            compact.emplace_back(all[k].person, out.persons.intern(views[k]));
        std::sort(compact.begin(), compact.end());
        for (const std::string& id : place_names)
            out.places.intern(id);
        for (risk_entry& e : all) {
            e.person = std::lower_bound(compact.begin(), compact.end(),
                                        std::pair<person_index, person_index>{e.person, 0})
                           ->second;
            if (e.via_person == no_person) continue;
            const auto via =
                std::lower_bound(compact.begin(), compact.end(),
                                 std::pair<person_index, person_index>{e.via_person, 0});
            if (via == compact.end() || via->first != e.via_person)
                throw error("distributed trace: a source is missing from the risk entries");
            e.via_person = via->second;
            e.via_place = static_cast<place_index>(
                std::lower_bound(via_places.begin(), via_places.end(), e.via_place) -
                via_places.begin());
        }
        out.result.entries = std::move(all);
        // Cases without a stay, in the cases' order; those that never
        // scanned are listed too, after the others' ids.
        for (std::size_t k = 0; k < cases.size(); ++k) {
            if (case_has_stays[k] != 0) continue;
            const std::string_view id = case_ids[cases[k].person];
            if (case_index[k] != not_found) {
                out.result.cases_without_stays.push_back(out.persons.find(id));
                continue;
            }
            const person_index p = out.persons.intern(id);
            out.result.entries.push_back(ctrace::detail::new_risk_entry(p, 0));
            out.result.cases_without_stays.push_back(p);
        }
        ctrace::detail::finish_risk_entries(out.result, parameters, out.persons);
    });
    return std::move(out);
}

std::vector<companion> find_companions(MPI_Comm comm, const rank_scans& ids,
                                       const rank_stays& stays, const id_table& case_ids,
                                       std::span<const index_case> cases, traced& risk,
                                       const companion_parameters& parameters) {
    local_step(comm, [&] {
        if (parameters.window < 0)
            throw parameter_error("companion_window", "the companion window must not be negative");
    });
    const int rank = rank_of(comm);
    const int size = size_of(comm);
    const std::vector<std::uint64_t> case_index = case_global_indices(comm, ids, case_ids, cases);
    const std::vector<person_index> listed = all_gather_records(comm, risk.listed_here);

    // The overlaps at this rank's places, with global indices.
    std::vector<companion_overlap> found;
    local_step(comm, [&] {
        std::vector<std::pair<person_index, std::size_t>> case_of; // global person, case
        for (std::size_t k = 0; k < cases.size(); ++k)
            if (case_index[k] != not_found)
                case_of.emplace_back(static_cast<person_index>(case_index[k]), k);
        std::sort(case_of.begin(), case_of.end());
        const auto case_at = [&case_of](person_index p) {
            const auto at = std::lower_bound(case_of.begin(), case_of.end(),
                                             std::pair<person_index, std::size_t>{p, 0});
            return at != case_of.end() && at->first == p ? &*at : nullptr;
        };
        const stay_table& table = stays.stays;
        for (std::size_t own = 0; own < table.size(); ++own) {
            const auto* c = case_at(table.person[own]);
            if (c == nullptr) continue;
            const index_case& found_case = cases[c->second];
            const auto x =
                static_cast<place_index>(rank_stays::global_place(table.place[own], rank, size));
            ctrace::detail::for_each_window_overlap(
                table, own, found_case.from, found_case.to, parameters.window,
                [&](std::size_t row, time_point start, time_point end) {
                    const person_index p = table.person[row];
                    if (case_at(p) != nullptr ||
                        std::binary_search(listed.begin(), listed.end(), p))
                        return;
                    found.push_back({p, c->first, x, start, end});
                });
        }
    });
    std::vector<companion_overlap> all = gather_records(comm, found);
    found = {};

    // Rank 0 asks for the ids the overlaps name, from their owners.
    std::vector<std::uint64_t> persons, places;
    local_step(comm, [&] {
        for (const companion_overlap& o : all) {
            persons.push_back(o.person);
            persons.push_back(o.via_person);
            places.push_back(o.via_place);
        }
        for (std::vector<std::uint64_t>* v : {&persons, &places}) {
            std::sort(v->begin(), v->end());
            v->erase(std::unique(v->begin(), v->end()), v->end());
        }
    });
    const std::vector<std::string> person_names =
        names_of(comm, persons, ids.first_person, ids.persons);
    const std::vector<std::string> place_names =
        names_of(comm, places, ids.first_place, ids.places);
    std::vector<companion> rows;
    local_step(comm, [&] {
        if (rank != 0) return;
        // Global index to the index in the result's tables (byte order is
        // global order, so ties are the same).
        std::vector<person_index> person_at(persons.size());
        for (std::size_t k = 0; k < persons.size(); ++k)
            person_at[k] = risk.persons.intern(person_names[k]);
        std::vector<place_index> place_at(places.size());
        for (std::size_t k = 0; k < places.size(); ++k)
            place_at[k] = risk.places.intern(place_names[k]);
        const auto local = [](const std::vector<std::uint64_t>& global, const auto& at,
                              std::uint64_t g) {
            return at[static_cast<std::size_t>(std::lower_bound(global.begin(), global.end(), g) -
                                               global.begin())];
        };
        for (companion_overlap& o : all) {
            o.person = local(persons, person_at, o.person);
            o.via_person = local(persons, person_at, o.via_person);
            o.via_place = local(places, place_at, o.via_place);
        }
        rows = companions_from_overlaps(std::move(all), risk.persons, risk.places);
    });
    return rows;
}

} // namespace ctrace::distributed
