#pragma once
/// \file
/// What a source of stays must give a read that touches only part of the
/// data (a trace reaches a few persons and places of millions). Three
/// questions, each answered without reading the rest:
///
/// - **these ids**: the id of a person or place index (`person_id`,
///   `place_id`; `person_ids()[p]` for tables that know more, such as each
///   id's rank in byte order);
/// - **the stays of these persons**: whether a person has any stay
///   (`has_stays`) and each of their stay rows (`for_each_stay_of(p, f)`
///   calls `f(row)`, in (place, start) order), with the place of a row
///   (`place_of`);
/// - **the stays at these places**: the stay columns (`person`, `place`,
///   `start`, `end`, `place_begin`, `place_longest`, each indexable by row),
///   with place `x`'s rows readable (`stays_at(x)`).
///
/// Stays in memory with their person–place graph (tracing/trace.cpp) and a
/// snapshot read in place (`storage/indexed_snapshot.hpp`) are such sources.
/// A store (`storage/stored_window.hpp`), whose stays are split across
/// partitions, answers the first two, and the third as "the stays that can
/// meet this presence" across its partitions (tracing/tracer.hpp).
/// Times are epoch seconds; a stay is the half-open interval `[start, end)`.

#include "ctrace/core/types.hpp"

#include <concepts>
#include <cstddef>
#include <string_view>

namespace ctrace {

/// Gives the ids of person and place indices.
template <class S>
concept stay_ids = requires(const S& s, person_index p, place_index x) {
    { s.person_count() } -> std::convertible_to<std::size_t>;
    { s.person_id(p) } -> std::convertible_to<std::string_view>;
    { s.place_id(x) } -> std::convertible_to<std::string_view>;
    { s.person_ids()[p] } -> std::convertible_to<std::string_view>;
};

/// Gives the stays of a person.
template <class S>
concept stays_by_person = stay_ids<S> && requires(const S& s, person_index p, std::size_t row) {
    { s.has_stays(p) } -> std::convertible_to<bool>;
    s.for_each_stay_of(p, [](std::size_t) {});
    { s.place_of(row) } -> std::convertible_to<place_index>;
};

/// Gives the stays at a place.
template <class S>
concept stays_by_place = requires(const S& s, place_index x, std::size_t row) {
    { s.stays_at(x).person[row] } -> std::convertible_to<person_index>;
    { s.stays_at(x).place[row] } -> std::convertible_to<place_index>;
    { s.stays_at(x).start[row] } -> std::convertible_to<time_point>;
    { s.stays_at(x).end[row] } -> std::convertible_to<time_point>;
};

/// One table of stays, read by person and by place.
template <class S>
concept stay_source = stays_by_person<S> && stays_by_place<S>;

} // namespace ctrace
