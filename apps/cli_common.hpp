#pragma once
// Pieces shared by the subcommands: option parsing helpers, the error-to-exit
// status mapping and stderr reporting.

#include "ctrace/atomic_file.hpp"
#include "ctrace/error.hpp"
#include "ctrace/ingest.hpp"
#include "ctrace/time.hpp"

#include <boost/program_options.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace ctrace::cli {

namespace po = boost::program_options;

/// Exit statuses (documented in `ctrace help`).
inline constexpr int exit_ok = 0;
inline constexpr int exit_internal = 1;
inline constexpr int exit_bad_input = 2;

/// A subcommand: its name, one-line summary, entry point and help. `main`
/// runs the entry point under `guarded`.
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

/// The value of a required option; throws `input_error` naming it when absent.
std::string required(const po::variables_map& vm, const char* name);

/// Options that shape how scan files are read: --scans --places --dwell --tz
/// --skip-bad --rejects. `scans_required` false makes --scans optional (for
/// commands that can read a snapshot instead).
po::options_description ingest_option_descriptions();

/// Builds ingest options from parsed ones, with progress on `progress`.
ingest_options ingest_options_from(const po::variables_map& vm, progress_reporter& progress,
                                   bool digests);

/// Writes rejected rows as CSV `line,reason,raw` into `file`, made for the
/// --rejects path (commit it with the other outputs); nothing without --rejects.
void stage_rejects(const po::variables_map& vm, const std::vector<bad_row>& rejects,
                   std::optional<atomic_file>& file);

/// Says on stderr how many bad rows were skipped, and where they went.
void report_rejects(const char* command_name, const po::variables_map& vm,
                    const std::vector<bad_row>& rejects);

} // namespace ctrace::cli
