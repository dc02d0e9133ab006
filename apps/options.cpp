#include "options.hpp"

#include "commands.hpp"
#include "ctrace/core/defaults.hpp"
#include "ctrace/core/error.hpp"
#include "ctrace/storage/store.hpp"
#include "ctrace/tracing/profiles.hpp"
#include "progress.hpp"
#include "suggestions.hpp"

#include <charconv>
#include <fstream>
#include <iostream>
#include <iterator>
#include <limits>
#include <map>
#include <sstream>

namespace ctrace::cli {

namespace {

/// `parse_value(text)`, its refusal named after the option `name` and
/// followed by `accepted` (the forms the option takes), if any.
template <typename F>
auto with_option_name(const char* name, const std::string& text, F&& parse_value,
                      std::string_view accepted = {}) {
    const auto refusal = [&](const std::exception& e) {
        std::string message = std::string("--") + name + ": " + e.what();
        if (!accepted.empty()) message += " (" + std::string(accepted) + ")";
        return input_error(message);
    };
    try {
        return parse_value(text);
    } catch (const parse_error& e) {
        throw refusal(e);
    } catch (const parameter_error& e) {
        throw refusal(e);
    }
}

/// The forms of durations and times, for the errors that refuse one.
constexpr std::string_view duration_forms =
    "a duration is whole seconds, 900, or NdNhNmNs with parts in that order: 15m, 1h30m, 14d";
constexpr std::string_view duration_list_forms =
    "durations by hop, comma-separated: 14d or 7d,7d; each whole seconds or NdNhNmNs: "
    "15m, 1h30m, 14d";
constexpr std::string_view time_forms =
    "a time is ISO 8601, 2022-04-05T20:41:00+08:00 or 2022-04-05 20:41, or 2022/4/5 20:41, "
    "YYYYMMDD[HHMM[SS]], epoch seconds or epoch milliseconds";

} // namespace

namespace {

/// The long names of `options`.
std::vector<std::string> long_names(const po::options_description& options) {
    std::vector<std::string> names;
    for (const auto& option : options.options())
        names.push_back(option->long_name());
    return names;
}

/// Every option name of every command, each with the commands that take it.
std::map<std::string, std::vector<std::string>> options_of_every_command() {
    std::map<std::string, std::vector<std::string>> owners;
    for (const command& c : all_commands())
        for (std::string& name : long_names(c.options()))
            owners[std::move(name)].emplace_back(c.name);
    return owners;
}

/// `a`, `a or b`, `a, b or c`.
std::string spoken_list(const std::vector<std::string>& items) {
    std::string text;
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i > 0) text += i + 1 == items.size() ? " or " : ", ";
        text += items[i];
    }
    return text;
}

/// Keys of `names`, for "did you mean".
std::vector<std::string> keys_of(const std::map<std::string, std::vector<std::string>>& names) {
    std::vector<std::string> keys;
    for (const auto& entry : names)
        keys.push_back(entry.first);
    return keys;
}

/// The message for an option `given` (`--contact-levle`) that the command
/// does not take: the nearest option it takes, or the commands that take it.
std::string unknown_option_message(const std::string& given, const po::options_description& own) {
    std::string message = "unrecognised option '" + given + "'";
    if (!given.starts_with("--")) return message;
    const std::string name = given.substr(2);
    const std::vector<std::string> names = long_names(own);
    std::string suggestion = did_you_mean(name, names, "--");
    if (suggestion.empty()) {
        const auto owners = options_of_every_command();
        if (const auto it = owners.find(name); it != owners.end())
            return message + ": it is an option of 'ctrace " + spoken_list(it->second) +
                   "', not of this command";
        suggestion = did_you_mean(name, keys_of(owners), "--");
    }
    return message + suggestion;
}

