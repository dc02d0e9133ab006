#include "ctrace/analytics/clusters.hpp"

#include "ctrace/io/column_table.hpp"
#include "ctrace/io/csv.hpp"
#include "ctrace/model/trace_result.hpp"

#include <algorithm>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/connected_components.hpp>
#include <limits>
#include <numeric>

namespace ctrace {

namespace {

constexpr std::uint32_t no_entry = std::numeric_limits<std::uint32_t>::max();

/// An edge between two risk-list entries, made at a place.
struct link {
    std::uint32_t a;
    std::uint32_t b;
    place_index place;
    auto operator<=>(const link&) const = default;
};

using link_graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS>;

} // namespace

cluster_result find_clusters(const stay_table& stays, const person_place_graph& graph,
                             const id_table& persons, const id_table& places,
                             std::span<const index_case> cases,
                             const trace_parameters& parameters) {
    cluster_result result;
    // Persons are numbered as entries only after the trace, so record pairs
    // of persons first.
    std::vector<link> links;
    result.trace = trace(
        stays, graph, persons, places, cases, parameters, [&links](const qualifying_event& e) {
            links.push_back({std::min(e.target, e.source), std::max(e.target, e.source), e.place});
        });
    const std::vector<risk_entry>& entries = result.trace.entries;
    std::vector<std::uint32_t> entry_of(persons.size(), no_entry);
    for (std::size_t i = 0; i < entries.size(); ++i)
        entry_of[entries[i].person] = static_cast<std::uint32_t>(i);
    for (link& l : links) {
        // Both ends of a qualifying event are listed: the target got a hop,
        // the source had one to be a source.
        l.a = entry_of[l.a];
        l.b = entry_of[l.b];
    }
    std::sort(links.begin(), links.end());
    links.erase(std::unique(links.begin(), links.end()), links.end());

    link_graph g(entries.size());
    for (std::size_t i = 0; i < links.size(); ++i)
        if (i == 0 || links[i].a != links[i - 1].a || links[i].b != links[i - 1].b)
            boost::add_edge(links[i].a, links[i].b, g);
    std::vector<std::uint32_t> component(entries.size());
    const auto components = static_cast<std::size_t>(boost::connected_components(
        g,
        boost::make_iterator_property_map(component.begin(), boost::get(boost::vertex_index, g))));

    // Number the components: size descending, then the first entry in
    // risk-list order (index cases come first, by id).
    std::vector<std::uint64_t> size(components, 0);
    std::vector<std::uint32_t> first_entry(components, no_entry);
    for (std::size_t i = 0; i < entries.size(); ++i) {
        ++size[component[i]];
        first_entry[component[i]] =
            std::min(first_entry[component[i]], static_cast<std::uint32_t>(i));
    }
    std::vector<std::uint32_t> order(components);
    std::iota(order.begin(), order.end(), 0u);
    std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
        return size[a] != size[b] ? size[a] > size[b] : first_entry[a] < first_entry[b];
    });
    std::vector<std::uint32_t> id_of(components);
    result.clusters.resize(components);
    for (std::uint32_t k = 0; k < components; ++k) {
        id_of[order[k]] = k + 1;
        result.clusters[k].id = k + 1;
        result.clusters[k].size = size[order[k]];
    }
    result.cluster_of.resize(entries.size());
    for (std::size_t i = 0; i < entries.size(); ++i) {
        result.cluster_of[i] = id_of[component[i]];
        if (entries[i].hop == 0)
            result.clusters[result.cluster_of[i] - 1].index_cases.push_back(entries[i].person);
    }
    for (const link& l : links)
        result.clusters[result.cluster_of[l.a] - 1].places.push_back(l.place);
    for (cluster_summary& c : result.clusters) {
        std::sort(c.index_cases.begin(), c.index_cases.end(),
                  [&persons](person_index a, person_index b) { return persons[a] < persons[b]; });
        std::sort(c.places.begin(), c.places.end());
        c.places.erase(std::unique(c.places.begin(), c.places.end()), c.places.end());
        std::sort(c.places.begin(), c.places.end(),
                  [&places](place_index a, place_index b) { return places[a] < places[b]; });
    }
    return result;
}

namespace {

/// Writes the header and rows into `csv`, a `csv_writer` or a `column_table`.
template <typename Writer>
void write_cluster_rows(Writer& csv, const cluster_result& result, const id_table& persons) {
    const std::vector<risk_entry>& entries = result.trace.entries;
    std::vector<std::uint32_t> order(entries.size());
    std::iota(order.begin(), order.end(), 0u);
    std::stable_sort(order.begin(), order.end(), [&result](std::uint32_t a, std::uint32_t b) {
        return result.cluster_of[a] < result.cluster_of[b];
    });
    csv.raw(clusters_header).end_row();
    for (const std::uint32_t i : order) {
        csv.field(persons[entries[i].person]).field(result.cluster_of[i]);
        csv.field(entries[i].hop).raw(health_code(entries[i].hop)).end_row();
    }
}
template <typename Index>
std::string joined_ids(const std::vector<Index>& indices, const id_table& ids) {
    std::string text;
    for (const Index i : indices) {
        if (!text.empty()) text.push_back(';');
        text.append(ids[i]);
    }
    return text;
}

/// Writes the header and rows into `csv`, a `csv_writer` or a `column_table`.
template <typename Writer>
void write_summary_rows(Writer& csv, const cluster_result& result, const id_table& persons,
                        const id_table& places) {
    csv.raw(cluster_summary_header).end_row();
    for (const cluster_summary& c : result.clusters) {
        csv.field(c.id).field(c.size).field(std::uint64_t{c.index_cases.size()});
        csv.raw(c.links_outbreaks() ? "yes" : "no").field(std::uint64_t{c.places.size()});
        csv.field(joined_ids(c.index_cases, persons)).field(joined_ids(c.places, places));
        csv.end_row();
    }
}

} // namespace

void write_clusters(std::ostream& out, const cluster_result& result, const id_table& persons) {
    csv_writer csv(out, "clusters");
    write_cluster_rows(csv, result, persons);
    csv.finish();
}

void write_clusters(column_table& table, const cluster_result& result, const id_table& persons) {
    write_cluster_rows(table, result, persons);
}

void write_cluster_summary(std::ostream& out, const cluster_result& result, const id_table& persons,
                           const id_table& places) {
    csv_writer csv(out, "cluster summary");
    write_summary_rows(csv, result, persons, places);
    csv.finish();
}

void write_cluster_summary(column_table& table, const cluster_result& result,
                           const id_table& persons, const id_table& places) {
    write_summary_rows(table, result, persons, places);
}

} // namespace ctrace
