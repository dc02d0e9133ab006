#pragma once
/// \file
/// Sentinel-site ranking: PageRank of places on the co-visitor graph
/// (`ctrace rank`).
///
/// `B` is the persons × places 0/1 matrix with `B[p, x] = 1` when p has a stay
/// at x that overlaps the window `[from, to)`: `start < to` and `end > from`,
/// an empty stay `[s, s)` counting as the instant s (so it is in the window
/// when `from <= s < to`). `C = BᵀB` with a zero diagonal counts, for two
/// different places, the persons who visited both. Places are scored by
/// PageRank on C with damping d over all L places of the id table (places
/// without visitors in the window included):
///
///     r ← (1 − d)/L + d·(C·(r / colsum) + (Σ r over zero-sum columns)/L)
///
/// from the uniform vector until the L1 change of an iteration is below the
/// tolerance. C is never formed: `C·v = Bᵀ(B v) − diag(BᵀB)·v`, and persons who
/// visited fewer than two places in the window are left out of B (their rows
/// add nothing to C). Column sums of C are exact integers.

#include "ctrace/core/id_table.hpp"
#include "ctrace/core/types.hpp"
#include "ctrace/model/stays.hpp"

#include <cstdint>
#include <iosfwd>
#include <span>
#include <string_view>
#include <vector>

namespace ctrace {

struct place_rank_parameters {
    /// Window start, inclusive (epoch seconds); default: no start.
    time_point from = -time_infinity;
    /// Window end, exclusive (epoch seconds); default: no end.
    time_point to = time_infinity;
    double damping = 0.85;
    /// Stop when the L1 norm of an iteration's change is below this.
    double tolerance = 1e-12;
    /// Give up (throw `error`) after this many iterations.
    std::uint32_t max_iterations = 100000;
};

struct place_rank_result {
    /// PageRank of each place, by place index; sums to 1 (up to rounding).
    std::vector<double> score;
    /// Persons with a stay at the place overlapping the window (column sums of B).
    std::vector<std::uint64_t> visitors;
    std::uint32_t iterations = 0;
    /// L1 change of the last iteration.
    double last_change = 0;
    /// Non-zeros of B: distinct (person, place) visits in the window.
    std::uint64_t visits = 0;
};

/// Ranks the `place_count` places of `stays` (`place_count` may exceed the
/// places that have stays). Throws `input_error` when `from >= to`, the
/// damping is not in (0, 1) or the tolerance is not positive, `error` when it
/// does not converge. With no places the result is empty.
place_rank_result rank_places(const stay_table& stays, std::size_t person_count,
                              std::size_t place_count, const place_rank_parameters& parameters);

/// The `n` best places (all when `n` is 0): score descending, ties by place
/// id byte-wise.
std::vector<place_index> top_places(const place_rank_result& ranking, const id_table& places,
                                    std::size_t n);

inline constexpr std::string_view place_rank_header = "rank,place,score,visitors";

/// Writes `rank,place,score,visitors` for `order` (rank from 1; scores in the
/// shortest form that reads back to the same double). Throws `output_error` when
/// the stream fails.
void write_place_ranking(std::ostream& out, const place_rank_result& ranking,
                         std::span<const place_index> order, const id_table& places);

class column_table;

/// The same rows into `table` (column_table.hpp), scores as numbers.
void write_place_ranking(column_table& table, const place_rank_result& ranking,
                         std::span<const place_index> order, const id_table& places);

} // namespace ctrace
