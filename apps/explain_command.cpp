// `ctrace explain`: the chain back to an index case of each person asked,
// from a risk list or a traced snapshot; with the places' names, and with
// --meetings every meeting that put the person at its hop.

#include "commands.hpp"
#include "ctrace/model/graph.hpp"
#include "ctrace/storage/snapshot.hpp"
#include "ctrace/storage/stored_window.hpp"
#include "ctrace/tracing/explain.hpp"
#include "ctrace/tracing/meetings.hpp"
#include "data_loading.hpp"
#include "exit_status.hpp"
#include "options.hpp"
#include "outputs.hpp"
#include "progress.hpp"

#include <iostream>
#include <optional>

namespace ctrace::cli {

namespace {

po::options_description explain_options() {
    return options_for(cmd::explain,
                       {{"Explain", {section::own}},
                        {"Meetings (the stays come from --snapshot, or --scans with the reading "
                         "options below)",
                         {section::meetings}},
                        scan_reading_group(),
                        section::tracing,
                        section::output_format,
                        section::excel,
                        section::general},
                       true);
}

void print_explain_help() {
    std::cout
        << "Usage: ctrace explain (--risk FILE | --snapshot FILE.h5) --person ID [--person ID "
           "...]\n"
           "                      [--places FILE] [--format text|csv] [--out FILE]\n"
           "                      [--xlsx FILE.xlsx [--lang en|zh]]\n"
           "       ctrace explain ... --meetings (--snapshot TRACED.h5 | [--snapshot FILE.h5 | "
           "--scans FILE\n"
           "                      [--places FILE]] --cases FILE [tracing options])\n\n"
           "Shows why each person asked is on the risk list: who first exposed them, where\n"
           "and when, then how that person was exposed in turn, down to the index case. One\n"
           "step per hop: a person at hop k has k + 1 lines. The evidence to review when\n"
           "someone appeals their health code. Example, on the tiny example's list:\n\n"
           "  $ ctrace explain --risk risk.csv --person G\n"
           "  G (hop 3, yellow): first exposed at B03 by D, 2022-04-20T09:20:00+08:00 to "
           "2022-04-20T10:00:00+08:00, 2400 s in all\n"
           "  D (hop 2, yellow): first exposed at R02 by B, 2022-04-19T13:00:00+08:00 to "
           "2022-04-19T14:00:00+08:00, 3600 s in all\n"
           "  B (hop 1, red): first exposed at M01 by C1, 2022-04-19T11:00:00+08:00 to "
           "2022-04-19T12:00:00+08:00, 3600 s in all\n"
           "  C1 (hop 0, red): index case\n\n"
           "The interval runs from the first exposure to the last, over every source; the\n"
           "seconds are the time actually shared with them. Times are in the list's zone.\n\n"
           "Place names: with --places FILE (its 'name' column), or from the snapshot's place\n"
           "metadata, places are written 'B03 (City Bank)' and CSV gets via_place_name.\n\n"
           "--meetings lists the separate meetings behind the person's row: every contact\n"
           "that qualified at its hop, with the source, place, start, end and length:\n\n"
           "  $ ctrace explain --snapshot traced.h5 --person H --meetings\n"
           "  ...\n"
           "  meetings of H at hop 2: 2, 7200 s in all\n"
           "    1. B (hop 1) at B03 (City Bank), 2022-04-19T15:00:00+08:00 to "
           "2022-04-19T16:00:00+08:00, 3600 s (60 min)\n"
           "    2. E (hop 1) at B03 (City Bank), 2022-04-19T15:00:00+08:00 to "
           "2022-04-19T16:00:00+08:00, 3600 s (60 min)\n\n"
           "They are found by tracing again: from a traced snapshot with its own cases and\n"
           "options, or from --snapshot/--scans with --cases and the options of the trace\n"
           "that made the list. Their first start, last end and total seconds must be the\n"
           "list's first_exposure, last_exposure and exposure_seconds, else exit 2.\n"
        << explain_options()
        << "\n--bom applies to --format csv. Nothing is written unless every person asked is\n"
           "listed and their chains are whole.\n"
           "Exit status: 0 ok, 2 bad input or usage (a person not listed, a broken chain, a\n"
           "snapshot without a trace, a bad row, --meetings without the stays or the cases,\n"
           "meetings that do not give the list's row; nothing written), 74 the output could\n"
           "not be written (nothing written), 1 internal error.\n";
}

/// An option of tracing again given on the command line (or in --config):
/// the tracing options, and those that shape the stays of a snapshot.
std::optional<opt> given_tracing_option(const po::variables_map& vm) {
    std::vector<opt> options = {opt::tz, opt::contact_level, opt::pseudonymize};
    for (const opt option : options_in(cmd::explain, section::tracing))
        options.push_back(option);
    for (const opt option : options)
        if (given(vm, option)) return option;
    return std::nullopt;
}

/// Refuses combinations of options that cannot mean anything, before any
/// file is read.
void check_explain_options(const po::variables_map& vm, bool meetings) {
    const bool from_risk = has(vm, opt::risk);
    const bool has_snapshot = has(vm, opt::snapshot);
    if (!from_risk && !has_snapshot)
        throw input_error("give the list to explain: --risk FILE or --snapshot FILE.h5");
    if (!has(vm, opt::person)) throw input_error("--person is required (a listed person's id)");
    if (has(vm, opt::rejects)) throw input_error("--rejects does not apply to explain");
    if (has_snapshot && has(vm, opt::places))
        throw input_error(
            "--places does not apply with --snapshot (the snapshot holds its places)");
    if (!meetings) {
        std::optional<opt> option = given_tracing_option(vm);
        for (const opt data : {opt::scans, opt::cases})
            if (has(vm, data)) option = data;
        if (option)
            throw input_error(flag(*option) +
                              " applies with --meetings (to find the meetings in the data)");
        return;
    }
    if (!has_snapshot && !has(vm, opt::scans))
        throw input_error("--meetings needs the stays: give --snapshot FILE.h5 (the snapshot "
                          "the list was traced on) or --scans FILE [--places FILE] with the "
                          "reading options of that trace");
    if (has_snapshot && has(vm, opt::scans))
        throw input_error("give either --scans or --snapshot, not both");
    if (has(vm, opt::cases)) {
        check_data_options(vm);
        return;
    }
    if (!has_snapshot)
        throw input_error("--meetings with --scans needs the index cases: give --cases FILE "
                          "and the tracing options of the trace that made the list");
    if (const std::optional<opt> option = given_tracing_option(vm))
        throw input_error(flag(*option) +
                          ": the snapshot's trace records its own options; give --cases FILE "
                          "to trace with other ones");
}

/// The meetings of the persons asked, traced on `data`.
void add_meetings_traced_on(std::vector<explanation>& chains, const dataset& data,
                            const person_place_graph& graph, std::span<const index_case> cases,
                            const trace_parameters& parameters) {
    std::vector<std::string_view> asked;
    asked.reserve(chains.size());
    for (const explanation& e : chains)
        asked.push_back(e.asked);
    const std::vector<person_meetings> found =
        find_meetings(data.stays, graph, data.persons, data.places, cases, parameters, asked);
    add_meetings(chains, found, data.persons, data.places);
}

int run_explain(const std::vector<std::string>& args) {
    const po::variables_map vm = parse(args, explain_options());
    if (has(vm, opt::help)) {
        print_explain_help();
        return exit_ok;
    }
    const bool meetings = flag_option(vm, opt::meetings);
    check_explain_options(vm, meetings);
    const bool from_risk = has(vm, opt::risk);
    const bool retrace = meetings && has(vm, opt::cases);
    const auto persons = texts_option(vm, opt::person);
    explanation_writing how;
    how.format = explanation_format_option(vm);
    const output_options outputs = output_options_from(vm);
    check_distinct_outputs(outputs, {opt::out, opt::xlsx});
    how.meetings = meetings;

    // The snapshot as it was written: the list's ids, its place names, and
    // (without --cases) the trace whose meetings are wanted. Tracing again
    // on it reads it as `ctrace trace` does, place names included.
    std::optional<std::filesystem::path> snapshot_path;
    if (has(vm, opt::snapshot)) snapshot_path = text_option(vm, opt::snapshot);
    std::optional<trace_record> record;
    if (snapshot_path && (!from_risk || (meetings && !retrace))) {
        record = read_trace_record(*snapshot_path); // before the stays: fails fast
        if (!record && from_risk)
            throw input_error(snapshot_path->string() +
                              ": the snapshot holds no trace, so --meetings needs the cases: give "
                              "--cases FILE and the tracing options of the trace that made the "
                              "list");
        if (!record) record = read_required_trace(*snapshot_path); // throws, saying why
    }
    std::optional<dataset> stored;
    if (snapshot_path && !(retrace && from_risk))
        stored = has(vm, opt::store) ? read_store(text_option(vm, opt::store))
                                     : read_snapshot(*snapshot_path);

    const risk_listing listing = from_risk ? read_risk_listing(text_option(vm, opt::risk))
                                           : traced_listing(*record, *stored, *snapshot_path);
    std::vector<explanation> chains = explain(listing, persons);
    how.tz = listing.tz;

    // The names of the data traced again, else of the snapshot, else of --places.
    std::optional<place_names> names;
    if (retrace) {
        // As `ctrace trace` would: the cases first (fails in milliseconds).
        prepared_cases prepared =
            read_cases_for_trace(vm, tz_option(vm), text_option(vm, opt::cases), false);
        progress_reporter progress("explain", false);
        loaded_data loaded = load_data("explain", vm, progress, false);
        dataset& data = loaded.ingested.data;
        const person_place_graph graph = attach_cases(data, prepared);
        add_meetings_traced_on(chains, data, graph, prepared.record.cases,
                               prepared.record.parameters);
        names = place_names_of(data.place_info);
    } else if (stored) {
        if (meetings && stored->stays.size() == 0 && !stored->persons.empty())
            throw input_error(snapshot_path->string() +
                              ": holds the trace and the ids it names, not the stays (a daily "
                              "list): for meetings give the store with --store DIR, the list "
                              "with --risk and the cases with --cases");
        if (meetings) {
            trace_parameters parameters = record->parameters;
            take_place_min_overlaps(*stored, parameters);
            const person_place_graph graph =
                build_person_place_graph(stored->stays, stored->persons.size());
            add_meetings_traced_on(chains, *stored, graph, record->cases, parameters);
        }
        names = place_names_of(stored->place_info);
    } else if (has(vm, opt::places)) {
        place_read_options places;
        places.columns = column_names_option(vm, opt::place_columns, places_file_columns);
        places.encoding = encoding_option(vm, opt::places_encoding);
        names = place_names_of(read_places(text_option(vm, opt::places), places));
    }
    if (names) how.names = &*names;

    staged_output out(outputs.files.at(opt::out),
                      how.format == explanation_format::csv && outputs.bom);
    out.write([&](std::ostream& s) { write_explanations(s, chains, how); });
    out.close();
    std::optional<xlsx_workbook> workbook;
    stage_xlsx_option(outputs, workbook,
                      [&](xlsx_workbook& book) { write_explanations(book, chains, how); });
    if (workbook) workbook->commit();
    out.commit();
    return exit_ok;
}

} // namespace

command explain_command() {
    return {"explain", "show the chain that put a listed person at risk", run_explain,
            print_explain_help, explain_options};
}

} // namespace ctrace::cli
