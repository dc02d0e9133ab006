#pragma once
// Command-line options shared by the subcommands, and their translation into
// the library's parameter structs.

#include "ctrace/core/time.hpp"
#include "ctrace/io/csv.hpp"
#include "ctrace/io/xlsx.hpp"
#include "ctrace/model/ingest.hpp"
#include "ctrace/model/pseudonym.hpp"
#include "ctrace/model/sites.hpp"
#include "ctrace/tracing/explain.hpp"
#include "ctrace/tracing/trace.hpp"
#include "ctrace/workflow/pipeline.hpp"

#include <boost/program_options.hpp>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ctrace::cli {

namespace po = boost::program_options;

class progress_reporter;

/// Parses `args` against `options`; throws po::error on unknown options etc.
/// With --config FILE, the options in FILE (INI, as Boost.Program_options
/// reads it: `name = value` lines, `#` comments) apply where the command
/// line does not give them.
po::variables_map parse(const std::vector<std::string>& args,
                        const po::options_description& options);

/// The options that say how scan files become stays: meaningless when the
/// stays come from a snapshot. On the command line they are refused there;
/// from --config (which may serve an ingest too) they are skipped.
inline constexpr std::string_view scan_reading_options[] = {
    "places",   "rejects", "scan-columns",   "place-columns",
    "skip-bad", "dwell",   "scans-encoding", "places-encoding"};
/// Whether `name` is one of `scan_reading_options`.
bool is_scan_reading_option(std::string_view name);

/// --help, --config and --verbose, which every command takes.
po::options_description common_option_descriptions();
/// How input files are written: --encoding, and with `scans` --scan-columns
/// and --place-columns. (--case-columns is with the tracing options.)
po::options_description input_format_option_descriptions(bool scans);
/// The --contact-level option, described as `what` does.
po::options_description contact_level_option_description(const char* what);
/// The level of --contact-level (codes without it).
contact_level contact_level_option(const po::variables_map& vm);
/// The form of --format (`explain`; the option has a default).
explanation_format explanation_format_option(const po::variables_map& vm);
/// The layout of --time-format, if given.
std::optional<time_format> time_format_option(const po::variables_map& vm);
/// The encoding of one input: its own option `input_name`
/// (`scans-encoding`, say) when given, else --encoding, else UTF-8.
input_encoding encoding_option(const po::variables_map& vm, const char* input_name = nullptr);
/// --bom, for commands that write CSV.
po::options_description output_format_option_descriptions();
/// The column mapping of option `name` (empty without it), for a file whose
/// columns ctrace names `known`.
column_names column_names_option(const po::variables_map& vm, const char* name,
                                 std::span<const std::string_view> known);
/// The shortest text that reads back as `value` (for defaults in help).
std::string shortest_text(double value);
/// Whether --bom was given (false for commands without it).
bool bom_option(const po::variables_map& vm);
/// --lang, the language of the Excel workbooks' headers (commands with --xlsx).
po::options_description lang_option_description();
/// The language of --lang.
header_language lang_option(const po::variables_map& vm);

/// Parses option values, naming the option in errors.
duration duration_option(const po::variables_map& vm, const char* name);
/// A `D1[,D2,...]` list of durations by hop.
hop_durations hop_durations_option(const po::variables_map& vm, const char* name);
time_point time_option(const po::variables_map& vm, const char* name, utc_offset tz);
utc_offset tz_option(const po::variables_map& vm);

/// The value of a required option; throws `input_error` naming it when absent.
std::string required(const po::variables_map& vm, const char* name);

/// Options that shape how scan files are read: --scans --places --dwell --tz
/// --threads --skip-bad --rejects, and --pseudonymize.
po::options_description ingest_option_descriptions();
/// The tracing options (--min-overlap --linger --hops --latency --quarantine
/// --monitoring --lookback --until --profile --case-columns), with the
/// library's defaults.
po::options_description tracing_option_descriptions();
/// The backward-tracing options (--incubation-min --incubation-max
/// --min-cases, and those of the exposure model and the cases file that
/// apply: --min-overlap --linger --lookback --until --profile --case-columns).
po::options_description sources_option_descriptions();
/// The --pseudonymize option (for commands without the scan options).
po::options_description pseudonymize_option_description();
/// The --snapshot option: read the stays from a snapshot instead of --scans.
po::options_description snapshot_option_description();

trace_parameters trace_parameters_from(const po::variables_map& vm, utc_offset tz);
/// The key of --pseudonymize, or null without it.
std::shared_ptr<const pseudonymizer> pseudonymizer_from(const po::variables_map& vm);

/// Checks that exactly one of --scans and --snapshot is given and that the
/// scan-reading options are not given with --snapshot (before any file is read).
void check_data_options(const po::variables_map& vm);
/// Ingest options from --scans and the reading options, with progress on
/// `progress`; `digests` hashes the inputs (for provenance).
ingest_options ingest_options_from(const po::variables_map& vm, progress_reporter& progress,
                                   bool digests);
/// Where the stays come from: --snapshot, or --scans with the reading options.
/// --threads, checked: 0 (one per core) to 1024.
unsigned threads_option(const po::variables_map& vm);

data_source data_source_from(const po::variables_map& vm, progress_reporter& progress,
                             bool digests);
/// The parameters of the backward-tracing options of `vm` (the profile's
/// where not given).
sources_parameters sources_parameters_from(const po::variables_map& vm);
/// The cases file `cases_path` with the options of `vm` that read it
/// (--lookback --until --profile --case-columns --encoding --time-format
/// --pseudonymize), in zone `tz`; no tracing parameters but `until`.
trace_request case_request_from(const po::variables_map& vm, utc_offset tz,
                                const std::string& cases_path, bool digest);
/// The cases file `cases_path` with the tracing options of `vm`, in zone `tz`.
trace_request trace_request_from(const po::variables_map& vm, utc_offset tz,
                                 const std::string& cases_path, bool digest);

} // namespace ctrace::cli
