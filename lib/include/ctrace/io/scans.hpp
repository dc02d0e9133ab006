#pragma once
/// \file
/// Reading the places file and the scans file (docs/semantics.md §1, §2.1, §6).
///
/// Each scan row becomes a *visit*: the half-open interval `[time, leave)`
/// when `leave` is given, else `[time, time + dwell)`, where dwell is the
/// place's `dwell` from the places file when it has one, else the default.
/// `leave < time` is a bad row; `leave == time` is a valid empty visit.

#include "ctrace/core/defaults.hpp"
#include "ctrace/core/error.hpp"
#include "ctrace/core/id_table.hpp"
#include "ctrace/core/time.hpp"
#include "ctrace/core/types.hpp"
#include "ctrace/io/csv.hpp"
#include "ctrace/io/decoded_input.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace ctrace {

/// The places file: ids and their attributes, all columns indexed by place.
struct place_table {
    id_table ids;
    /// Dwell for scans without a check-out, seconds; -1 where the file gives none.
    std::vector<duration> dwell;
    /// Minimum effective overlap of a contact at the place, seconds
    /// (docs/semantics.md §8.2); -1 where the file gives none.
    std::vector<duration> min_overlap;
    /// The venue each code belongs to (docs/semantics.md §8.1); empty: the
    /// code is its own site.
    std::vector<std::string> site;
    /// Optional text columns, empty strings where absent.
    std::vector<std::string> category, name, district, lat, lon;
    /// Which optional columns the file had.
    bool has_dwell = false, has_category = false, has_name = false, has_district = false,
         has_lat = false, has_lon = false, has_min_overlap = false, has_site = false;

    std::size_t size() const noexcept { return ids.size(); }
};

/// Reads a places file (required column `place`). Any bad row, and a place
/// listed twice, is fatal: throws `bad_rows_error`; a missing column or an
/// unreadable file throws `input_error`.
/// How a places file is written.
struct place_read_options {
    /// The header's names for `place`, `dwell`, `category`, `name`,
    /// `district`, `lat` and `lon` where the file calls them otherwise.
    column_names columns;
    /// The file's text encoding (gzip and zstd files are recognised by their
    /// first bytes and read decompressed).
    input_encoding encoding = input_encoding::utf8;
    /// A row longer than this is a bad row (`csv_reader::set_max_row_bytes`).
    std::size_t max_row_bytes = default_max_row_bytes;
};

place_table read_places(std::istream& in, const std::string& source_name,
                        const place_read_options& options = {});
place_table read_places(const std::filesystem::path& path, const place_read_options& options = {});

/// A table without places that has the optional columns `like` has.
place_table place_table_with_columns_of(const place_table& like);

/// The columns a places file may have, as ctrace names them.
inline constexpr std::string_view places_file_columns[] = {
    "place", "dwell", "category", "name", "district", "lat", "lon", "min_overlap", "site"};
/// The columns a scans file may have, as ctrace names them.
inline constexpr std::string_view scans_file_columns[] = {"person", "place", "time", "leave"};

/// A visit: one scan row as an interval `[start, end)` in epoch seconds.
struct visit {
    person_index person;
    place_index place;
    time_point start;
    time_point end;
};

struct scan_read_options {
    /// Zone of ISO times that carry no offset.
    utc_offset tz{};
    /// The header's names for `person`, `place`, `time` and `leave`, where
    /// they differ.
    column_names columns;
    /// The file's text encoding. A file in another encoding than UTF-8, or
    /// compressed (gzip, zstd: recognised by its first bytes), is decoded as
    /// it is read, on one thread; line numbers are those of the decoded text
    /// and the digest (`compute_sha256`) is that of the file's own bytes.
    input_encoding encoding = input_encoding::utf8;
    /// The layout of `time` and `leave` when they are neither epoch seconds
    /// nor ISO 8601 (`%d.%m.%Y %H:%M`): tried first, then the default forms.
    std::optional<time_format> time_layout;
    /// Dwell of a scan without check-out at a place without its own dwell.
    duration default_dwell = defaults::dwell;
    /// false: any bad row makes the read throw `bad_rows_error` (strict);
    /// true: bad rows are left out and listed in `scan_log::rejects`.
    bool skip_bad = false;
    /// A row longer than this (bytes without its line end) is a bad row,
    /// read past without being held (`csv_reader::set_max_row_bytes`).
    std::size_t max_row_bytes = default_max_row_bytes;
    /// Threads reading a scans *file* (0 = one per core). The file is cut at
    /// line ends into chunks that any thread parses while one at a time
    /// interns them in file order: the result is the same as with one thread.
    unsigned threads = 0;
    /// Files smaller than this are read by one thread.
    std::uint64_t parallel_min_bytes = std::uint64_t{16} << 20;
    /// Size of the pieces a file read on several threads is cut into (at
    /// line ends); each is parsed on any thread and interned in file order.
    std::uint64_t chunk_bytes = std::uint64_t{2} << 20;
    /// Compute the SHA-256 of the input while reading it (`scan_log::sha256`).
    bool compute_sha256 = false;
    /// Fill `scan_log::checked_out` (what cutting stays at the next scan
    /// needs, `stay_end.hpp`); off, it stays empty.
    bool record_checkouts = false;
    /// Called now and then with bytes consumed so far (may be empty).
    std::function<void(std::uint64_t)> progress;
};

