#pragma once
// Pieces shared by the subcommands: option parsing helpers, the error-to-exit
// status mapping and stderr reporting.

#include "ctrace/atomic_file.hpp"
#include "ctrace/error.hpp"
#include "ctrace/graph.hpp"
#include "ctrace/ingest.hpp"
#include "ctrace/pseudonym.hpp"
#include "ctrace/snapshot.hpp"
#include "ctrace/time.hpp"
#include "ctrace/trace.hpp"

#include <boost/program_options.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace ctrace::cli {

namespace po = boost::program_options;

/// Exit statuses (documented in `ctrace help`).
inline constexpr int exit_ok = 0;
inline constexpr int exit_internal = 1;
inline constexpr int exit_bad_input = 2;
/// Another job holds the store (EX_TEMPFAIL from sysexits.h: try again later).
inline constexpr int exit_busy = 75;

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
/// The exit status `guarded` gives for `e`.
int exit_status_for(const std::exception& e) noexcept;

/// One JSON object on one line, built field by field (for --log files).
class json_line {
public:
    json_line& add(std::string_view key, std::string_view value);
    json_line& add(std::string_view key, std::int64_t value);
    json_line& add(std::string_view key, std::uint64_t value);
    json_line& add(std::string_view key, double value);
    /// The object with a final newline.
    std::string finish() const { return text_ + "}\n"; }

private:
    void key(std::string_view name);
    std::string text_ = "{";
};

/// Appends `line` to `path` in one write (O_APPEND), so lines of concurrent
/// jobs never interleave. Throws `io_error` naming the file.
void append_line(const std::string& path, const std::string& line);

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

/// "1.23 s".
std::string seconds_text(double seconds);

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

/// The tracing options (--min-overlap --hops --latency --until --quarantine
/// --lookback) and their values.
po::options_description tracing_option_descriptions();
trace_parameters trace_parameters_from(const po::variables_map& vm, utc_offset tz);

/// The --pseudonymize option (for commands without the scan options).
po::options_description pseudonymize_option_description();
/// The key of --pseudonymize, or null without it.
std::shared_ptr<const pseudonymizer> pseudonymizer_from(const po::variables_map& vm);
/// Makes the person ids of `data` (read from a snapshot) match `key`: a
/// snapshot with ids as read is pseudonymised now; one pseudonymised with the
/// same key is left as is; another key is refused. Without a key, a
/// pseudonymised snapshot is used as is, with a warning that case ids must
/// then be pseudonyms too.
void match_pseudonyms(const char* command_name, const std::string& source, snapshot& data,
                      const pseudonymizer* key);

/// The index cases of a trace, read with the tracing options of `vm`.
struct prepared_cases {
    trace_record record; ///< parameters, tz and cases (persons index `case_ids`)
    id_table case_ids;
    /// Case ids are looked up by their pseudonyms under this key (when set).
    std::shared_ptr<const pseudonymizer> pseudonyms;
};
/// Reads the cases file (first, so that a bad one fails in milliseconds).
prepared_cases read_cases_for_trace(const po::variables_map& vm, utc_offset tz,
                                    const std::string& cases_path, bool digest);
/// Points the cases at `data`'s persons (appending those that never scanned)
/// and builds the person-place graph.
person_place_graph attach_cases(snapshot& data, prepared_cases& prepared);
/// `attach_cases`, then (after calling `graph_built`) traces into
/// `prepared.record.result`.
void trace_cases(snapshot& data, prepared_cases& prepared,
                 const std::function<void()>& graph_built = {});
/// Warns on stderr about each of `cases` (those without a stay, as
/// `trace_result::cases_without_stays` lists them): "index case 'ID' has no
/// scans" followed by `rest` (e.g. " in the store; listed without contacts").
void warn_cases_without_stays(const char* command_name, const id_table& persons,
                              std::span<const person_index> cases, std::string_view rest);

/// The --snapshot option: read the stays from a snapshot instead of --scans.
po::options_description snapshot_option_description();

/// The stays a command works on: parsed from --scans, or read from --snapshot.
struct loaded_data {
    ingest_result ingested;
    bool from_snapshot = false;
};
/// Loads them, refusing --scans with --snapshot and the scan-reading options
/// that do not apply to a snapshot. `digests` hashes the inputs (for
/// provenance); a snapshot input is then described in `inputs`.
loaded_data load_data(const char* command_name, const po::variables_map& vm,
                      progress_reporter& progress, bool digests,
                      std::vector<input_file>* inputs = nullptr);
/// Checks that exactly one of --scans and --snapshot is given and that the
/// scan-reading options are not given with --snapshot (before any file is read).
void check_data_options(const po::variables_map& vm);

/// A command's output: a file replaced atomically on commit, or stdout when
/// the path is "-" (written at commit, so a failed run prints nothing).
class staged_output {
public:
    explicit staged_output(const std::string& path);
    std::ostream& stream();
    /// Throws `io_error` when a write failed; nothing is visible yet.
    void close();
    void commit();

private:
    std::optional<atomic_file> file_;
    std::ostringstream buffer_;
};

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
