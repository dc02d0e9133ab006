#include "ctrace/transmission_tree.hpp"

#include "ctrace/csv.hpp"

#include <boost/graph/adjacency_list.hpp>
// GCC 12 warns (-Wmaybe-uninitialized) inside Boost's write_graphml, where an
// edge iterator is declared before the loop that assigns it: a false alarm
// in code that is not ours.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <boost/graph/graphml.hpp>
#pragma GCC diagnostic pop
#include <sstream>
#include <string>

namespace ctrace {

namespace {

/// `document` with what XML 1.0 cannot carry as it is made safe. Boost
/// escapes only `& < > " '`, and ids are any UTF-8 but NUL: a CR would be
/// read back as LF, so it becomes `&#13;`; the other C0 controls but tab and
/// LF, and U+FFFE and U+FFFF, cannot be in an XML 1.0 document at all, so
/// they are written as the text `\xHH` and `\uFFFE`/`\uFFFF`. Boost's own
/// markup uses none of these, so only values change.
std::string xml_safe(std::string_view document) {
    std::string out;
    out.reserve(document.size());
    static constexpr char hex[] = "0123456789ABCDEF";
    for (std::size_t i = 0; i < document.size(); ++i) {
        const auto c = static_cast<unsigned char>(document[i]);
        if (c == '\r') {
            out += "&#13;";
        } else if (c < 0x20 && c != '\t' && c != '\n') {
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 0xF];
        } else if (c == 0xEF && document.substr(i, 2) == "\xEF\xBF" && i + 2 < document.size() &&
                   (document[i + 2] == '\xBE' || document[i + 2] == '\xBF')) {
            out += document[i + 2] == '\xBE' ? "\\uFFFE" : "\\uFFFF";
            i += 2;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

} // namespace

namespace {

struct tree_node {
    std::string id;
    std::uint32_t hop = 0;
    std::string code;
    std::string first_exposure;
};

struct tree_edge {
    std::string place;
    std::string first_exposure;
    std::string last_exposure;
    duration exposure_seconds = 0;
};

using tree_graph =
    boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS, tree_node, tree_edge>;

} // namespace

void write_transmission_tree(std::ostream& out, const risk_listing& listing) {
    const listing_index index(listing);
    tree_graph g(listing.rows.size());
    for (std::size_t row = 0; row < listing.rows.size(); ++row) {
        const listed_person& p = listing.rows[row];
        tree_node& node = g[row];
        node.id = p.person;
        node.hop = p.hop;
        node.code = p.code;
        if (p.hop > 0) node.first_exposure = format_time(p.first_exposure, listing.tz);
    }
    for (std::size_t row = 0; row < listing.rows.size(); ++row) {
        const listed_person& p = listing.rows[row];
        if (p.hop == 0) continue;
        tree_edge edge;
        edge.place = p.via_place;
        edge.first_exposure = format_time(p.first_exposure, listing.tz);
        edge.last_exposure = format_time(p.last_exposure, listing.tz);
        edge.exposure_seconds = p.exposure_seconds;
        boost::add_edge(index.source_of(row), row, std::move(edge), g);
    }

    boost::dynamic_properties properties;
    properties.property("id", boost::get(&tree_node::id, g));
    // Gephi and Cytoscape show a node's `label`.
    properties.property("label", boost::get(&tree_node::id, g));
    properties.property("hop", boost::get(&tree_node::hop, g));
    properties.property("code", boost::get(&tree_node::code, g));
    properties.property("first_exposure", boost::get(&tree_node::first_exposure, g));
    properties.property("place", boost::get(&tree_edge::place, g));
    properties.property("first_exposure", boost::get(&tree_edge::first_exposure, g));
    properties.property("last_exposure", boost::get(&tree_edge::last_exposure, g));
    properties.property("exposure_seconds", boost::get(&tree_edge::exposure_seconds, g));
    // Written whole into memory, then out through checked_output, which keeps
    // the system's reason of a failed write.
    std::ostringstream text;
    boost::write_graphml(text, g, properties, true);
    checked_output written(out, "transmission tree");
    written.write(xml_safe(text.view()));
    written.finish();
}

} // namespace ctrace