/// The line (from 1) of `text` where an INI file sets `key` (`[section]`
/// headers prefix the keys below them, as Boost.Program_options reads
/// them), or 0.
std::size_t line_of_key(std::string_view text, std::string_view key) {
    const auto trim = [](std::string_view t) {
        const std::size_t first = t.find_first_not_of(" \t\r");
        if (first == std::string_view::npos) return std::string_view();
        return t.substr(first, t.find_last_not_of(" \t\r") - first + 1);
    };
    std::string section;
    std::size_t number = 0;
    while (!text.empty()) {
        ++number;
        const std::size_t end = text.find('\n');
        std::string_view line = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
        line = trim(line.substr(0, line.find('#')));
        if (line.starts_with('[') && line.ends_with(']')) {
            section = std::string(trim(line.substr(1, line.size() - 2))) + ".";
            continue;
        }
        const std::size_t equals = line.find('=');
        if (equals != std::string_view::npos &&
            section + std::string(trim(line.substr(0, equals))) == key)
            return number;
    }
    return 0;
}

} // namespace

po::variables_map parse(const std::vector<std::string>& args,
                        const po::options_description& options) {
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(args).options(options).run(), vm);
    } catch (const po::unknown_option& e) {
        throw po::error(unknown_option_message(e.get_option_name(), options));
    }
    // --store DIR on a command that reads a snapshot: the store's snapshot,
    // read in place like any other (ingest and daily take --store themselves).
    const bool reads_snapshots = options.find_nothrow("snapshot", false) != nullptr;
    if (reads_snapshots && vm.count("store")) {
        if (vm.count("snapshot")) throw input_error("give either --store or --snapshot, not both");
        vm.insert({"snapshot",
                   po::variable_value(store_snapshot_path(vm["store"].as<std::string>()).string(),
                                      false)});
    }
    // Stored second, so the command line wins.
    if (vm.count("config")) {
        const std::string path = vm["config"].as<std::string>();
        std::ifstream file(path, std::ios::binary);
        if (!file) throw io_error(path + ": cannot open the configuration file");
        std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
        if (text.starts_with("\xEF\xBB\xBF")) text.erase(0, 3); // saved by Notepad
        std::istringstream in(text);
        std::vector<std::string> skipped;
        try {
            po::parsed_options parsed = po::parse_config_file(in, options, true);
            // One file may serve several commands (ingest and daily, say):
            // keys another command takes are skipped; a key no command takes
            // is a typo, and a typo must not pass unseen.
            std::optional<std::map<std::string, std::vector<std::string>>> owners;
            bool from_snapshot = vm.count("snapshot") > 0;
            for (const po::option& o : parsed.options)
                from_snapshot = from_snapshot || (!o.unregistered && o.string_key == "snapshot");
            std::vector<po::option> kept;
            for (po::option& o : parsed.options) {
                if (o.unregistered) {
                    if (!owners) owners = options_of_every_command();
                    const auto it = owners->find(o.string_key);
                    if (it == owners->end()) {
                        const std::size_t line = line_of_key(text, o.string_key);
                        throw input_error(path + (line ? ":" + std::to_string(line) : "") + ": '" +
                                          o.string_key + "' is not an option of any command" +
                                          did_you_mean(o.string_key, keys_of(*owners)));
                    }
                    skipped.push_back("'" + o.string_key + "' (an option of " +
                                      spoken_list(it->second) + ")");
                    continue;
                }
                // A store named in a file shared with ingest and daily is
                // theirs: reading it is asked for on the command line.
                if (reads_snapshots && o.string_key == "store") {
                    skipped.push_back("'store' (give --store on the command line to read it)");
                    continue;
                }
                // How the scans are read means nothing to a snapshot, whose
                // stays are made: the file may serve an ingest as well.
                if (from_snapshot && is_scan_reading_option(o.string_key)) {
                    skipped.push_back("'" + o.string_key + "' (does not apply with --snapshot)");
                    continue;
                }
                // The command line wins, also over options that add up
                // (--scans given in both).
                if (vm.count(o.string_key) && !vm[o.string_key].defaulted()) continue;
                kept.push_back(std::move(o));
            }
            parsed.options = std::move(kept);
            po::store(parsed, vm);
        } catch (const po::error_with_option_name& e) {
            // A value the option cannot take: name the line that gives it.
            std::string name = e.get_option_name();
            name.erase(0, name.find_first_not_of('-'));
            const std::size_t line = line_of_key(text, name);
            throw input_error(path + (line ? ":" + std::to_string(line) : "") + ": " + e.what());
        } catch (const po::error& e) {
            throw input_error(path + ": " + e.what());
        }
        if (vm.count("verbose") && vm["verbose"].as<bool>())
            for (const std::string& key : skipped)
                std::cerr << "ctrace: note: " << path << ": " << key << " skipped\n";
    }
    po::notify(vm);
    return vm;
}

