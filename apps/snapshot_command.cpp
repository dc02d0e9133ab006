// `ctrace snapshot`: ingest a scan dump into an HDF5 snapshot.

#include "commands.hpp"
#include "ctrace/model/ingest.hpp"
#include "ctrace/storage/indexed_snapshot.hpp"
#include "ctrace/storage/snapshot.hpp"
#include "ctrace/storage/store.hpp"
#include "ctrace/storage/stored_window.hpp"
#include "exit_status.hpp"
#include "options.hpp"
#include "outputs.hpp"
#include "progress.hpp"

#include <iostream>

namespace ctrace::cli {

namespace {

po::options_description snapshot_options() {
    return options_for(cmd::snapshot, {scan_reading_group(),
                                       section::store,
                                       {"Output", {section::own, section::quiet}},
                                       section::output_format,
                                       section::general});
}

void print_snapshot_help() {
    std::cout
        << "Usage: ctrace snapshot --scans FILE [--places FILE] --out FILE.h5 [options]\n"
           "       ctrace snapshot --store DIR --out FILE.h5\n\n"
           "Reads a scan dump, merges the stays and writes an HDF5 snapshot: person and place\n"
           "ids, the stays, the person-place incidence matrix (CSR, AnnData encoding), place\n"
           "metadata and provenance (inputs with their SHA-256, every parameter). The layout\n"
           "is documented in docs/hdf5-schema.md; 'ctrace trace --snapshot' traces from it.\n"
           "With --store, the stays in force of a store, as one self-contained file.\n"
        << snapshot_options()
        << "\nExit status: 0 ok, 2 bad input or usage (nothing written), 74 the snapshot could\n"
           "not be written (disk full, permission; nothing written), 1 internal error.\n";
}

int run_snapshot(const std::vector<std::string>& args) {
    const po::variables_map vm = parse(args, snapshot_options());
    if (has(vm, opt::help)) {
        print_snapshot_help();
        return exit_ok;
    }
    const stopwatch clock;
    const std::string out_path = required(vm, opt::out);
    const bool quiet = flag_option(vm, opt::quiet);
    const output_options outputs = output_options_from(vm);
    progress_reporter progress("snapshot", quiet);
    ingest_result ingested;
    if (has(vm, opt::store)) {
        if (has(vm, opt::scans) || has(vm, opt::places))
            throw input_error("give either --store or --scans (and --places), not both");
        ingested.data = read_store(text_option(vm, opt::store));
    } else {
        ingested = ingest(ingest_options_from(vm, progress, true));
    }
    if (contact_level_option(vm) == contact_level::site) roll_up_to_sites(ingested.data);
    progress.done();
    std::optional<atomic_file> rejects_file;
    stage_rejects(outputs, ingested.rejects, rejects_file);
    atomic_path out(out_path);
    write_snapshot(out, ingested.data);
    if (rejects_file) rejects_file->commit();
    out.commit();
    report_rejects("snapshot", outputs, ingested.rejects);
    if (!quiet) {
        const dataset& data = ingested.data;
        std::cerr << "ctrace snapshot: " << data.rows_read << " rows read (" << data.rows_rejected
                  << " rejected), " << data.stays.size() << " stays, " << data.persons.size()
                  << " persons, " << data.places.size() << " places; "
                  << written_text(outputs, {opt::out, opt::rejects}, data.parameters.level) << "; "
                  << std::fixed;
        std::cerr.precision(2);
        std::cerr << clock.seconds() << " s\n";
    }
    return exit_ok;
}

po::options_description verify_options() {
    return options_for(cmd::verify, {{"Verify", {section::own, section::quiet}}, section::general});
}

void print_verify_help() {
    std::cout << "Usage: ctrace verify FILE.h5 [options]\n"
                 "       ctrace verify --store DIR [options]\n\n"
                 "Checks a snapshot completely: the SHA-256 of every byte, every column as a\n"
                 "whole read checks it (lengths, index ranges, order), and, for a snapshot with\n"
                 "an index block, every 4096-byte block of its indexed columns against its CRC-32\n"
                 "and the index against the datasets. A trace reads and checks only the blocks\n"
                 "it touches; run this after copying a snapshot, or on a schedule. A store is\n"
                 "checked file by file: its index, every partition and ids file as above, and\n"
                 "the files of replaced rows against their SHA-256.\n"
              << verify_options()
              << "\nExit status: 0 the file is sound, 2 it is not (one line says what and where),\n"
                 "1 internal error.\n";
}

int run_verify(const std::vector<std::string>& args) {
    std::vector<std::string> named = args;
    if (!named.empty() && !named.front().starts_with("-")) {
        std::error_code ec;
        named.insert(
            named.begin(),
            flag(std::filesystem::is_directory(named.front(), ec) ? opt::store : opt::snapshot));
    }
    const po::variables_map vm = parse(named, verify_options());
    if (has(vm, opt::help)) {
        print_verify_help();
        return exit_ok;
    }
    const stopwatch clock;
    const bool quiet = flag_option(vm, opt::quiet);
    if (has(vm, opt::store)) {
        const std::string folder = text_option(vm, opt::store);
        const std::unique_ptr<stored_window> window = stored_window::open(folder);
        if (!window) {
            // A version-1 store: its one snapshot.
            const snapshot_check check = verify_snapshot(store_snapshot_path(folder));
            if (!quiet)
                std::cerr << "ctrace verify: " << folder
                          << ": sound (a store of an earlier ctrace: " << check.bytes
                          << " bytes)\n";
            return exit_ok;
        }
        const std::uint64_t bytes = window->verify();
        if (!quiet) {
            std::cerr << "ctrace verify: " << folder << ": sound: " << window->partition_count()
                      << " partitions, " << window->state().stays << " stays in force, " << bytes
                      << " bytes checked; " << std::fixed;
            std::cerr.precision(2);
            std::cerr << clock.seconds() << " s\n";
        }
        return exit_ok;
    }
    if (!has(vm, opt::snapshot))
        throw input_error("give the snapshot to check: ctrace verify FILE.h5");
    const std::string path = text_option(vm, opt::snapshot);
    const snapshot_check check = verify_snapshot(path);
    if (!quiet) {
        std::cerr << "ctrace verify: " << path << ": sound: " << check.bytes << " bytes, SHA-256 "
                  << "and every column checked";
        if (check.indexed)
            std::cerr << ", " << check.checked_bytes << " bytes of indexed columns checked block "
                      << "by block";
        else
            std::cerr << " (no index block: written by an earlier ctrace; traces read it whole)";
        std::cerr << "; " << std::fixed;
        std::cerr.precision(2);
        std::cerr << clock.seconds() << " s\n";
    }
    return exit_ok;
}

} // namespace

command verify_command() {
    return {"verify", "check every byte of a snapshot", run_verify, print_verify_help,
            verify_options};
}

command snapshot_command() {
    return {"snapshot", "ingest a scan dump into an HDF5 snapshot", run_snapshot,
            print_snapshot_help, snapshot_options};
}

} // namespace ctrace::cli
