// The `ctrace` executable: dispatches git-style subcommands to the library.

#include "commands.hpp"
#include "ctrace/core/atomic_file.hpp"
#include "ctrace/core/time.hpp"
#include "ctrace/core/version.hpp"
#include "ctrace/tracing/profiles.hpp"
#include "exit_status.hpp"
#include "suggestions.hpp"

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

using ctrace::cli::all_commands;
using ctrace::cli::command;

void print_usage(const std::vector<command>& commands) {
    std::cout << "ctrace " << ctrace::version()
              << " - contact tracing on place-code scan logs\n\n"
                 "Usage: ctrace <command> [options]\n"
                 "       ctrace help <command>    options of a command, with defaults\n"
                 "       ctrace help profiles     the protocol profiles of --profile\n"
                 "       ctrace --version\n\n"
                 "Commands:\n";
    for (const command& c : commands)
        std::cout << "  " << c.name << std::string(12 - std::string(c.name).size(), ' ')
                  << c.summary << '\n';
    std::cout << "\nExit status: 0 ok, 2 bad input or usage, 74 an output could not be written\n"
                 "(disk full, permission, I/O error), 1 internal error; ingest and daily: 75\n"
                 "when another job holds the store.\n";
}

void print_profiles() {
    std::cout << "Protocol profiles (--profile NAME): defaults of a published protocol; "
                 "options given\nexplicitly win.\n\n";
    for (const ctrace::protocol_profile& p : ctrace::protocol_profiles()) {
        std::cout << p.name << ": --lookback " << ctrace::format_duration(p.lookback)
                  << " --quarantine ";
        const auto list = [](const ctrace::hop_durations& d) {
            std::string text;
            for (const ctrace::duration v : d.by_hop()) {
                if (!text.empty()) text.push_back(',');
                text.append(ctrace::format_duration(v));
            }
            return text;
        };
        std::cout << list(p.quarantine) << " --monitoring "
                  << (p.monitoring ? list(*p.monitoring) : std::string("(none)"))
                  << " --min-overlap " << ctrace::format_duration(p.min_overlap) << " --linger "
                  << ctrace::format_duration(p.linger) << " --hops " << p.hops << "\n  " << p.basis
                  << "\n\n";
    }
}

/// The commands' names, with the other topics of `ctrace help` when `help`.
std::vector<std::string> command_names(const std::vector<command>& commands, bool help) {
    std::vector<std::string> names;
    for (const command& c : commands)
        names.emplace_back(c.name);
    if (help) names.emplace_back("profiles");
    return names;
}

} // namespace

namespace {

/// Large arrays (visits, stays, the graph) fault in page by page, and on
/// virtual machines each fault is expensive. glibc backs large allocations
/// with transparent huge pages when `glibc.malloc.hugetlb=1` is among its
/// tunables, which are read only at process start: so ctrace re-executes
/// itself once with it set. CTRACE_NO_HUGEPAGES=1 turns this off.
void reexec_with_huge_pages(char** argv) {
    constexpr const char* tunable = "glibc.malloc.hugetlb=1";
    if (std::getenv("CTRACE_NO_HUGEPAGES") != nullptr) return;
    const char* current = std::getenv("GLIBC_TUNABLES");
    if (current != nullptr && std::strstr(current, "glibc.malloc.hugetlb") != nullptr) return;
    const std::string value =
        current == nullptr || *current == '\0' ? tunable : std::string(current) + ":" + tunable;
    if (::setenv("GLIBC_TUNABLES", value.c_str(), 1) != 0) return;
    ::execv("/proc/self/exe", argv);
    ::unsetenv("GLIBC_TUNABLES"); // exec failed: carry on without
    if (current != nullptr) ::setenv("GLIBC_TUNABLES", current, 1);
}

} // namespace

int main(int argc, char** argv) {
    reexec_with_huge_pages(argv);
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
        if (args[1] == "profiles") {
            print_profiles();
            return ctrace::cli::exit_ok;
        }
        std::cerr << "ctrace: no command '" << args[1] << "'"
                  << ctrace::cli::did_you_mean(args[1], command_names(commands, true))
                  << " (see 'ctrace help')\n";
        return ctrace::cli::exit_bad_input;
    }
    for (const command& c : commands)
        if (first == c.name) {
            const std::vector<std::string> rest(args.begin() + 1, args.end());
            return ctrace::cli::guarded(c.name, [&] { return c.run(rest); });
        }
    std::cerr << "ctrace: no command '" << first << "'"
              << ctrace::cli::did_you_mean(first, command_names(commands, false))
              << " (see 'ctrace help')\n";
    return ctrace::cli::exit_bad_input;
}
