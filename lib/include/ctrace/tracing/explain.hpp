#pragma once
/// \file
/// Explaining a listing (docs/explain.md): the chain of `via_person`s that
/// takes a listed person back to an index case, the evidence a health office
/// reviews when someone appeals their code.
///
/// A *risk listing* is a risk list held as ids and times: read back from the
/// CSV that `ctrace trace` writes, or made from a trace result (a traced
/// snapshot's /trace group). Every listed person at hop k >= 1 was first
/// exposed by its `via_person`, who is listed at a lower hop: k - 1 as a
/// rule, lower when the source exposed it through the wider infectious
/// interval it had from a later layer (docs/semantics.md §4: a source's E
/// can still go down after its hop is fixed). Following those links from a
/// person reaches an index case (hop 0) in at most k steps.

#include "ctrace/core/error.hpp"
#include "ctrace/core/id_table.hpp"
#include "ctrace/core/time.hpp"
#include "ctrace/io/scans.hpp"
#include "ctrace/storage/snapshot.hpp"
#include "ctrace/tracing/meetings.hpp"
#include "ctrace/tracing/trace.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ctrace {

/// One row of a risk list (docs/semantics.md §5), ids as text. For index
/// cases (hop 0) the times are `time_infinity`, `exposure_seconds` 0 and the
/// via fields empty.
struct listed_person {
    std::string person;
    std::uint32_t hop = 0;
    /// The health code as listed (`red`, `yellow`).
    std::string code;
    /// Earliest exposure start and latest exposure end, epoch seconds; the
    /// exposure ran over `[first_exposure, last_exposure)` with gaps.
    time_point first_exposure = time_infinity;
    time_point last_exposure = time_infinity;
    time_point quarantine_until = time_infinity;
    /// Sum of the effective overlaps with every source, seconds.
    duration exposure_seconds = 0;
    /// Source and place of the first exposure.
    std::string via_person;
    std::string via_place;

    friend bool operator==(const listed_person&, const listed_person&) = default;
};

/// A risk list: its rows in the order listed, and the zone its times are
/// written in.
struct risk_listing {
    std::vector<listed_person> rows;
    utc_offset tz{};
    /// Where the listing came from (a file), for messages; empty when made in
    /// memory.
    std::string source;
};

/// Reads a risk list CSV as `ctrace trace` writes it: the nine columns of
/// `risk_list_header` found by name, other columns (`monitor_until`) ignored;
/// a byte-order mark and CRLF line ends are fine. Times must carry their
/// offset (`Z` or `±HH:MM`, as ctrace writes them): the zone of the listing
/// is that of the first time written (UTC when no time is), and a time
/// written in another zone is still read at its own offset. `source_name`
/// names the stream in messages.
///
/// Bad rows (a malformed record, a wrong field count, a hop, time or
/// `exposure_seconds` that does not parse, a time without an offset, an empty
/// person, an empty exposure or via field at hop 1 or more, a person listed
/// twice) throw one `bad_rows_error` naming each as FILE:LINE after the whole
/// file is read; an empty file or a missing column throws `input_error`.
risk_listing read_risk_listing(std::istream& in, const std::string& source_name);
/// The same from a file; throws `io_error` naming it when it cannot be read.
risk_listing read_risk_listing(const std::filesystem::path& path);

/// The listing of a trace result, with `persons` and `places` the id tables
/// its indices refer to and `tz` the zone it is written in.
risk_listing risk_listing_of(const trace_result& result, const id_table& persons,
                             const id_table& places, utc_offset tz);

/// The listing of a traced snapshot (`read_snapshot`, then its /trace group
/// by `read_trace_record`), in the zone of the trace. Throws `input_error`
/// naming the file when the snapshot holds no trace, and as `read_snapshot`
/// does.
risk_listing read_traced_listing(const std::filesystem::path& snapshot_path);

/// The /trace group of a snapshot (`read_trace_record`), for a caller that
/// needs the trace itself. Throws `input_error` naming the file when the
/// snapshot holds none, and as `read_trace_record` does.
trace_record read_required_trace(const std::filesystem::path& snapshot_path);

/// The listing of `record`, the trace of the snapshot `data` read from
/// `snapshot_path` (which names it in messages).
risk_listing traced_listing(const trace_record& record, const dataset& data,
                            const std::filesystem::path& snapshot_path);

/// A person asked about is not in the listing.
class unknown_person_error : public input_error {
public:
    unknown_person_error(std::string person, const std::string& message)
        : input_error(message), person_(std::move(person)) {}
    const std::string& person() const noexcept { return person_; }

private:
    std::string person_;
};

/// Finds listed persons by id (byte for byte), and the row of each one's
/// source. Refers to the listing: keep it alive and unchanged.
class listing_index {
public:
    explicit listing_index(const risk_listing& listing);

    /// The row of `person`; throws `unknown_person_error` naming it when it
    /// is not listed.
    std::size_t row_of(std::string_view person) const;

    /// The row of the `via_person` of row `row` (which must be at hop 1 or
    /// more). Throws `input_error` naming the person of `row` when the link
    /// is broken: no `via_person`, one that is not listed, or one that is
    /// not listed at a lower hop (which also rules out cycles).
    /// `asked` (when not empty) is the person whose chain this is, for the
    /// message.
    std::size_t source_of(std::size_t row, std::string_view asked = {}) const;

private:
    const risk_listing& listing_;
    std::unordered_map<std::string_view, std::size_t> rows_;
};

/// One meeting of an explained person (`meetings.hpp`), ids as text.
struct explained_meeting {
    std::string source;
    std::uint32_t source_hop = 0;
    std::string place;
    /// The effective overlap `[start, end)`, epoch seconds.
    time_point start = 0;
    time_point end = 0;

