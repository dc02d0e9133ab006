// The list of subcommands, in one place: `main` dispatches through it, and
// the option parser asks it which names any command knows.

#include "commands.hpp"

namespace ctrace::cli {

std::vector<command> all_commands() {
    return {gen_command(),     snapshot_command(), trace_command(), sources_command(),
            explain_command(), ingest_command(),   daily_command(), places_command(),
            rank_command(),    clusters_command(), zones_command(), report_command(),
            reveal_command(),  verify_command()};
}

} // namespace ctrace::cli