bool is_scan_reading_option(std::string_view name) {
    for (const std::string_view option : scan_reading_options)
        if (option == name) return true;
    return false;
}

po::options_description common_option_descriptions() {
    po::options_description common("General");
    // clang-format off
    common.add_options()
        ("config", po::value<std::string>()->value_name("FILE"),
         "read options from FILE too (INI: 'name = value' lines such as 'tz = +08:00'; "
         "UTF-8); options on the command line win")
        ("verbose", po::bool_switch(),
         "also list the --config keys skipped (options of other commands, and how scans "
         "are read when the stays come from a snapshot)")
        ("help,h", "show this help");
    // clang-format on
    return common;
}

po::options_description input_format_option_descriptions(bool scans) {
    po::options_description format("Input format (columns: NAME=HEADER pairs, comma-separated)");
    // clang-format off
    format.add_options()
        ("encoding", po::value<std::string>()->default_value("utf-8")->value_name("NAME"),
         "text encoding of the input CSV files: utf-8, gb18030 or gbk (read as gb18030); "
         "gzip and zstd files are recognised by their first bytes and read decompressed; "
         "--scans-encoding, --places-encoding and --cases-encoding set one input's")
        ("time-format", po::value<std::string>()->value_name("FMT"),
         "layout of times in none of the default forms (ISO 8601, YYYY/M/D H:MM, whole "
         "numbers: YYYYMMDD[HHMM[SS]], epoch milliseconds or seconds), strptime-style: "
         "%Y %m %d %H %M %S, %f (fraction, dropped), %z (offset), %-m etc. unpadded; e.g. "
         "'%d.%m.%Y %H:%M'; tried first, then the default forms (YYYY/M/D H:MM is read "
         "without it)");
    if (scans)
        format.add_options()
            ("scan-columns", po::value<std::string>()->value_name("MAP"),
             "header names of the scans file's columns, e.g. person=id_card,place=venue "
             "(names: person, place, time, leave)")
            ("scans-encoding", po::value<std::string>()->value_name("NAME"),
             "text encoding of the scans files alone (default: --encoding)")
            ("places-encoding", po::value<std::string>()->value_name("NAME"),
             "text encoding of the places file alone (default: --encoding)")
            ("place-columns", po::value<std::string>()->value_name("MAP"),
             "header names of the places file's columns (names: place, dwell, category, name, "
             "district, lat, lon)");
    // clang-format on
    return format;
}

po::options_description output_format_option_descriptions() {
    po::options_description format("Output format");
    format.add_options()("bom", po::bool_switch(),
                         "start CSV outputs with a UTF-8 byte-order mark, so that Excel shows "
                         "Chinese ids and names correctly");
    return format;
}

column_names column_names_option(const po::variables_map& vm, const char* name,
                                 std::span<const std::string_view> known) {
    if (!vm.count(name)) return {};
    return with_option_name(name, vm[name].as<std::string>(), [&](const std::string& text) {
        return column_names::parse(text, known, name);
    });
}

input_encoding encoding_option(const po::variables_map& vm, const char* input_name) {
    const char* name = input_name != nullptr && vm.count(input_name) ? input_name : "encoding";
    if (!vm.count(name)) return input_encoding::utf8;
    return with_option_name(name, vm[name].as<std::string>(),
                            [](const std::string& text) { return parse_input_encoding(text); });
}

explanation_format explanation_format_option(const po::variables_map& vm) {
    return with_option_name("format", vm["format"].as<std::string>(),
                            [](const std::string& text) { return parse_explanation_format(text); });
}