    friend bool operator==(const explained_meeting&, const explained_meeting&) = default;
};

/// The chain of one asked person: `steps[0]` is that person's row, each next
/// step the row of the previous one's `via_person`, the last an index case;
/// a person at hop k has k + 1 steps.
struct explanation {
    std::string asked;
    std::vector<listed_person> steps;
    /// The asked person's meetings at its hop, once `add_meetings` put them
    /// here (none for an index case).
    std::vector<explained_meeting> meetings;
};

/// The chain of `person`. Throws `unknown_person_error` when `person` is not
/// listed, `input_error` naming the person where the chain breaks (see
/// `listing_index::source_of`); it never takes more than hop + 1 steps.
explanation explain(const risk_listing& listing, std::string_view person);

/// The chains of `persons`, in that order (a person asked twice is explained
/// twice). Throws as `explain` does for the first person that fails, and
/// returns nothing then.
std::vector<explanation> explain(const risk_listing& listing, std::span<const std::string> persons);

/// Puts `found[k]` (from `find_meetings` for the persons asked, in order)
/// into `explanations[k]`, ids from `persons` and `places` (the tables the
/// meetings' indices refer to), and checks them against the asked person's
/// row (`steps[0]`): the trace lists the person at the same hop, the earliest
/// meeting starts at `first_exposure`, the latest ends at `last_exposure`,
/// the lengths add up to `exposure_seconds`, and the first meeting is the
/// `via_person` at the `via_place`. Throws `input_error` naming the person
/// and the first value that differs (the list was made from other data,
/// cases or options than the meetings), and `error` when the sizes differ;
/// `explanations` is then unchanged.
void add_meetings(std::span<explanation> explanations, std::span<const person_meetings> found,
                  const id_table& persons, const id_table& places);

/// Place names by place id, for showing where a meeting was.
using place_names = std::unordered_map<std::string, std::string>;

/// The `name` column of a places table (a places file, or a snapshot's place
/// metadata): the places with a name that is not empty. None when the table
/// has no `name` column (then nothing about names is written).
std::optional<place_names> place_names_of(const place_table& places);

/// How explanations are written.
enum class explanation_format {
    /// One line per step and no header, chains separated by one blank line:
    /// `D (hop 2, yellow): first exposed at R02 by B, 2022-04-19T13:00:00+08:00
    /// to 2022-04-19T14:00:00+08:00, 3600 s in all`, and for the index case
    /// `C1 (hop 0, red): index case`. Ids are written as they are, but for
    /// control characters (`\n`, `\r`, `\t`, `\xHH`), so that a step is one line.
    text,
    /// CSV with `explanation_csv_header`, one row per step (`step` 1 is the
    /// asked person), fields quoted only when needed, LF line ends, index
    /// cases' exposure and via fields empty as in the risk list.
    csv,
};

inline constexpr std::string_view explanation_csv_header =
    "asked,step,person,hop,code,first_exposure,last_exposure,exposure_seconds,via_person,"
    "via_place";

/// `explanation_csv_header` with the place names.
inline constexpr std::string_view explanation_csv_names_header =
    "asked,step,person,hop,code,first_exposure,last_exposure,exposure_seconds,via_person,"
    "via_place,via_place_name";

/// The meetings as CSV: one row per meeting, `meeting` counting from 1 for
/// each person asked, `seconds` the length and `minutes` the same in
/// minutes (two decimals at most).
inline constexpr std::string_view meetings_csv_header =
    "person,hop,meeting,source,source_hop,place,place_name,start,end,seconds,minutes";

/// `text` or `csv`; throws `parameter_error` for "format" otherwise.
explanation_format parse_explanation_format(std::string_view text);

/// How `write_explanations` writes.
struct explanation_writing {
    /// The zone of the times written.
    utc_offset tz{};
    explanation_format format = explanation_format::text;
    /// The places' names, written beside their ids: `at B03 (City Bank)` in
    /// text (a place without a name as before: `at B03`), and the last CSV
    /// column `via_place_name` (`explanation_csv_names_header`). Null: no
    /// names, and the text and CSV are as they were before names existed.
    const place_names* names = nullptr;
    /// Write the meetings: in text after each chain, one line each; in CSV
    /// the meetings table (`meetings_csv_header`) instead of the chains.
    bool meetings = false;
};

/// Writes `explanations` as `how` says, times as the risk list writes them
/// (`YYYY-MM-DDTHH:MM:SS` and `Z` or `±HH:MM`). Throws `output_error` when
/// the stream fails.
void write_explanations(std::ostream& out, std::span<const explanation> explanations,
                        const explanation_writing& how);

/// The same in `format` and zone `tz`, without names or meetings.
void write_explanations(std::ostream& out, std::span<const explanation> explanations, utc_offset tz,
                        explanation_format format);

class column_table;

/// The rows of `explanation_format::csv` into `table` (column_table.hpp):
/// the chains, or with `how.meetings` the meetings instead. `how.format`
/// does not apply.
void write_explanations(column_table& table, std::span<const explanation> explanations,
                        const explanation_writing& how);

class xlsx_workbook;

/// Writes the chains as a sheet of `book` ("explanation", 传播链;
/// docs/excel.md): the rows of `explanation_format::csv`, with the column
/// `via_place_name` when `how.names` is set; with `how.meetings`, the
/// meetings table as a second sheet ("meetings", 接触明细). `how.format` does
/// not apply. Throws `output_error` naming the workbook when a row does not fit.
void write_explanations(xlsx_workbook& book, std::span<const explanation> explanations,
                        const explanation_writing& how);

} // namespace ctrace
