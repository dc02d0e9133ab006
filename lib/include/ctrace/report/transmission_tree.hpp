#pragma once
/// \file
/// The transmission tree of a risk listing as GraphML (docs/explain.md), for
/// Gephi, Cytoscape or networkx: who was first exposed by whom.
///
/// One node per listed person, in the order listed, with the keys `id` and
/// `label` (the person id), `hop` (int), `code` and `first_exposure` (empty
/// for index cases); one directed edge from the `via_person` of each person at
/// hop 1 or more to that person, with the keys `place`, `first_exposure`,
/// `last_exposure` and `exposure_seconds` (long). Times are written as the
/// risk list writes them (`YYYY-MM-DDTHH:MM:SS` and `Z` or `±HH:MM`) in the
/// listing's zone. Every node but the index cases has exactly one incoming
/// edge, so the graph is a forest rooted at the index cases. The document is
/// valid XML 1.0 for any ids: a CR in an id is written `&#13;` (read back as
/// CR), and the characters XML 1.0 cannot hold at all (the C0 controls but
/// tab, LF and CR; U+FFFE, U+FFFF) as the text `\xHH` or `\uFFFE`/`\uFFFF`.

#include "ctrace/tracing/explain.hpp"

#include <iosfwd>

namespace ctrace {

/// Writes the tree of `listing`. Throws `input_error` naming the person
/// whose link to its source is broken (as `listing_index::source_of` does;
/// never for a listing made from a trace result) and `output_error` when the
/// stream fails; nothing is written in the first case.
void write_transmission_tree(std::ostream& out, const risk_listing& listing);

} // namespace ctrace