std::optional<time_format> time_format_option(const po::variables_map& vm) {
    if (!vm.count("time-format")) return std::nullopt;
    return with_option_name("time-format", vm["time-format"].as<std::string>(),
                            [](const std::string& text) { return time_format::compile(text); });
}

std::string shortest_text(double value) {
    char text[32];
    const auto end = std::to_chars(text, text + sizeof text, value).ptr;
    return std::string(text, end);
}

bool bom_option(const po::variables_map& vm) {
    return vm.count("bom") && vm["bom"].as<bool>();
}

namespace {

header_language lang_of(const std::string& text) {
    return with_option_name("lang", text,
                            [](const std::string& t) { return parse_header_language(t); });
}

} // namespace

po::options_description lang_option_description() {
    po::options_description excel("Excel");
    // Checked when parsed, so that a wrong --lang fails before any work, with
    // or without --xlsx.
    excel.add_options()("lang",
                        po::value<std::string>()->default_value("en")->value_name("LANG")->notifier(
                            [](const std::string& text) { lang_of(text); }),
                        "language of the Excel header row and sheet names: en (the CSV's column "
                        "names) or zh (Chinese); values are the CSV's in both");
    return excel;
}

header_language lang_option(const po::variables_map& vm) {
    return lang_of(vm["lang"].as<std::string>());
}

duration duration_option(const po::variables_map& vm, const char* name) {
    return with_option_name(
        name, vm[name].as<std::string>(), [](const std::string& t) { return parse_duration(t); },
        duration_forms);
}

hop_durations hop_durations_option(const po::variables_map& vm, const char* name) {
    return with_option_name(
        name, vm[name].as<std::string>(),
        [](const std::string& t) { return parse_hop_durations(t); }, duration_list_forms);
}

time_point time_option(const po::variables_map& vm, const char* name, utc_offset tz) {
    return with_option_name(
        name, vm[name].as<std::string>(), [tz](const std::string& t) { return parse_time(t, tz); },
        time_forms);
}

utc_offset tz_option(const po::variables_map& vm) {
    return with_option_name("tz", vm["tz"].as<std::string>(),
                            [](const std::string& t) { return parse_utc_offset(t); });
}

std::string required(const po::variables_map& vm, const char* name) {
    if (!vm.count(name)) throw input_error(std::string("--") + name + " is required");
    return vm[name].as<std::string>();
}

po::options_description ingest_option_descriptions() {
    po::options_description inputs("Scan data");
    // clang-format off
    inputs.add_options()
        ("scans", po::value<std::vector<std::string>>()->value_name("FILE")->composing(),
         "scan log CSV: person, place, time [, leave]; give it again to read several "
         "dumps as one, in that order")
        ("places", po::value<std::string>()->value_name("FILE"),
         "places CSV: place [, dwell, category, name, district, lat, lon]")
        ("dwell", po::value<std::string>()->default_value(format_duration(defaults::dwell)),
         "stay length of a scan without check-out, unless the place has its own dwell")
        ("tz", po::value<std::string>()->default_value("+00:00"),
         "UTC offset of times without one, and of the times written")
        ("threads", po::value<std::int64_t>()->default_value(0)->value_name("N"),
         "threads reading the scans (0 = one per core); large sorts use every core")
        ("skip-bad", po::bool_switch(), "leave bad scan rows out instead of stopping")
        ("rejects", po::value<std::string>()->value_name("FILE"),
         "with --skip-bad: write the rows left out here (CSV line,reason,raw)");
    inputs.add(contact_level_option_description(
        "where contacts happen: at the place codes scanned, or at their sites (the places "
        "file's 'site' column: one venue, many door codes)"));
    inputs.add(input_format_option_descriptions(true));
    inputs.add(pseudonymize_option_description());
    // clang-format on
    return inputs;
}

po::options_description pseudonymize_option_description() {
    po::options_description privacy("Privacy");
    privacy.add_options()(
        "pseudonymize", po::value<std::string>()->value_name("KEYFILE"),
        "replace every person id by its HMAC-SHA-256 under the key in KEYFILE (at least 16 "
        "bytes) before anything is written; case ids are mapped with the same key");
    return privacy;
}

