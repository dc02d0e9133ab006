// The `ctrace` executable: dispatches git-style subcommands to the library.

#include "cli_common.hpp"
#include "commands.hpp"
#include "ctrace/atomic_file.hpp"
#include "ctrace/version.hpp"

#include <iostream>
#include <string>
#include <vector>

namespace {

using ctrace::cli::command;

std::vector<command> all_commands() {
    return {ctrace::cli::gen_command(), ctrace::cli::snapshot_command(),
            ctrace::cli::trace_command()};
}

void print_usage(const std::vector<command>& commands) {
    std::cout << "ctrace " << ctrace::version()
              << " - contact tracing on place-code scan logs\n\n"
                 "Usage: ctrace <command> [options]\n"
                 "       ctrace help <command>    options of a command, with defaults\n"
                 "       ctrace --version\n\n"
                 "Commands:\n";
    for (const command& c : commands)
        std::cout << "  " << c.name << std::string(12 - std::string(c.name).size(), ' ')
                  << c.summary << '\n';
    std::cout << "\nExit status: 0 ok, 2 bad input or usage, 1 internal error.\n";
}

} // namespace

int main(int argc, char** argv) {
    ctrace::remove_temporaries_on_signal();
    std::ios::sync_with_stdio(false);
    const std::vector<command> commands = all_commands();
    const std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty()) {
        print_usage(commands);
        return ctrace::cli::exit_bad_input;
    }
    const std::string& first = args[0];
    if (first == "--version" || first == "-V" || first == "version") {
        std::cout << "ctrace " << ctrace::version() << '\n';
        return ctrace::cli::exit_ok;
    }
    if (first == "help" || first == "--help" || first == "-h") {
        if (args.size() < 2) {
            print_usage(commands);
            return ctrace::cli::exit_ok;
        }
        for (const command& c : commands)
            if (args[1] == c.name) {
                c.print_help();
                return ctrace::cli::exit_ok;
            }
        std::cerr << "ctrace: no command '" << args[1] << "' (see 'ctrace help')\n";
        return ctrace::cli::exit_bad_input;
    }
    for (const command& c : commands)
        if (first == c.name) {
            const std::vector<std::string> rest(args.begin() + 1, args.end());
            return ctrace::cli::guarded(c.name, [&] { return c.run(rest); });
        }
    std::cerr << "ctrace: no command '" << first << "' (see 'ctrace help')\n";
    return ctrace::cli::exit_bad_input;
}
