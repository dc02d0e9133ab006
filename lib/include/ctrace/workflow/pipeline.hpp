#pragma once
/// \file
/// The workflows every front end runs: load the scan data (from scan dumps or
/// a snapshot), read the index cases against it, trace. The `ctrace`
/// executable and the tests use these, and so can any other program: the
/// sequence is written once, here.
///
/// A whole trace is a handful of calls:
///
///     ctrace::data_source source;
///     source.scans.scans = {"scans.csv"};
///     ctrace::trace_request request;
///     request.cases = "cases.csv";
///     ctrace::trace_run run = ctrace::trace_from(source, request);
///     ctrace::write_risk_list(out, run.record.result, run.data().persons,
///                             run.data().places, run.record.tz);
///
/// Front ends that want to fail fast on a bad cases file call the steps
/// themselves: `read_index_cases` (milliseconds), `load_data` (the long
/// read), then `trace_cases`.

#include "ctrace/model/graph.hpp"
#include "ctrace/model/ingest.hpp"
#include "ctrace/model/pseudonym.hpp"
#include "ctrace/model/sites.hpp"
#include "ctrace/storage/snapshot.hpp"
#include "ctrace/tracing/companions.hpp"
#include "ctrace/tracing/sources.hpp"
#include "ctrace/tracing/trace.hpp"

#include <filesystem>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ctrace {

/// Where the stays come from: scan dumps read by `ingest`, or a snapshot.
struct data_source {
    /// The scan dumps, places file and reading options (used unless
    /// `snapshot` is set). `scans.pseudonyms` also applies to a snapshot.
    ingest_options scans;
    /// Read the stays from this snapshot instead of the scan dumps.
    std::optional<std::filesystem::path> snapshot;
    /// The store folder `snapshot` belongs to (`--store DIR`): a version-2
    /// store (`stored_window.hpp`) is read from its partitions; a version-1
    /// store is its `snapshot`, `DIR/snapshot.h5`.
    std::optional<std::filesystem::path> store;
    /// Contacts at the codes scanned, or at their sites (docs/semantics.md
    /// §8.1): the data is rolled up after it is read. A snapshot already at
    /// site level cannot go back to codes (`parameter_error`).
    contact_level level = contact_level::code;
};

/// Something a user should be told about the data, and the parameter that
/// would change it (empty when none), so that a front end can name its flag.
struct data_note {
    std::string text;
    std::string parameter;
};

struct loaded_data {
    /// The data; `rejects` stays empty for a snapshot.
    ingest_result ingested;
    bool from_snapshot = false;
    /// The snapshot as an input of what is computed from it (with its
    /// SHA-256 when `scans.digests`); empty for scan dumps.
    std::vector<input_file> inputs;
    /// What a user should be told (a snapshot of pseudonymised ids read
    /// without a key, say).
    std::vector<data_note> notes;
    /// The sizes of the data as stored. Set by `trace_indexed`, whose
    /// `ingested.data` holds only the ids its result names.
    struct stored_sizes {
        std::size_t stays = 0, persons = 0, places = 0;
    };
    std::optional<stored_sizes> indexed;
};

/// Loads the data. A snapshot's person ids are made to match
/// `source.scans.pseudonyms`: ids as read are pseudonymised now, ids
/// pseudonymised with the same key are left as they are, another key is a
/// `parameter_error` for "pseudonyms". With a snapshot, scan files, a places
/// file or scan-reading options (which cannot apply: its stays are made) are
/// a `parameter_error` for "snapshot". Throws as `ingest` and `read_snapshot`
/// do.
loaded_data load_data(const data_source& source);

