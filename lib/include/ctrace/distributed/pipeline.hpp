#pragma once
/// \file
/// `ctrace::trace_from` (workflow/pipeline.hpp) across the ranks of an MPI
/// job: the workflow `ctrace-mpi trace` runs, as one library call. Every
/// rank reads its share of the scans (or the snapshot, whole), the stays
/// are built on the ranks owning their places, the trace runs layer by
/// layer (`distributed::trace`), and rank 0 ends with the risk entries and
/// the ids they name: the result of `ctrace::trace_from` on the same data,
/// byte for byte once written.

#include "ctrace/distributed/agreement.hpp"
#include "ctrace/distributed/distributed.hpp"
#include "ctrace/workflow/pipeline.hpp"

#include <cstdint>
#include <exception>
#include <functional>
#include <mpi.h>
#include <optional>
#include <vector>

namespace ctrace::distributed {

/// The outcome of `trace_from`, on every rank; the entries, ids and data
/// are rank 0's.
struct trace_run {
    /// The risk entries and the ids they name (`traced`).
    traced outcome;
    /// The request's parameters (with this rank's per-place minimum
    /// overlaps), zone, cases and the cases file's provenance. With
    /// `keep_data`, on rank 0: the cases pointed at `data`'s persons, the
    /// result in `data`'s numbering and the snapshot's provenance appended,
    /// as a snapshot with the trace records it.
    trace_record record;
    /// With `keep_data`, on rank 0: every stay (gathered from the ranks, or
    /// the snapshot read) with its parameters and provenance.
    std::optional<dataset> data;
    /// What a user should be told about a snapshot read (rank 0).
    std::vector<data_note> notes;
    /// With `run_options::companions`, on rank 0: the companions (docs/
    /// semantics.md §10), indexing `outcome.persons` and `outcome.places`.
    std::vector<companion> companions;
    /// Over all ranks: rows read, stays, distinct persons and places; the
    /// rejected rows (under `skip_bad`, on rank 0).
    std::uint64_t rows_read = 0;
    std::uint64_t stays = 0;
    std::uint64_t persons = 0;
    std::uint64_t places = 0;
    std::vector<bad_row> rejects;
    /// The contact level of the stays.
    contact_level level = contact_level::code;
    /// Seconds since the call, at the end of reading, of building the
    /// stays and of the trace.
    double read_seconds = 0;
    double stays_seconds = 0;
    double trace_seconds = 0;
    /// The most bytes a rank sent to others, by phase: reading (ids),
    /// visits, gathering the outputs, then each layer.
    std::vector<std::uint64_t> bytes_sent_max;
    /// The least and the most peak resident memory of the ranks, KB.
    std::uint64_t peak_kb_least = 0;
    std::uint64_t peak_kb_most = 0;
};

/// How `trace_from` runs.
struct run_options {
    /// Rank 0 keeps the whole data and the trace as a snapshot records it.
    bool keep_data = false;
    /// Describes a failure of a rank's own step of the workflow (loading a
    /// snapshot, gathering the data) for the agreement of every rank
    /// (agreement.hpp); the `agreed_failure` then leaves `trace_from` on
    /// every rank. When empty, the library's: every rank throws the failing
    /// rank's `input_error`, `std::bad_alloc` or `error` with its message.
    std::function<agreed_failure(std::exception_ptr)> describe;
    /// Also find the companions with these parameters (`trace_run::companions`).
    std::optional<companion_parameters> companions;
};

/// Traces the cases `prepared` (as `read_index_cases` read them, on every
/// rank) on the data of `source` across the ranks of `comm`. Scan dumps are
/// read in slices by every rank; a snapshot or store is read whole by every
/// rank, each keeping its share. With `options.keep_data`, rank 0 also ends with
/// the whole data and the record a snapshot of the trace keeps (it then
/// needs the memory of one process). Collective: every rank passes the same
/// arguments. Throws on every rank alike.
trace_run trace_from(MPI_Comm comm, const data_source& source, const prepared_cases& prepared,
                     const run_options& options = {});

/// The same, reading the cases of `request` first (on every rank).
trace_run trace_from(MPI_Comm comm, const data_source& source, const trace_request& request,
                     const run_options& options = {});

} // namespace ctrace::distributed
