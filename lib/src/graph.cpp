#include "ctrace/graph.hpp"

#include "ctrace/error.hpp"
#include "radix_sort.hpp"

#include <limits>
#include <utility>

namespace ctrace {

person_place_graph build_person_place_graph(const stay_table& stays, std::size_t person_count) {
    constexpr std::size_t limit = std::numeric_limits<std::uint32_t>::max();
    const std::size_t place_count = stays.place_count();
    if (person_count + place_count >= limit || stays.size() >= limit)
        throw error("person-place graph: more than 2^32 vertices or stays");

    // Order the stay rows by person: (person << 32 | row), radix-sorted on
    // the person bits; the rows of one person stay in place order.
    std::vector<std::uint64_t> keys(stays.size());
    for (std::size_t i = 0; i < stays.size(); ++i) {
        if (stays.person[i] >= person_count)
            throw error("person-place graph: person index out of range");
        keys[i] = (std::uint64_t{stays.person[i]} << 32) | i;
    }
    {
        std::vector<std::uint64_t> scratch;
        detail::radix_sort_bits(keys, scratch, 32, detail::bits_for(person_count));
    }
    std::vector<std::pair<std::uint32_t, std::uint32_t>> edges(keys.size());
    std::vector<stay_edge> properties(keys.size());
    for (std::size_t k = 0; k < keys.size(); ++k) {
        const auto row = static_cast<std::uint32_t>(keys[k]);
        edges[k] = {static_cast<std::uint32_t>(keys[k] >> 32),
                    static_cast<std::uint32_t>(person_count + stays.place[row])};
        properties[k].stay = row;
    }
    keys = {};
    person_place_graph graph{
        person_place_csr(boost::edges_are_sorted, edges.begin(), edges.end(), properties.begin(),
                         static_cast<std::uint32_t>(person_count + place_count)),
        person_count, place_count};
    return graph;
}

} // namespace ctrace