namespace {

const char* const durations_and_times =
    "(durations: seconds or NdNhNmNs; times: ISO 8601, YYYY/M/D H:MM, YYYYMMDD[HHMM[SS]], epoch "
    "milliseconds or seconds)";

/// The exposure model's options, which the forward and backward traces share.
void add_exposure_options(po::options_description& group) {
    // clang-format off
    group.add_options()
        ("min-overlap", po::value<std::string>()->default_value(format_duration(defaults::min_overlap)),
         "minimum effective overlap for a contact to count (at least 1s; a places file's "
         "min_overlap column wins at its places)")
        ("linger", po::value<std::string>()->default_value(format_duration(defaults::linger)),
         "a case or contact keeps exposing a place after leaving, as long as it stayed, at "
         "most this long (the Corona-Warn-App uses 30m)");
    // clang-format on
}

/// How the cases file is read: its windows and its columns.
void add_case_options(po::options_description& group) {
    // clang-format off
    group.add_options()
        ("lookback", po::value<std::string>()->default_value(format_duration(defaults::lookback)),
         "infectious window start before onset, for cases without 'from'")
        ("until", po::value<std::string>()->value_name("TIME"),
         "end of tracing: contacts, and cases without 'to', stop being infectious here "
         "(default: no end)")
        ("profile", po::value<std::string>()->value_name("NAME"),
         "a protocol's defaults in one word: cn-ed8, cn-ed9 or cwa (see 'ctrace help "
         "profiles'); options given explicitly win")
        ("cases-encoding", po::value<std::string>()->value_name("NAME"),
         "text encoding of the cases file alone (default: --encoding): a cases file typed "
         "in UTF-8 beside a GB18030 export")
        ("case-columns", po::value<std::string>()->value_name("MAP"),
         "header names of the cases file's columns, NAME=HEADER pairs, e.g. "
         "person=id_card (names: person, from, onset, to, last_negative)");
    // clang-format on
}

} // namespace

po::options_description tracing_option_descriptions() {
    po::options_description tracing(std::string("Tracing ") + durations_and_times);
    add_exposure_options(tracing);
    // clang-format off
    tracing.add_options()
        ("hops", po::value<std::int64_t>()->default_value(defaults::hops)->value_name("N"),
         "largest hop traced: 1 = close contacts, 2 = secondary contacts, ...")
        ("latency", po::value<std::string>()->default_value(format_duration(defaults::latency)),
         "delay between exposure and becoming infectious")
        ("quarantine", po::value<std::string>()->default_value(format_duration(defaults::quarantine))
                           ->value_name("Q1[,Q2,...]"),
         "quarantine length after the last exposure, by hop: close contacts Q1, secondary "
         "contacts Q2, ...; hops past the list take the last value")
        ("monitoring", po::value<std::string>()->value_name("M1[,M2,...]"),
         "health monitoring after the quarantine, by hop as --quarantine: adds the risk list "
         "column monitor_until = quarantine_until + M (default: no monitoring, no column)");
    // clang-format on
    add_case_options(tracing);
    return tracing;
}

po::options_description sources_option_descriptions() {
    po::options_description sources(std::string("Backward tracing ") + durations_and_times);
    // clang-format off
    sources.add_options()
        ("incubation-min", po::value<std::string>()->default_value(format_duration(defaults::incubation_min)),
         "shortest incubation: a case's exposure window ends this long before its onset")
        ("incubation-max", po::value<std::string>()->default_value(format_duration(defaults::incubation_max)),
         "longest incubation: the exposure window starts this long before the onset")
        ("min-cases", po::value<std::int64_t>()->default_value(defaults::min_cases)->value_name("N"),
         "list a person or place when it met at least N distinct cases");
    // clang-format on
    add_exposure_options(sources);
    add_case_options(sources);
    return sources;
}

