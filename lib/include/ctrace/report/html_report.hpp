#pragma once
/// \file
/// One self-contained HTML page of a trace for a health office (`ctrace
/// report`, docs/report.md): the summary, the risk list as a table with each
/// person's chain, the epidemic curve, the risk places on a map, the
/// transmission tree, and the lists of other commands when given. Data,
/// script and styles are all in the file: it opens offline, with no network
/// request.
///
/// The page is a template (lib/src/report/html/report.html, embedded at
/// build time) into which the library writes the report's data as JSON.
/// Everything the page shows comes from `report_content`: tables are kept
/// as the text their command wrote (the risk list's CSV columns, the
/// companions', ...), so a report made from files and one made by tracing
/// show the same values.

#include "ctrace/core/time.hpp"
#include "ctrace/io/scans.hpp"
#include "ctrace/model/dataset.hpp"
#include "ctrace/tracing/companions.hpp"

#include <filesystem>
#include <iosfwd>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ctrace {

/// A CSV table as a command wrote it: its header's columns and its rows, as
/// text.
struct text_table {
    std::vector<std::string> columns;
    std::vector<std::vector<std::string>> rows;
};

/// Reads a CSV `text` (named `source` in messages) as a table. Throws
/// `input_error` "SOURCE:LINE: why" for a malformed row or a row with
/// another number of fields than the header, and "SOURCE: no column 'X'"
/// when one of `required` is missing.
text_table read_text_table(std::istream& text, const std::string& source,
                           std::span<const std::string_view> required = {});
text_table read_text_table(const std::filesystem::path& path,
                           std::span<const std::string_view> required = {});

/// The columns a risk list must have to be shown.
inline constexpr std::string_view risk_list_columns[] = {
    "person",           "hop",           "code",
    "first_exposure",   "last_exposure", "quarantine_until",
    "exposure_seconds", "via_person",    "via_place"};

/// A place as the map shows it; no coordinates when the places file has none
/// or they are not numbers.
struct report_place {
    std::string place, name, district;
    std::optional<double> lat, lon;
};

/// The places of a places file, with their coordinates.
std::vector<report_place> report_places(const place_table& places);

/// An index case's infectious window, times as the risk list writes them
/// (`to` empty: no end).
struct report_case {
    std::string person, from, to;
};

/// An index case present at a place while infectious (its stay clipped to
/// its window), times as the risk list writes them.
struct report_presence {
    std::string place, person, from, to;
};

struct report_content {
    std::string title;
    utc_offset tz{};
    /// The risk list (required; `risk_list_columns` at least).
    text_table risk;
    std::vector<report_case> cases;
    std::vector<report_place> places;
    std::vector<report_presence> presence;
    /// Other lists by key: companions, links, common_persons, common_places,
    /// risk_places, zones (shown in that order when given).
    std::vector<std::pair<std::string, text_table>> tables;
    /// The options the list was made with, as (name, value), and the profile.
    std::vector<std::pair<std::string, std::string>> options;
    std::string profile;
    /// The data's time span (earliest stay start, latest end), when known.
    std::optional<std::pair<time_point, time_point>> span;
    /// Provenance: the input files and their digests.
    std::vector<input_file> inputs;
};

/// The content of a report of a trace on `data`: the risk list as `ctrace
/// trace` writes it (times in `tz`), the cases' infectious windows and
/// their presence at places (their stays clipped to their windows), the
/// places file's places, the companions when given, the trace's options
/// and the inputs' digests (`data.inputs`, then `record.inputs`).
report_content report_of_trace(const dataset& data, const trace_record& record,
                               const std::vector<companion>* companions, utc_offset tz);

enum class report_language { zh, en };

/// "zh" or "en"; throws `parameter_error` for "lang" otherwise.
report_language parse_report_language(std::string_view text);

struct html_report_parameters {
    report_language lang = report_language::zh;
    /// Risk lists of this many rows or more are written column by column
    /// (docs/report.md, "Large lists"): the page is smaller and reads faster.
    std::size_t encode_from_rows = 2000;
};

/// The page's data as JSON (its layout is in docs/report.md), with every
/// `<` written `\u003c` so that it can stand inside a script element. Throws
/// `input_error` when the risk list lacks a column or a row's hop or
/// exposure seconds is not a number, naming the row.
std::string report_json(const report_content& content, const html_report_parameters& parameters);

/// Writes the page: the template with the data inlined. Throws as
/// `report_json`, and `output_error` when the stream fails.
void write_html_report(std::ostream& out, const report_content& content,
                       const html_report_parameters& parameters);

} // namespace ctrace
