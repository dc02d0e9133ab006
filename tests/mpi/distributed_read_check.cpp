// Checks the distributed reader and stays (ctrace/distributed/distributed.hpp) against one process
// reading the same files: run under mpirun with any number of ranks,
//   distributed_read_check [--skip-bad] [--places FILE] SCANS...
// It reads SCANS both ways and compares the visits (as id strings), the
// distinct ids (one global order, byte-wise ascending, no rank holding all),
// the rows read, the merged stays on the places' owners, and the bad rows (strict: the same report
// on every rank;
// --skip-bad: the same rejects on rank 0). Exit status 0 when every rank
// agrees, 1 otherwise; rank 0 says what differed.

#include "ctrace/distributed/distributed.hpp"
#include "ctrace/io/scans.hpp"

#include <algorithm>
#include <iostream>
#include <mpi.h>
#include <numeric>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace {

using visit_text = std::tuple<std::string, std::string, ctrace::time_point, ctrace::time_point>;

struct reference {
    std::vector<visit_text> visits;
    std::vector<visit_text> stays; ///< merged (§2.2), as (person, place, start, end)
    std::vector<std::string> persons, places;
    std::uint64_t rows_read = 0;
    std::vector<ctrace::bad_row> rejects;
    std::optional<std::string> report; ///< strict mode: the first file's bad rows
};

/// One process, as `ingest` reads several files.
reference read_alone(const std::vector<std::filesystem::path>& files,
                     const ctrace::place_table& places, const ctrace::scan_read_options& options) {
    reference ref;
    ctrace::scan_log log;
    for (std::size_t f = 0; f < files.size(); ++f) {
        ctrace::scan_log part;
        try {
            part = ctrace::read_scans(files[f], places, options);
        } catch (const ctrace::bad_rows_error& e) {
            ref.report = e.report();
            return ref;
        }
        for (ctrace::bad_row& row : part.rejects) {
            row.file = files[f].string();
            ref.rejects.push_back(row);
        }
        if (f == 0)
            log = std::move(part);
        else
            ctrace::append_scan_log(log, part);
    }
    ref.rows_read = log.rows_read;
    for (const ctrace::visit& v : log.visits)
        ref.visits.emplace_back(log.persons[v.person], log.places[v.place], v.start, v.end);
    std::sort(ref.visits.begin(), ref.visits.end());
    const ctrace::stay_table stays =
        ctrace::build_stays(log.visits, log.persons.size(), log.places.size());
    for (std::size_t i = 0; i < stays.size(); ++i)
        ref.stays.emplace_back(log.persons[stays.person[i]], log.places[stays.place[i]],
                               stays.start[i], stays.end[i]);
    std::sort(ref.stays.begin(), ref.stays.end());
    for (std::size_t i = 0; i < log.persons.size(); ++i)
        ref.persons.emplace_back(log.persons[static_cast<ctrace::person_index>(i)]);
    for (std::size_t i = 0; i < log.places.size(); ++i)
        ref.places.emplace_back(log.places[static_cast<ctrace::place_index>(i)]);
    std::sort(ref.persons.begin(), ref.persons.end());
    std::sort(ref.places.begin(), ref.places.end());
    return ref;
}

/// `counts` summed, and each one's offset.
std::vector<int> offsets_of(const std::vector<int>& counts, std::size_t& total) {
    std::vector<int> at(counts.size(), 0);
    total = 0;
    for (std::size_t r = 0; r < counts.size(); ++r) {
        at[r] = static_cast<int>(total);
        total += static_cast<std::size_t>(counts[r]);
    }
    return at;
}

