#pragma once
/// \file
/// Reading scan dumps across the processes (ranks) of an MPI job, the first
/// stage of a distributed trace (issue 17). Built only when CMake finds MPI,
/// as the library `ctrace::distributed`; the rest of ctrace never needs MPI.
///
/// Every rank reads its share of each scans file (`read_scans_slice`: slice
/// `rank` of `size`), so no rank reads a whole dump. Ids are then numbered
/// across ranks in byte order with a sample sort: each rank ends up owning a
/// contiguous range of the global order (the ids it holds as strings), and
/// every visit refers to persons and places by global index. No rank holds
/// every id. Because global indices follow byte order, comparing indices is
/// comparing ids, which is what every tie rule of the trace needs.
///
/// Bad rows are numbered and reported exactly as one process reads the same
/// files: `FILE:LINE` with the file's own line numbers, the first
/// `bad_rows_error::max_kept_rows` then a count in strict mode, every one
/// under `skip_bad`.

#include "ctrace/core/error.hpp"
#include "ctrace/core/id_table.hpp"
#include "ctrace/core/types.hpp"
#include "ctrace/io/cases.hpp"
#include "ctrace/io/scans.hpp"
#include "ctrace/model/pseudonym.hpp"
#include "ctrace/model/stays.hpp"
#include "ctrace/storage/snapshot.hpp"
#include "ctrace/tracing/companions.hpp"
#include "ctrace/tracing/trace.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mpi.h>
#include <span>
#include <string>
#include <vector>

namespace ctrace::distributed {

/// One rank's part of the scan data after a distributed read.
struct rank_scans {
    /// The visits read by this rank (its slices, in file order), with global
    /// person and place indices.
    std::vector<visit> visits;
    /// With `scan_read_options::record_checkouts`: whether each visit's row
    /// had a `leave` (same order as `visits`); else empty.
    std::vector<bool> checked_out;
    /// Distinct ids over all ranks.
    std::uint64_t person_count = 0;
    std::uint64_t place_count = 0;
    /// The ids this rank owns: global indices `[first_person, first_person +
    /// persons.size())`, ascending byte-wise (likewise places).
    std::uint64_t first_person = 0;
    std::vector<std::string> persons;
    std::uint64_t first_place = 0;
    std::vector<std::string> places;
    /// Rows read over all ranks and files, and in each file.
    std::uint64_t rows_read = 0;
    std::vector<std::uint64_t> rows_per_file;
    /// Under `skip_bad`, on rank 0: every bad row, by file in the order
    /// given, then line (`bad_row::file` set when there are several files);
    /// empty elsewhere.
    std::vector<bad_row> rejects;
    /// Bytes this rank sent to others while reading (bad rows, numbering
    /// the ids).
    std::uint64_t bytes_sent = 0;
};

/// What becomes of the ids read before they are numbered.
struct id_options {
    /// Person ids are replaced by their pseudonyms, as `ingest` replaces them.
    std::shared_ptr<const pseudonymizer> pseudonyms;
    /// At site level each place code is replaced by its site (the places
    /// file's `site`, else the code; docs/semantics.md §8.1), so stays merge
    /// per (person, site) and places are numbered as sites: what
    /// `roll_up_to_sites` gives one process.
    contact_level level = contact_level::code;
};

/// Reads `scans` (each as slices, one per rank) with the places file
/// `places` (which every rank has read). Collective: every rank of `comm`
/// calls it with the same arguments. Throws on every rank alike:
/// `bad_rows_error` (strict mode, the same first rows and count as one
/// process), and `input_error` for a missing column or unreadable file on
/// any rank (the message of the lowest such rank). A file whose byte ranges
/// would split a row (a quoted line break at a cut) is read again by every
/// rank as `slice_mode::row_blocks`.
rank_scans read_scans(MPI_Comm comm, const std::vector<std::filesystem::path>& scans,
                      const place_table& places, const scan_read_options& options,
                      const id_options& ids = {});

/// This rank's share of a snapshot every rank has read whole (`ctrace-mpi
/// trace --snapshot`): its stays (rows `[k S / N, (k+1) S / N)` for rank k
/// of N) as visits, with persons and places numbered in byte order and
/// ranges of ids owned as `read_scans` leaves them. No communication: every
/// rank computes the same order. Each rank holds the whole snapshot while it
/// reads it, so the memory of this step does not divide.
rank_scans share_snapshot(MPI_Comm comm, const dataset& data);

/// Cuts the visits of `scans` at each person's next scan at another place
/// (docs/semantics.md §9n, `ctrace::cut_at_next_scan`), which needs each
/// person's rows together: the visits and their check-out flags
/// (`scans.checked_out`, read with `record_checkouts`) go to rank `person %
/// size`, are cut there and stay there (`build_stays` then sends them to
/// their places). At site level the places are already sites, so "another
/// place" is another site. Collective; throws on every rank alike (`error`
/// when the flags are missing).
void cut_at_next_scan(MPI_Comm comm, rank_scans& scans);

/// The stays of the places one rank owns: place x (a global index) is
/// owned by rank `x % size`, where it has the local index `x / size`.
struct rank_stays {
    /// Merged stays (docs/semantics.md §2.2) of the owned places, with local
    /// place indices and global person indices.
    stay_table stays;
    std::uint64_t person_count = 0;
    std::uint64_t place_count = 0;
    /// Bytes of visits this rank sent to others.
    std::uint64_t bytes_sent = 0;

