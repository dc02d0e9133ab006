#pragma once
/// \file
/// The bipartite person–place graph.
///
/// Vertices `0 .. P-1` are persons and `P .. P+L-1` are places. Each stay is
/// one edge from its person to its place, carrying the stay's row in the
/// `stay_table`; a person's out-edges are its stays, in (place, start) order.
/// Stored as a Boost compressed-sparse-row graph: 4 bytes per vertex plus 8
/// per stay. Also the person × place incidence matrix, the graph's
/// projection that snapshots store.

#include "ctrace/core/types.hpp"
#include "ctrace/model/stays.hpp"

#include <boost/graph/compressed_sparse_row_graph.hpp>
#include <cstdint>
#include <vector>

namespace ctrace {

/// The edge bundle: the row of the stay in its `stay_table`.
struct stay_edge {
    std::uint32_t stay = 0;
};

using person_place_csr =
    boost::compressed_sparse_row_graph<boost::directedS, boost::no_property, stay_edge,
                                       boost::no_property, std::uint32_t, std::uint32_t>;

struct person_place_graph {
    person_place_csr csr;
    std::size_t person_count = 0;
    std::size_t place_count = 0;

    std::uint32_t person_vertex(person_index p) const noexcept { return p; }
    std::uint32_t place_vertex(place_index x) const noexcept {
        return static_cast<std::uint32_t>(person_count + x);
    }
};

/// True when person `p` has at least one stay in `graph` (false for a person
/// beyond its person count, such as an index case that never scanned).
bool has_stays(const person_place_graph& graph, person_index p);

/// Builds the graph of `stays`. `person_count` may exceed the persons that
/// have stays (index cases that never scanned). Throws `error` when the
/// vertex or stay count does not fit in 32 bits.
person_place_graph build_person_place_graph(const stay_table& stays, std::size_t person_count);

/// The person × place incidence matrix in CSR form (the projection of the
/// graph that researchers load with scipy): row p lists the places where
/// person p has stays, ascending, with their total stay seconds.
struct incidence_csr {
    std::vector<std::int64_t> indptr;  ///< size persons + 1
    std::vector<std::int32_t> indices; ///< place index
    std::vector<std::int64_t> data;    ///< total stay seconds
};
incidence_csr person_place_incidence(const stay_table& stays, std::size_t person_count);

} // namespace ctrace