/// `mine` of every rank, concatenated in rank order, on rank 0.
std::vector<std::string> gather_strings(const std::vector<std::string>& mine) {
    std::string bytes;
    std::vector<std::uint64_t> lengths;
    for (const std::string& s : mine) {
        bytes += s;
        lengths.push_back(s.size());
    }
    int rank = 0, size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    const int my_lengths = static_cast<int>(lengths.size());
    const int my_bytes = static_cast<int>(bytes.size());
    std::vector<int> length_counts(static_cast<std::size_t>(size)),
        byte_counts(length_counts.size());
    MPI_Gather(&my_lengths, 1, MPI_INT, length_counts.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
    MPI_Gather(&my_bytes, 1, MPI_INT, byte_counts.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
    std::size_t total_lengths = 0, total_bytes = 0;
    const std::vector<int> length_at = offsets_of(length_counts, total_lengths);
    const std::vector<int> byte_at = offsets_of(byte_counts, total_bytes);
    std::vector<std::uint64_t> all_lengths(total_lengths);
    std::string all_bytes(total_bytes, '\0');
    MPI_Gatherv(lengths.data(), my_lengths, MPI_UINT64_T, all_lengths.data(), length_counts.data(),
                length_at.data(), MPI_UINT64_T, 0, MPI_COMM_WORLD);
    MPI_Gatherv(bytes.data(), my_bytes, MPI_CHAR, all_bytes.data(), byte_counts.data(),
                byte_at.data(), MPI_CHAR, 0, MPI_COMM_WORLD);
    std::vector<std::string> out;
    std::size_t at = 0;
    for (const std::uint64_t length : all_lengths) {
        out.push_back(all_bytes.substr(at, length));
        at += length;
    }
    return out;
}

int run(int argc, char** argv) {
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    ctrace::scan_read_options options;
    options.threads = 1;
    ctrace::place_table places;
    std::vector<std::filesystem::path> files;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--skip-bad")
            options.skip_bad = true;
        else if (arg == "--places" && i + 1 < argc)
            places = ctrace::read_places(std::filesystem::path(argv[++i]));
        else
            files.emplace_back(arg);
    }
    bool ok = true;
    const auto fail = [&](const std::string& what) {
        ok = false;
        std::cerr << "rank " << rank << ": " << what << '\n';
    };
    const reference ref = read_alone(files, places, options);

    std::optional<ctrace::distributed::rank_scans> got;
    try {
        got = ctrace::distributed::read_scans(MPI_COMM_WORLD, files, places, options);
    } catch (const ctrace::bad_rows_error& e) {
        if (!ref.report)
            fail("bad rows the single read did not find: " + e.report());
        else if (e.report() != *ref.report)
            fail("another report:\n" + e.report() + "expected:\n" + *ref.report);
    }
    if (got) {
        if (ref.report) fail("no bad_rows_error; expected:\n" + *ref.report);
        std::vector<std::string> visit_fields;
        for (const ctrace::visit& v : got->visits) {
            visit_fields.push_back(std::to_string(v.person));
            visit_fields.push_back(std::to_string(v.place));
            visit_fields.push_back(std::to_string(v.start));
            visit_fields.push_back(std::to_string(v.end));
        }
        const std::vector<std::string> visits = gather_strings(visit_fields);
        // Stays on the places' owners.
        int rank_count = 1;
        MPI_Comm_size(MPI_COMM_WORLD, &rank_count);
        ctrace::distributed::rank_scans copy = *got;
        const ctrace::distributed::rank_stays stays =
            ctrace::distributed::build_stays(MPI_COMM_WORLD, copy);
        std::vector<std::string> stay_fields;
        for (std::size_t i = 0; i < stays.stays.size(); ++i) {
            stay_fields.push_back(std::to_string(stays.stays.person[i]));
            stay_fields.push_back(std::to_string(ctrace::distributed::rank_stays::global_place(
                stays.stays.place[i], rank, rank_count)));
            stay_fields.push_back(std::to_string(stays.stays.start[i]));
            stay_fields.push_back(std::to_string(stays.stays.end[i]));
        }
        const std::vector<std::string> all_stays = gather_strings(stay_fields);
        const std::vector<std::string> persons = gather_strings(got->persons);
        const std::vector<std::string> place_ids = gather_strings(got->places);
        // With several ranks, no rank owns every id.
        int size = 1;
        MPI_Comm_size(MPI_COMM_WORLD, &size);
        std::uint64_t owned = got->persons.size(), most = 0;
        MPI_Allreduce(&owned, &most, 1, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
        if (size > 1 && got->person_count > 100 && most == got->person_count)
            fail("one rank owns every person id");
        if (rank == 0) {
            if (persons != ref.persons)
                fail("the persons, in global order, are not the ids in byte order");
            if (place_ids != ref.places)
                fail("the places, in global order, are not the ids in byte order");
            if (got->person_count != ref.persons.size()) fail("person count");
            if (got->rows_read != ref.rows_read) fail("rows read");
            std::vector<visit_text> as_text;
            for (std::size_t k = 0; k + 3 < visits.size(); k += 4)
                as_text.emplace_back(persons.at(std::stoull(visits[k])),
                                     place_ids.at(std::stoull(visits[k + 1])),
                                     std::stoll(visits[k + 2]), std::stoll(visits[k + 3]));
            std::sort(as_text.begin(), as_text.end());
            if (as_text != ref.visits) fail("the visits differ");
            std::vector<visit_text> stays_text;
            for (std::size_t k = 0; k + 3 < all_stays.size(); k += 4)
                stays_text.emplace_back(persons.at(std::stoull(all_stays[k])),
                                        place_ids.at(std::stoull(all_stays[k + 1])),
                                        std::stoll(all_stays[k + 2]), std::stoll(all_stays[k + 3]));
            std::sort(stays_text.begin(), stays_text.end());
            if (stays_text != ref.stays)
                fail("the stays differ: " + std::to_string(stays_text.size()) + " against " +
                     std::to_string(ref.stays.size()));
            if (got->rejects.size() != ref.rejects.size()) {
                fail("rejects: " + std::to_string(got->rejects.size()) + ", expected " +
                     std::to_string(ref.rejects.size()));
            } else {
                for (std::size_t k = 0; k < ref.rejects.size(); ++k) {
                    const ctrace::bad_row &a = got->rejects[k], &b = ref.rejects[k];
                    if (a.line != b.line || a.reason != b.reason || a.raw != b.raw ||
                        a.file != b.file)
                        fail("reject " + std::to_string(k) + " differs: line " +
                             std::to_string(a.line) + " vs " + std::to_string(b.line));
                }
            }
        }
    }
    int mine = ok ? 1 : 0, all = 0;
    MPI_Allreduce(&mine, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (rank == 0) {
        int size = 1;
        MPI_Comm_size(MPI_COMM_WORLD, &size);
        std::cout << "distributed read and stays on " << size
                  << " rank(s): " << (all ? "same as one process" : "DIFFERENT") << '\n';
    }
    return all ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
    MPI_Init(&argc, &argv);
    int status = 1;
    try {
        status = run(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "distributed_read_check: " << e.what() << '\n';
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    MPI_Finalize();
    return status;
}
