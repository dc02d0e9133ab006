#pragma once
// The subcommands of `ctrace`: each is a name, a summary, an entry point and
// a help text; `main` dispatches to them and runs each under `guarded`.

#include <boost/program_options/options_description.hpp>
#include <functional>
#include <string>
#include <vector>

namespace ctrace::cli {

struct command {
    const char* name;
    const char* summary;
    std::function<int(const std::vector<std::string>& args)> run;
    std::function<void()> print_help;
    /// Every option it takes: for --config (a key no command takes is a
    /// typo) and for "did you mean".
    std::function<boost::program_options::options_description()> options;
};

/// Every subcommand of `ctrace`, in the order `ctrace help` lists them.
std::vector<command> all_commands();

command gen_command();
command trace_command();
command sources_command();
command explain_command();
command snapshot_command();
command verify_command();
command ingest_command();
command daily_command();
command places_command();
command rank_command();
command clusters_command();
command reveal_command();
command zones_command();
command report_command();

/// Every option of `ctrace trace` (`ctrace-mpi trace` takes the same).
boost::program_options::options_description trace_options();

} // namespace ctrace::cli
