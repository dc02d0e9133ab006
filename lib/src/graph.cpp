#include "ctrace/graph.hpp"

#include "ctrace/error.hpp"

#include <limits>
#include <utility>

namespace ctrace {

person_place_graph build_person_place_graph(const stay_table& stays, std::size_t person_count) {
    constexpr std::size_t limit = std::numeric_limits<std::uint32_t>::max();
    const std::size_t place_count = stays.place_count();
    if (person_count + place_count >= limit || stays.size() >= limit)
        throw error("person-place graph: more than 2^32 vertices or stays");

    const std::vector<std::uint32_t> rows = stay_rows_by_person(stays, person_count);
    std::vector<std::pair<std::uint32_t, std::uint32_t>> edges(rows.size());
    std::vector<stay_edge> properties(rows.size());
    for (std::size_t k = 0; k < rows.size(); ++k) {
        const std::uint32_t row = rows[k];
        edges[k] = {stays.person[row], static_cast<std::uint32_t>(person_count + stays.place[row])};
        properties[k].stay = row;
    }
    person_place_graph graph{
        person_place_csr(boost::edges_are_sorted, edges.begin(), edges.end(), properties.begin(),
                         static_cast<std::uint32_t>(person_count + place_count)),
        person_count, place_count};
    return graph;
}

} // namespace ctrace
