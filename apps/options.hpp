#pragma once
// Command-line options: every option of every command declared once, in the
// option table (options.cpp), from which each command's descriptions (its
// help and its parsing) are made; typed accessors to the parsed values; and
// their translation into the library's parameter structs.

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
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ctrace::cli {

namespace po = boost::program_options;

class progress_reporter;

/// Every option of every command, by the name it is given by (`name_of`):
/// code names an option by its enumerator, never by its name.
enum class opt : std::uint8_t {
    as_of,
    bom,
    case_columns,
    case_days,
    cases,
    cases_encoding,
    checkout_share,
    common_persons,
    common_places,
    companion_window,
    companions,
    config,
    contact_level,
    damping,
    days,
    dwell,
    encoding,
    format,
    from,
    graphml,
    hdf5,
    help,
    hops,
    ids,
    in,
    incubation_max,
    incubation_min,
    key,
    lang,
    latency,
    linger,
    links,
    log,
    lookback,
    max_row_bytes,
    meetings,
    min_cases,
    min_overlap,
    monitoring,
    order,
    out,
    out_dir,
    person,
    persons,
    place_columns,
    places,
    places_encoding,
    places_report,
    profile,
    pseudonymize,
    quarantine,
    quiet,
    rejects,
    report,
    residents,
    retention,
    risk,
    scan_columns,
    scans,
    scans_encoding,
    screening,
    seed,
    skip_bad,
    snapshot,
    start,
    stay_end,
    store,
    summary,
    threads,
    time_format,
    title,
    to,
    top,
    tz,
    until,
    verbose,
    xlsx,
    zone_quiet,
    zones,
};

/// The long name of `option` (min-overlap for `opt::min_overlap`), as
/// given on the command line (after the dashes) and in --config.
const char* name_of(opt option) noexcept;
/// The name of `option` with its dashes, as messages name it: --min-overlap.
std::string flag(opt option);

/// A command (`ctrace NAME`; `ctrace-mpi trace` is `trace`), or a set of
/// them: the commands that take an option.
enum class cmd : std::uint16_t {
    gen = 1U << 0,
    snapshot = 1U << 1,
    trace = 1U << 2,
    sources = 1U << 3,
    explain = 1U << 4,
    ingest = 1U << 5,
    daily = 1U << 6,
    places = 1U << 7,
    rank = 1U << 8,
    clusters = 1U << 9,
    reveal = 1U << 10,
    verify = 1U << 11,
    zones = 1U << 12,
    report = 1U << 13,
};
constexpr cmd operator|(cmd a, cmd b) noexcept {
    return static_cast<cmd>(static_cast<std::uint16_t>(a) | static_cast<std::uint16_t>(b));
}
/// Whether the set `commands` holds `command`.
constexpr bool takes(cmd commands, cmd command) noexcept {
    return (static_cast<std::uint16_t>(commands) & static_cast<std::uint16_t>(command)) != 0;
}

/// Where an option is shown in a command's help: each command groups the
/// sections under captions (`option_group`).
enum class section : std::uint8_t {
    own,           ///< the command's own inputs and outputs
    quiet,         ///< --quiet, after them (or after the job's)
    job,           ///< the store and log of a nightly job
    meetings,      ///< explain --meetings
    city,          ///< what gen generates
    snapshot,      ///< the stays from a snapshot or a store
    scan_data,     ///< how scan files become stays
    contact_level, ///< codes or sites
    input_format,  ///< encodings, time layouts and column names of the inputs
    privacy,       ///< pseudonyms
    tracing,       ///< the exposure model and the cases file
    store,         ///< a store's stays, or how long a store keeps them
    output_format, ///< --bom
    excel,         ///< --lang
    general,       ///< --config --verbose --help
};

/// "(durations: ...; times: ...)", after the caption of the tracing options.
inline constexpr std::string_view durations_and_times =
    "(durations: seconds or NdNhNmNs; times: ISO 8601, YYYY/M/D H:MM, YYYYMMDD[HHMM[SS]], epoch "
    "milliseconds or seconds)";

/// One group of a command's help: a caption over the options of some
/// sections (each in the order of the option table), and the groups within
/// it, shown after them. (Boost.Program_options widens the option column
/// by one for each level of groups within groups.)
struct option_group {
    /// The section under its usual caption.
    option_group(section s);
    option_group(std::string caption, std::initializer_list<section> sections,
                 std::vector<option_group> within = {});
    std::string caption;
    std::vector<section> sections;
    std::vector<option_group> within;
};

/// The options that read scan files, as the commands that read them show
/// them: Scan data, with Contact level, Input format and Privacy within it.
option_group scan_reading_group();

/// The options `command` takes, in `groups`: the description its help prints
/// and its arguments are parsed with. With `headed` the first group is the
/// description itself, whose caption opens the list without a blank line.
po::options_description options_for(cmd command, std::initializer_list<option_group> groups,
                                    bool headed = false);

/// The options `command` takes in `where`, in the order of the table.
std::vector<opt> options_in(cmd command, section where);

/// Parses `args` against `options`; throws po::error on unknown options etc.
/// With --config FILE, the options in FILE (INI, as Boost.Program_options
/// reads it: `name = value` lines, `#` comments) apply where the command
/// line does not give them.
po::variables_map parse(const std::vector<std::string>& args,
                        const po::options_description& options);

/// The options that say how scan files become stays: meaningless when the
/// stays come from a snapshot. On the command line they are refused there;
/// from --config (which may serve an ingest too) they are skipped.
inline constexpr opt scan_reading_options[] = {
    opt::places, opt::rejects,        opt::scan_columns,    opt::place_columns, opt::skip_bad,
    opt::dwell,  opt::scans_encoding, opt::places_encoding, opt::max_row_bytes};
/// Whether `name` is the name of one of `scan_reading_options`.
bool is_scan_reading_option(std::string_view name);

// Typed accessors of the parsed options.

/// Whether `option` has a value: given, or by default.
bool has(const po::variables_map& vm, opt option);
/// Whether `option` was given (on the command line or in --config), not
/// left at its default.
bool given(const po::variables_map& vm, opt option);
/// The value of a text option (it must have one).
const std::string& text_option(const po::variables_map& vm, opt option);
/// The values of an option given again for more.
const std::vector<std::string>& texts_option(const po::variables_map& vm, opt option);
/// The value of an integer option.
std::int64_t integer_option(const po::variables_map& vm, opt option);
/// The value of an integer option within [low, high]; throws `input_error`
/// naming it otherwise.
std::int64_t integer_option(const po::variables_map& vm, opt option, std::int64_t low,
                            std::int64_t high);
/// The value of a real-number option.
double real_option(const po::variables_map& vm, opt option);
/// Whether a switch is on (false for a command without it).
bool flag_option(const po::variables_map& vm, opt option);
/// The value of `option` if it has one of type `T`, else null (daily's
/// --xlsx, a switch, has no path).
template <typename T>
const T* value_if(const po::variables_map& vm, opt option) {
    return boost::any_cast<T>(&vm[name_of(option)].value());
}

/// The level of --contact-level (codes without it).
contact_level contact_level_option(const po::variables_map& vm);
/// --stay-end when given (unset otherwise: a snapshot's own rule applies).
std::optional<stay_end_rule> stay_end_option(const po::variables_map& vm);
/// The form of --format (`explain`; the option has a default).
explanation_format explanation_format_option(const po::variables_map& vm);
/// The layout of --time-format, if given.
std::optional<time_format> time_format_option(const po::variables_map& vm);
/// The encoding of one input: its own option `input` (--scans-encoding, say)
/// when given, else --encoding, else UTF-8.
input_encoding encoding_option(const po::variables_map& vm,
                               std::optional<opt> input = std::nullopt);
/// The column mapping of `option` (empty without it), for a file whose
/// columns ctrace names `known`.
column_names column_names_option(const po::variables_map& vm, opt option,
                                 std::span<const std::string_view> known);
/// The shortest text that reads back as `value` (for defaults in help).
std::string shortest_text(double value);
/// Whether --bom was given (false for commands without it).
bool bom_option(const po::variables_map& vm);
/// The language of --lang.
header_language lang_option(const po::variables_map& vm);

/// Parses option values, naming the option in errors.
duration duration_option(const po::variables_map& vm, opt option);
/// A `D1[,D2,...]` list of durations by hop.
hop_durations hop_durations_option(const po::variables_map& vm, opt option);
time_point time_option(const po::variables_map& vm, opt option, utc_offset tz);
utc_offset tz_option(const po::variables_map& vm);

/// The value of a required option; throws `input_error` naming it when absent.
std::string required(const po::variables_map& vm, opt option);

trace_parameters trace_parameters_from(const po::variables_map& vm, utc_offset tz);
/// The key of --pseudonymize, or null without it.
std::shared_ptr<const pseudonymizer> pseudonymizer_from(const po::variables_map& vm);

/// Checks that exactly one of --scans and --snapshot is given and that the
/// scan-reading options are not given with --snapshot (before any file is read).
void check_data_options(const po::variables_map& vm);
/// Ingest options from --scans and the reading options, with progress on
/// `progress`; `digests` hashes the inputs (for provenance).
/// How the places file is read: --place-columns, --places-encoding, --max-row-bytes.
place_read_options place_format_option(const po::variables_map& vm);
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
