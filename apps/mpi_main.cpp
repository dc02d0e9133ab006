// The `ctrace-mpi` executable: `ctrace trace` across the ranks of an MPI job
// (docs/distributed.md), started with `mpirun -np N ctrace-mpi trace …`. It
// writes the bytes `ctrace trace` writes. The work is the library's
// (`distributed::trace_from`, ctrace/distributed/pipeline.hpp), as `ctrace
// trace`'s is `trace_from`; this file parses the options and writes the
// outputs on rank 0, agreeing on failures across ranks (agreement.hpp).

#include "commands.hpp"
#include "ctrace/core/atomic_file.hpp"
#include "ctrace/core/threads.hpp"
#include "ctrace/core/version.hpp"
#include "ctrace/distributed/pipeline.hpp"
#include "ctrace/report/risk_list.hpp"
#include "ctrace/storage/snapshot.hpp"
#include "data_loading.hpp"
#include "exit_status.hpp"
#include "options.hpp"
#include "outputs.hpp"
#include "progress.hpp"
#include "summary.hpp"

#include <chrono>
#include <climits>
#include <cstring>
#include <exception>
#include <iostream>
#include <mpi.h>
#include <optional>
#include <sstream>
#include <streambuf>
#include <string>
#include <thread>
#include <vector>

