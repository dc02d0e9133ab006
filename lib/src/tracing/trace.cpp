#include "ctrace/tracing/trace.hpp"

#include "ctrace/core/error.hpp"
#include "ctrace/core/time.hpp"
#include "tracing/exposure_rules.hpp"
#include "tracing/tracer.hpp"

#include <algorithm>
#include <string>

namespace ctrace {

namespace {

/// The ids of the persons a trace on stays in memory names: the data's, then
/// the index cases that never scanned (kept apart so the data is only read).
class person_ids_with_unscanned {
public:
    person_ids_with_unscanned(const id_table& persons, const id_table& unscanned,
                              std::span<const std::uint32_t> rank)
        : persons_(persons), unscanned_(unscanned),
          rank_(unscanned.empty() ? rank : std::span<const std::uint32_t>{}) {}
    std::string_view operator[](person_index p) const noexcept {
        return p < persons_.size()
                   ? persons_[p]
                   : unscanned_[static_cast<id_table::index_type>(p - persons_.size())];
    }
    std::size_t size() const noexcept { return persons_.size() + unscanned_.size(); }
    /// The id's rank when known (`id_sort_key`), else 0 for all: the order
    /// of the ids themselves.
    std::uint64_t sort_key(person_index p) const noexcept {
        return rank_.empty() ? 0 : std::uint64_t{rank_[p]} + 1;
    }

private:
    const id_table& persons_;
    const id_table& unscanned_;
    std::span<const std::uint32_t> rank_;
};

/// Stays in memory, with the person–place graph giving each person's stays.
class memory_source {
public:
    memory_source(const stay_table& stays, const person_place_graph& graph,
                  const person_ids_with_unscanned& persons, const id_table& places)
        : stays_(stays), graph_(graph), persons_(persons), places_(places) {}

    std::size_t person_count() const noexcept { return persons_.size(); }
    bool has_stays(person_index p) const { return ctrace::has_stays(graph_, p); }
    template <class F>
    void for_each_stay_of(person_index p, F&& f) const {
        if (p >= graph_.person_count) return;
        const auto [first, last] = boost::out_edges(graph_.person_vertex(p), graph_.csr);
        for (auto it = first; it != last; ++it)
            f(std::size_t{graph_.csr[*it].stay});
    }
    place_index place_of(std::size_t row) const noexcept { return stays_.place[row]; }
    const stay_table& stays_at(place_index) const noexcept { return stays_; }
    std::string_view person_id(person_index p) const noexcept { return persons_[p]; }
    std::string_view place_id(place_index x) const noexcept { return places_[x]; }
    const person_ids_with_unscanned& person_ids() const noexcept { return persons_; }

private:
    const stay_table& stays_;
    const person_place_graph& graph_;
    const person_ids_with_unscanned& persons_;
    const id_table& places_;
};

static_assert(stay_source<memory_source>);

} // namespace

trace_result trace(const stay_table& stays, const person_place_graph& graph,
                   const id_table& persons, const id_table& places,
                   std::span<const index_case> cases, const trace_parameters& parameters,
                   const event_observer& observer) {
    return trace(stays, graph, persons, id_table{}, places, cases, parameters, observer, {});
}

trace_result trace(const stay_table& stays, const person_place_graph& graph,
                   const id_table& persons, const id_table& unscanned_cases, const id_table& places,
                   std::span<const index_case> cases, const trace_parameters& parameters,
                   const event_observer& observer, std::span<const std::uint32_t> person_rank) {
    detail::check_trace_parameters(parameters);
    if (!person_rank.empty() && person_rank.size() != persons.size())
        throw error("trace: " + std::to_string(person_rank.size()) + " ranks for " +
                    std::to_string(persons.size()) + " persons");
    const person_ids_with_unscanned ids(persons, unscanned_cases, person_rank);
    memory_source source(stays, graph, ids, places);
    return detail::tracer<memory_source>(source, parameters, observer).run(cases);
}

} // namespace ctrace