/// What to trace: the index cases and the tracing parameters.
struct trace_request {
    std::filesystem::path cases;
    trace_parameters parameters;
    /// Start of the infectious window before onset, for cases without `from`.
    duration lookback = defaults::lookback;
    /// Zone of case times written without an offset, and of the times the
    /// risk list is written in (`trace_record::tz`). `read_index_cases` takes
    /// UTC when unset; `trace_from` takes the data's zone (the scans' read
    /// zone, or the one a snapshot was made with).
    std::optional<utc_offset> tz;
    /// Case ids are looked up by their pseudonyms under this key.
    /// `read_index_cases` looks them up as they are when unset; `trace_from`
    /// takes the data's key (`data_source::scans.pseudonyms`), and refuses
    /// another one (`parameter_error` for "pseudonyms").
    std::shared_ptr<const pseudonymizer> pseudonyms;
    /// Record the cases file's SHA-256 in the provenance.
    bool digest = true;
    /// The cases file's names for its columns, where they differ.
    column_names columns;
    /// The cases file's text encoding (compression is recognised).
    input_encoding encoding = input_encoding::utf8;
    /// The layout of the cases file's times when not epoch or ISO 8601.
    std::optional<time_format> time_layout;
    /// Every case must have an onset (backward tracing, `find_case_sources`).
    bool require_onset = false;
};

/// Index cases read before the data, with their own id table.
struct prepared_cases {
    /// Parameters, zone, cases (indices into `case_ids` until attached) and
    /// the cases file's provenance; `result` is filled by `trace_cases`.
    trace_record record;
    id_table case_ids;
    std::shared_ptr<const pseudonymizer> pseudonyms;
};

/// Reads the cases file of `request`. Throws as `read_cases` does.
prepared_cases read_index_cases(const trace_request& request);

/// Reads the cases from `cases` instead of `request.cases` (a front end's
/// table written out as CSV), named `source_name` in messages and in the
/// provenance, which has no size or digest for it. Throws as `read_cases`
/// does.
prepared_cases read_index_cases(const trace_request& request, std::istream& cases,
                                const std::string& source_name);

/// Takes the places file's minimum overlaps (§8.2) of `data` into
/// `parameters`: they are data, not options, and a snapshot's recorded trace
/// parameters leave them to its places.
void take_place_min_overlaps(const dataset& data, trace_parameters& parameters);

/// Points the cases at `data`'s persons (appending those that never scanned,
/// after every person with stays) and takes the places file's minimum
/// overlaps (§8.2) into the parameters.
void point_cases_at(dataset& data, prepared_cases& prepared);

/// `point_cases_at`, then builds the person–place graph.
person_place_graph attach_cases(dataset& data, prepared_cases& prepared);

/// `attach_cases`, then (after calling `graph_built`, for timing) traces into
/// `prepared.record.result`, telling `observer` of every qualifying event.
void trace_cases(dataset& data, prepared_cases& prepared,
                 const std::function<void()>& graph_built = {},
                 const event_observer& observer = {});

/// Backward tracing (docs/semantics.md §9) of cases read with
/// `require_onset`: `point_cases_at`, then `find_sources` with the places
/// file's minimum overlaps. No graph is built.
sources_result find_case_sources(dataset& data, prepared_cases& prepared,
                                 sources_parameters parameters);

/// The outcome of `trace_from`.
struct trace_run {
    loaded_data loaded;
    /// Parameters, cases (indices into the data's persons), result and the
    /// provenance of the inputs (the cases file, then the snapshot if any).
    trace_record record;
    /// The persons that have stays (the rest are index cases that never
    /// scanned).
    std::size_t persons_with_stays = 0;

    dataset& data() noexcept { return loaded.ingested.data; }
    const dataset& data() const noexcept { return loaded.ingested.data; }
};

/// The whole workflow: loads the data, reads the cases, traces.
trace_run trace_from(const data_source& source, const trace_request& request);

/// Data loaded once and traced many times, from several threads at once (a
/// front end that keeps the data, such as the Python module): the
/// person–place graph is built once, and `trace_loaded` only reads both.
struct traceable_data {
    loaded_data loaded;
    person_place_graph graph;
    /// The persons by id, byte-wise (`id_table::sorted_order`), and the rank
    /// of each person's id in that order: index cases are found by binary
    /// search, and the risk list's ties broken by rank (see `trace`).
    std::vector<person_index> persons_by_id;
    std::vector<std::uint32_t> person_rank;

    const dataset& data() const noexcept { return loaded.ingested.data; }
};

