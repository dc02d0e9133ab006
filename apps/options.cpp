#include "options.hpp"

#include "commands.hpp"
#include "ctrace/analytics/place_rank.hpp"
#include "ctrace/core/defaults.hpp"
#include "ctrace/core/error.hpp"
#include "ctrace/gen/generate.hpp"
#include "ctrace/report/html_report.hpp"
#include "ctrace/storage/store.hpp"
#include "ctrace/tracing/profiles.hpp"
#include "progress.hpp"
#include "suggestions.hpp"

#include <boost/make_shared.hpp>
#include <charconv>
#include <cstddef>
#include <fstream>
#include <iostream>
#include <iterator>
#include <limits>
#include <map>
#include <sstream>
#include <utility>
#include <variant>

namespace ctrace::cli {

namespace {

// ---------------------------------------------------------------------------
// The option table: every option of every command, declared once.

/// An option's name, and its one-letter form if it has one.
struct option_name {
    opt id;
    const char* name;
    char letter = '\0';
};

/// The name of every option, in the order of `opt`.
constexpr option_name option_names[] = {
    {opt::as_of, "as-of"},
    {opt::bom, "bom"},
    {opt::case_columns, "case-columns"},
    {opt::case_days, "case-days"},
    {opt::cases, "cases"},
    {opt::cases_encoding, "cases-encoding"},
    {opt::checkout_share, "checkout-share"},
    {opt::common_persons, "common-persons"},
    {opt::common_places, "common-places"},
    {opt::companion_window, "companion-window"},
    {opt::companions, "companions"},
    {opt::config, "config"},
    {opt::contact_level, "contact-level"},
    {opt::damping, "damping"},
    {opt::days, "days"},
    {opt::dwell, "dwell"},
    {opt::encoding, "encoding"},
    {opt::format, "format"},
    {opt::from, "from"},
    {opt::graphml, "graphml"},
    {opt::hdf5, "hdf5"},
    {opt::help, "help", 'h'},
    {opt::hops, "hops"},
    {opt::ids, "ids"},
    {opt::in, "in"},
    {opt::incubation_max, "incubation-max"},
    {opt::incubation_min, "incubation-min"},
    {opt::key, "key"},
    {opt::lang, "lang"},
    {opt::latency, "latency"},
    {opt::linger, "linger"},
    {opt::links, "links"},
    {opt::log, "log"},
    {opt::lookback, "lookback"},
    {opt::max_row_bytes, "max-row-bytes"},
    {opt::meetings, "meetings"},
    {opt::min_cases, "min-cases"},
    {opt::min_overlap, "min-overlap"},
    {opt::monitoring, "monitoring"},
    {opt::order, "order"},
    {opt::out, "out"},
    {opt::out_dir, "out-dir"},
    {opt::person, "person"},
    {opt::persons, "persons"},
    {opt::place_columns, "place-columns"},
    {opt::places, "places"},
    {opt::places_encoding, "places-encoding"},
    {opt::places_report, "places-report"},
    {opt::profile, "profile"},
    {opt::pseudonymize, "pseudonymize"},
    {opt::quarantine, "quarantine"},
    {opt::quiet, "quiet", 'q'},
    {opt::rejects, "rejects"},
    {opt::report, "report"},
    {opt::residents, "residents"},
    {opt::retention, "retention"},
    {opt::risk, "risk"},
    {opt::scan_columns, "scan-columns"},
    {opt::scans, "scans"},
    {opt::scans_encoding, "scans-encoding"},
    {opt::screening, "screening"},
    {opt::seed, "seed"},
    {opt::skip_bad, "skip-bad"},
    {opt::snapshot, "snapshot"},
    {opt::start, "start"},
    {opt::stay_end, "stay-end"},
    {opt::store, "store"},
    {opt::summary, "summary"},
    {opt::threads, "threads"},
    {opt::time_format, "time-format"},
    {opt::title, "title"},
    {opt::to, "to"},
    {opt::top, "top"},
    {opt::tz, "tz"},
    {opt::until, "until"},
    {opt::verbose, "verbose"},
    {opt::xlsx, "xlsx"},
    {opt::zone_quiet, "zone-quiet"},
    {opt::zones, "zones"},
};

constexpr bool in_order_of_opt() {
    for (std::size_t k = 0; k < std::size(option_names); ++k)
        if (static_cast<std::size_t>(option_names[k].id) != k) return false;
    return static_cast<std::size_t>(opt::zones) + 1 == std::size(option_names);
}
static_assert(in_order_of_opt(), "option_names lists every option, in the order of opt");

/// How an option takes its value.
enum class value_kind : std::uint8_t {
    none,           ///< no value (--help)
    flag,           ///< a switch: given or not
    text,           ///< one string
    texts,          ///< a string, given again for more
    composed_texts, ///< as `texts`, and --config adds to the command line's
    integer,        ///< a signed 64-bit integer
    real,           ///< a double
};

/// An option's value: its kind, the name the help gives it ("FILE"; none
/// prints "arg"), its default and a check made when it is parsed.
struct value_spec {
    value_kind kind = value_kind::none;
    const char* name = nullptr;
    std::variant<std::monostate, std::string, std::int64_t, double> default_value;
    void (*check)(const std::string&) = nullptr;
};

value_spec no_value() {
    return {};
}
/// A value of `kind`, named `name` in the help.
value_spec value_of(value_kind kind, const char* name) {
    value_spec value;
    value.kind = kind;
    value.name = name;
    return value;
}
value_spec switch_value() {
    return value_of(value_kind::flag, nullptr);
}
/// A text, by default `default_text` (empty: none).
value_spec text_value(const char* name, std::string default_text = {}) {
    value_spec value = value_of(value_kind::text, name);
    if (!default_text.empty()) value.default_value = std::move(default_text);
    return value;
}
/// A duration, by default `default_duration` (shown as `format_duration` writes it).
value_spec duration_value(duration default_duration, const char* name = nullptr) {
    return text_value(name, format_duration(default_duration));
}
value_spec texts_value(const char* name) {
    return value_of(value_kind::texts, name);
}
value_spec composed_texts_value(const char* name) {
    return value_of(value_kind::composed_texts, name);
}
value_spec integer_value(const char* name, std::optional<std::int64_t> default_integer = {}) {
    value_spec value = value_of(value_kind::integer, name);
    if (default_integer) value.default_value = *default_integer;
    return value;
}
value_spec real_value(const char* name, double default_real) {
    value_spec value = value_of(value_kind::real, name);
    value.default_value = default_real;
    return value;
}
/// A text, checked by `check` when parsed.
value_spec checked_text_value(const char* name, std::string default_text,
                              void (*check)(const std::string&)) {
    value_spec value = text_value(name, std::move(default_text));
    value.check = check;
    return value;
}

/// One row of the option table: an option as the commands in `commands`
/// take it, shown in `where` of their help. An option that some commands
/// take otherwise (another help, another value) has a row for each.
struct option_spec {
    opt id;
    cmd commands;
    section where;
    value_spec value;
    const char* help;
};

// The commands that share options.
constexpr cmd every_command = cmd::gen | cmd::snapshot | cmd::trace | cmd::sources | cmd::explain |
                              cmd::ingest | cmd::daily | cmd::places | cmd::rank | cmd::clusters |
                              cmd::reveal | cmd::verify | cmd::zones | cmd::report;
/// Those that read scan files (or, most of them, a snapshot instead).
constexpr cmd scan_readers = cmd::snapshot | cmd::trace | cmd::sources | cmd::explain |
                             cmd::ingest | cmd::places | cmd::rank | cmd::clusters | cmd::zones |
                             cmd::report;
/// Those that read a snapshot or a store instead of scans.
constexpr cmd snapshot_readers =
    cmd::trace | cmd::sources | cmd::places | cmd::rank | cmd::clusters | cmd::zones | cmd::report;
/// Those that trace forward from index cases.
constexpr cmd forward_tracers =
    cmd::trace | cmd::explain | cmd::daily | cmd::places | cmd::clusters | cmd::zones | cmd::report;
/// Those that read a cases file: the forward tracers and sources.
constexpr cmd case_readers = forward_tracers | cmd::sources;
/// Those that write CSV.
constexpr cmd csv_writers = cmd::snapshot | cmd::trace | cmd::sources | cmd::explain | cmd::ingest |
                            cmd::daily | cmd::places | cmd::rank | cmd::clusters | cmd::reveal |
                            cmd::zones;
/// Those that write Excel workbooks.
constexpr cmd excel_writers = cmd::trace | cmd::sources | cmd::explain | cmd::daily | cmd::places;

header_language lang_of(const std::string& text);

/// Every option of every command. Within a section, the rows are in the
/// order the help lists them.
const std::vector<option_spec>& option_table() {
    const city_parameters city; // gen's defaults are the library's
    const double damping = place_rank_parameters{}.damping;
    const std::string level = std::string(contact_level_name(contact_level::code));
    // One option per paragraph reads better than clang-format's packing.
    // clang-format off
    static const std::vector<option_spec> table{
        // The commands' own inputs and outputs.
        {opt::risk, cmd::explain, section::own, text_value("FILE"),
         "a risk list CSV as 'ctrace trace' or 'ctrace daily' writes it"},
        {opt::snapshot, cmd::explain, section::own, text_value("FILE.h5"),
         "or a snapshot with a trace (from 'ctrace trace --hdf5', or daily's risk-DATE.h5); "
         "with --risk, a snapshot (plain or traced) that holds the list's data: its place "
         "names and, for --meetings, its stays"},
        {opt::store, cmd::explain, section::own, text_value("DIR"),
         "with --risk, the store a daily list came from (its stays and place names)"},
        {opt::person, cmd::explain, section::own, texts_value("ID"),
         "a listed person to explain (required; give it again for more persons)"},
        {opt::format, cmd::explain, section::own, text_value("FORM", "text"),
         "text (one line per step, persons separated by a blank line) or csv (one row per "
         "step: asked, step, person, hop, code, first_exposure, last_exposure, "
         "exposure_seconds, via_person, via_place [, via_place_name])"},
        {opt::out, cmd::explain, section::own, text_value("FILE", "-"),
         "file to write, '-' for stdout"},
        {opt::xlsx, cmd::explain, section::own, text_value("FILE.xlsx"),
         "also write the steps as an Excel workbook: the rows of --format csv, and with "
         "--meetings a sheet of the meetings (see docs/excel.md)"},
        {opt::snapshot, cmd::verify, section::own, text_value("FILE.h5"),
         "snapshot to check (this or --store required; also the first argument)"},
        {opt::store, cmd::verify, section::own, text_value("DIR"),
         "a store to check (from 'ctrace ingest'): every file its index names"},
        {opt::key, cmd::reveal, section::own, text_value("KEYFILE"),
         "the key the pseudonyms were made with (required)"},
        {opt::ids, cmd::reveal, section::own, text_value("FILE"),
         "CSV with a 'person' column: the real ids to look for, e.g. a cases file (required)"},
        {opt::in, cmd::reveal, section::own, text_value("FILE"),
         "a pseudonymised CSV (risk list, clusters, ...) to write with those ids put back"},
        {opt::out, cmd::reveal, section::own, text_value("FILE"),
         "output CSV, '-' for stdout (required)"},
        {opt::cases, cmd::trace | cmd::daily | cmd::places | cmd::clusters | cmd::zones |
                          cmd::report,
         section::own,
         text_value("FILE"),
         "index cases CSV: person, from or onset [, to] (required)"},
        {opt::cases, cmd::sources, section::own, text_value("FILE"),
         "index cases CSV: person, onset [, from, to, last_negative] (required; every case "
         "needs an onset)"},
        {opt::links, cmd::sources, section::own, text_value("FILE"),
         "write the case links: which case could have infected which, and where"},
        {opt::common_persons, cmd::sources, section::own, text_value("FILE"),
         "write the persons (not cases) who met at least --min-cases cases in their "
         "exposure windows: candidate undetected sources"},
        {opt::common_places, cmd::sources, section::own, text_value("FILE"),
         "write the places where at least --min-cases cases were in their exposure windows"},
        {opt::out, cmd::trace, section::own, text_value("FILE"),
         "risk list CSV to write, '-' for stdout (required)"},
        {opt::out, cmd::places, section::own, text_value("FILE"),
         "risk places CSV to write, '-' for stdout (required)"},
        {opt::out, cmd::zones, section::own, text_value("FILE"),
         "zones CSV to write, '-' for stdout (required)"},
        {opt::out, cmd::report, section::own, text_value("FILE.html"),
         "the page to write (required): one HTML file with its data, script and styles "
         "inline, which opens offline"},
        {opt::lang, cmd::report, section::own,
         checked_text_value("LANG", "zh",
                            [](const std::string& t) { parse_report_language(t); }),
         "language of the page's labels: zh (密接, 次密接, 同时空, 红码/黄码) or en"},
        {opt::title, cmd::report, section::own, text_value("TEXT"),
         "the page's title (default: the cases file's or risk list's name)"},
        {opt::risk, cmd::report, section::own, text_value("FILE"),
         "show this risk list (from 'ctrace trace' or daily) instead of tracing: no scans, "
         "snapshot, store or cases needed; --places adds the map's coordinates"},
        {opt::companions, cmd::report, section::own, text_value("FILE"),
         "show these same-time-and-place persons (from 'ctrace trace --companions'); when "
         "tracing without it, they are found (docs/semantics.md §10)"},
        {opt::links, cmd::report, section::own, text_value("FILE"),
         "show these case links (from 'ctrace sources --links')"},
        {opt::common_persons, cmd::report, section::own, text_value("FILE"),
         "show these common persons (from 'ctrace sources --common-persons')"},
        {opt::common_places, cmd::report, section::own, text_value("FILE"),
         "show these common places (from 'ctrace sources --common-places')"},
        {opt::places_report, cmd::report, section::own, text_value("FILE"),
         "show these risk places (from 'ctrace places')"},
        {opt::zones, cmd::report, section::own, text_value("FILE"),
         "show these zones and their lifting dates (from 'ctrace zones')"},
        {opt::residents, cmd::zones, section::own, text_value("FILE"),
         "CSV person,district: where persons live; a case or close contact also counts in "
         "the district it lives in"},
        {opt::zone_quiet, cmd::zones, section::own, duration_value(defaults::zone_quiet),
         "a district may be lifted this long after its last case presence or close-contact "
         "exposure"},
        {opt::screening, cmd::zones, section::own, duration_value(defaults::screening),
         "the all-negative screening round falls in this period before lifting"},
        {opt::as_of, cmd::zones, section::own, text_value("TIME"),
         "add a status column: controlled before the lifting time, may-lift from it"},
        {opt::out, cmd::clusters, section::own, text_value("FILE"),
         "CSV person,cluster,hop,code to write, '-' for stdout (required)"},
        {opt::out, cmd::rank, section::own, text_value("FILE"),
         "ranking CSV to write, '-' for stdout (required)"},
        {opt::from, cmd::rank, section::own, text_value("TIME"),
         "count only stays overlapping [from, to); default: no start"},
        {opt::to, cmd::rank, section::own, text_value("TIME"),
         "window end (exclusive); default: no end"},
        {opt::top, cmd::rank, section::own, integer_value("N", defaults::top_places),
         "write the N best places (0 = all)"},
        {opt::damping, cmd::rank, section::own, real_value("D", damping),
         "PageRank damping factor, between 0 and 1"},
        {opt::hdf5, cmd::trace, section::own, text_value("FILE.h5"),
         "also write a snapshot with the trace result under /trace"},
        {opt::graphml, cmd::trace, section::own, text_value("FILE"),
         "also write the transmission tree as GraphML, for Gephi, Cytoscape or networkx "
         "(see docs/explain.md)"},
        {opt::companions, cmd::trace, section::own, text_value("FILE"),
         "also write the same-time-and-place persons (同时空): at a case's place within "
         "--companion-window of its presence, not on the risk list (docs/semantics.md §10)"},
        {opt::companion_window, cmd::trace | cmd::daily | cmd::report, section::own,
         duration_value(defaults::companion_window),
         "with --companions: how far a case's presence at a place is widened on each side"},
        {opt::summary, cmd::clusters, section::own, text_value("FILE"),
         "also write one row per cluster: cluster,size,index_cases,linked,places,"
         "index_case_ids,place_ids"},
        {opt::xlsx, cmd::trace, section::own, text_value("FILE.xlsx"),
         "also write the risk list as an Excel workbook: ids as text, times as date-times in "
         "--tz (see docs/excel.md)"},
        {opt::xlsx, cmd::sources, section::own, text_value("FILE.xlsx"),
         "also write the lists asked for as one Excel workbook, a sheet per list (see "
         "docs/excel.md)"},
        {opt::xlsx, cmd::places, section::own, text_value("FILE.xlsx"),
         "also write the risk places as an Excel workbook (see docs/excel.md)"},
        {opt::out_dir, cmd::daily, section::own, text_value("DIR"),
         "folder of the daily lists (required; created when missing)"},
        {opt::as_of, cmd::daily, section::own, text_value("YYYY-MM-DD"),
         "date of the lists (default: today in --tz)"},
        {opt::tz, cmd::daily, section::own, text_value("OFFSET"),
         "UTC offset of the cases file, the dates and the times written (default: the "
         "store's)"},
        {opt::xlsx, cmd::daily, section::own, switch_value(),
         "also write OUT/risk-DATE.xlsx: the risk list and the changes as two sheets of an "
         "Excel workbook (see docs/excel.md)"},
        {opt::report, cmd::daily, section::own, switch_value(),
         "also write OUT/report-DATE.html: the page of 'ctrace report' for the day's lists "
         "(labels in --lang, default zh)"},
        {opt::companions, cmd::daily, section::own, switch_value(),
         "also write OUT/companions-DATE.csv: the same-time-and-place persons (同时空), at a "
         "case's place within --companion-window of its presence, not on the risk list"},
        {opt::out, cmd::snapshot, section::own, text_value("FILE.h5"),
         "snapshot to write (required)"},
        {opt::out, cmd::gen, section::own, text_value("DIR"),
         "folder for scans.csv, places.csv and cases.csv, created if missing (required)"},
        {opt::order, cmd::gen, section::own, text_value("time|shuffled", "time"),
         "row order of scans.csv: 'time' (as a server log) or 'shuffled' (all rows in a "
         "uniformly random order, as an unordered dump; needs about 24 bytes per row of "
         "temporary disk space in DIR)"},
        {opt::ids, cmd::gen, section::own, text_value("short|resident|hex", "short"),
         "id style: 'short' (P0000001, M00001), 'resident' (18-character resident identity "
         "numbers with check character, at most 179706000 persons; places DL and 10 digits) or "
         "'hex' (64 hex digits like HMAC-SHA-256 pseudonyms; places DL and 10 digits)"},

        {opt::quiet, cmd::gen | cmd::snapshot | cmd::trace | cmd::sources | cmd::ingest |
                         cmd::daily | cmd::places | cmd::rank | cmd::clusters | cmd::reveal |
                         cmd::verify | cmd::zones | cmd::report,
         section::quiet, switch_value(), "no summary line on stderr"},

        {opt::store, cmd::ingest | cmd::daily, section::job, text_value("DIR"),
         "the store folder (required)"},
        {opt::log, cmd::ingest | cmd::daily, section::job, text_value("FILE"),
         "also append the summary to FILE as one JSON object per line"},

        {opt::meetings, cmd::explain, section::meetings, switch_value(),
         "also show every meeting that put the person at its hop: source, place, start, end, "
         "minutes (CSV: the meetings table instead of the chains)"},
        {opt::cases, cmd::explain, section::meetings, text_value("FILE"),
         "the index cases the list was traced from, with the tracing options of that trace "
         "(not needed with a traced snapshot: its trace records them)"},

        {opt::persons, cmd::gen, section::city, integer_value("N"),
         "number of persons (this or --scans is required)"},
        {opt::scans, cmd::gen, section::city, integer_value("N"),
         "instead of --persons: about N scan rows in all (persons = N / (days * 4))"},
        {opt::places, cmd::gen, section::city, integer_value("M"),
         "number of places (default: persons / 20, at least 20)"},
        {opt::days, cmd::gen, section::city, integer_value("D", city.days),
         "number of days"},
        {opt::start, cmd::gen, section::city, text_value(nullptr, format_time(city.start, city.tz)),
         "local midnight of the first day"},
        {opt::tz, cmd::gen, section::city, text_value(nullptr, format_utc_offset(city.tz)),
         "the city's UTC offset (weekends, times in cases.csv)"},
        {opt::seed, cmd::gen, section::city,
         integer_value("S", static_cast<std::int64_t>(city.seed)),
         "random seed: the same options give the same files"},
        {opt::cases, cmd::gen, section::city, integer_value("K", city.cases),
         "index cases written to cases.csv"},
        {opt::case_days, cmd::gen, section::city, integer_value("N", city.recent_case_days),
         "infectious windows of the cases start within the last N days"},
        {opt::checkout_share, cmd::gen, section::city, real_value("X", city.checkout_share),
         "share of scans with a check-out time"},

        {opt::snapshot, snapshot_readers, section::snapshot, text_value("FILE.h5"),
         "read the stays from this snapshot (from 'ctrace snapshot') instead of --scans"},
        {opt::store, snapshot_readers, section::snapshot, text_value("DIR"),
         "read the stays of this store (from 'ctrace ingest')"},

        {opt::scans, scan_readers, section::scan_data, composed_texts_value("FILE"),
         "scan log CSV: person, place, time [, leave]; give it again to read several "
         "dumps as one, in that order"},
        {opt::places, scan_readers, section::scan_data, text_value("FILE"),
         "places CSV: place [, dwell, category, name, district, lat, lon]"},
        {opt::dwell, scan_readers, section::scan_data, duration_value(defaults::dwell),
         "stay length of a scan without check-out, unless the place has its own dwell"},
        {opt::stay_end, scan_readers | snapshot_readers, section::scan_data,
         text_value("dwell|next-scan", "dwell"),
         "how a scan without check-out ends: after the dwell, or at the person's next scan "
         "at another place when that is sooner (next-scan; at the contact level in force). "
         "A snapshot records it; traced, it takes the rule recorded"},
        {opt::tz, scan_readers, section::scan_data, text_value(nullptr, "+00:00"),
         "UTC offset of times without one, and of the times written"},
        {opt::threads, scan_readers, section::scan_data, integer_value("N", 0),
         "threads reading the scans (0 = one per core); large sorts use every core"},
        {opt::skip_bad, scan_readers, section::scan_data, switch_value(),
         "leave bad scan rows out instead of stopping"},
        {opt::rejects, scan_readers, section::scan_data, text_value("FILE"),
         "with --skip-bad: write the rows left out here (CSV line,reason,raw)"},
        {opt::max_row_bytes, scan_readers, section::scan_data,
         integer_value("BYTES", static_cast<std::int64_t>(default_max_row_bytes)),
         "a row of the scans or places file longer than this is a bad row, read past "
         "without holding it (its first 1 KiB is kept for --rejects)"},

        {opt::contact_level, scan_readers, section::contact_level,
         text_value("code|site", level),
         "where contacts happen: at the place codes scanned, or at their sites (the places "
         "file's 'site' column: one venue, many door codes)"},
        {opt::contact_level, cmd::daily, section::contact_level,
         text_value("code|site", level),
         "trace at the place codes scanned, or at their sites (the places file's 'site' column)"},

        {opt::encoding, scan_readers | cmd::daily, section::input_format,
         text_value("NAME", "utf-8"),
         "text encoding of the input CSV files: utf-8, gb18030 or gbk (read as gb18030); "
         "gzip and zstd files are recognised by their first bytes and read decompressed; "
         "--scans-encoding, --places-encoding and --cases-encoding set one input's"},
        {opt::time_format, scan_readers | cmd::daily, section::input_format, text_value("FMT"),
         "layout of times in none of the default forms (ISO 8601, YYYY/M/D H:MM, whole "
         "numbers: YYYYMMDD[HHMM[SS]], epoch milliseconds or seconds), strptime-style: "
         "%Y %m %d %H %M %S, %f (fraction, dropped), %z (offset), %-m etc. unpadded; e.g. "
         "'%d.%m.%Y %H:%M'; tried first, then the default forms (YYYY/M/D H:MM is read "
         "without it)"},
        {opt::scan_columns, scan_readers, section::input_format, text_value("MAP"),
         "header names of the scans file's columns, e.g. person=id_card,place=venue "
         "(names: person, place, time, leave)"},
        {opt::scans_encoding, scan_readers, section::input_format, text_value("NAME"),
         "text encoding of the scans files alone (default: --encoding)"},
        {opt::places_encoding, scan_readers, section::input_format, text_value("NAME"),
         "text encoding of the places file alone (default: --encoding)"},
        {opt::place_columns, scan_readers, section::input_format, text_value("MAP"),
         "header names of the places file's columns (names: place, dwell, category, name, "
         "district, lat, lon)"},

        {opt::pseudonymize, scan_readers | cmd::daily, section::privacy, text_value("KEYFILE"),
         "replace every person id by its HMAC-SHA-256 under the key in KEYFILE (at least 16 "
         "bytes) before anything is written; case ids are mapped with the same key"},

        {opt::incubation_min, cmd::sources, section::tracing,
         duration_value(defaults::incubation_min),
         "shortest incubation: a case's exposure window ends this long before its onset"},
        {opt::incubation_max, cmd::sources, section::tracing,
         duration_value(defaults::incubation_max),
         "longest incubation: the exposure window starts this long before the onset"},
        {opt::min_cases, cmd::sources, section::tracing, integer_value("N", defaults::min_cases),
         "list a person or place when it met at least N distinct cases"},
        {opt::min_overlap, case_readers, section::tracing, duration_value(defaults::min_overlap),
         "minimum effective overlap for a contact to count (at least 1s; a places file's "
         "min_overlap column wins at its places)"},
        {opt::linger, case_readers, section::tracing, duration_value(defaults::linger),
         "a case or contact keeps exposing a place after leaving, as long as it stayed, at "
         "most this long (the Corona-Warn-App uses 30m)"},
        {opt::hops, forward_tracers, section::tracing, integer_value("N", defaults::hops),
         "largest hop traced: 1 = close contacts, 2 = secondary contacts, ..."},
        {opt::latency, forward_tracers, section::tracing, duration_value(defaults::latency),
         "delay between exposure and becoming infectious"},
        {opt::quarantine, forward_tracers, section::tracing,
         duration_value(defaults::quarantine, "Q1[,Q2,...]"),
         "quarantine length after the last exposure, by hop: close contacts Q1, secondary "
         "contacts Q2, ...; hops past the list take the last value"},
        {opt::monitoring, forward_tracers, section::tracing, text_value("M1[,M2,...]"),
         "health monitoring after the quarantine, by hop as --quarantine: adds the risk list "
         "column monitor_until = quarantine_until + M (default: no monitoring, no column)"},
        {opt::lookback, case_readers, section::tracing, duration_value(defaults::lookback),
         "infectious window start before onset, for cases without 'from'"},
        {opt::until, case_readers, section::tracing, text_value("TIME"),
         "end of tracing: contacts, and cases without 'to', stop being infectious here "
         "(default: no end)"},
        {opt::profile, case_readers, section::tracing, text_value("NAME"),
         "a protocol's defaults in one word: cn-ed8, cn-ed9 or cwa (see 'ctrace help "
         "profiles'); options given explicitly win"},
        {opt::cases_encoding, case_readers, section::tracing, text_value("NAME"),
         "text encoding of the cases file alone (default: --encoding): a cases file typed "
         "in UTF-8 beside a GB18030 export"},
        {opt::case_columns, case_readers, section::tracing, text_value("MAP"),
         "header names of the cases file's columns, NAME=HEADER pairs, e.g. "
         "person=id_card (names: person, from, onset, to, last_negative)"},

        {opt::store, cmd::snapshot, section::store, text_value("DIR"),
         "instead of scan dumps: the stays of this store (from 'ctrace ingest'), as one file"},
        {opt::retention, cmd::ingest, section::store, duration_value(defaults::retention),
         "drop stays that end more than this before the latest stay end in the store"},

        {opt::bom, csv_writers, section::output_format, switch_value(),
         "start CSV outputs with a UTF-8 byte-order mark, so that Excel shows Chinese ids and "
         "names correctly"},

        // Checked when parsed, so that a wrong --lang fails before any work,
        // with or without --xlsx.
        {opt::lang, excel_writers, section::excel,
         checked_text_value("LANG", "en", [](const std::string& t) { lang_of(t); }),
         "language of the Excel header row and sheet names: en (the CSV's column names) or zh "
         "(Chinese); values are the CSV's in both"},

        {opt::config, every_command, section::general, text_value("FILE"),
         "read options from FILE too (INI: 'name = value' lines such as 'tz = +08:00'; "
         "UTF-8); options on the command line win"},
        {opt::verbose, every_command, section::general, switch_value(),
         "also list the --config keys skipped (options of other commands, and how scans "
         "are read when the stays come from a snapshot); trace also gives the CPUs busy in "
         "each phase"},
        {opt::help, every_command, section::general, no_value(), "show this help"},
    };
    // clang-format on
    return table;
}

/// The usual caption of `s` (the command gives that of its own options).
std::string caption_of(section s) {
    switch (s) {
    case section::snapshot:
        return "Snapshot";
    case section::scan_data:
        return "Scan data";
    case section::contact_level:
        return "Contact level";
    case section::input_format:
        return "Input format (columns: NAME=HEADER pairs, comma-separated)";
    case section::privacy:
        return "Privacy";
    case section::tracing:
        return "Tracing " + std::string(durations_and_times);
    case section::store:
        return "Store";
    case section::output_format:
        return "Output format";
    case section::excel:
        return "Excel";
    case section::general:
        return "General";
    case section::own:
    case section::quiet:
    case section::job:
    case section::meetings:
    case section::city:
        break;
    }
    return {};
}

/// The value semantic of `value`, as Boost.Program_options parses it.
const po::value_semantic* semantic_of(const value_spec& value) {
    const auto named = [&](auto* typed) {
        if (value.name != nullptr) typed->value_name(value.name);
        return typed;
    };
    switch (value.kind) {
    case value_kind::none:
        return new po::untyped_value(true);
    case value_kind::flag:
        return po::bool_switch();
    case value_kind::text: {
        auto* typed = named(po::value<std::string>());
        if (const auto* text = std::get_if<std::string>(&value.default_value))
            typed->default_value(*text);
        if (value.check != nullptr) typed->notifier(value.check);
        return typed;
    }
    case value_kind::texts:
        return named(po::value<std::vector<std::string>>());
    case value_kind::composed_texts:
        return named(po::value<std::vector<std::string>>())->composing();
    case value_kind::integer: {
        auto* typed = named(po::value<std::int64_t>());
        if (const auto* integer = std::get_if<std::int64_t>(&value.default_value))
            typed->default_value(*integer);
        return typed;
    }
    case value_kind::real: {
        const double real = std::get<double>(value.default_value);
        return named(po::value<double>())->default_value(real, shortest_text(real));
    }
    }
    throw std::logic_error("unknown value kind");
}

/// Adds to `options` the options `command` takes in `where`.
void add_options(po::options_description& options, cmd command, section where) {
    for (const option_spec& spec : option_table()) {
        if (spec.where != where || !takes(spec.commands, command)) continue;
        const option_name& name = option_names[static_cast<std::size_t>(spec.id)];
        std::string names = name.name;
        if (name.letter != '\0') names += std::string(",") + name.letter;
        options.add(boost::make_shared<po::option_description>(names.c_str(),
                                                               semantic_of(spec.value), spec.help));
    }
}

} // namespace

const char* name_of(opt option) noexcept {
    return option_names[static_cast<std::size_t>(option)].name;
}

std::string flag(opt option) {
    return std::string("--") + name_of(option);
}

option_group::option_group(section s) : caption(caption_of(s)), sections{s} {}

option_group::option_group(std::string caption, std::initializer_list<section> sections,
                           std::vector<option_group> within)
    : caption(std::move(caption)), sections(sections), within(std::move(within)) {}

option_group scan_reading_group() {
    return {caption_of(section::scan_data),
            {section::scan_data},
            {section::contact_level, section::input_format, section::privacy}};
}

namespace {

/// The options `command` takes in `group`, captioned.
po::options_description described(cmd command, const option_group& group) {
    po::options_description options(group.caption);
    for (const section s : group.sections)
        add_options(options, command, s);
    for (const option_group& within : group.within)
        options.add(described(command, within));
    return options;
}

} // namespace

po::options_description options_for(cmd command, std::initializer_list<option_group> groups,
                                    bool headed) {
    auto group = groups.begin();
    po::options_description all = headed ? described(command, *group++) : po::options_description();
    for (; group != groups.end(); ++group)
        all.add(described(command, *group));
    return all;
}

std::vector<opt> options_in(cmd command, section where) {
    std::vector<opt> options;
    for (const option_spec& spec : option_table())
        if (spec.where == where && takes(spec.commands, command)) options.push_back(spec.id);
    return options;
}

namespace {

/// `parse_value(text)`, its refusal named after `option` and followed by
/// `accepted` (the forms the option takes), if any.
template <typename F>
auto with_option_name(opt option, const std::string& text, F&& parse_value,
                      std::string_view accepted = {}) {
    const auto refusal = [&](const std::exception& e) {
        std::string message = flag(option) + ": " + e.what();
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
        if (const auto it = owners.find(name); it != owners.end()) {
            std::vector<std::string> commands;
            for (const std::string& command : it->second)
                commands.push_back("'ctrace " + command + "'");
            return message + ": it is an option of " + spoken_list(commands) +
                   ", not of this command";
        }
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
    const bool reads_snapshots = options.find_nothrow(name_of(opt::snapshot), false) != nullptr;
    if (reads_snapshots && has(vm, opt::store)) {
        if (has(vm, opt::snapshot))
            throw input_error("give either --store or --snapshot, not both");
        vm.insert(
            {name_of(opt::snapshot),
             po::variable_value(store_snapshot_path(text_option(vm, opt::store)).string(), false)});
    }
    // Stored second, so the command line wins.
    if (has(vm, opt::config)) {
        const std::string path = text_option(vm, opt::config);
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
            bool from_snapshot = has(vm, opt::snapshot);
            for (const po::option& o : parsed.options)
                from_snapshot =
                    from_snapshot || (!o.unregistered && o.string_key == name_of(opt::snapshot));
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
                if (reads_snapshots && o.string_key == name_of(opt::store)) {
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
        if (flag_option(vm, opt::verbose))
            for (const std::string& key : skipped)
                std::cerr << "ctrace: note: " << path << ": " << key << " skipped\n";
    }
    po::notify(vm);
    return vm;
}

bool is_scan_reading_option(std::string_view name) {
    for (const opt option : scan_reading_options)
        if (name_of(option) == name) return true;
    return false;
}

bool has(const po::variables_map& vm, opt option) {
    return vm.count(name_of(option)) > 0;
}

bool given(const po::variables_map& vm, opt option) {
    const auto value = vm.find(name_of(option));
    return value != vm.end() && !value->second.defaulted();
}

const std::string& text_option(const po::variables_map& vm, opt option) {
    return vm[name_of(option)].as<std::string>();
}

const std::vector<std::string>& texts_option(const po::variables_map& vm, opt option) {
    return vm[name_of(option)].as<std::vector<std::string>>();
}

std::int64_t integer_option(const po::variables_map& vm, opt option) {
    return vm[name_of(option)].as<std::int64_t>();
}

std::int64_t integer_option(const po::variables_map& vm, opt option, std::int64_t low,
                            std::int64_t high) {
    const std::int64_t value = integer_option(vm, option);
    if (value < low || value > high)
        throw input_error(flag(option) + ": must be between " + std::to_string(low) + " and " +
                          std::to_string(high) + ", not " + std::to_string(value));
    return value;
}

double real_option(const po::variables_map& vm, opt option) {
    return vm[name_of(option)].as<double>();
}

bool flag_option(const po::variables_map& vm, opt option) {
    return has(vm, option) && vm[name_of(option)].as<bool>();
}

column_names column_names_option(const po::variables_map& vm, opt option,
                                 std::span<const std::string_view> known) {
    if (!has(vm, option)) return {};
    return with_option_name(option, text_option(vm, option), [&](const std::string& text) {
        return column_names::parse(text, known, name_of(option));
    });
}

input_encoding encoding_option(const po::variables_map& vm, std::optional<opt> input) {
    const opt option = input && has(vm, *input) ? *input : opt::encoding;
    if (!has(vm, option)) return input_encoding::utf8;
    return with_option_name(option, text_option(vm, option),
                            [](const std::string& text) { return parse_input_encoding(text); });
}

explanation_format explanation_format_option(const po::variables_map& vm) {
    return with_option_name(opt::format, text_option(vm, opt::format),
                            [](const std::string& text) { return parse_explanation_format(text); });
}

std::optional<time_format> time_format_option(const po::variables_map& vm) {
    if (!has(vm, opt::time_format)) return std::nullopt;
    return with_option_name(opt::time_format, text_option(vm, opt::time_format),
                            [](const std::string& text) { return time_format::compile(text); });
}

std::string shortest_text(double value) {
    char text[32];
    const auto end = std::to_chars(text, text + sizeof text, value).ptr;
    return std::string(text, end);
}

bool bom_option(const po::variables_map& vm) {
    return flag_option(vm, opt::bom);
}

namespace {

header_language lang_of(const std::string& text) {
    return with_option_name(opt::lang, text,
                            [](const std::string& t) { return parse_header_language(t); });
}

} // namespace

header_language lang_option(const po::variables_map& vm) {
    return lang_of(text_option(vm, opt::lang));
}

duration duration_option(const po::variables_map& vm, opt option) {
    return with_option_name(
        option, text_option(vm, option), [](const std::string& t) { return parse_duration(t); },
        duration_forms);
}

hop_durations hop_durations_option(const po::variables_map& vm, opt option) {
    return with_option_name(
        option, text_option(vm, option),
        [](const std::string& t) { return parse_hop_durations(t); }, duration_list_forms);
}

time_point time_option(const po::variables_map& vm, opt option, utc_offset tz) {
    return with_option_name(
        option, text_option(vm, option), [tz](const std::string& t) { return parse_time(t, tz); },
        time_forms);
}

utc_offset tz_option(const po::variables_map& vm) {
    return with_option_name(opt::tz, text_option(vm, opt::tz),
                            [](const std::string& t) { return parse_utc_offset(t); });
}

std::string required(const po::variables_map& vm, opt option) {
    if (!has(vm, option)) throw input_error(flag(option) + " is required");
    return text_option(vm, option);
}

namespace {

/// The profile of --profile, if given.
const protocol_profile* profile_option(const po::variables_map& vm) {
    if (!has(vm, opt::profile)) return nullptr;
    return with_option_name(opt::profile, text_option(vm, opt::profile),
                            [](const std::string& text) { return &find_profile(text); });
}

/// The parameters a profile sets whose options were given: they win over it.
given_parameters given_profile_parameters(const po::variables_map& vm) {
    static constexpr std::pair<opt, profile_parameter> set_by_profiles[] = {
        {opt::lookback, profile_parameter::lookback},
        {opt::quarantine, profile_parameter::quarantine},
        {opt::monitoring, profile_parameter::monitoring},
        {opt::min_overlap, profile_parameter::min_overlap},
        {opt::linger, profile_parameter::linger},
        {opt::hops, profile_parameter::hops},
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
    parameters.min_overlap = duration_option(vm, opt::min_overlap);
    parameters.linger = duration_option(vm, opt::linger);
    parameters.hops = static_cast<std::uint32_t>(integer_option(vm, opt::hops, 0, 1'000'000));
    parameters.latency = duration_option(vm, opt::latency);
    if (has(vm, opt::until)) parameters.until = time_option(vm, opt::until, tz);
    parameters.quarantine = hop_durations_option(vm, opt::quarantine);
    if (has(vm, opt::monitoring)) parameters.monitoring = hop_durations_option(vm, opt::monitoring);
    if (profile != nullptr) apply_profile(*profile, given_profile_parameters(vm), parameters);
    return parameters;
}

std::shared_ptr<const pseudonymizer> pseudonymizer_from(const po::variables_map& vm) {
    if (!has(vm, opt::pseudonymize)) return nullptr;
    return std::make_shared<const pseudonymizer>(
        pseudonymizer::from_key_file(text_option(vm, opt::pseudonymize)));
}

void check_data_options(const po::variables_map& vm) {
    const bool from_snapshot = has(vm, opt::snapshot);
    if (from_snapshot && has(vm, opt::scans))
        throw input_error("give either --scans or --snapshot, not both");
    if (!from_snapshot && !has(vm, opt::scans))
        throw input_error("--scans (or --snapshot) is required");
    if (!from_snapshot) return;
    for (const opt ignored : scan_reading_options)
        if (given(vm, ignored))
            throw input_error(flag(ignored) +
                              " does not apply with --snapshot (its stays are already made)");
}

unsigned threads_option(const po::variables_map& vm) {
    const std::int64_t threads = integer_option(vm, opt::threads);
    if (threads < 0 || threads > 1024)
        throw input_error("--threads: must be between 0 (one per core) and 1024, not " +
                          std::to_string(threads));
    return static_cast<unsigned>(threads);
}

place_read_options place_format_option(const po::variables_map& vm) {
    place_read_options format;
    format.columns = column_names_option(vm, opt::place_columns, places_file_columns);
    format.encoding = encoding_option(vm, opt::places_encoding);
    format.max_row_bytes = static_cast<std::size_t>(
        integer_option(vm, opt::max_row_bytes, static_cast<std::int64_t>(min_max_row_bytes),
                       static_cast<std::int64_t>(max_max_row_bytes)));
    return format;
}

ingest_options ingest_options_from(const po::variables_map& vm, progress_reporter& progress,
                                   bool digests) {
    ingest_options options;
    if (!has(vm, opt::scans)) throw input_error("--scans is required");
    std::uint64_t total = 0;
    for (const std::string& scans : texts_option(vm, opt::scans)) {
        options.scans.emplace_back(scans);
        total += file_size_or_zero(scans);
    }
    if (has(vm, opt::places)) options.places = text_option(vm, opt::places);
    options.read.columns = column_names_option(vm, opt::scan_columns, scans_file_columns);
    options.place_format = place_format_option(vm);
    options.read.encoding = encoding_option(vm, opt::scans_encoding);
    options.read.time_layout = time_format_option(vm);
    options.read.tz = tz_option(vm);
    options.read.default_dwell = duration_option(vm, opt::dwell);
    options.stay_end = stay_end_option(vm);
    options.stay_end_level = contact_level_option(vm);
    options.read.skip_bad = flag_option(vm, opt::skip_bad);
    options.read.max_row_bytes = static_cast<std::size_t>(
        integer_option(vm, opt::max_row_bytes, static_cast<std::int64_t>(min_max_row_bytes),
                       static_cast<std::int64_t>(max_max_row_bytes)));
    options.read.threads = threads_option(vm);
    options.read.progress = [&progress, total](std::uint64_t done) {
        progress.bytes("reading scans", done, total);
    };
    options.digests = digests;
    options.pseudonyms = pseudonymizer_from(vm);
    return options;
}

contact_level contact_level_option(const po::variables_map& vm) {
    if (!has(vm, opt::contact_level)) return contact_level::code;
    return with_option_name(opt::contact_level, text_option(vm, opt::contact_level),
                            [](const std::string& text) { return parse_contact_level(text); });
}

std::optional<stay_end_rule> stay_end_option(const po::variables_map& vm) {
    // Unset when not given: a snapshot's or a store's own rule then applies.
    if (!given(vm, opt::stay_end)) return std::nullopt;
    return with_option_name(opt::stay_end, text_option(vm, opt::stay_end),
                            [](const std::string& text) { return parse_stay_end(text); });
}

data_source data_source_from(const po::variables_map& vm, progress_reporter& progress,
                             bool digests) {
    check_data_options(vm);
    data_source source;
    source.level = contact_level_option(vm);
    if (has(vm, opt::snapshot)) {
        source.snapshot = text_option(vm, opt::snapshot);
        if (has(vm, opt::store)) source.store = text_option(vm, opt::store);
        source.scans.digests = digests;
        source.scans.pseudonyms = pseudonymizer_from(vm);
    } else {
        source.scans = ingest_options_from(vm, progress, digests);
    }
    // The level the rule is judged at is the level traced: `load_data` sets it.
    source.scans.stay_end = stay_end_option(vm);
    return source;
}

sources_parameters sources_parameters_from(const po::variables_map& vm) {
    sources_parameters parameters;
    parameters.incubation_min = duration_option(vm, opt::incubation_min);
    parameters.incubation_max = duration_option(vm, opt::incubation_max);
    parameters.min_cases = static_cast<std::uint32_t>(
        integer_option(vm, opt::min_cases, 1, std::numeric_limits<std::uint32_t>::max()));
    parameters.min_overlap = duration_option(vm, opt::min_overlap);
    parameters.linger = duration_option(vm, opt::linger);
    if (const protocol_profile* profile = profile_option(vm))
        apply_profile(*profile, given_profile_parameters(vm), parameters);
    return parameters;
}

trace_request case_request_from(const po::variables_map& vm, utc_offset tz,
                                const std::string& cases_path, bool digest) {
    trace_request request;
    request.cases = cases_path;
    request.tz = tz;
    if (has(vm, opt::until)) request.parameters.until = time_option(vm, opt::until, tz);
    const protocol_profile* profile = profile_option(vm);
    if (profile != nullptr) request.parameters.profile = std::string(profile->name);
    request.lookback = duration_option(vm, opt::lookback);
    if (profile != nullptr)
        request.lookback =
            profile_lookback(*profile, given_profile_parameters(vm), request.lookback);
    request.pseudonyms = pseudonymizer_from(vm);
    request.digest = digest;
    request.columns = column_names_option(vm, opt::case_columns, cases_file_columns);
    request.encoding = encoding_option(vm, opt::cases_encoding);
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