/// The scans of one or more files with their ids interned.
struct scan_log {
    id_table persons;
    /// Place ids: the places file's ids first (same indices), then new ones.
    id_table places;
    std::vector<visit> visits;
    /// With `scan_read_options::record_checkouts`: whether each visit's row
    /// had a `leave` (same order as `visits`); else empty.
    std::vector<bool> checked_out;
    /// Non-blank data rows read (good and bad).
    std::uint64_t rows_read = 0;
    /// The rows left out under `skip_bad`, in file order.
    std::vector<bad_row> rejects;
    /// Bytes of input read, and their SHA-256 (hex) when asked for.
    std::uint64_t bytes_read = 0;
    std::string sha256;
};

/// Reads a scans file (columns `person`, `place`, `time`, optional `leave`).
/// `places` supplies place dwells; pass an empty table when there is no
/// places file. Throws `bad_rows_error` on bad rows unless `skip_bad`, and
/// `input_error` for a missing column or an unreadable file.
scan_log read_scans(std::istream& in, const std::string& source_name, const place_table& places,
                    const scan_read_options& options);
scan_log read_scans(const std::filesystem::path& path, const place_table& places,
                    const scan_read_options& options);

/// Scans held in columns by a front end (a pandas DataFrame, say): row k is
/// (`persons[k]`, `places[k]`, time k, leave k). They are read as a scans
/// file holding the same values would be: the same checks and bad rows (an
/// empty or overlong id, one that is not UTF-8 or holds a NUL, a missing or
/// bad time, a leave before the time), ids interned in row order, the same
/// visits. A bad row's line is its row + 2 (as if a header were line 1) and
/// its `raw` the row as CSV text.
struct scan_table {
    /// Stands for the file in messages, rejects and provenance.
    std::string name;
    /// The ids; views of memory that outlives the read.
    std::vector<std::string_view> persons, places;
    /// Marks a missing time among epoch seconds.
    static constexpr time_point no_time = std::numeric_limits<time_point>::min();
    /// A column of times: epoch seconds (`no_time` where missing), or text
    /// read as the file reader reads it (empty where missing); one of the two.
    struct times {
        std::vector<time_point> seconds;
        std::vector<std::string_view> texts;
        /// `seconds` are wall-clock times in `scan_read_options::tz` (from
        /// naive datetimes), not seconds since the epoch in UTC.
        bool local = false;
    };
    times time;
    /// Empty (neither seconds nor texts) when the scans have no check-outs.
    times leave;

    std::size_t rows() const noexcept { return persons.size(); }
};

/// Reads `table` (see `scan_table`) with `options`' checks, zone, dwell and
/// skip_bad (its threads and time layout apply too; progress is told the
/// rows read so far); `places` as for `read_scans`. Rows are parsed on
/// `options.threads` threads and interned in row order: the result does not
/// depend on the threads. `bytes_read` is 0 and `sha256` empty (no file).
/// Throws `input_error` when the columns differ in length, `bad_rows_error`
/// on bad rows unless `skip_bad`.
scan_log read_scan_table(const scan_table& table, const place_table& places,
                         const scan_read_options& options);

/// One of `count` slices of a scans file, as one process of several reads
/// its share of a dump. The data bytes (after the header) are cut into
/// `count` ranges of about equal size, each moved to the next line start,
/// the way the parallel reader cuts chunks; slice k holds the rows that begin
/// in range k, so the slices together hold every row once, in file order.
struct scan_slice {
    /// The slice's rows, its ids interned in their order of first appearance
    /// in the slice. `log.rejects` holds the bad rows (all of them under
    /// `skip_bad`, else the first `bad_rows_error::max_kept_rows`), with line
    /// numbers counted from the slice's first line as line 1 (slice 0: from
    /// the file's first line, the header); add the `line_ends` of the slices
    /// before to get the file's.
    scan_log log;
    /// Bad rows in all (the kept ones and the rest).
    std::uint64_t bad_rows = 0;
    /// Line ends in the slice's bytes (slice 0: the header's included).
    std::uint64_t line_ends = 0;
    /// The slice (not the last) ended inside a quoted field: a quoted line
    /// break sat at a cut, and the file must be read in one piece.
    bool ended_inside_quotes = false;
};

/// How a file is divided into slices.
enum class slice_mode {
    /// Byte ranges cut at line starts: each slice reads only its own bytes.
    byte_ranges,
    /// Every slice parses the whole file and keeps every `count`-th block of
    /// rows (slice k the k-th), so a slice's rows are not contiguous; its
    /// bad rows carry the file's own line numbers and `line_ends` is 0. It
    /// takes each slice as long as the whole file; the memory of what is kept
    /// still divides. For files that cannot be cut (compressed, transcoded,
    /// or with a quoted line break at a cut).
    row_blocks,
};

/// Reads slice `slice` of `count` (see `scan_slice`), by byte ranges unless
/// `mode` says otherwise; a compressed or transcoded file is always read as
/// `slice_mode::row_blocks`. Never throws for bad rows (the caller gathers
/// the slices' and decides); throws `input_error` for a missing column or an
/// unreadable file, `parameter_error` for a slice not below `count`.
scan_slice read_scans_slice(const std::filesystem::path& path, const place_table& places,
                            const scan_read_options& options, std::size_t slice, std::size_t count,
                            slice_mode mode = slice_mode::byte_ranges);

/// Appends `part` (read after `into`) to `into`: its persons and places are
/// interned into `into`'s tables (new ids get the next indices, in `part`'s
/// order), its visits are renumbered and appended, and `rows_read` and
/// `bytes_read` add up. Rejects and digests are the caller's: their line
/// numbers and files differ. `part`'s visits are consumed (emptied).
void append_scan_log(scan_log& into, scan_log& part);

} // namespace ctrace
