#include "ctrace/graph.hpp"

#include "consumed_memory.hpp"
#include "ctrace/error.hpp"
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
    std::vector<std::uint32_t> sources, targets;
    std::vector<stay_edge> properties;
    sources.reserve(keys.size());
    targets.reserve(keys.size());
    properties.reserve(keys.size());
    {
        detail::consumed_prefix<std::uint64_t> consumed(keys);
        for (std::size_t k = 0; k < keys.size(); ++k) {
            const auto row = static_cast<std::uint32_t>(keys[k]);
            sources.push_back(static_cast<std::uint32_t>(keys[k] >> 32));
            targets.push_back(static_cast<std::uint32_t>(person_count + stays.place[row]));
            properties.push_back({row});
            consumed.advance(k + 1);
        }
        keys = {};
    }
    person_place_graph graph{
        person_place_csr(boost::construct_inplace_from_sources_and_targets, sources, targets,
                         properties, static_cast<std::uint32_t>(person_count + place_count)),
        person_count, place_count};
    return graph;
}

} // namespace ctrace
