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
    return options_for(cmd::trace, {{"Trace inputs and outputs", {section::own, section::quiet}},
                                    section::snapshot,
                                    scan_reading_group(),
                                    section::tracing,
                                    section::output_format,
                                    section::excel,
                                    section::general});
}

namespace {

void print_trace_help() {
    std::cout
        << "Usage: ctrace trace (--scans FILE [--places FILE] | --snapshot FILE.h5)\n"
           "                    --cases FILE --out FILE [--hdf5 FILE.h5] [--graphml FILE]\n"
           "                    [--xlsx FILE.xlsx [--lang en|zh]] [--companions FILE] [options]\n\n"
           "Finds the close contacts (hop 1) and secondary contacts (hop 2 and beyond) of the\n"
           "index cases and writes the risk list: one row per person at risk with hop, health\n"
           "code, exposure times, quarantine end and the contact that exposed them.\n"
           "With --companions it also lists the same-time-and-place persons (同时空人员): people\n"
           "at a case's place around the time the case was there (within --companion-window)\n"
           "who are not on the risk list; health offices give them a yellow code and a test.\n"
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
    if (has(vm, opt::help)) {
        print_trace_help();
        return exit_ok;
    }
    const stopwatch clock;
    check_data_options(vm);
    const bool from_snapshot = has(vm, opt::snapshot);
    const std::string cases_path = required(vm, opt::cases);
    required(vm, opt::out);
    const bool quiet = flag_option(vm, opt::quiet);
    const output_options outputs = output_options_from(vm);
    const bool write_hdf5 = outputs.file(opt::hdf5) != nullptr;
    check_distinct_outputs(outputs, trace_output_options);

    const utc_offset tz = tz_option(vm);
    prepared_cases prepared = read_cases_for_trace(vm, tz, cases_path, write_hdf5);
    trace_record& record = prepared.record;

    progress_reporter progress("trace", quiet);
    const double cases_seconds = clock.seconds();
    // (wall, CPU) at the start of each phase, for --verbose.
    std::vector<std::pair<double, double>> marks{{cases_seconds, process_cpu_seconds()}};
    const auto mark = [&](double wall) { marks.emplace_back(wall, process_cpu_seconds()); };
    // A snapshot with an index is read only where the trace reaches; --hdf5
    // writes every stay, and companions may be anyone at a case's places, so
    // they read them all.
    const bool with_companions = outputs.file(opt::companions) != nullptr;
    const companion_parameters companion_options{duration_option(vm, opt::companion_window)};
    std::optional<trace_run> indexed;
    if (from_snapshot && !write_hdf5 && !with_companions) {
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
        mark(read_seconds);
        mark(graph_seconds);
    } else {
        loaded = load_data("trace", vm, progress, write_hdf5);
        if (write_hdf5)
            record.inputs.insert(record.inputs.end(), loaded.inputs.begin(), loaded.inputs.end());
        read_seconds = clock.seconds();
        mark(read_seconds);
        persons_with_stays = loaded.ingested.data.persons.size();
        trace_cases(loaded.ingested.data, prepared, [&] {
            graph_seconds = clock.seconds();
            mark(graph_seconds);
        });
    }
    ingest_result& ingested = loaded.ingested;
    dataset& data = ingested.data;
    const trace_result& result = record.result;
    std::vector<companion> companions;
    if (with_companions)
        companions = find_companions(data.stays, record.cases, result, data.persons, data.places,
                                     companion_options);
    const double trace_seconds = clock.seconds();
    mark(trace_seconds);

    write_trace_outputs(
        outputs, result, data.persons, data.places, tz, from_snapshot ? nullptr : &ingested.rejects,
        [&](atomic_path& file) { write_snapshot(file, data, &record); },
        with_companions ? &companions : nullptr);
    if (!from_snapshot) report_rejects("trace", outputs, ingested.rejects);

    warn_cases_without_stays("trace", data.persons, result.cases_without_stays,
                             "; listed without contacts");
    if (!quiet) {
        const double total = clock.seconds();
        std::cerr << summary_line(
            {"ctrace trace",
             traced_data_text(loaded, persons_with_stays, record.cases.size()),
             record.parameters.profile,
             written_text(outputs, trace_output_options, data.parameters.level),
             total,
             {{"read", read_seconds - cases_seconds},
              {"graph", graph_seconds - read_seconds},
              {"trace", trace_seconds - graph_seconds},
              {"write", total - trace_seconds}}},
            result);
        if (flag_option(vm, opt::verbose)) {
            mark(total);
            std::cerr << "ctrace trace: CPUs busy by phase (CPU seconds of all threads per wall "
                         "second): "
                      << cpus_busy_text({"read", "graph", "trace", "write"}, marks) << "\n";
        }
    }
    return exit_ok;
}

} // namespace

command trace_command() {
    return {"trace", "trace contacts of index cases and write the risk list", run_trace,
            print_trace_help, trace_options};
}

} // namespace ctrace::cli
