#include "summary.hpp"

#include <sstream>

namespace ctrace::cli {

std::string summary_line(const trace_summary& summary, const trace_result& result) {
    std::ostringstream hops;
    for (std::size_t h = 0; h < result.persons_per_hop.size(); ++h)
        hops << (h ? ", " : "") << "hop " << h << ": " << result.persons_per_hop[h];
    std::ostringstream line;
    line << summary.command << ": " << summary.data << "; " << result.qualifying_events
         << " contact events; " << result.entries.size() << " listed (" << hops.str() << "); ";
    if (!summary.profile.empty()) line << "profile " << summary.profile << "; ";
    line << summary.written << "; ";
    line << std::fixed;
    line.precision(2);
    line << summary.total_seconds << " s (";
    for (std::size_t k = 0; k < summary.phases.size(); ++k)
        line << (k ? ", " : "") << summary.phases[k].first << ' ' << summary.phases[k].second;
    line << ")\n";
    return line.str();
}

} // namespace ctrace::cli
