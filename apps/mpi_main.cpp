// The `ctrace-mpi` executable: `ctrace trace` across the ranks of an MPI job
// (docs/distributed.md), started with `mpirun -np N ctrace-mpi trace …`. It
// writes the bytes `ctrace trace` writes. The work is the library's
// (ctrace/distributed/distributed.hpp); this file parses options, agrees on failures
// across ranks and writes the outputs on rank 0.

#include "commands.hpp"
#include "ctrace/core/atomic_file.hpp"
#include "ctrace/core/threads.hpp"
#include "ctrace/core/version.hpp"
#include "ctrace/distributed/distributed.hpp"
#include "ctrace/model/ingest.hpp"
#include "ctrace/report/risk_list.hpp"
#include "ctrace/storage/snapshot.hpp"
#include "data_loading.hpp"
#include "exit_status.hpp"
#include "options.hpp"
#include "outputs.hpp"
#include "progress.hpp"

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
#include <sys/resource.h>
#include <thread>
#include <vector>

namespace ctrace::cli {

namespace {

/// A failure that every rank has agreed on: the text rank 0 prints (as
/// `guarded` would have printed it on the rank that failed) and the exit
/// status every rank returns.
struct agreed_failure {
    int status;
    std::string text;
};

int rank_of(MPI_Comm comm) {
    int rank = 0;
    MPI_Comm_rank(comm, &rank);
    return rank;
}

/// What `guarded` prints and returns for the exception being handled.
agreed_failure failure_of(const char* command_name, std::exception_ptr failure) {
    std::ostringstream text;
    std::streambuf* const kept = std::cerr.rdbuf(text.rdbuf());
    const int status = guarded(command_name, [&]() -> int { std::rethrow_exception(failure); });
    std::cerr.rdbuf(kept);
    return {status, text.str()};
}

/// Runs `step` on this rank alone. When it throws on any rank, every rank
/// throws the `agreed_failure` of the lowest such rank, so that a file one
/// node cannot read ends the job everywhere with one message.
template <class Step>
void on_every_rank(MPI_Comm comm, const char* command_name, Step&& step) {
    std::optional<agreed_failure> failed;
    try {
        step();
    } catch (...) {
        failed = failure_of(command_name, std::current_exception());
    }
    const int mine = failed ? rank_of(comm) : INT_MAX;
    int first = INT_MAX;
    MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm);
    if (first == INT_MAX) return;
    agreed_failure agreed = failed.value_or(agreed_failure{0, {}});
    unsigned long long length = agreed.text.size();
    MPI_Bcast(&agreed.status, 1, MPI_INT, first, comm);
    MPI_Bcast(&length, 1, MPI_UNSIGNED_LONG_LONG, first, comm);
    agreed.text.resize(static_cast<std::size_t>(length));
    MPI_Bcast(agreed.text.data(), static_cast<int>(length), MPI_CHAR, first, comm);
    throw agreed;
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

/// This rank's bytes sent to others by phase: reading (ids), visits, each
/// layer, gathering.
std::vector<std::uint64_t> traffic_of(const distributed::rank_scans& scans,
                                      const distributed::rank_stays& stays,
                                      const distributed::traced& traced) {
    std::vector<std::uint64_t> bytes{scans.bytes_sent, stays.bytes_sent,
                                     traced.bytes_sent_gathering};
    bytes.insert(bytes.end(), traced.bytes_sent_per_layer.begin(),
                 traced.bytes_sent_per_layer.end());
    return bytes;
}

/// Makes `values` the element-wise largest of every rank's (the same
/// length on every rank).
void largest_over_ranks(MPI_Comm comm, std::vector<std::uint64_t>& values) {
    MPI_Allreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_UINT64_T,
                  MPI_MAX, comm);
}

/// The smallest and largest peak resident memory of the ranks so far, KB.
std::vector<std::uint64_t> peak_memory_kb(MPI_Comm comm) {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    const auto mine = static_cast<std::uint64_t>(usage.ru_maxrss);
    std::uint64_t least = mine, most = mine;
    MPI_Allreduce(MPI_IN_PLACE, &least, 1, MPI_UINT64_T, MPI_MIN, comm);
    MPI_Allreduce(MPI_IN_PLACE, &most, 1, MPI_UINT64_T, MPI_MAX, comm);
    return {least, most};
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

/// The parameters and inputs of `data`, gathered from the scans, as
/// `ingest` records them (the files' SHA-256 read again here, on rank 0).
void describe_scans(dataset& data, const ingest_options& ingest, const place_table& places,
                    const distributed::rank_scans& scans) {
    data.parameters.default_dwell = ingest.read.default_dwell;
    data.parameters.tz = ingest.read.tz;
    data.parameters.skip_bad = ingest.read.skip_bad;
    if (ingest.pseudonyms) data.parameters.pseudonym_key = ingest.pseudonyms->fingerprint();
    if (ingest.places)
        data.inputs.push_back(describe_input("places", *ingest.places, places.size(), true));
    for (std::size_t k = 0; k < ingest.scans.size(); ++k) {
        const std::string name = ingest.scans[k].string();
        input_file file = describe_input("scans", ingest.scans[k], scans.rows_per_file[k], true);
        for (const bad_row& row : scans.rejects)
            if (row.file == name) ++file.rows_rejected;
        data.inputs.push_back(std::move(file));
    }
    data.rows_rejected = scans.rejects.size();
}

/// The trace as a snapshot records it: the cases pointed at `data`'s
/// persons (those that never scanned appended), the entries' indices made
/// `data`'s.
trace_record snapshot_record(dataset& data, prepared_cases prepared,
                             const distributed::traced& traced) {
    point_cases_at(data, prepared);
    trace_record record = std::move(prepared.record);
    record.result = traced.result;
    for (risk_entry& e : record.result.entries) {
        e.person = data.persons.find(traced.persons[e.person]);
        if (e.via_person != no_person)
            e.via_person = data.persons.find(traced.persons[e.via_person]);
        if (e.via_place != no_place) e.via_place = data.places.find(traced.places[e.via_place]);
    }
    for (person_index& p : record.result.cases_without_stays)
        p = data.persons.find(traced.persons[p]);
    return record;
}

/// The case ids as the data holds them (pseudonymised when it is), with the
/// indices of `ids`.
id_table case_ids_as_data(const prepared_cases& prepared) {
    if (!prepared.pseudonyms) return prepared.case_ids;
    id_table out;
    for (std::size_t k = 0; k < prepared.case_ids.size(); ++k)
        out.intern(prepared.pseudonyms->pseudonym(prepared.case_ids[static_cast<person_index>(k)]));
    if (out.size() != prepared.case_ids.size())
        throw input_error("two index cases have the same pseudonym");
    return out;
}

int run_trace(MPI_Comm comm, const std::vector<std::string>& args) {
    const bool root = rank_of(comm) == 0;
    int size = 1;
    MPI_Comm_size(comm, &size);
    const stopwatch clock;
    po::variables_map vm;
    output_options outputs;
    bool quiet = false;
    utc_offset tz{};
    std::optional<prepared_cases> prepared;
    place_table places;
    ingest_options ingest;
    contact_level level = contact_level::code;
    bool write_hdf5 = false;
    on_every_rank(comm, "trace", [&] {
        vm = parse(args, trace_options());
        if (has(vm, opt::help)) return;
        check_data_options(vm);
        required(vm, opt::out);
        const std::string cases_path = required(vm, opt::cases);
        quiet = flag_option(vm, opt::quiet);
        outputs = output_options_from(vm);
        check_distinct_outputs(outputs, trace_output_options);
        tz = tz_option(vm);
        write_hdf5 = outputs.file(opt::hdf5) != nullptr;
        prepared.emplace(read_cases_for_trace(vm, tz, cases_path, write_hdf5));
        // A rank is the unit of parallelism: one thread each unless
        // --threads asks for more (0: one per core).
        const std::int64_t threads = integer_option(vm, opt::threads);
        if (threads < 0 || threads > 1024)
            throw input_error("--threads: must be between 0 (one per core) and 1024, not " +
                              std::to_string(threads));
        set_thread_limit(given(vm, opt::threads) ? static_cast<unsigned>(threads) : 1);
        if (has(vm, opt::snapshot)) return;
        progress_reporter unused("trace", true);
        ingest = ingest_options_from(vm, unused, false);
        ingest.read.progress = {};
        ingest.read.threads = thread_limit();
        level = contact_level_option(vm);
        if (ingest.places) places = read_places(*ingest.places, ingest.place_format);
    });
    if (has(vm, opt::help)) {
        if (root) print_help();
        return exit_ok;
    }

    trace_parameters parameters = prepared->record.parameters;
    distributed::rank_scans scans;
    std::optional<loaded_data> loaded_snapshot;
    if (vm.count("snapshot")) {
        // Every rank reads the snapshot whole (at the contact level asked,
        // pseudonymised as asked) and keeps its share.
        on_every_rank(comm, "trace", [&] {
            progress_reporter quiet_progress("trace", true);
            loaded_snapshot.emplace(load_data("trace", vm, quiet_progress, write_hdf5));
        });
        const dataset& data = loaded_snapshot->ingested.data;
        scans = distributed::share_snapshot(comm, data);
        // Its places are already at the level asked: their own minimums.
        parameters.place_min_overlap =
            distributed::place_min_overlaps(comm, scans, data.place_info, contact_level::code);
        // Rank 0 keeps it to write it again with the trace (--hdf5).
        if (!(write_hdf5 && root)) loaded_snapshot.reset();
    } else {
        distributed::id_options id_options;
        id_options.pseudonyms = ingest.pseudonyms;
        id_options.level = level;
        scans = distributed::read_scans(comm, ingest.scans, places, ingest.read, id_options);
        parameters.place_min_overlap = distributed::place_min_overlaps(comm, scans, places, level);
    }
    const double read_seconds = clock.seconds();
    const distributed::rank_stays stays = distributed::build_stays(comm, scans);
    const double stays_seconds = clock.seconds();
    std::optional<id_table> case_ids;
    on_every_rank(comm, "trace", [&] { case_ids.emplace(case_ids_as_data(*prepared)); });
    const distributed::traced traced =
        distributed::trace(comm, scans, stays, *case_ids, prepared->record.cases, parameters);
    const double trace_seconds = clock.seconds();
    std::uint64_t stay_count = stays.stays.size();
    MPI_Allreduce(MPI_IN_PLACE, &stay_count, 1, MPI_UINT64_T, MPI_SUM, comm);
    std::vector<std::uint64_t> traffic;
    on_every_rank(comm, "trace", [&] { traffic = traffic_of(scans, stays, traced); });
    largest_over_ranks(comm, traffic);
    const std::vector<std::uint64_t>& sent_max = traffic;

    // With --hdf5 from scans, rank 0 gathers the whole data (collective).
    std::optional<dataset> gathered;
    if (write_hdf5 && !vm.count("snapshot"))
        on_every_rank(comm, "trace", [&] {
            dataset data = distributed::gather_snapshot(comm, scans, stays, places, level);
            if (root) gathered.emplace(std::move(data));
        });

    // Rank 0 stages every output, then commits them together: a failure
    // writes none, and every rank ends with its status.
    on_every_rank(comm, "trace", [&] {
        if (!root) return;
        write_trace_outputs(
            outputs, traced.result, traced.persons, traced.places, tz, &scans.rejects,
            [&](atomic_path& file) {
                dataset& data = gathered ? *gathered : loaded_snapshot->ingested.data;
                if (gathered) describe_scans(data, ingest, places, scans);
                trace_record record = snapshot_record(data, *prepared, traced);
                if (loaded_snapshot)
                    record.inputs.insert(record.inputs.end(), loaded_snapshot->inputs.begin(),
                                         loaded_snapshot->inputs.end());
                write_snapshot(file, data, &record);
            });
    });
    const std::vector<std::uint64_t> peak_kb = peak_memory_kb(comm);
    if (!root) return exit_ok;

    const trace_result& result = traced.result;
    report_rejects("trace", outputs, scans.rejects);
    warn_cases_without_stays("trace", traced.persons, result.cases_without_stays,
                             "; listed without contacts");
    if (!quiet) {
        std::ostringstream hops;
        for (std::size_t h = 0; h < result.persons_per_hop.size(); ++h)
            hops << (h ? ", " : "") << "hop " << h << ": " << result.persons_per_hop[h];
        std::ostringstream summary;
        summary << "ctrace-mpi trace: " << size << (size == 1 ? " rank; " : " ranks; ")
                << scans.rows_read << " rows read (" << scans.rejects.size() << " rejected), "
                << stay_count << " stays, " << scans.person_count << " persons, "
                << scans.place_count << " places, " << prepared->record.cases.size() << " cases; "
                << result.qualifying_events << " contact events; " << result.entries.size()
                << " listed (" << hops.str() << "); ";
        if (!parameters.profile.empty()) summary << "profile " << parameters.profile << "; ";
        summary << written_text(outputs, trace_output_options, level) << "; ";
        summary << std::fixed;
        summary.precision(2);
        const double total = clock.seconds();
        summary << total << " s (read " << read_seconds << ", stays "
                << stays_seconds - read_seconds << ", trace " << trace_seconds - stays_seconds
                << ", write " << total - trace_seconds << ")\n";
        std::cerr << summary.str();
    }
    if (!quiet) std::cerr << traffic_text(sent_max, peak_kb) << '\n';
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
        if (rank_of(comm) != 0) return exit_ok;
        if (first == "help" && args.size() > 1 && args[1] == "trace")
            print_help();
        else
            print_usage();
        return first.empty() ? exit_bad_input : exit_ok;
    }
    if (first == "--version") {
        if (rank_of(comm) == 0) std::cout << "ctrace-mpi " << version() << '\n';
        return exit_ok;
    }
    if (first != "trace") {
        if (rank_of(comm) == 0)
            std::cerr << "ctrace-mpi: unknown command '" << first
                      << "'; ctrace-mpi has only 'trace' (see 'ctrace-mpi --help')\n";
        return exit_bad_input;
    }
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    try {
        return guarded("trace", [&] { return run_trace(comm, rest); });
    } catch (const agreed_failure& failure) {
        std::cerr << failure.text;
        return failure.status;
    }
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
    if (rank_of(comm) == 0) stderr_stream << text << std::flush;
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