/// Builds the person–place graph of `loaded`'s stays and sorts its persons by id.
traceable_data make_traceable(loaded_data loaded);

/// The index cases pointed at `traceable_data` as `attach_cases` points them
/// at a `dataset`, without changing the data (other threads may be reading
/// it): while every case has scanned, the data's own persons and graph;
/// else copies of them with the cases that never scanned appended, as
/// `attach_cases` would append them.
class attached_cases {
public:
    /// Parameters (with the places file's minimum overlaps), zone and cases,
    /// indices into `persons()`.
    trace_record record;

    const id_table& persons() const noexcept { return own_persons_ ? *own_persons_ : *persons_; }
    const person_place_graph& graph() const noexcept { return own_graph_ ? *own_graph_ : *graph_; }

private:
    friend attached_cases attach_cases(const traceable_data& data, const prepared_cases& prepared);
    const id_table* persons_ = nullptr;
    const person_place_graph* graph_ = nullptr;
    std::optional<id_table> own_persons_;
    std::optional<person_place_graph> own_graph_;
};

/// Points `prepared`'s cases at `data` (see `attached_cases`). The result
/// refers to `data`, which must outlive it.
attached_cases attach_cases(const traceable_data& data, const prepared_cases& prepared);

/// A trace of `traceable_data`, with its own tables of the ids it names.
struct named_trace {
    /// Parameters, cases, result and provenance (the cases, then the data's
    /// inputs), with indices into `persons` and `places`.
    trace_record record;
    /// The companions (docs/semantics.md §10), when asked for.
    std::vector<companion> companions;
    /// Only the ids the record and the companions name, in the data's order,
    /// the index cases that never scanned last.
    id_table persons;
    id_table places;
    /// The persons that have stays in the data.
    std::size_t persons_with_stays = 0;
};

/// `trace_cases` on data that it does not change, and `find_companions` with
/// `companions` when given: cases that never scanned are named apart rather
/// than appended to the data's persons, so any number of threads may trace
/// one `traceable_data` at once. The risk list and companions are those of
/// `trace_from` on the same data, byte for byte. Throws as `trace` and
/// `find_companions` do.
named_trace trace_loaded(const traceable_data& data, const prepared_cases& prepared,
                         const companion_parameters* companions = nullptr);

/// `load_data` then `trace_cases`, reading only what the trace touches
/// (`indexed_snapshot.hpp`) when the data is a snapshot with an index block.
/// Nothing when that does not apply: no
/// snapshot, one written before indexed reads, a roll-up to sites or person
/// ids to pseudonymise now (both need every stay or id), or a pseudonym key
/// that is not the snapshot's (the whole read names the problem); the caller
/// then loads the data whole. The result is the same, byte for byte. The
/// run's `data()` holds only the ids the result names (its persons and
/// places, renumbered in their stored order) and the snapshot's reading
/// parameters; `loaded.indexed` has the stored sizes. Throws as
/// `read_snapshot` and `trace` do, and `snapshot_error` for a damaged block.
std::optional<trace_run> trace_indexed(const data_source& source, const prepared_cases& prepared);

/// The outcome of `find_case_sources_indexed`.
struct sources_run {
    /// As in `trace_run`: `data()` holds only the ids the result names.
    loaded_data loaded;
    /// The cases (indices into `data().persons`) and what was found.
    std::vector<index_case> cases;
    sources_result result;
    /// The persons that have stays in the snapshot.
    std::size_t persons_with_stays = 0;

    dataset& data() noexcept { return loaded.ingested.data; }
    const dataset& data() const noexcept { return loaded.ingested.data; }
};

/// `find_case_sources` on a snapshot read in place, when `trace_indexed`
/// would apply (nothing otherwise): the cases' stays by the person index,
/// the places they touch by the place index. Same lists, byte for byte.
/// `prepared` must have been read with `require_onset`.
std::optional<sources_run> find_case_sources_indexed(const data_source& source,
                                                     const prepared_cases& prepared,
                                                     sources_parameters parameters);

} // namespace ctrace
