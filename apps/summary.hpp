#pragma once
// The summary line a trace prints on stderr, for `ctrace trace` and
// `ctrace-mpi trace` alike.

#include "ctrace/model/trace_result.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ctrace::cli {

/// What the summary line says, besides the result.
struct trace_summary {
    /// "ctrace trace", "ctrace-mpi trace".
    std::string_view command;
    /// The data traced: "N rows read (R rejected), S stays, P persons, X
    /// places, C cases" (after "K ranks; " under MPI).
    std::string data;
    /// The profile the parameters came from; empty when none.
    std::string_view profile;
    /// The outputs written (`written_text`).
    std::string written;
    /// Seconds in all, and by phase in order ("read", "graph", …).
    double total_seconds = 0;
    std::vector<std::pair<std::string_view, double>> phases;
};

/// "COMMAND: DATA; E contact events; L listed (hop 0: …, hop 1: …); profile
/// P; WRITTEN; T s (read …, …)", with a line break.
std::string summary_line(const trace_summary& summary, const trace_result& result);

} // namespace ctrace::cli
