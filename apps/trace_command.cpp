// `ctrace trace`: scan logs (or a snapshot) in, risk list out.

#include "commands.hpp"
#include "ctrace/core/atomic_file.hpp"
#include "ctrace/io/cases.hpp"
#include "ctrace/model/graph.hpp"
#include "ctrace/model/ingest.hpp"
#include "ctrace/report/risk_list.hpp"
#include "ctrace/storage/snapshot.hpp"
#include "ctrace/tracing/trace.hpp"
#include "data_loading.hpp"
#include "exit_status.hpp"
#include "options.hpp"
#include "outputs.hpp"
#include "progress.hpp"
#include "summary.hpp"

#include <iostream>
#include <optional>
#include <sstream>

namespace ctrace::cli {

po::options_description trace_options() {
    po::options_description io("Trace inputs and outputs");
    // clang-format off
    io.add_options()
        ("cases", po::value<std::string>()->value_name("FILE"),
         "index cases CSV: person, from or onset [, to] (required)")
        ("out", po::value<std::string>()->value_name("FILE"),
         "risk list CSV to write, '-' for stdout (required)")
        ("hdf5", po::value<std::string>()->value_name("FILE.h5"),
         "also write a snapshot with the trace result under /trace")
        ("graphml", po::value<std::string>()->value_name("FILE"),
         "also write the transmission tree as GraphML, for Gephi, Cytoscape or networkx "
         "(see docs/explain.md)")
        ("xlsx", po::value<std::string>()->value_name("FILE.xlsx"),
         "also write the risk list as an Excel workbook: ids as text, times as date-times in "
         "--tz (see docs/excel.md)")
        ("quiet,q", po::bool_switch(), "no summary line on stderr");
    po::options_description all;
    all.add(io).add(snapshot_option_description()).add(ingest_option_descriptions())
        .add(tracing_option_descriptions());
    all.add(output_format_option_descriptions()).add(lang_option_description())
        .add(common_option_descriptions());
    // clang-format on
    return all;
}

namespace {

void print_trace_help() {
    std::cout
        << "Usage: ctrace trace (--scans FILE [--places FILE] | --snapshot FILE.h5)\n"
           "                    --cases FILE --out FILE [--hdf5 FILE.h5] [--graphml FILE]\n"
           "                    [--xlsx FILE.xlsx [--lang en|zh]] [options]\n\n"
           "Finds the close contacts (hop 1) and secondary contacts (hop 2 and beyond) of the\n"
           "index cases and writes the risk list: one row per person at risk with hop, health\n"
           "code, exposure times, quarantine end and the contact that exposed them.\n"
        << trace_options()
        << "\nWith --snapshot the stays come from the snapshot: --places, --dwell,\n"
           "--skip-bad and --rejects do not apply; --tz still sets the zone of the cases\n"
           "file and of the output.\n"
           "Exit status: 0 ok, 2 bad input or usage (nothing written), 74 an output could not\n"
           "be written (disk full, permission; nothing written), 1 internal error.\n"
           "Bad scan rows stop the run and are listed as FILE:LINE: reason, unless\n"
           "--skip-bad; bad rows in the cases and places files always stop it.\n";
}

int run_trace(const std::vector<std::string>& args) {
    const po::variables_map vm = parse(args, trace_options());
    if (vm.count("help")) {
        print_trace_help();
        return exit_ok;
    }
    const stopwatch clock;
    check_data_options(vm);
    const bool from_snapshot = vm.count("snapshot") > 0;
    const std::string cases_path = required(vm, "cases");
    const std::string out_path = required(vm, "out");
    const bool quiet = vm["quiet"].as<bool>();
    const bool write_hdf5 = vm.count("hdf5") > 0;
    check_distinct_outputs(vm, trace_output_options);

    const utc_offset tz = tz_option(vm);
    prepared_cases prepared = read_cases_for_trace(vm, tz, cases_path, write_hdf5);
    trace_record& record = prepared.record;

    progress_reporter progress("trace", quiet);
    const double cases_seconds = clock.seconds();
    // A snapshot with an index is read only where the trace reaches; --hdf5
    // writes every stay, so it reads them all.
    std::optional<trace_run> indexed;
    if (from_snapshot && !write_hdf5) {
        indexed = trace_indexed(data_source_from(vm, progress, false), prepared);
        if (indexed) print_notes("trace", indexed->loaded.notes);
    }
    loaded_data loaded;
    std::size_t persons_with_stays = 0;
    double read_seconds = 0, graph_seconds = 0;
    if (indexed) {
        loaded = std::move(indexed->loaded);
        record = std::move(indexed->record);
        persons_with_stays = indexed->persons_with_stays;
        read_seconds = graph_seconds = cases_seconds;
    } else {
        loaded = load_data("trace", vm, progress, write_hdf5);
        if (write_hdf5)
            record.inputs.insert(record.inputs.end(), loaded.inputs.begin(), loaded.inputs.end());
        read_seconds = clock.seconds();
        persons_with_stays = loaded.ingested.data.persons.size();
        trace_cases(loaded.ingested.data, prepared, [&] { graph_seconds = clock.seconds(); });
    }
    ingest_result& ingested = loaded.ingested;
    dataset& data = ingested.data;
    const trace_result& result = record.result;
    const double trace_seconds = clock.seconds();

    write_trace_outputs(vm, out_path, result, data.persons, data.places, tz,
                        from_snapshot ? nullptr : &ingested.rejects,
                        [&](atomic_path& file) { write_snapshot(file, data, &record); });
    if (!from_snapshot) report_rejects("trace", vm, ingested.rejects);

    warn_cases_without_stays("trace", data.persons, result.cases_without_stays,
                             "; listed without contacts");
    if (!quiet) {
        const double total = clock.seconds();
        std::cerr << summary_line(
            {"ctrace trace",
             traced_data_text(loaded, persons_with_stays, record.cases.size()),
             record.parameters.profile,
             written_text(vm, trace_output_options, data.parameters.level),
             total,
             {{"read", read_seconds - cases_seconds},
              {"graph", graph_seconds - read_seconds},
              {"trace", trace_seconds - graph_seconds},
              {"write", total - trace_seconds}}},
            result);
    }
    return exit_ok;
}

} // namespace

command trace_command() {
    return {"trace", "trace contacts of index cases and write the risk list", run_trace,
            print_trace_help, trace_options};
}

} // namespace ctrace::cli
