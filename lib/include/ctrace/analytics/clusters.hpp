#pragma once
/// \file
/// Transmission clusters: which listed persons are linked by qualifying
/// contact events (`ctrace clusters`).
///
/// The vertices are the persons of the risk list (the trace of `cases` with
/// the given parameters); every event that qualified for a person at any
/// layer up to `hops` joins it to the event's source. The clusters are the
/// connected components. Every cluster holds at least one index case (each
/// listed person's chain of first exposures ends at one); a cluster with two
/// or more index cases links outbreaks that were traced separately.
///
/// Clusters are numbered from 1 by size descending, then by their
/// byte-wise smallest index case id.

#include "ctrace/core/id_table.hpp"
#include "ctrace/io/cases.hpp"
#include "ctrace/model/graph.hpp"
#include "ctrace/model/stays.hpp"
#include "ctrace/tracing/trace.hpp"

#include <cstdint>
#include <iosfwd>
#include <span>
#include <string_view>
#include <vector>

namespace ctrace {

struct cluster_summary {
    std::uint32_t id = 0;
    /// Listed persons in the cluster, index cases included.
    std::uint64_t size = 0;
    /// Its index cases, by id byte-wise.
    std::vector<person_index> index_cases;
    /// The places of the events that join it, by id byte-wise.
    std::vector<place_index> places;

    bool links_outbreaks() const noexcept { return index_cases.size() >= 2; }
};

struct cluster_result {
    /// The trace the clusters were found in.
    trace_result trace;
    /// Cluster id of each risk-list entry (`trace.entries[i]` is in
    /// `cluster_of[i]`).
    std::vector<std::uint32_t> cluster_of;
    /// `clusters[k]` has id k + 1.
    std::vector<cluster_summary> clusters;
};

/// Traces `cases` and splits the risk list into clusters. Throws like `trace`.
cluster_result find_clusters(const stay_table& stays, const person_place_graph& graph,
                             const id_table& persons, const id_table& places,
                             std::span<const index_case> cases, const trace_parameters& parameters);

inline constexpr std::string_view clusters_header = "person,cluster,hop,code";
inline constexpr std::string_view cluster_summary_header =
    "cluster,size,index_cases,linked,places,index_case_ids,place_ids";

/// One row per listed person, by cluster then in risk-list order.
void write_clusters(std::ostream& out, const cluster_result& result, const id_table& persons);

/// One row per cluster: `linked` is `yes` when it holds two or more index
/// cases; `index_case_ids` and `place_ids` are the ids joined with `;`.
void write_cluster_summary(std::ostream& out, const cluster_result& result, const id_table& persons,
                           const id_table& places);

class column_table;

/// The same rows into `table` (column_table.hpp).
void write_clusters(column_table& table, const cluster_result& result, const id_table& persons);
void write_cluster_summary(column_table& table, const cluster_result& result,
                           const id_table& persons, const id_table& places);

} // namespace ctrace