po::options_description snapshot_option_description() {
    po::options_description snapshot("Snapshot");
    snapshot.add_options()("snapshot", po::value<std::string>()->value_name("FILE.h5"),
                           "read the stays from this snapshot (from 'ctrace snapshot') "
                           "instead of --scans")(
        "store", po::value<std::string>()->value_name("DIR"),
        "read the stays of this store (from 'ctrace ingest')");
    return snapshot;
}

namespace {

/// The profile of --profile, if given.
const protocol_profile* profile_option(const po::variables_map& vm) {
    if (!vm.count("profile")) return nullptr;
    return with_option_name("profile", vm["profile"].as<std::string>(),
                            [](const std::string& text) { return &find_profile(text); });
}

/// Whether option `name` was given (on the command line or in --config),
/// not left at its default.
bool given(const po::variables_map& vm, const char* name) {
    return vm.count(name) && !vm[name].defaulted();
}

/// The parameters a profile sets whose options were given: they win over it.
given_parameters given_profile_parameters(const po::variables_map& vm) {
    static constexpr std::pair<const char*, profile_parameter> set_by_profiles[] = {
        {"lookback", profile_parameter::lookback},
        {"quarantine", profile_parameter::quarantine},
        {"monitoring", profile_parameter::monitoring},
        {"min-overlap", profile_parameter::min_overlap},
        {"linger", profile_parameter::linger},
        {"hops", profile_parameter::hops},
    };
    given_parameters parameters;
    for (const auto& [option, parameter] : set_by_profiles)
        if (given(vm, option)) parameters.insert(parameter);
    return parameters;
}

} // namespace

trace_parameters trace_parameters_from(const po::variables_map& vm, utc_offset tz) {
    trace_parameters parameters;
    const protocol_profile* profile = profile_option(vm);
    parameters.min_overlap = duration_option(vm, "min-overlap");
    parameters.linger = duration_option(vm, "linger");
    const std::int64_t hops = vm["hops"].as<std::int64_t>();
    if (hops < 0 || hops > 1'000'000)
        throw input_error("--hops: must be between 0 and 1000000, not " + std::to_string(hops));
    parameters.hops = static_cast<std::uint32_t>(hops);
    parameters.latency = duration_option(vm, "latency");
    if (vm.count("until")) parameters.until = time_option(vm, "until", tz);
    parameters.quarantine = hop_durations_option(vm, "quarantine");
    if (vm.count("monitoring")) parameters.monitoring = hop_durations_option(vm, "monitoring");
    if (profile != nullptr) apply_profile(*profile, given_profile_parameters(vm), parameters);
    return parameters;
}

std::shared_ptr<const pseudonymizer> pseudonymizer_from(const po::variables_map& vm) {
    if (!vm.count("pseudonymize")) return nullptr;
    return std::make_shared<const pseudonymizer>(
        pseudonymizer::from_key_file(vm["pseudonymize"].as<std::string>()));
}

void check_data_options(const po::variables_map& vm) {
    const bool from_snapshot = vm.count("snapshot") > 0;
    if (from_snapshot && vm.count("scans"))
        throw input_error("give either --scans or --snapshot, not both");
    if (!from_snapshot && !vm.count("scans"))
        throw input_error("--scans (or --snapshot) is required");
    if (!from_snapshot) return;
    for (const std::string_view ignored : scan_reading_options)
        if (given(vm, std::string(ignored).c_str()))
            throw input_error("--" + std::string(ignored) +
                              " does not apply with --snapshot (its stays are already made)");
}

