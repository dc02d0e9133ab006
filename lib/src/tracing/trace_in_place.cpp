// `trace` on a snapshot or a store read in place (trace.hpp): the same tracer
// as on stays in memory (tracer.hpp), over two more sources of stays.
#include "ctrace/tracing/trace.hpp"
#include "tracing/exposure_rules.hpp"
#include "tracing/tracer.hpp"

#include <optional>

namespace ctrace {

using detail::partitioned_stay_source;

namespace {

/// The stays of an indexed snapshot, read as the trace reaches them.
class mapped_source {
public:
    mapped_source(const indexed_snapshot& data, const indexed_person_ids& persons)
        : data_(data), persons_(persons) {}

    std::size_t person_count() const noexcept { return persons_.size(); }
    bool has_stays(person_index p) const { return !data_.stays_of_person(p).empty(); }
    template <class F>
    void for_each_stay_of(person_index p, F&& f) const {
        for (const std::uint32_t row : data_.checked_stays_of_person(p))
            f(std::size_t{row});
    }
    place_index place_of(std::size_t row) const { return data_.place_of(row); }
    const stay_columns& stays_at(place_index x) const { return data_.stays_at(x); }
    std::string_view person_id(person_index p) const { return persons_[p]; }
    std::string_view place_id(place_index x) const { return data_.place_id(x); }
    const indexed_person_ids& person_ids() const noexcept { return persons_; }

private:
    const indexed_snapshot& data_;
    const indexed_person_ids& persons_;
};

static_assert(stay_source<mapped_source>);

} // namespace

trace_result trace(const indexed_snapshot& data, const indexed_person_ids& persons,
                   std::span<const index_case> cases, const trace_parameters& parameters,
                   const event_observer& observer) {
    detail::check_trace_parameters(parameters);
    mapped_source source(data, persons);
    return detail::tracer<mapped_source>(source, parameters, observer).run(cases);
}

namespace {

/// The stays of a store's partitions, read as the trace reaches them.
class stored_source {
public:
    stored_source(const stored_window& data, const indexed_person_ids& persons)
        : data_(data), persons_(persons) {}

    std::size_t person_count() const noexcept { return persons_.size(); }
    bool has_stays(person_index p) const {
        for (std::size_t k = 0; k < data_.partition_count(); ++k) {
            const indexed_snapshot& part = data_.partition(k);
            if (p >= part.person_count()) continue;
            for (const std::uint32_t row : part.checked_stays_of_person(p))
                if (data_.in_force(k, row)) return true;
        }
        return false;
    }
    template <class F>
    void for_each_contact(person_index q, time_point from, time_point to,
                          const detail::contact_rules& rules, F&& f) const {
        for (std::size_t k = 0; k < data_.partition_count(); ++k) {
            const indexed_snapshot& own_part = data_.partition(k);
            if (q >= own_part.person_count()) continue;
            for (const std::uint32_t own : own_part.checked_stays_of_person(q)) {
                if (!data_.in_force(k, own)) continue;
                const stay_columns& own_stays = own_part.stays();
                const std::optional<detail::presence> presence = detail::source_presence(
                    own_stays.place[own], own_stays.start[own], own_stays.end[own], from, to,
                    rules.place_min_overlap, rules.min_overlap, rules.linger);
                if (!presence) continue;
                meet(*presence, f);
            }
        }
    }
    std::string_view person_id(person_index p) const { return persons_[p]; }
    std::string_view place_id(place_index x) const { return data_.ids().place_id(x); }
    const indexed_person_ids& person_ids() const noexcept { return persons_; }

private:
    /// The events of one presence, in every partition whose stays can meet it.
    template <class F>
    void meet(const detail::presence& presence, F& f) const {
        const place_index x = presence.place;
        for (std::size_t j = 0; j < data_.partition_count(); ++j) {
            const stored_partition& entry = data_.partition_entry(j);
            // A stay meeting it ends at least min_overlap after its start
            // and starts at least min_overlap before its footprint ends.
            if (entry.last_end < presence.start + presence.min_overlap ||
                entry.first_start > presence.footprint - presence.min_overlap)
                continue;
            const indexed_snapshot& part = data_.partition(j);
            if (x >= part.place_count()) continue;
            const stay_columns& stays = part.stays_at(x);
            detail::for_each_stay_meeting(stays, presence,
                                          [&](std::size_t row, time_point start, time_point end) {
                                              if (data_.in_force(j, row))
                                                  f(stays.person[row], x, start, end);
                                          });
        }
    }

    const stored_window& data_;
    const indexed_person_ids& persons_;
};

static_assert(partitioned_stay_source<stored_source>);

} // namespace

trace_result trace(const stored_window& data, const indexed_person_ids& persons,
                   std::span<const index_case> cases, const trace_parameters& parameters,
                   const event_observer& observer) {
    detail::check_trace_parameters(parameters);
    stored_source source(data, persons);
    return detail::tracer<stored_source>(source, parameters, observer).run(cases);
}

} // namespace ctrace
