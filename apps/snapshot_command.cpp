// `ctrace snapshot`: ingest a scan dump into an HDF5 snapshot.

#include "commands.hpp"
#include "ctrace/ingest.hpp"
#include "ctrace/snapshot.hpp"
#include "exit_status.hpp"
#include "options.hpp"
#include "outputs.hpp"
#include "progress.hpp"

#include <iostream>

namespace ctrace::cli {

namespace {

po::options_description snapshot_options() {
    po::options_description output("Output");
    // clang-format off
    output.add_options()
        ("out", po::value<std::string>()->value_name("FILE.h5"), "snapshot to write (required)")
        ("quiet,q", po::bool_switch(), "no summary line on stderr");
    po::options_description all;
    all.add(ingest_option_descriptions()).add(output);
    all.add(output_format_option_descriptions()).add(common_option_descriptions());
    // clang-format on
    return all;
}

void print_snapshot_help() {
    std::cout
        << "Usage: ctrace snapshot --scans FILE [--places FILE] --out FILE.h5 [options]\n\n"
           "Reads a scan dump, merges the stays and writes an HDF5 snapshot: person and place\n"
           "ids, the stays, the person-place incidence matrix (CSR, AnnData encoding), place\n"
           "metadata and provenance (inputs with their SHA-256, every parameter). The layout\n"
           "is documented in docs/hdf5-schema.md; 'ctrace trace --snapshot' traces from it.\n"
        << snapshot_options()
        << "\nExit status: 0 ok, 2 bad input or usage (nothing written), 74 the snapshot could\n"
           "not be written (disk full, permission; nothing written), 1 internal error.\n";
}

int run_snapshot(const std::vector<std::string>& args) {
    const po::variables_map vm = parse(args, snapshot_options());
    if (vm.count("help")) {
        print_snapshot_help();
        return exit_ok;
    }
    const stopwatch clock;
    const std::string out_path = required(vm, "out");
    const bool quiet = vm["quiet"].as<bool>();
    progress_reporter progress("snapshot", quiet);
    ingest_result ingested = ingest(ingest_options_from(vm, progress, true));
    if (contact_level_option(vm) == contact_level::site) roll_up_to_sites(ingested.data);
    progress.done();
    std::optional<atomic_file> rejects_file;
    stage_rejects(vm, ingested.rejects, rejects_file);
    atomic_path out(out_path);
    write_snapshot(out, ingested.data);
    if (rejects_file) rejects_file->commit();
    out.commit();
    report_rejects("snapshot", vm, ingested.rejects);
    if (!quiet) {
        const snapshot& data = ingested.data;
        std::cerr << "ctrace snapshot: " << data.rows_read << " rows read (" << data.rows_rejected
                  << " rejected), " << data.stays.size() << " stays, " << data.persons.size()
                  << " persons, " << data.places.size() << " places; "
                  << written_text(vm, {"out", "rejects"}, data.parameters.level) << "; "
                  << std::fixed;
        std::cerr.precision(2);
        std::cerr << clock.seconds() << " s\n";
    }
    return exit_ok;
}

} // namespace

command snapshot_command() {
    return {"snapshot", "ingest a scan dump into an HDF5 snapshot", run_snapshot,
            print_snapshot_help, snapshot_options};
}

} // namespace ctrace::cli