ingest_options ingest_options_from(const po::variables_map& vm, progress_reporter& progress,
                                   bool digests) {
    ingest_options options;
    if (!vm.count("scans")) throw input_error("--scans is required");
    std::uint64_t total = 0;
    for (const std::string& scans : vm["scans"].as<std::vector<std::string>>()) {
        options.scans.emplace_back(scans);
        total += file_size_or_zero(scans);
    }
    if (vm.count("places")) options.places = vm["places"].as<std::string>();
    options.read.columns = column_names_option(vm, "scan-columns", scans_file_columns);
    options.place_format.columns = column_names_option(vm, "place-columns", places_file_columns);
    options.read.encoding = encoding_option(vm, "scans-encoding");
    options.read.time_layout = time_format_option(vm);
    options.place_format.encoding = encoding_option(vm, "places-encoding");
    options.read.tz = tz_option(vm);
    options.read.default_dwell = duration_option(vm, "dwell");
    options.read.skip_bad = vm["skip-bad"].as<bool>();
    const std::int64_t threads = vm["threads"].as<std::int64_t>();
    if (threads < 0 || threads > 1024)
        throw input_error("--threads: must be between 0 (one per core) and 1024, not " +
                          std::to_string(threads));
    options.read.threads = static_cast<unsigned>(threads);
    options.read.progress = [&progress, total](std::uint64_t done) {
        progress.bytes("reading scans", done, total);
    };
    options.digests = digests;
    options.pseudonyms = pseudonymizer_from(vm);
    return options;
}

po::options_description contact_level_option_description(const char* what) {
    po::options_description level("Contact level");
    level.add_options()("contact-level",
                        po::value<std::string>()
                            ->default_value(std::string(contact_level_name(contact_level::code)))
                            ->value_name("code|site"),
                        what);
    return level;
}

contact_level contact_level_option(const po::variables_map& vm) {
    if (!vm.count("contact-level")) return contact_level::code;
    return with_option_name("contact-level", vm["contact-level"].as<std::string>(),
                            [](const std::string& text) { return parse_contact_level(text); });
}

data_source data_source_from(const po::variables_map& vm, progress_reporter& progress,
                             bool digests) {
    check_data_options(vm);
    data_source source;
    source.level = contact_level_option(vm);
    if (vm.count("snapshot")) {
        source.snapshot = vm["snapshot"].as<std::string>();
        if (vm.count("store")) source.store = vm["store"].as<std::string>();
        source.scans.digests = digests;
        source.scans.pseudonyms = pseudonymizer_from(vm);
    } else {
        source.scans = ingest_options_from(vm, progress, digests);
    }
    return source;
}

sources_parameters sources_parameters_from(const po::variables_map& vm) {
    sources_parameters parameters;
    parameters.incubation_min = duration_option(vm, "incubation-min");
    parameters.incubation_max = duration_option(vm, "incubation-max");
    const std::int64_t min_cases = vm["min-cases"].as<std::int64_t>();
    if (min_cases < 1 || min_cases > std::numeric_limits<std::uint32_t>::max())
        throw input_error("--min-cases: must be between 1 and 4294967295, not " +
                          std::to_string(min_cases));
    parameters.min_cases = static_cast<std::uint32_t>(min_cases);
    parameters.min_overlap = duration_option(vm, "min-overlap");
    parameters.linger = duration_option(vm, "linger");
    if (const protocol_profile* profile = profile_option(vm))
        apply_profile(*profile, given_profile_parameters(vm), parameters);
    return parameters;
}

trace_request case_request_from(const po::variables_map& vm, utc_offset tz,
                                const std::string& cases_path, bool digest) {
    trace_request request;
    request.cases = cases_path;
    request.tz = tz;
    if (vm.count("until")) request.parameters.until = time_option(vm, "until", tz);
    const protocol_profile* profile = profile_option(vm);
    if (profile != nullptr) request.parameters.profile = std::string(profile->name);
    request.lookback = duration_option(vm, "lookback");
    if (profile != nullptr)
        request.lookback =
            profile_lookback(*profile, given_profile_parameters(vm), request.lookback);
    request.pseudonyms = pseudonymizer_from(vm);
    request.digest = digest;
    request.columns = column_names_option(vm, "case-columns", cases_file_columns);
    request.encoding = encoding_option(vm, "cases-encoding");
    request.time_layout = time_format_option(vm);
    return request;
}

trace_request trace_request_from(const po::variables_map& vm, utc_offset tz,
                                 const std::string& cases_path, bool digest) {
    trace_request request = case_request_from(vm, tz, cases_path, digest);
    request.parameters = trace_parameters_from(vm, tz);
    return request;
}

} // namespace ctrace::cli