    /// The global index of local place `local` on rank `rank` of `size`.
    static std::uint64_t global_place(std::uint64_t local, int rank, int size) noexcept {
        return local * static_cast<std::uint64_t>(size) + static_cast<std::uint64_t>(rank);
    }
};

/// Sends every visit of `scans` to the rank owning its place and merges
/// them into stays there; `scans.visits` is emptied (its memory released),
/// the ids stay. Collective. Each rank then holds the stays of about
/// `1 / size` of the places; every stay of a place is on its owner, so
/// contacts at a place are found on one rank.
rank_stays build_stays(MPI_Comm comm, rank_scans& scans);

/// Every rank's ids and stays gathered on rank 0 as one snapshot, for
/// writing it (`ctrace-mpi trace --hdf5`); empty on the other ranks.
/// Persons are numbered in byte order (their global indices); places are
/// the places file's first (at site level its sites, as `roll_up_to_sites`
/// orders and describes them), then the others in byte order. The stays,
/// `place_info`, `rows_read` and the level are set; the caller sets the
/// rest of the parameters and the inputs. Rank 0 needs the memory of one
/// process for this. Collective.
dataset gather_snapshot(MPI_Comm comm, const rank_scans& ids, const rank_stays& stays,
                        const place_table& place_info, contact_level level);

/// The places file's minimum overlaps (docs/semantics.md §8.2) of the places
/// this rank owns, by local place index (-1: none given), at `level` (a
/// site's is the smallest of its codes'): what `trace_parameters::
/// place_min_overlap` takes. Empty when the file has no such column.
/// Collective.
std::vector<duration> place_min_overlaps(MPI_Comm comm, const rank_scans& scans,
                                         const place_table& places, contact_level level);

/// A trace's outcome on rank 0: the risk entries and the ids they name.
struct traced {
    /// As `ctrace::trace` returns it, with `persons` and `places` below as
    /// the id tables; on other ranks only `qualifying_events` is set.
    trace_result result;
    /// The persons listed (and the index cases that never scanned), and the
    /// places named as `via_place`.
    id_table persons;
    id_table places;
    /// Bytes this rank sent to others at each layer (sources and combined
    /// exposures), and to gather the outputs on rank 0.
    std::vector<std::uint64_t> bytes_sent_per_layer;
    std::uint64_t bytes_sent_gathering = 0;
    /// On every rank: the global indices of the persons on the risk list
    /// whose ids this rank owns, ascending (for `find_companions`).
    std::vector<person_index> listed_here;
};

/// The layered trace of `ctrace::trace` (docs/semantics.md §4, §5), on the
/// stays of every rank. Collective: every rank passes the same `case_ids`
/// (the cases' person ids, pseudonymised where the data is), `cases`
/// (`person` indexing `case_ids`) and `parameters`, whose
/// `place_min_overlap` is this rank's (`place_min_overlaps`).
///
/// Each person's state (its earliest exposure, hop and risk entry) lives on
/// the rank that owns its id. Each layer the sources (persons whose
/// earliest exposure went down) are all-gathered; each rank finds the
/// events at its places with the single process's rules, combines them per
/// target (every rule is a minimum, maximum, sum or a tie on ids, which
/// global indices order as bytes) and sends them to the target's owner. So
/// only sources and combined exposures cross the network. Rank 0 gathers
/// the entries and the ids they name. Throws on every rank alike.
traced trace(MPI_Comm comm, const rank_scans& ids, const rank_stays& stays,
             const id_table& case_ids, std::span<const index_case> cases,
             const trace_parameters& parameters);

/// The companions (docs/semantics.md §10) of the cases of `risk`, a trace
/// with the same arguments: each rank finds the overlaps of the cases'
/// windows at its places, rank 0 gathers them with the ids they name and
/// makes the rows, their persons and places interned into `risk.persons`
/// and `risk.places` (whose existing indices do not change). The rows of
/// `ctrace::find_companions` on the same data, byte for byte once written;
/// empty on the other ranks. Collective; throws on every rank alike.
std::vector<companion> find_companions(MPI_Comm comm, const rank_scans& ids,
                                       const rank_stays& stays, const id_table& case_ids,
                                       std::span<const index_case> cases, traced& risk,
                                       const companion_parameters& parameters);

} // namespace ctrace::distributed
