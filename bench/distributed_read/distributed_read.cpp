// Per-rank peak memory and wall time of the distributed reader and stays
// (ctrace/distributed/distributed.hpp), for docs/distributed.md:
//   mpirun -np N ctrace_distributed_read_bench [--places FILE] SCANS...
// Rank 0 prints, for every rank, its peak resident memory (getrusage), the
// visits it read, the ids it owns and the stays it holds, and the times of
// the read and of building the stays.

#include "ctrace/distributed/distributed.hpp"

#include <chrono>
#include <cstdio>
#include <mpi.h>
#include <string>
#include <sys/resource.h>
#include <vector>

int main(int argc, char** argv) {
    MPI_Init(&argc, &argv);
    int rank = 0, size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    ctrace::place_table places;
    std::vector<std::filesystem::path> files;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--places" && i + 1 < argc)
            places = ctrace::read_places(std::filesystem::path(argv[++i]));
        else
            files.emplace_back(arg);
    }
    ctrace::scan_read_options options;
    options.threads = 1;
    const auto clock = std::chrono::steady_clock::now;
    MPI_Barrier(MPI_COMM_WORLD);
    const auto start = clock();
    ctrace::distributed::rank_scans scans =
        ctrace::distributed::read_scans(MPI_COMM_WORLD, files, places, options);
    const std::uint64_t visits = scans.visits.size(), persons = scans.persons.size(),
                        person_count = scans.person_count;
    MPI_Barrier(MPI_COMM_WORLD);
    const auto read = clock();
    const ctrace::distributed::rank_stays stays =
        ctrace::distributed::build_stays(MPI_COMM_WORLD, scans);
    MPI_Barrier(MPI_COMM_WORLD);
    const auto built = clock();
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    const std::uint64_t mine[4] = {static_cast<std::uint64_t>(usage.ru_maxrss), visits, persons,
                                   stays.stays.size()};
    std::vector<std::uint64_t> all(4 * static_cast<std::size_t>(size));
    MPI_Gather(mine, 4, MPI_UINT64_T, all.data(), 4, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    if (rank == 0) {
        const auto seconds = [](auto a, auto b) {
            return std::chrono::duration<double>(b - a).count();
        };
        std::printf("%d rank(s): read %.2f s, stays %.2f s; %llu distinct persons\n", size,
                    seconds(start, read), seconds(read, built),
                    static_cast<unsigned long long>(person_count));
        for (std::size_t r = 0; r < static_cast<std::size_t>(size); ++r)
            std::printf(
                "  rank %zu: peak %llu MB, %llu visits read, %llu person ids owned, %llu stays\n",
                r, static_cast<unsigned long long>(all[4 * r] / 1024),
                static_cast<unsigned long long>(all[4 * r + 1]),
                static_cast<unsigned long long>(all[4 * r + 2]),
                static_cast<unsigned long long>(all[4 * r + 3]));
    }
    MPI_Finalize();
    return 0;
}
