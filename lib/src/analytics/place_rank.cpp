#include "ctrace/analytics/place_rank.hpp"

#include "ctrace/core/error.hpp"
#include "ctrace/io/column_table.hpp"
#include "ctrace/io/csv.hpp"

#include <Eigen/SparseCore>
#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <string>

namespace ctrace {

namespace {

using sparse_index = std::int32_t;

/// The distinct visitors of every place in the window, as sorted columns.
struct visitor_columns {
    std::vector<std::uint64_t> begin; ///< size place_count + 1
    std::vector<person_index> person;
};

bool overlaps_window(time_point start, time_point end, const place_rank_parameters& window) {
    // An empty stay is the instant `start`: treat it as one second long.
    return start < window.to && std::max(end, start + 1) > window.from;
}

visitor_columns visitors_in_window(const stay_table& stays, std::size_t place_count,
                                   const place_rank_parameters& window) {
    visitor_columns columns;
    columns.begin.assign(place_count + 1, 0);
    columns.person.reserve(stays.size());
    const std::size_t places_with_stays = std::min(place_count, stays.place_count());
    for (std::size_t x = 0; x < place_count; ++x) {
        columns.begin[x] = columns.person.size();
        if (x >= places_with_stays) continue;
        const std::size_t first = stays.place_begin[x];
        // Rows of a place are ascending by start: none from `to` on qualifies.
        const auto starts_end =
            stays.start.begin() + static_cast<std::ptrdiff_t>(stays.place_begin[x + 1]);
        const auto last = static_cast<std::size_t>(
            std::lower_bound(stays.start.begin() + static_cast<std::ptrdiff_t>(first), starts_end,
                             window.to) -
            stays.start.begin());
        const std::size_t column_start = columns.person.size();
        for (std::size_t row = first; row < last; ++row)
            if (overlaps_window(stays.start[row], stays.end[row], window))
                columns.person.push_back(stays.person[row]);
        const auto column = columns.person.begin() + static_cast<std::ptrdiff_t>(column_start);
        std::sort(column, columns.person.end());
        columns.person.erase(std::unique(column, columns.person.end()), columns.person.end());
    }
    columns.begin[place_count] = columns.person.size();
    return columns;
}

void check_parameters(const place_rank_parameters& p) {
    if (p.from >= p.to) throw input_error("rank: the window is empty (from is not before to)");
    if (!(p.damping > 0 && p.damping < 1))
        throw input_error("rank: the damping must be between 0 and 1 (exclusive)");
    if (!(p.tolerance > 0)) throw input_error("rank: the tolerance must be positive");
}

} // namespace

place_rank_result rank_places(const stay_table& stays, std::size_t person_count,
                              std::size_t place_count, const place_rank_parameters& parameters) {
    check_parameters(parameters);
    place_rank_result result;
    if (place_count == 0) return result;
    const visitor_columns columns = visitors_in_window(stays, place_count, parameters);
    result.visits = columns.person.size();
    result.visitors.resize(place_count);
    for (std::size_t x = 0; x < place_count; ++x)
        result.visitors[x] = columns.begin[x + 1] - columns.begin[x];

    // Places visited per person; only persons with two or more link places.
    std::vector<std::uint32_t> places_visited(person_count, 0);
    for (const person_index p : columns.person) {
        if (p >= person_count) throw error("rank: person index out of range");
        ++places_visited[p];
    }
    std::vector<sparse_index> row_of(person_count, -1);
    sparse_index linking_persons = 0;
    for (std::size_t p = 0; p < person_count; ++p)
        if (places_visited[p] >= 2) row_of[p] = linking_persons++;

    // B restricted to the linking persons, column-major; C's column sums.
    std::vector<sparse_index> outer(place_count + 1);
    std::vector<sparse_index> inner;
    std::vector<std::int64_t> column_sum(place_count, 0);
    Eigen::VectorXd self_visits(static_cast<Eigen::Index>(place_count));
    for (std::size_t x = 0; x < place_count; ++x) {
        outer[x] = static_cast<sparse_index>(inner.size());
        for (std::uint64_t i = columns.begin[x]; i < columns.begin[x + 1]; ++i) {
            const person_index p = columns.person[i];
            if (row_of[p] < 0) continue;
            inner.push_back(row_of[p]);
            column_sum[x] += places_visited[p] - 1;
        }
        if (inner.size() > static_cast<std::size_t>(std::numeric_limits<sparse_index>::max()))
            throw error("rank: more than 2^31 linking visits in the window");
        self_visits[static_cast<Eigen::Index>(x)] =
            static_cast<double>(inner.size() - static_cast<std::size_t>(outer[x]));
    }
    outer[place_count] = static_cast<sparse_index>(inner.size());
    const std::vector<double> ones(inner.size(), 1.0);
    const Eigen::Map<const Eigen::SparseMatrix<double, Eigen::ColMajor, sparse_index>> b(
        linking_persons, static_cast<sparse_index>(place_count),
        static_cast<sparse_index>(inner.size()), outer.data(), inner.data(), ones.data());

    const auto n = static_cast<Eigen::Index>(place_count);
    const double count = static_cast<double>(place_count);
    const double d = parameters.damping;
    Eigen::VectorXd rank = Eigen::VectorXd::Constant(n, 1.0 / count);
    Eigen::VectorXd weighted(n), next(n);
    Eigen::VectorXd per_person(static_cast<Eigen::Index>(linking_persons));
    for (;;) {
        if (result.iterations == parameters.max_iterations)
            throw error("rank: PageRank did not converge in " +
                        std::to_string(parameters.max_iterations) + " iterations");
        ++result.iterations;
        double dangling = 0;
        for (Eigen::Index x = 0; x < n; ++x) {
            const std::int64_t sum = column_sum[static_cast<std::size_t>(x)];
            if (sum == 0) {
                weighted[x] = 0;
                dangling += rank[x];
            } else {
                weighted[x] = rank[x] / static_cast<double>(sum);
            }
        }
        per_person.noalias() = b * weighted;
        next.noalias() = b.transpose() * per_person;
        next -= self_visits.cwiseProduct(weighted);
        const double base = (1 - d) / count + d * dangling / count;
        next = (next * d).array() + base;
        result.last_change = (next - rank).lpNorm<1>();
        rank.swap(next);
        if (result.last_change < parameters.tolerance) break;
    }
    result.score.assign(rank.data(), rank.data() + n);
    return result;
}

std::vector<place_index> top_places(const place_rank_result& ranking, const id_table& places,
                                    std::size_t n) {
    std::vector<place_index> order(ranking.score.size());
    for (std::size_t x = 0; x < order.size(); ++x)
        order[x] = static_cast<place_index>(x);
    const std::size_t kept = n == 0 ? order.size() : std::min(n, order.size());
    const auto better = [&](place_index a, place_index b) {
        if (ranking.score[a] != ranking.score[b]) return ranking.score[a] > ranking.score[b];
        return places[a] < places[b];
    };
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(kept), order.end(),
                      better);
    order.resize(kept);
    return order;
}

namespace {

/// Writes the header and rows into `out`, a `csv_writer` or a `column_table`.
template <typename Writer>
void write_ranking_rows(Writer& out, const place_rank_result& ranking,
                        std::span<const place_index> order, const id_table& places) {
    out.raw(place_rank_header).end_row();
    std::uint64_t rank = 0;
    for (const place_index x : order) {
        out.field(++rank).field(places[x]).number(ranking.score[x]);
        out.field(ranking.visitors[x]).end_row();
    }
}

} // namespace

void write_place_ranking(std::ostream& out, const place_rank_result& ranking,
                         std::span<const place_index> order, const id_table& places) {
    csv_writer csv(out, "place ranking");
    write_ranking_rows(csv, ranking, order, places);
    csv.finish();
}

void write_place_ranking(column_table& table, const place_rank_result& ranking,
                         std::span<const place_index> order, const id_table& places) {
    write_ranking_rows(table, ranking, order, places);
}

} // namespace ctrace
