#pragma once
// The state of a layered trace (docs/semantics.md §4, §5), internal to
// ctrace and written once for both runners: the single-process tracer
// (`tracer.hpp`) keeps it for every person, the distributed trace
// (`distributed_trace.cpp`) for the persons each rank owns. What differs
// between them is where the events come from and how ties between sources
// are broken (ids byte-wise, or global indices, which are in byte order):
// the tie-break is passed in as a policy.

#include "core/radix_sort.hpp"
#include "ctrace/core/error.hpp"
#include "ctrace/core/id_table.hpp"
#include "ctrace/core/types.hpp"
#include "ctrace/io/cases.hpp"
#include "ctrace/model/trace_result.hpp"
#include "tracing/exposure_rules.hpp"

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ctrace::detail {

/// Checks the parameters every trace needs (`parameter_error`).
inline void check_trace_parameters(const trace_parameters& parameters) {
    if (parameters.quarantine.by_hop().empty())
        throw parameter_error("quarantine", "the list of quarantines by hop is empty");
    if (parameters.monitoring && parameters.monitoring->by_hop().empty())
        throw parameter_error("monitoring", "the list of monitoring periods by hop is empty");
}

/// Checks the index cases of a trace: every person index below
/// `person_count`, none a case twice (`input_error`, naming the first
/// repeated person in the cases' order by `id_of(person)`).
template <class IdOf>
void check_index_cases(std::span<const index_case> cases, std::size_t person_count, IdOf&& id_of) {
    std::vector<bool> seen(person_count, false);
    for (const index_case& c : cases) {
        if (c.person >= person_count) throw input_error("trace: case person index out of range");
        if (seen[c.person])
            throw input_error("trace: person '" + std::string(id_of(c.person)) +
                              "' is an index case twice");
        seen[c.person] = true;
    }
}

/// Adds qualifying events of one layer to `entry` (at that layer's hop):
/// the earliest start `start` (by `via_person` at `via_place`, taken on a tie
/// when `better_via` says so), the latest end `end` and `seconds` more
/// exposure. Events may come one by one or already combined: every rule is a
/// minimum, maximum or sum, so the order does not matter.
template <class BetterVia>
inline void add_exposure(risk_entry& entry, time_point start, person_index via_person,
                         place_index via_place, time_point end, duration seconds,
                         BetterVia&& better_via) {
    if (start < entry.first_exposure ||
        (start == entry.first_exposure &&
         (entry.via_person == no_person || better_via(via_person, via_place)))) {
        entry.first_exposure = start;
        entry.via_person = via_person;
        entry.via_place = via_place;
    }
    entry.last_exposure = std::max(entry.last_exposure, end);
    entry.exposure_seconds = add_seconds(entry.exposure_seconds, seconds, "exposure_seconds");
}

/// A new risk entry for `person` at `hop` (the exposure fields empty).
inline risk_entry new_risk_entry(person_index person, std::uint32_t hop) {
    risk_entry e;
    e.person = person;
    e.hop = hop;
    if (hop > 0) e.last_exposure = -time_infinity;
    return e;
}

/// A key ordering persons as their ids do (byte-wise), equal keys falling
/// back to the ids: an id table has none (0 for all); a table that knows
/// each id's rank gives it (`indexed_person_ids::sort_key`).
inline std::uint64_t id_sort_key(const id_table&, person_index) noexcept {
    return 0;
}
template <class PersonIds>
requires requires(const PersonIds& ids, person_index p) {
    ids.sort_key(p);
}
inline std::uint64_t id_sort_key(const PersonIds& ids, person_index p) {
    return ids.sort_key(p);
}

/// Sorts `entries` in the risk list's order (hop, first exposure, id) by one
/// radix sort of 64-bit keys, when every person's id has a rank
/// (`id_sort_key` not 0) and hop, first exposure (from the earliest) and
/// rank fit in 64 bits together and no two keys are equal; false, leaving
/// `entries` as they are, otherwise (the comparison sort then decides).
template <class PersonIds>
bool sort_by_ranks(std::vector<risk_entry>& entries, const PersonIds& persons) {
    if (entries.size() < 2) return false;
    // Index cases (hop 0) have no exposure: their first exposure is the
    // entry's default, the same for all, and their key's time part 0.
    std::uint64_t max_hop = 0, max_rank = 0;
    time_point earliest = time_infinity, latest = -time_infinity;
    std::optional<time_point> case_time;
    for (const risk_entry& e : entries) {
        const std::uint64_t rank = id_sort_key(persons, e.person);
        if (rank == 0) return false;
        max_rank = std::max(max_rank, rank);
        max_hop = std::max<std::uint64_t>(max_hop, e.hop);
        if (e.hop == 0) {
            if (case_time && *case_time != e.first_exposure) return false;
            case_time = e.first_exposure;
            continue;
        }
        earliest = std::min(earliest, e.first_exposure);
        latest = std::max(latest, e.first_exposure);
    }
    const std::uint64_t span = earliest > latest ? 0
                                                 : static_cast<std::uint64_t>(latest) -
                                                       static_cast<std::uint64_t>(earliest);
    const auto rank_bits = static_cast<unsigned>(std::bit_width(max_rank));
    const auto time_bits = static_cast<unsigned>(std::bit_width(span));
    const auto hop_bits = static_cast<unsigned>(std::bit_width(max_hop));
    if (rank_bits + time_bits + hop_bits > 64) return false;
    struct keyed {
        std::uint64_t key;
        std::uint32_t entry;
    };
    std::vector<keyed> keys(entries.size()), scratch(entries.size());
    for (std::size_t k = 0; k < entries.size(); ++k) {
        const risk_entry& e = entries[k];
        const std::uint64_t time = e.hop == 0 ? 0
                                              : static_cast<std::uint64_t>(e.first_exposure) -
                                                    static_cast<std::uint64_t>(earliest);
        std::uint64_t key = e.hop;
        if (time_bits > 0) key = (key << time_bits) | time;
        if (rank_bits > 0) key = (key << rank_bits) | id_sort_key(persons, e.person);
        keys[k] = {key, static_cast<std::uint32_t>(k)};
    }
    const std::span<keyed> sorted =
        radix_sort_spans(std::span(keys), std::span(scratch), 0, rank_bits + time_bits + hop_bits,
                         [](const keyed& k) { return k.key; });
    // Equal keys (a table whose key ties some ids) need the ids compared.
    for (std::size_t k = 1; k < sorted.size(); ++k)
        if (sorted[k].key == sorted[k - 1].key) return false;
    std::vector<risk_entry> ordered;
    ordered.reserve(entries.size());
    for (const keyed& k : sorted)
        ordered.push_back(entries[k.entry]);
    entries = std::move(ordered);
    return true;
}

/// Completes the entries of a trace (docs/semantics.md §5): quarantine and
/// monitoring ends by hop, the order of the risk list (hop, then first
/// exposure, then person id byte-wise, ids from `persons[index]`) and the
/// count per hop. Sets `result.monitoring`.
template <class PersonIds>
void finish_risk_entries(trace_result& result, const trace_parameters& parameters,
                         const PersonIds& persons) {
    const std::optional<hop_durations>& monitoring = parameters.monitoring;
    result.monitoring = monitoring.has_value();
    for (risk_entry& e : result.entries) {
        if (e.hop == 0) continue;
        e.quarantine_until = e.last_exposure + parameters.quarantine.at_hop(e.hop);
        if (monitoring) e.monitor_until = e.quarantine_until + monitoring->at_hop(e.hop);
    }
    // Sorted through keys that hold each id once: an id may be read from a
    // file (indexed_snapshot.hpp), and ties of first exposure are common.
    struct sort_key {
        std::uint32_t hop;
        time_point first_exposure;
        std::uint64_t id_key; ///< orders ids where the table knows how; else 0
        std::string_view id;
        std::uint32_t entry;
    };
    if (!sort_by_ranks(result.entries, persons)) {
        std::vector<sort_key> keys;
        keys.reserve(result.entries.size());
        for (std::size_t k = 0; k < result.entries.size(); ++k) {
            const risk_entry& e = result.entries[k];
            keys.push_back({e.hop, e.first_exposure, id_sort_key(persons, e.person),
                            persons[e.person], static_cast<std::uint32_t>(k)});
        }
        std::sort(keys.begin(), keys.end(), [](const sort_key& a, const sort_key& b) {
            if (a.hop != b.hop) return a.hop < b.hop;
            if (a.first_exposure != b.first_exposure) return a.first_exposure < b.first_exposure;
            if (a.id_key != b.id_key) return a.id_key < b.id_key;
            return a.id < b.id;
        });
        std::vector<risk_entry> sorted;
        sorted.reserve(keys.size());
        for (const sort_key& key : keys)
            sorted.push_back(result.entries[key.entry]);
        result.entries = std::move(sorted);
    }
    std::uint32_t max_hop = 0;
    for (const risk_entry& e : result.entries)
        max_hop = std::max(max_hop, e.hop);
    result.persons_per_hop.assign(result.entries.empty() ? 0 : max_hop + 1, 0);
    for (const risk_entry& e : result.entries)
        ++result.persons_per_hop[e.hop];
}

/// A source of one layer: a person and its infectious interval `[from,
/// to)`. Trivially copyable, so the distributed trace sends it as bytes.
struct layer_source {
    person_index person = 0;
    std::uint32_t unused = 0;
    time_point from = 0;
    time_point to = 0;
};

/// Each person's earliest exposure `E`, hop and risk entry, for the persons
/// `[first, first + count)` (all of them in one process; a rank's own in
/// the distributed trace). Person indices passed in and kept in the entries
/// are the caller's (global in the distributed trace).
class layer_state {
public:
    layer_state(person_index first, std::size_t count)
        : first_(first), exposure_(count, time_infinity), hop_(count, no_hop),
          entry_of_(count, no_entry), changed_at_(count, 0) {}

    /// Makes `p` an index case infectious from `from` (hop 0, `E = from`).
    void start_case(person_index p, time_point from) {
        const std::size_t local = local_of(p);
        exposure_[local] = from;
        hop_[local] = 0;
        add_entry(local, p, 0);
    }

    bool is_case(person_index p) const noexcept { return hop_[local_of(p)] == 0; }

    /// The per-target update (docs/semantics.md §4, §5): qualifying events
    /// of one layer reached `target`, the earliest at `first` (by
    /// `via_person` at `via_place`), the latest ending at `last`, with
    /// `seconds` of effective overlap. One event or many combined give the
    /// same state: every rule is a minimum, maximum or sum. `E` may go down
    /// (the person is then a source of the next layer); the person is
    /// listed at the first layer that reaches it, and only that layer's
    /// events count in its entry. On a tie of first exposure,
    /// `better_via(entry, person, place)` says whether a source and place
    /// beat the entry's. `seconds_overflowed` marks a combined sum past
    /// 2^63, an error only where it would be added.
    template <class BetterVia>
    void expose(person_index target, std::uint32_t layer, time_point first, time_point last,
                duration seconds, person_index via_person, place_index via_place,
                BetterVia&& better_via, bool seconds_overflowed = false) {
        const std::size_t local = local_of(target);
        if (first < exposure_[local]) {
            exposure_[local] = first;
            if (changed_at_[local] != layer) {
                changed_at_[local] = layer;
                changed_.push_back(target);
            }
        }
        if (hop_[local] == no_hop) {
            hop_[local] = layer;
            add_entry(local, target, layer);
        }
        if (hop_[local] != layer) return;
        if (seconds_overflowed) throw_sum_overflow("exposure_seconds");
        risk_entry& entry = entries_[entry_of_[local]];
        add_exposure(entry, first, via_person, via_place, last, seconds,
                     [&](person_index q, place_index x) { return better_via(entry, q, x); });
    }

    /// The sources of the next layer: the persons whose `E` went down at
    /// this layer, ascending, infectious during `[E + latency, until)` when
    /// that is not empty. Starts the next layer.
    std::vector<layer_source> next_sources(const trace_parameters& parameters) {
        std::sort(changed_.begin(), changed_.end());
        std::vector<layer_source> sources;
        sources.reserve(changed_.size());
        for (const person_index p : changed_) {
            const time_point from = exposure_[local_of(p)] + parameters.latency;
            if (from < parameters.until) sources.push_back({p, 0, from, parameters.until});
        }
        changed_.clear();
        return sources;
    }

    /// The risk entries, in the order the persons were first reached.
    std::vector<risk_entry>& entries() noexcept { return entries_; }

private:
    static constexpr std::uint32_t no_hop = ~std::uint32_t{0};
    static constexpr std::uint32_t no_entry = ~std::uint32_t{0};

    std::size_t local_of(person_index p) const noexcept {
        return static_cast<std::size_t>(p - first_);
    }
    void add_entry(std::size_t local, person_index p, std::uint32_t hop) {
        entry_of_[local] = static_cast<std::uint32_t>(entries_.size());
        entries_.push_back(new_risk_entry(p, hop));
    }

    person_index first_;
    std::vector<time_point> exposure_; // E at the current layer
    std::vector<std::uint32_t> hop_;
    std::vector<std::uint32_t> entry_of_;
    std::vector<std::uint32_t> changed_at_; // last layer at which E went down
    std::vector<person_index> changed_;     // persons whose E went down at this layer
    std::vector<risk_entry> entries_;
};

} // namespace ctrace::detail
