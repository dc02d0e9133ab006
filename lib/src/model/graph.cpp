#include "ctrace/model/graph.hpp"

#include "core/radix_sort.hpp"
#include "ctrace/core/error.hpp"
#include "model/stay_order.hpp"

#include <limits>
#include <utility>

namespace ctrace {

person_place_graph build_person_place_graph(const stay_table& stays, std::size_t person_count) {
    constexpr std::size_t limit = std::numeric_limits<std::uint32_t>::max();
    const std::size_t place_count = stays.place_count();
    if (person_count + place_count >= limit || stays.size() >= limit)
        throw error("person-place graph: more than 2^32 vertices or stays");

    // Edges in person order, each carrying its stay's row; built in place:
    // Boost keeps these vectors (sources are already sorted, so its in-place
    // histogram sort moves nothing) instead of copying them.
    std::vector<stay_edge> properties(stays.size());
    const std::vector<std::uint32_t> person_begin = detail::scatter_stays_by_person(
        stays, person_count, [&](std::uint32_t k, std::uint32_t row) { properties[k].stay = row; });
    std::vector<std::uint32_t> sources(stays.size()), targets(stays.size());
    // Each stay's place is a random read (rows are in place order, edges in
    // person order): prefetched a few edges ahead, on every core.
    constexpr std::size_t prefetch_distance = 16;
    const std::size_t n = stays.size();
    const unsigned threads = n >= (std::size_t{1} << 20) ? detail::hardware_threads() : 1;
    detail::run_on_threads(threads, [&](unsigned t) {
        // Slices start at a person's first edge.
        const std::size_t first_person = person_count * t / threads;
        const std::size_t last_person = person_count * (t + 1) / threads;
        const std::size_t end = person_begin[last_person];
        for (std::size_t p = first_person; p < last_person; ++p)
            for (std::size_t k = person_begin[p]; k < person_begin[p + 1]; ++k) {
                if (k + prefetch_distance < end)
                    __builtin_prefetch(&stays.place[properties[k + prefetch_distance].stay]);
                sources[k] = static_cast<std::uint32_t>(p);
                targets[k] =
                    static_cast<std::uint32_t>(person_count + stays.place[properties[k].stay]);
            }
    });
    person_place_graph graph{
        person_place_csr(boost::construct_inplace_from_sources_and_targets, sources, targets,
                         properties, static_cast<std::uint32_t>(person_count + place_count)),
        person_count, place_count};
    return graph;
}

bool has_stays(const person_place_graph& graph, person_index p) {
    return p < graph.person_count && boost::out_degree(graph.person_vertex(p), graph.csr) > 0;
}

incidence_csr person_place_incidence(const stay_table& stays, std::size_t person_count) {
    // Rows by person keep each person's places ascending, equal places
    // adjacent. Two passes over persons on every core: count each person's
    // places, then fill them in; a stay's columns are random reads,
    // prefetched some rows ahead.
    std::vector<std::uint32_t> rows(stays.size());
    const std::vector<std::uint32_t> begin = detail::scatter_stays_by_person(
        stays, person_count, [&](std::uint32_t k, std::uint32_t row) { rows[k] = row; });
    incidence_csr csr;
    csr.indptr.assign(person_count + 1, 0);
    const unsigned threads =
        stays.size() >= (std::size_t{1} << 20) ? detail::hardware_threads() : 1;
    auto person_range = [&](unsigned t) {
        return std::pair{person_count * t / threads, person_count * (t + 1) / threads};
    };
    constexpr std::size_t ahead = 16;
    auto prefetch = [&](std::size_t k, std::size_t end) {
        if (k + ahead < end) {
            __builtin_prefetch(&stays.place[rows[k + ahead]]);
            __builtin_prefetch(&stays.start[rows[k + ahead]]);
            __builtin_prefetch(&stays.end[rows[k + ahead]]);
        }
    };
    detail::run_on_threads(threads, [&](unsigned t) {
        const auto [first, last] = person_range(t);
        const std::size_t end = begin[last];
        for (std::size_t p = first; p < last; ++p) {
            std::int64_t places = 0;
            for (std::size_t k = begin[p]; k < begin[p + 1]; ++k) {
                prefetch(k, end);
                places += k == begin[p] || stays.place[rows[k]] != stays.place[rows[k - 1]];
            }
            csr.indptr[p + 1] = places;
        }
    });
    for (std::size_t p = 0; p < person_count; ++p)
        csr.indptr[p + 1] += csr.indptr[p];
    csr.indices.resize(static_cast<std::size_t>(csr.indptr[person_count]));
    csr.data.resize(csr.indices.size());
    detail::run_on_threads(threads, [&](unsigned t) {
        const auto [first, last] = person_range(t);
        const std::size_t end = begin[last];
        for (std::size_t p = first; p < last; ++p) {
            auto at = static_cast<std::size_t>(csr.indptr[p]);
            for (std::size_t k = begin[p]; k < begin[p + 1]; ++k) {
                prefetch(k, end);
                const std::uint32_t row = rows[k];
                const std::int64_t seconds = stays.end[row] - stays.start[row];
                if (k > begin[p] && stays.place[row] == stays.place[rows[k - 1]]) {
                    csr.data[at - 1] += seconds;
                } else {
                    csr.indices[at] = static_cast<std::int32_t>(stays.place[row]);
                    csr.data[at] = seconds;
                    ++at;
                }
            }
        }
    });
    return csr;
}

} // namespace ctrace
