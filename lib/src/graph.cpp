#include "ctrace/graph.hpp"

#include "consumed_memory.hpp"
#include "ctrace/error.hpp"
#include "radix_sort.hpp"
#include "stay_order.hpp"

#include <limits>
#include <utility>

namespace ctrace {

person_place_graph build_person_place_graph(const stay_table& stays, std::size_t person_count) {
    constexpr std::size_t limit = std::numeric_limits<std::uint32_t>::max();
    const std::size_t place_count = stays.place_count();
    if (person_count + place_count >= limit || stays.size() >= limit)
        throw error("person-place graph: more than 2^32 vertices or stays");

    std::vector<std::uint64_t> keys = detail::person_sorted_stay_keys(stays, person_count);
    // Built in place: Boost keeps these vectors (sources are already sorted,
    // so its in-place histogram sort moves nothing) instead of copying them.
    std::vector<std::uint32_t> sources(keys.size()), targets(keys.size());
    std::vector<stay_edge> properties(keys.size());
    // Each stay's place is a random read (rows are in place order, edges in
    // person order): prefetched a few edges ahead, on every core.
    constexpr std::size_t prefetch_distance = 16;
    const std::size_t n = keys.size();
    const unsigned threads = n >= (std::size_t{1} << 20) ? detail::hardware_threads() : 1;
    detail::run_on_threads(threads, [&](unsigned t) {
        const std::size_t begin = n * t / threads, end = n * (t + 1) / threads;
        detail::consumed_prefix<std::uint64_t> consumed(keys.data() + begin, end - begin);
        for (std::size_t k = begin; k < end; ++k) {
            if (k + prefetch_distance < end)
                __builtin_prefetch(
                    &stays.place[static_cast<std::uint32_t>(keys[k + prefetch_distance])]);
            const auto row = static_cast<std::uint32_t>(keys[k]);
            sources[k] = static_cast<std::uint32_t>(keys[k] >> 32);
            targets[k] = static_cast<std::uint32_t>(person_count + stays.place[row]);
            properties[k].stay = row;
            consumed.advance(k - begin + 1);
        }
    });
    keys = {};
    person_place_graph graph{
        person_place_csr(boost::construct_inplace_from_sources_and_targets, sources, targets,
                         properties, static_cast<std::uint32_t>(person_count + place_count)),
        person_count, place_count};
    return graph;
}

bool has_stays(const person_place_graph& graph, person_index p) {
    return p < graph.person_count && boost::out_degree(graph.person_vertex(p), graph.csr) > 0;
}

} // namespace ctrace
