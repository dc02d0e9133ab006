#include "ctrace/graph.hpp"

#include "ctrace/error.hpp"

#include <algorithm>
#include <limits>
#include <utility>

namespace ctrace {

person_place_graph build_person_place_graph(const stay_table& stays, std::size_t person_count) {
    constexpr std::size_t limit = std::numeric_limits<std::uint32_t>::max();
    const std::size_t place_count = stays.place_count();
    if (person_count + place_count >= limit || stays.size() >= limit)
        throw error("person-place graph: more than 2^32 vertices or stays");

    // Counting sort of the stay rows by person; rows of one person stay in
    // (place, start) order, then are ordered by start.
    std::vector<std::uint32_t> begin(person_count + 1, 0);
    for (const person_index p : stays.person) {
        if (p >= person_count) throw error("person-place graph: person index out of range");
        ++begin[p + 1];
    }
    for (std::size_t p = 0; p < person_count; ++p)
        begin[p + 1] += begin[p];
    std::vector<std::uint32_t> rows(stays.size());
    {
        std::vector<std::uint32_t> next(begin.begin(), begin.end() - 1);
        for (std::size_t i = 0; i < stays.size(); ++i)
            rows[next[stays.person[i]]++] = static_cast<std::uint32_t>(i);
    }
    for (std::size_t p = 0; p < person_count; ++p)
        std::sort(rows.begin() + begin[p], rows.begin() + begin[p + 1],
                  [&](std::uint32_t a, std::uint32_t b) {
                      return stays.start[a] != stays.start[b] ? stays.start[a] < stays.start[b]
                                                              : stays.place[a] < stays.place[b];
                  });

    std::vector<std::pair<std::uint32_t, std::uint32_t>> edges(rows.size());
    std::vector<stay_edge> properties(rows.size());
    for (std::size_t k = 0; k < rows.size(); ++k) {
        const std::uint32_t row = rows[k];
        edges[k] = {stays.person[row], static_cast<std::uint32_t>(person_count + stays.place[row])};
        properties[k].stay = row;
    }
    rows = {};
    person_place_graph graph{
        person_place_csr(boost::edges_are_sorted, edges.begin(), edges.end(), properties.begin(),
                         static_cast<std::uint32_t>(person_count + place_count)),
        person_count, place_count};
    return graph;
}

} // namespace ctrace
