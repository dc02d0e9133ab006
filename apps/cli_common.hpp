#pragma once
// Pieces shared by the subcommands: option parsing helpers, the error-to-exit
// status mapping and stderr reporting.

#include "ctrace/time.hpp"

#include <boost/program_options.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace ctrace::cli {

namespace po = boost::program_options;

/// Exit statuses (documented in `ctrace help`).
inline constexpr int exit_ok = 0;
inline constexpr int exit_internal = 1;
inline constexpr int exit_bad_input = 2;

/// A subcommand: its name, one-line summary, usage line, and entry point.
struct command {
    const char* name;
    const char* summary;
    std::function<int(const std::vector<std::string>& args)> run;
    std::function<void()> print_help;
};

/// Runs `body`, turning exceptions into messages on stderr and exit statuses.
int guarded(const char* command_name, const std::function<int()>& body);

/// Parses `args` against `options`; throws po::error on unknown options etc.
po::variables_map parse(const std::vector<std::string>& args,
                        const po::options_description& options);

/// Parses option values, naming the option in errors.
duration duration_option(const po::variables_map& vm, const char* name);
time_point time_option(const po::variables_map& vm, const char* name, utc_offset tz);
utc_offset tz_option(const po::variables_map& vm);

/// Wall-clock seconds since construction.
class stopwatch {
public:
    double seconds() const {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    }

private:
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

/// Progress lines on stderr, only when stderr is a terminal (batch logs stay clean).
class progress_reporter {
public:
    progress_reporter(const char* command_name, bool quiet);
    void bytes(const char* what, std::uint64_t done, std::uint64_t total);
    void done();

private:
    const char* command_name_;
    bool enabled_;
    bool dirty_ = false;
};

/// Size of a file in bytes, or 0 when unknown.
std::uint64_t file_size_or_zero(const std::string& path);

} // namespace ctrace::cli