namespace ctrace::cli {

namespace {

/// What `guarded` prints and returns for the exception being handled.
/// Every rank agrees on a failure as this text and status (agreement.hpp).
distributed::agreed_failure failure_of(const char* command_name, std::exception_ptr failure) {
    std::ostringstream text;
    std::streambuf* const kept = std::cerr.rdbuf(text.rdbuf());
    const int status = guarded(command_name, [&]() -> int { std::rethrow_exception(failure); });
    std::cerr.rdbuf(kept);
    return {status, text.str()};
}

void print_help() {
    std::cout
        << "Usage: mpirun -np N ctrace-mpi trace --scans FILE [--scans FILE …] [--places FILE]\n"
           "                                     --cases FILE --out FILE [--graphml FILE]\n"
           "                                     [--xlsx FILE.xlsx] [options]\n\n"
           "`ctrace trace` across the ranks of an MPI job, for dumps larger than one machine:\n"
           "each rank reads a byte range of every scans file, holds the stays of a share of\n"
           "the places and the state of a share of the persons; rank 0 writes the outputs.\n"
           "The risk list (and GraphML) are byte for byte those of `ctrace trace` with the\n"
           "same options, for any number of ranks. See docs/distributed.md.\n"
        << trace_options()
        << "\nEvery rank opens every input file (the same path on every node: a shared\n"
           "file system, or copies); rank 0 writes the outputs. Compressed or transcoded\n"
           "dumps are decoded whole by every rank (each keeps its share of rows): give\n"
           "plain UTF-8 for speed. With --snapshot every rank reads the whole snapshot.\n"
           "--hdf5 gathers every stay on rank 0, which then needs more than one process.\n"
           "--threads is per rank, 1 by default (0: one per core).\n"
           "Exit status (the same on every rank; rank 0 prints the one message): 0 ok, 2 bad\n"
           "input or usage (nothing written), 74 an output could not be written (nothing\n"
           "written), 1 internal error.\n";
}

/// "peak memory per rank 133-160 MB; sent per rank at most: ids …".
std::string traffic_text(const std::vector<std::uint64_t>& sent_max,
                         const std::vector<std::uint64_t>& peak_kb) {
    const auto mb = [](std::uint64_t bytes) {
        std::ostringstream text;
        text << std::fixed;
        text.precision(bytes < 10'000'000 ? 2 : 0);
        text << static_cast<double>(bytes) / 1e6 << " MB";
        return text.str();
    };
    std::ostringstream text;
    text << "ctrace-mpi trace: peak memory per rank " << peak_kb[0] * 1024 / 1'000'000 << "-"
         << peak_kb[1] * 1024 / 1'000'000 << " MB; sent by a rank at most: ids " << mb(sent_max[0])
         << ", visits " << mb(sent_max[1]) << ", layers";
    for (std::size_t k = 3; k < sent_max.size(); ++k)
        text << (k == 3 ? " " : " / ") << mb(sent_max[k]);
    if (sent_max.size() == 3) text << " none";
    text << ", gathering " << mb(sent_max[2]);
    return text.str();
}

int run_trace(MPI_Comm comm, const std::vector<std::string>& args) {
    const bool root = distributed::rank_of(comm) == 0;
    const stopwatch clock;
    const auto describe = [](std::exception_ptr failure) { return failure_of("trace", failure); };
    po::variables_map vm;
    output_options outputs;
    bool quiet = false;
    utc_offset tz{};
    std::optional<prepared_cases> prepared;
    data_source source;
    distributed::run_options options;
    options.describe = describe;
    distributed::on_every_rank(
        comm,
        [&] {
            vm = parse(args, trace_options());
            if (has(vm, opt::help)) return;
            check_data_options(vm);
            required(vm, opt::out);
            const std::string cases_path = required(vm, opt::cases);
            quiet = flag_option(vm, opt::quiet);
            outputs = output_options_from(vm);
            check_distinct_outputs(outputs, trace_output_options);
            tz = tz_option(vm);
            options.keep_data = outputs.file(opt::hdf5) != nullptr;
            if (outputs.file(opt::companions) != nullptr)
                options.companions =
                    companion_parameters{duration_option(vm, opt::companion_window)};
            prepared.emplace(read_cases_for_trace(vm, tz, cases_path, options.keep_data));
            // A rank is the unit of parallelism: one thread each unless
            // --threads asks for more (0: one per core).
            const unsigned threads = threads_option(vm);
            set_thread_limit(given(vm, opt::threads) ? threads : 1);
            progress_reporter no_progress("trace", true);
            source = data_source_from(vm, no_progress, options.keep_data);
            // Each rank reads slices: no progress, no digests of its own
            // (rank 0 hashes the files for a snapshot's provenance).
            source.scans.read.progress = {};
            source.scans.read.threads = thread_limit();
            if (!source.snapshot) source.scans.digests = false;
        },
        describe);
    if (has(vm, opt::help)) {
        if (root) print_help();
        return exit_ok;
    }

    const double started = clock.seconds();
    distributed::trace_run run = distributed::trace_from(comm, source, *prepared, options);
    const double traced = clock.seconds();
    const distributed::traced& outcome = run.outcome;

    // Rank 0 stages every output, then commits them together: a failure
    // writes none, and every rank ends with its status.
    distributed::on_every_rank(
        comm,
        [&] {
            if (!root) return;
            write_trace_outputs(
                outputs, outcome.result, outcome.persons, outcome.places, tz, &run.rejects,
                [&](atomic_path& file) { write_snapshot(file, *run.data, &run.record); },
                options.companions ? &run.companions : nullptr);
        },
        describe);
    if (!root) return exit_ok;

    print_notes("trace", run.notes);
    const trace_result& result = outcome.result;
    report_rejects("trace", outputs, run.rejects);
    warn_cases_without_stays("trace", outcome.persons, result.cases_without_stays,
                             "; listed without contacts");
    if (!quiet) {
        const int size = distributed::size_of(comm);
        std::ostringstream data;
        data << size << (size == 1 ? " rank; " : " ranks; ") << run.rows_read << " rows read ("
             << run.rejects.size() << " rejected), " << run.stays << " stays, " << run.persons
             << " persons, " << run.places << " places, " << prepared->record.cases.size()
             << " cases";
        const double total = clock.seconds();
        std::cerr << summary_line({"ctrace-mpi trace",
                                   data.str(),
                                   run.record.parameters.profile,
                                   written_text(outputs, trace_output_options, run.level),
                                   total,
                                   {{"read", started + run.read_seconds},
                                    {"stays", run.stays_seconds - run.read_seconds},
                                    {"trace", run.trace_seconds - run.stays_seconds},
                                    {"write", total - traced}}},
                                  result);
        std::cerr << traffic_text(run.bytes_sent_max, {run.peak_kb_least, run.peak_kb_most})
                  << '\n';
    }
    return exit_ok;
}

void print_usage() {
    std::cout << "ctrace-mpi " << version()
              << " - ctrace trace across the ranks of an MPI job\n\n"
                 "Usage: mpirun -np N ctrace-mpi trace [options]\n"
                 "       ctrace-mpi help trace    its options, with defaults\n"
                 "       ctrace-mpi --version\n";
}

/// Every rank runs the command; only rank 0 speaks.
int run(MPI_Comm comm, const std::vector<std::string>& args) {
    const std::string first = args.empty() ? std::string() : args[0];
    if (first.empty() || first == "--help" || first == "-h" || first == "help") {
        if (distributed::rank_of(comm) != 0) return exit_ok;
        if (first == "help" && args.size() > 1 && args[1] == "trace")
            print_help();
        else
            print_usage();
        return first.empty() ? exit_bad_input : exit_ok;
    }
    if (first == "--version") {
        if (distributed::rank_of(comm) == 0) std::cout << "ctrace-mpi " << version() << '\n';
        return exit_ok;
    }
    if (first != "trace") {
        if (distributed::rank_of(comm) == 0)
            std::cerr << "ctrace-mpi: unknown command '" << first
                      << "'; ctrace-mpi has only 'trace' (see 'ctrace-mpi --help')\n";
        return exit_bad_input;
    }
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    // A failure the ranks agreed on is printed as the failing rank described
    // it (`failure_of`); anything else as `guarded` prints it.
    std::optional<distributed::agreed_failure> agreed;
    const int status = guarded("trace", [&] {
        try {
            return run_trace(comm, rest);
        } catch (const distributed::agreed_failure& failure) {
            agreed = failure;
            return failure.code();
        }
    });
    if (agreed) std::cerr << agreed->text();
    return status;
}

/// Every rank ends here with its exit status and what it wrote to stderr.
/// Failures the ranks agreed on reach this point on every rank together,
/// and rank 0 prints its text. A failure of one rank's own work that the
/// others could not hear of (they are still waiting in a collective call)
/// would leave the job hanging: a failed rank that the others do not join
/// within `grace` prints its own text and aborts the job with its status.
int end_rank(MPI_Comm comm, int status, const std::string& text, std::ostream& stderr_stream) {
    constexpr auto grace = std::chrono::seconds(10);
    MPI_Request request = MPI_REQUEST_NULL;
    MPI_Ibarrier(comm, &request);
    if (status == exit_ok) {
        MPI_Wait(&request, MPI_STATUS_IGNORE);
    } else {
        const auto give_up = std::chrono::steady_clock::now() + grace;
        int done = 0;
        while (MPI_Test(&request, &done, MPI_STATUS_IGNORE) == MPI_SUCCESS && done == 0 &&
               std::chrono::steady_clock::now() < give_up)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        if (done == 0) {
            stderr_stream << text << std::flush;
            MPI_Abort(comm, status);
        }
    }
    if (distributed::rank_of(comm) == 0) stderr_stream << text << std::flush;
    return status;
}

} // namespace

} // namespace ctrace::cli

int main(int argc, char** argv) {
    MPI_Init(&argc, &argv);
    ctrace::cli::set_program_name("ctrace-mpi");
    // What a rank writes to stderr is kept until it ends: rank 0's is then
    // printed, and a rank that fails alone prints its own.
    std::ostringstream kept;
    std::streambuf* const real_stderr = std::cerr.rdbuf(kept.rdbuf());
    const std::vector<std::string> args(argv + 1, argv + argc);
    const int status = ctrace::cli::run(MPI_COMM_WORLD, args);
    std::cerr.rdbuf(real_stderr);
    ctrace::cli::end_rank(MPI_COMM_WORLD, status, kept.str(), std::cerr);
    MPI_Finalize();
    return status;
}
