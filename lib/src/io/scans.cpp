#include "ctrace/io/scans.hpp"

#include "core/consumed_memory.hpp"
#include "core/file_descriptor.hpp"
#include "core/radix_sort.hpp"
#include "ctrace/core/digest.hpp"
#include "ctrace/io/csv.hpp"
#include "io/row_errors.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <fstream>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unistd.h>

namespace ctrace {

namespace {

using detail::bad_row_sink;
using detail::field_problem;
using detail::read_header;

/// Sets what `options` asks of every reader of a file: the reason invalid
/// text is refused with and the longest row.
template <class Options>
void prepare_reader(csv_reader& reader, const Options& options) {
    reader.set_invalid_text_reason(invalid_text_reason(options.encoding));
    reader.set_max_row_bytes(options.max_row_bytes);
}

place_table read_places_from(csv_reader& reader, const place_read_options& options) {
    const std::string& name = reader.source_name();
    prepare_reader(reader, options);
    csv_record record;
    const csv_header header = read_header(reader, record, options.columns);
    const int place_col = header.require("place", name);
    const int dwell_col = header.find("dwell");
    const int category_col = header.find("category");
    const int name_col = header.find("name");
    const int district_col = header.find("district");
    const int lat_col = header.find("lat");
    const int lon_col = header.find("lon");
    const int min_overlap_col = header.find("min_overlap");
    const int site_col = header.find("site");

    place_table table;
    table.has_min_overlap = min_overlap_col >= 0;
    table.has_site = site_col >= 0;
    table.has_dwell = dwell_col >= 0;
    table.has_category = category_col >= 0;
    table.has_name = name_col >= 0;
    table.has_district = district_col >= 0;
    table.has_lat = lat_col >= 0;
    table.has_lon = lon_col >= 0;
    auto text = [&](int col) {
        return col >= 0 ? std::string(record.fields[static_cast<std::size_t>(col)]) : std::string();
    };

    bad_row_sink bad(false);
    while (reader.next(record)) {
        if (detail::rejected_record(bad, record, header.size())) continue;
        const std::string_view place = record.fields[static_cast<std::size_t>(place_col)];
        if (place.empty()) {
            bad.add(record, "place is empty");
            continue;
        }
        duration dwell = -1;
        if (dwell_col >= 0 && !record.fields[static_cast<std::size_t>(dwell_col)].empty()) {
            const auto value = record.fields[static_cast<std::size_t>(dwell_col)];
            const auto parsed = try_parse_duration(value);
            if (!parsed) {
                bad.add(record, field_problem("dwell", parsed.error, value));
                continue;
            }
            dwell = parsed.value;
        }
        duration min_overlap = -1;
        if (min_overlap_col >= 0 &&
            !record.fields[static_cast<std::size_t>(min_overlap_col)].empty()) {
            const auto value = record.fields[static_cast<std::size_t>(min_overlap_col)];
            const auto parsed = try_parse_duration(value);
            if (!parsed) {
                bad.add(record, field_problem("min_overlap", parsed.error, value));
                continue;
            }
            min_overlap = parsed.value;
        }
        const std::size_t before = table.ids.size();
        const place_index index = table.ids.intern(place);
        if (index < before) {
            bad.add(record, field_problem("place", "listed twice", place));
            continue;
        }
        table.dwell.push_back(dwell);
        table.min_overlap.push_back(min_overlap);
        table.site.push_back(text(site_col));
        table.category.push_back(text(category_col));
        table.name.push_back(text(name_col));
        table.district.push_back(text(district_col));
        table.lat.push_back(text(lat_col));
        table.lon.push_back(text(lon_col));
    }
    bad.throw_if_strict(name);
    return table;
}

/// `size_hint`: the input's size in bytes when known, else 0.
/// Where the required columns are.
struct scan_columns {
    std::size_t count;
    std::size_t person, place, time;
    int leave; ///< -1 when absent
};

scan_columns find_scan_columns(const csv_header& header, const std::string& name) {
    return {header.size(), static_cast<std::size_t>(header.require("person", name)),
            static_cast<std::size_t>(header.require("place", name)),
            static_cast<std::size_t>(header.require("time", name)), header.find("leave")};
}

/// A run of scan rows, parsed but not yet interned: ids are copied into
/// `ids` with their hashes, so parsing (any thread) and interning (in file
/// order, one thread at a time) can be apart.
struct parsed_chunk {
    /// Marks a row without check-out: its end is the start plus the place's
    /// dwell, known once the place is interned. Never a valid time (inputs
    /// stay within +-2^55 seconds).
    static constexpr time_point no_leave = std::numeric_limits<time_point>::min();

    struct row {
        std::uint64_t person_hash, place_hash;
        std::uint32_t person_at, place_at; ///< offsets into `ids`
        std::uint16_t person_length, place_length;
        /// The place's index when the places file lists it (looked up while
        /// parsing), else `no_place` (interned in file order).
        place_index place;
        time_point start, end;
    };
    std::vector<char> ids;
    std::vector<row> rows;
    bad_row_sink bad{false};
    std::uint64_t rows_read = 0;
    /// Line ends of the chunk's text, and whether it ended inside quotes.
    std::uint64_t line_ends = 0;
    bool ended_inside_quotes = false;

    void reset(bool keep_bad_rows) {
        ids.clear();
        rows.clear();
        bad = bad_row_sink(keep_bad_rows);
        rows_read = line_ends = 0;
        ended_inside_quotes = false;
    }
    std::uint32_t append_id(std::string_view id) {
        const auto at = static_cast<std::uint32_t>(ids.size());
        ids.insert(ids.end(), id.begin(), id.end());
        return at;
    }
    std::string_view person(const row& r) const {
        return {ids.data() + r.person_at, r.person_length};
    }
    std::string_view place(const row& r) const { return {ids.data() + r.place_at, r.place_length}; }
};

/// Chunks hold at most this many rows (and so this many id bytes, 2 KiB a
/// row at most, under 4 GiB for the 32-bit offsets).
constexpr std::size_t max_chunk_rows = std::size_t{1} << 16;

/// Parses records of `reader` into `chunk` until `max_rows` rows or the end
/// of input; false once the input has ended.
bool parse_chunk(csv_reader& reader, const scan_columns& columns, const scan_read_options& options,
                 parsed_chunk& chunk, csv_record& record, std::size_t max_rows) {
    while (chunk.rows_read < max_rows) {
        if (!reader.next(record)) return false;
        ++chunk.rows_read;
        if (detail::rejected_record(chunk.bad, record, columns.count)) continue;
        const auto& f = record.fields;
        const std::string_view person = f[columns.person], place = f[columns.place];
        if (person.empty()) {
            chunk.bad.add(record, "person is empty");
            continue;
        }
        if (place.empty()) {
            chunk.bad.add(record, "place is empty");
            continue;
        }
        const auto start = try_parse_time(f[columns.time], options.time_layout, options.tz);
        if (!start) {
            chunk.bad.add(record, field_problem("time", start.error, f[columns.time]));
            continue;
        }
        time_point end = parsed_chunk::no_leave;
        if (columns.leave >= 0) {
            const std::string_view leave = f[static_cast<std::size_t>(columns.leave)];
            if (!leave.empty()) {
                const auto parsed = try_parse_time(leave, options.time_layout, options.tz);
                if (!parsed) {
                    chunk.bad.add(record, field_problem("leave", parsed.error, leave));
                    continue;
                }
                if (parsed.value < start.value) {
                    chunk.bad.add(record, field_problem("leave", "before time", leave));
                    continue;
                }
                end = parsed.value;
            }
        }
        // Fields are at most max_field_bytes long, so lengths fit 16 bits.
        chunk.rows.push_back({hash_bytes(person), hash_bytes(place), chunk.append_id(person),
                              chunk.append_id(place), static_cast<std::uint16_t>(person.size()),
                              static_cast<std::uint16_t>(place.size()), no_place, start.value,
                              end});
    }
    return true;
}

/// Buffers `intern_chunk` (and the places file lookups) reuse from chunk to
/// chunk.
struct intern_scratch {
    std::vector<std::string_view> ids;
    std::vector<std::uint64_t> hashes;
    std::vector<id_table::index_type> found;
    std::vector<person_index> persons;
    std::vector<place_index> places;
};

/// The stay length of a scan without check-out at `place`: the places
/// file's dwell for a place it lists with one, else `default_dwell`.
duration dwell_at(const place_table& places, place_index place, duration default_dwell) {
    return place < places.dwell.size() && places.dwell[place] >= 0 ? places.dwell[place]
                                                                   : default_dwell;
}

/// Looks the rows' places up in the places file's table (read-only, so on
/// the parsing thread): a listed place gets its index, and a row without
/// check-out its end from the place's dwell. Other places are interned later,
/// in file order.
void find_listed_places(parsed_chunk& chunk, const place_table& places,
                        const scan_read_options& options, intern_scratch& scratch) {
    if (places.ids.empty() || !places.ids.has_index()) return;
    const std::size_t n = chunk.rows.size();
    scratch.ids.resize(n);
    scratch.hashes.resize(n);
    scratch.found.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        scratch.ids[i] = chunk.place(chunk.rows[i]);
        scratch.hashes[i] = chunk.rows[i].place_hash;
    }
    places.ids.find_batch(scratch.ids, scratch.hashes, scratch.found);
    for (std::size_t i = 0; i < n; ++i) {
        if (scratch.found[i] == id_table::npos) continue;
        parsed_chunk::row& r = chunk.rows[i];
        r.place = scratch.found[i];
        // Interning tells rows without check-out by their end when it is asked to.
        if (r.end == parsed_chunk::no_leave && !options.record_checkouts)
            r.end = r.start + dwell_at(places, r.place, options.default_dwell);
    }
}

/// Interns the rows of `chunk` into `log` and appends their visits, in row
/// order. All the ids of the chunk go to `id_table::intern_batch` at once,
/// so the memory accesses of a large id table overlap instead of coming one
/// after another.
void intern_chunk(const parsed_chunk& chunk, const place_table& places,
                  const scan_read_options& options, scan_log& log, intern_scratch& scratch) {
    const std::size_t n = chunk.rows.size();
    scratch.ids.resize(n);
    scratch.hashes.resize(n);
    scratch.persons.resize(n);
    scratch.places.resize(n);
    // Places the places file does not list, in row order.
    std::size_t unknown = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (chunk.rows[i].place != no_place) continue;
        scratch.ids[unknown] = chunk.place(chunk.rows[i]);
        scratch.hashes[unknown] = chunk.rows[i].place_hash;
        ++unknown;
    }
    if (unknown > 0)
        log.places.intern_batch({scratch.ids.data(), unknown}, {scratch.hashes.data(), unknown},
                                {scratch.places.data(), unknown});
    for (std::size_t i = n, k = unknown; i-- > 0;)
        scratch.places[i] =
            chunk.rows[i].place != no_place ? chunk.rows[i].place : scratch.places[--k];
    for (std::size_t i = 0; i < n; ++i) {
        scratch.ids[i] = chunk.person(chunk.rows[i]);
        scratch.hashes[i] = chunk.rows[i].person_hash;
    }
    log.persons.intern_batch(scratch.ids, scratch.hashes, scratch.persons);
    for (std::size_t i = 0; i < n; ++i) {
        const parsed_chunk::row& r = chunk.rows[i];
        const place_index place = scratch.places[i];
        const time_point end = r.end != parsed_chunk::no_leave
                                   ? r.end
                                   : r.start + dwell_at(places, place, options.default_dwell);
        log.visits.push_back({scratch.persons[i], place, r.start, end});
    }
    if (options.record_checkouts)
        for (const parsed_chunk::row& r : chunk.rows)
            log.checked_out.push_back(r.end != parsed_chunk::no_leave);
}

/// A scan row takes at least ~20 bytes. Reserving for that many visits avoids
/// regrowth copies; the pages never written are never resident.
void reserve_visits(scan_log& log, std::uint64_t bytes) {
    constexpr std::uint64_t min_row_bytes = 20;
    log.visits.reserve(static_cast<std::size_t>(bytes / min_row_bytes));
}

/// Reads the rows of `reader` to its end into `log` and `bad`, a chunk of
/// `max_chunk_rows` rows at a time; line numbers are the reader's. Only
/// chunk `block` of every `blocks` is kept (the others are parsed and
/// dropped): `slice_mode::row_blocks`.
void read_rows(csv_reader& reader, const scan_columns& columns, const place_table& places,
               const scan_read_options& options, csv_record& record, scan_log& log,
               bad_row_sink& bad, std::size_t block = 0, std::size_t blocks = 1) {
    parsed_chunk chunk;
    intern_scratch scratch;
    bool more = true;
    for (std::size_t k = 0; more; ++k) {
        chunk.reset(options.skip_bad);
        more = parse_chunk(reader, columns, options, chunk, record, max_chunk_rows);
        if (k % blocks != block) continue;
        find_listed_places(chunk, places, options, scratch);
        intern_chunk(chunk, places, options, log, scratch);
        log.rows_read += chunk.rows_read;
        bad.append(std::move(chunk.bad));
        if (options.progress) options.progress(reader.bytes_consumed());
    }
}

scan_log read_scans_from(csv_reader& reader, const place_table& places,
                         const scan_read_options& options, std::uint64_t size_hint) {
    const std::string& name = reader.source_name();
    std::optional<sha256> digest;
    if (options.compute_sha256) reader.set_digest(&digest.emplace());
    prepare_reader(reader, options);
    csv_record record;
    const csv_header header = read_header(reader, record, options.columns);
    const scan_columns columns = find_scan_columns(header, name);

    scan_log log;
    log.places = places.ids;
    if (size_hint > 0) reserve_visits(log, size_hint);
    bad_row_sink bad(options.skip_bad);
    read_rows(reader, columns, places, options, record, log, bad);
    bad.throw_if_strict(name);
    log.rejects = std::move(bad.rows());
    log.bytes_read = reader.bytes_consumed();
    if (digest) {
        reader.set_digest(nullptr);
        log.sha256 = digest->hex_digest();
    }
    return log;
}

// ---- scans held in columns ---------------------------------------------------

/// The text of time `row` of `column` as a scans file would hold it: the
/// text given, or the seconds written as `append_time` writes them (UTC; a
/// local time without its zone).
std::string time_text(const scan_table::times& column, std::size_t row) {
    if (!column.texts.empty()) return std::string(column.texts[row]);
    const time_point t = column.seconds[row];
    if (t == scan_table::no_time) return {};
    std::string text = format_time(t, utc_offset{});
    if (column.local) text.pop_back(); // the `Z`: a wall-clock time
    return text;
}

/// Row `row` of `table` as a line of CSV text (a bad row's `raw`).
std::string row_text(const scan_table& table, std::size_t row) {
    std::string text;
    append_csv_field(text, table.persons[row]);
    text.push_back(',');
    append_csv_field(text, table.places[row]);
    text.push_back(',');
    append_csv_field(text, time_text(table.time, row));
    if (!table.leave.seconds.empty() || !table.leave.texts.empty()) {
        text.push_back(',');
        append_csv_field(text, time_text(table.leave, row));
    }
    return text;
}

/// Why `id` cannot be an id as a CSV reader would say it, or null.
const char* id_problem(std::string_view id) {
    if (id.size() > max_field_bytes) return "field longer than 1024 bytes";
    if (is_plain_ascii_without_nul(id)) return nullptr; // most ids
    if (id.find('\0') != std::string_view::npos) return "NUL byte";
    if (!is_valid_utf8(id)) return "invalid UTF-8";
    return nullptr;
}

/// Time `row` of `column` (`no_time` where missing), as the file reader
/// would read the text of it.
parse_result<time_point> table_time(const scan_table::times& column, std::size_t row,
                                    const scan_read_options& options) {
    if (!column.texts.empty())
        return try_parse_time(column.texts[row], options.time_layout, options.tz);
    const time_point t = column.seconds[row];
    if (t == scan_table::no_time) return try_parse_time("", options.tz); // the reader's "empty"
    return {column.local ? t - options.tz.seconds : t, nullptr};
}

/// Parses rows [begin, end) of `table` into `chunk`, as `parse_chunk` parses
/// a file's records.
void parse_table_rows(const scan_table& table, std::size_t begin, std::size_t end,
                      const scan_read_options& options, parsed_chunk& chunk) {
    const bool has_leave = !table.leave.seconds.empty() || !table.leave.texts.empty();
    csv_record record; // a bad row's line and text
    std::string raw;
    const auto reject = [&](std::size_t row, std::string reason) {
        raw = row_text(table, row);
        record.raw = raw;
        record.line = row + 2;
        chunk.bad.add(record, std::move(reason));
    };
    for (std::size_t row = begin; row < end; ++row) {
        ++chunk.rows_read;
        const std::string_view person = table.persons[row], place = table.places[row];
        if (const char* problem = id_problem(person)) {
            reject(row, problem);
            continue;
        }
        if (const char* problem = id_problem(place)) {
            reject(row, problem);
            continue;
        }
        if (person.empty()) {
            reject(row, "person is empty");
            continue;
        }
        if (place.empty()) {
            reject(row, "place is empty");
            continue;
        }
        const parse_result<time_point> start = table_time(table.time, row, options);
        if (!start) {
            reject(row, field_problem("time", start.error, time_text(table.time, row)));
            continue;
        }
        time_point leave_at = parsed_chunk::no_leave;
        if (has_leave) {
            const bool missing = table.leave.texts.empty()
                                     ? table.leave.seconds[row] == scan_table::no_time
                                     : table.leave.texts[row].empty();
            if (!missing) {
                const parse_result<time_point> leave = table_time(table.leave, row, options);
                if (!leave) {
                    reject(row, field_problem("leave", leave.error, time_text(table.leave, row)));
                    continue;
                }
                if (leave.value < start.value) {
                    reject(row, field_problem("leave", "before time", time_text(table.leave, row)));
                    continue;
                }
                leave_at = leave.value;
            }
        }
        chunk.rows.push_back({hash_bytes(person), hash_bytes(place), chunk.append_id(person),
                              chunk.append_id(place), static_cast<std::uint16_t>(person.size()),
                              static_cast<std::uint16_t>(place.size()), no_place, start.value,
                              leave_at});
    }
}

/// The offset just after the first line end at or after `from`, or `size`;
/// none when no line end is within `max_scan` bytes of `from`.
std::optional<std::uint64_t> next_line_start(int fd, std::uint64_t from, std::uint64_t size,
                                             const std::string& name,
                                             std::uint64_t max_scan = UINT64_MAX) {
    std::array<char, 4096> buffer;
    const std::uint64_t scan_end = from + std::min(max_scan, size - std::min(size, from));
    while (from < size) {
        if (from >= scan_end) return std::nullopt;
        const ssize_t got = detail::read_at(fd, buffer, from);
        if (got < 0) throw io_error(name + ": read error: " + std::strerror(errno));
        if (got == 0) break;
        const void* nl = std::memchr(buffer.data(), '\n', static_cast<std::size_t>(got));
        if (nl != nullptr)
            return from + static_cast<std::uint64_t>(static_cast<const char*>(nl) - buffer.data()) +
                   1;
        from += static_cast<std::uint64_t>(got);
    }
    return size;
}

/// Reads a scans file on several threads: it is cut into chunks of about
/// `chunk_bytes` at line ends; any thread parses the next chunk, and the
/// parsed chunks are interned strictly in file order by whichever thread is
/// free, so there is one id table, ids get their indices in order of first
/// appearance and the result is that of one thread. If a chunk turns out to
/// have begun inside a quoted field (a quoted line break), nothing is
/// returned.
std::optional<scan_log> read_scans_in_chunks(const std::filesystem::path& path,
                                             const place_table& places,
                                             const scan_read_options& options, unsigned threads,
                                             std::uint64_t size) {
    const std::string name = path.string();
    csv_reader header_reader(path);
    prepare_reader(header_reader, options);
    csv_record header_record;
    const csv_header header = read_header(header_reader, header_record, options.columns);
    const scan_columns columns = find_scan_columns(header, name);
    // The first byte after the header's line end, and the line ends up to it.
    const std::uint64_t data_begin = header_reader.bytes_consumed();
    const std::uint64_t header_line_ends = header_reader.line_ends_consumed();

    const std::uint64_t chunk_bytes = std::max<std::uint64_t>(1, options.chunk_bytes);
    const std::size_t chunk_count = static_cast<std::size_t>(
        std::max<std::uint64_t>(1, (size - data_begin + chunk_bytes - 1) / chunk_bytes));
    const std::size_t max_ahead = 4 * std::size_t{threads};

    scan_log log;
    log.places = places.ids;
    reserve_visits(log, size);
    bad_row_sink bad(options.skip_bad);
    std::uint64_t line_offset = header_line_ends;
    std::string digest_hex;

    // Visits are appended by whichever thread interns, one at a time; the
    // pages they will land on are faulted in beforehand by the parsing
    // threads (a page fault on this virtual machine costs as much as
    // interning a hundred rows). A hint only: the reserved buffer normally
    // holds every visit, and if it does not, the hint is stale and harmless.
    const visit* const reserved = log.visits.data();
    const std::size_t reserved_rows = log.visits.capacity();
    std::size_t interned_rows = 0, waiting_rows = 0;
    intern_scratch scratch; // of whichever thread interns
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<std::unique_ptr<parsed_chunk>> parsed(chunk_count);
    std::vector<std::unique_ptr<parsed_chunk>> spare;
    std::vector<std::uint64_t> chunk_end(chunk_count, 0);
    std::size_t next_to_parse = 0, next_to_intern = 0;
    bool interning = false, abandoned = false;
    std::exception_ptr failure;

    auto work = [&] {
        std::unique_lock lock(mutex);
        try {
            csv_reader reader(path, 0, 0);
            prepare_reader(reader, options);
            csv_record record;
            intern_scratch lookup; // this thread's, for the places file lookups
            while (next_to_intern < chunk_count && !abandoned) {
                if (!interning && parsed[next_to_intern]) {
                    // The next chunk in file order is ready and the tables are free.
                    std::unique_ptr<parsed_chunk> chunk = std::move(parsed[next_to_intern]);
                    const std::size_t k = next_to_intern;
                    interning = true;
                    lock.unlock();
                    intern_chunk(*chunk, places, options, log, scratch);
                    log.rows_read += chunk->rows_read;
                    chunk->bad.shift_lines(line_offset);
                    bad.append(std::move(chunk->bad));
                    line_offset += chunk->line_ends;
                    if (options.progress) options.progress(chunk_end[k]);
                    lock.lock();
                    interning = false;
                    interned_rows += chunk->rows.size();
                    waiting_rows -= chunk->rows.size();
                    ++next_to_intern;
                    spare.push_back(std::move(chunk));
                    changed.notify_all();
                } else if (next_to_parse < chunk_count &&
                           next_to_parse < next_to_intern + max_ahead) {
                    const std::size_t k = next_to_parse++;
                    std::unique_ptr<parsed_chunk> chunk;
                    if (!spare.empty()) {
                        chunk = std::move(spare.back());
                        spare.pop_back();
                    }
                    lock.unlock();
                    if (!chunk) chunk = std::make_unique<parsed_chunk>();
                    chunk->reset(options.skip_bad);
                    // A cut is looked for no further than a row may be long:
                    // past that, the row is bad and read past by one reader
                    // (a split search per chunk through a 2 GB line would
                    // read it once for every chunk).
                    const int fd = reader.file_descriptor();
                    const auto cut = [&](std::size_t at) -> std::optional<std::uint64_t> {
                        if (at == 0) return data_begin;
                        if (at == chunk_count) return size;
                        return next_line_start(fd, data_begin + at * chunk_bytes - 1, size, name,
                                               options.max_row_bytes + 2);
                    };
                    const std::optional<std::uint64_t> begin = cut(k), end = cut(k + 1);
                    if (!begin || !end) {
                        lock.lock();
                        abandoned = true;
                        changed.notify_all();
                        break;
                    }
                    reader.restart(*begin, *end);
                    parse_chunk(reader, columns, options, *chunk, record,
                                std::numeric_limits<std::size_t>::max());
                    find_listed_places(*chunk, places, options, lookup);
                    chunk->line_ends = reader.line_ends_consumed();
                    chunk->ended_inside_quotes =
                        reader.ended_inside_quotes() && k + 1 < chunk_count;
                    lock.lock();
                    const std::size_t rows = chunk->rows.size();
                    const std::size_t first_row = interned_rows + waiting_rows;
                    waiting_rows += rows;
                    chunk_end[k] = *end;
                    if (chunk->ended_inside_quotes) abandoned = true;
                    parsed[k] = std::move(chunk);
                    changed.notify_all();
                    if (first_row + rows <= reserved_rows) {
                        lock.unlock();
                        detail::prefault(reserved + first_row, reserved + first_row + rows);
                        lock.lock();
                    }
                } else {
                    changed.wait(lock);
                }
            }
        } catch (...) {
            if (!lock.owns_lock()) lock.lock();
            if (!failure) failure = std::current_exception();
            abandoned = true;
            changed.notify_all();
        }
    };
    {
        std::vector<std::thread> workers;
        for (unsigned t = 1; t < threads; ++t)
            workers.emplace_back(work);
        if (options.compute_sha256) {
            // This thread hashes the file while the others parse, then joins them.
            try {
                digest_hex = sha256_file(path);
            } catch (...) {
                std::lock_guard guard(mutex);
                if (!failure) failure = std::current_exception();
                abandoned = true;
                changed.notify_all();
            }
        }
        work();
        for (std::thread& t : workers)
            t.join();
    }
    if (failure) std::rethrow_exception(failure);
    if (abandoned) return std::nullopt;
    bad.throw_if_strict(name);
    log.rejects = std::move(bad.rows());
    log.bytes_read = size;
    log.sha256 = std::move(digest_hex);
    return log;
}

/// Interns every id of `from` into `into`, in index order: the index in
/// `into` of each id of `from`.
std::vector<id_table::index_type> intern_all(id_table& into, const id_table& from) {
    constexpr std::size_t batch = 128;
    std::vector<id_table::index_type> map(from.size());
    std::array<std::string_view, batch> ids;
    std::array<std::uint64_t, batch> hashes;
    for (std::size_t first = 0; first < from.size(); first += batch) {
        const std::size_t n = std::min(batch, from.size() - first);
        for (std::size_t k = 0; k < n; ++k) {
            ids[k] = from[static_cast<id_table::index_type>(first + k)];
            hashes[k] = hash_bytes(ids[k]);
        }
        into.intern_batch({ids.data(), n}, {hashes.data(), n}, {map.data() + first, n});
    }
    return map;
}

} // namespace

void append_scan_log(scan_log& into, scan_log& part) {
    const std::vector<person_index> person_map = intern_all(into.persons, part.persons);
    const std::vector<place_index> place_map = intern_all(into.places, part.places);
    detail::consumed_prefix<visit> consumed(part.visits);
    for (std::size_t i = 0; i < part.visits.size(); ++i) {
        const visit& v = part.visits[i];
        into.visits.push_back({person_map[v.person], place_map[v.place], v.start, v.end});
        consumed.advance(i + 1);
    }
    part.visits = {};
    into.checked_out.insert(into.checked_out.end(), part.checked_out.begin(),
                            part.checked_out.end());
    part.checked_out = {};
    into.rows_read += part.rows_read;
    into.bytes_read += part.bytes_read;
}

place_table read_places(std::istream& in, const std::string& source_name,
                        const place_read_options& options) {
    csv_reader reader(in, source_name);
    return read_places_from(reader, options);
}

place_table read_places(const std::filesystem::path& path, const place_read_options& options) {
    if (needs_decoding(path, options.encoding)) {
        decoded_input in(path, options.encoding);
        return read_places(in, path.string(), options);
    }
    csv_reader reader(path);
    return read_places_from(reader, options);
}

scan_log read_scans(std::istream& in, const std::string& source_name, const place_table& places,
                    const scan_read_options& options) {
    csv_reader reader(in, source_name);
    return read_scans_from(reader, places, options, 0);
}

scan_log read_scan_table(const scan_table& table, const place_table& places,
                         const scan_read_options& options) {
    const std::size_t n = table.rows();
    const auto check_length = [&](std::size_t size, const char* column) {
        if (size != n)
            throw input_error(table.name + ": the " + std::string(column) + " column has " +
                              std::to_string(size) + " rows, the person column " +
                              std::to_string(n));
    };
    check_length(table.places.size(), "place");
    const auto time_rows = [](const scan_table::times& t) {
        return t.texts.empty() ? t.seconds.size() : t.texts.size();
    };
    if (!table.time.texts.empty() && !table.time.seconds.empty())
        throw input_error(table.name + ": the time column is both text and seconds");
    check_length(time_rows(table.time), "time");
    if (!table.leave.seconds.empty() || !table.leave.texts.empty())
        check_length(time_rows(table.leave), "leave");

    scan_log log;
    log.places = places.ids;
    log.visits.reserve(n);
    bad_row_sink bad(options.skip_bad);
    const unsigned threads =
        std::max(1u, options.threads == 0 ? detail::hardware_threads() : options.threads);
    const std::size_t chunk_count = (n + max_chunk_rows - 1) / max_chunk_rows;
    intern_scratch scratch; // of whichever thread interns
    // Chunk k is parsed into slot k % ring, at most `ring` chunks ahead of
    // the next to intern; any thread parses, and whichever finds the next
    // chunk ready interns it, one at a time, in row order.
    const std::size_t ring = 2 * std::size_t{threads} + 2;
    std::vector<parsed_chunk> slots(ring);
    std::vector<char> ready(ring, 0);
    std::mutex mutex;
    std::condition_variable changed;
    std::size_t next_to_parse = 0, next_to_intern = 0;
    bool interning = false, stop = false;
    std::exception_ptr failure;
    const auto work = [&] {
        intern_scratch lookup; // this thread's, for the places file lookups
        std::unique_lock lock(mutex);
        try {
            while (next_to_intern < chunk_count && !stop) {
                const std::size_t k = next_to_intern;
                if (!interning && ready[k % ring]) {
                    interning = true;
                    lock.unlock();
                    parsed_chunk& chunk = slots[k % ring];
                    intern_chunk(chunk, places, options, log, scratch);
                    log.rows_read += chunk.rows_read;
                    bad.append(std::move(chunk.bad));
                    if (options.progress) options.progress(std::min(n, (k + 1) * max_chunk_rows));
                    lock.lock();
                    interning = false;
                    ready[k % ring] = 0;
                    ++next_to_intern;
                    changed.notify_all();
                } else if (next_to_parse < chunk_count && next_to_parse < next_to_intern + ring) {
                    const std::size_t p = next_to_parse++;
                    lock.unlock();
                    parsed_chunk& chunk = slots[p % ring];
                    chunk.reset(options.skip_bad);
                    const std::size_t begin = p * max_chunk_rows;
                    parse_table_rows(table, begin, std::min(n, begin + max_chunk_rows), options,
                                     chunk);
                    find_listed_places(chunk, places, options, lookup);
                    lock.lock();
                    ready[p % ring] = 1;
                    changed.notify_all();
                } else {
                    changed.wait(lock);
                }
            }
        } catch (...) {
            if (!lock.owns_lock()) lock.lock();
            if (!failure) failure = std::current_exception();
            stop = true;
            changed.notify_all();
        }
    };
    detail::run_on_threads(static_cast<unsigned>(std::min<std::size_t>(
                               threads, std::max<std::size_t>(1, chunk_count))),
                           [&](unsigned) { work(); });
    if (failure) std::rethrow_exception(failure);
    bad.throw_if_strict(table.name);
    log.rejects = std::move(bad.rows());
    log.bytes_read = 0;
    return log;
}

namespace {

/// Reads a scans file that must be decoded (compressed, or not UTF-8) as a
/// stream: progress and the digest follow the file's own bytes.
scan_log read_decoded_scans(const std::filesystem::path& path, const place_table& places,
                            const scan_read_options& options, std::uint64_t size) {
    decoded_input in(path, options.encoding);
    std::optional<sha256> digest;
    if (options.compute_sha256) in.set_digest(&digest.emplace());
    scan_read_options stream_options = options;
    stream_options.compute_sha256 = false;
    if (options.progress)
        stream_options.progress = [&](std::uint64_t) { options.progress(in.raw_bytes_read()); };
    scan_log log = read_scans(in, path.string(), places, stream_options);
    log.bytes_read = size;
    if (digest) {
        // The decoders read to the file's end (they check for trailing
        // bytes); should one not, the file is hashed on its own.
        log.sha256 = in.raw_bytes_read() == size ? digest->hex_digest() : sha256_file(path);
    }
    return log;
}

/// Slice `slice` of `count` read as `slice_mode::row_blocks`: the whole of
/// `reader` is parsed, and the rows of every `count`-th chunk of
/// `max_chunk_rows` rows are kept (interned, their bad rows). Line numbers
/// are the file's own, so `line_ends` is 0.
scan_slice read_row_block_slice(csv_reader& reader, const std::filesystem::path& path,
                                const place_table& places, const scan_read_options& options,
                                std::size_t slice, std::size_t count) {
    prepare_reader(reader, options);
    csv_record record;
    const csv_header header = read_header(reader, record, options.columns);
    const scan_columns columns = find_scan_columns(header, path.string());
    scan_slice out;
    scan_log& log = out.log;
    log.places = places.ids;
    bad_row_sink bad(options.skip_bad);
    read_rows(reader, columns, places, options, record, log, bad, slice, count);
    out.bad_rows = bad.total();
    log.rejects = std::move(bad.rows());
    log.bytes_read = reader.bytes_consumed();
    return out;
}

} // namespace

scan_slice read_scans_slice(const std::filesystem::path& path, const place_table& places,
                            const scan_read_options& options, std::size_t slice, std::size_t count,
                            slice_mode mode) {
    if (slice >= count) throw parameter_error("slice", "the slice is not below the slice count");
    const std::string name = path.string();
    if (needs_decoding(path, options.encoding)) {
        decoded_input in(path, options.encoding);
        csv_reader reader(in, name);
        scan_slice out = read_row_block_slice(reader, path, places, options, slice, count);
        out.log.bytes_read = in.raw_bytes_read();
        return out;
    }
    if (mode == slice_mode::row_blocks) {
        csv_reader reader(path);
        return read_row_block_slice(reader, path, places, options, slice, count);
    }
    csv_reader header_reader(path);
    prepare_reader(header_reader, options);
    csv_record record;
    const csv_header header = read_header(header_reader, record, options.columns);
    const scan_columns columns = find_scan_columns(header, name);
    const std::uint64_t data_begin = header_reader.bytes_consumed();
    std::error_code ignored;
    std::uintmax_t size = std::filesystem::file_size(path, ignored);
    if (size == static_cast<std::uintmax_t>(-1) || size < data_begin) size = data_begin;

    csv_reader reader(path, 0, 0);
    prepare_reader(reader, options);
    const int fd = reader.file_descriptor();
    const std::uint64_t data = size - data_begin;
    const auto cut = [&](std::size_t k) -> std::uint64_t {
        if (k == 0) return data_begin;
        if (k == count) return size;
        // The first line start after the k-th share of the data bytes, as
        // `read_scans_in_chunks` cuts.
        const std::uint64_t at = data_begin + static_cast<std::uint64_t>(
                                                  static_cast<unsigned __int128>(data) * k / count);
        return *next_line_start(fd, at - 1, size, name);
    };
    const std::uint64_t begin = cut(slice);
    const std::uint64_t end = std::max(begin, cut(slice + 1));

    scan_slice out;
    scan_log& log = out.log;
    log.places = places.ids;
    reserve_visits(log, end - begin);
    bad_row_sink bad(options.skip_bad);
    reader.restart(begin, end);
    if (begin < end) read_rows(reader, columns, places, options, record, log, bad);
    out.line_ends = reader.line_ends_consumed();
    if (slice == 0) {
        // Lines of slice 0 count from the header.
        bad.shift_lines(header_reader.line_ends_consumed());
        out.line_ends += header_reader.line_ends_consumed();
    }
    out.ended_inside_quotes = reader.ended_inside_quotes() && slice + 1 < count;
    out.bad_rows = bad.total();
    log.rejects = std::move(bad.rows());
    log.bytes_read = end - begin;
    return out;
}

scan_log read_scans(const std::filesystem::path& path, const place_table& places,
                    const scan_read_options& options) {
    std::error_code ignored;
    std::uintmax_t size = std::filesystem::file_size(path, ignored);
    if (size == static_cast<std::uintmax_t>(-1)) size = 0;
    if (needs_decoding(path, options.encoding))
        return read_decoded_scans(path, places, options, size);
    const unsigned threads = options.threads > 0 ? options.threads : detail::hardware_threads();
    if (threads > 1 && size >= options.parallel_min_bytes &&
        std::filesystem::is_regular_file(path)) {
        if (std::optional<scan_log> log =
                read_scans_in_chunks(path, places, options, threads, size))
            return std::move(*log);
        // A quoted line break sat at a split point: read it in one piece.
    }
    csv_reader reader(path);
    return read_scans_from(reader, places, options, size);
}

place_table place_table_with_columns_of(const place_table& like) {
    place_table table;
    table.has_dwell = like.has_dwell;
    table.has_category = like.has_category;
    table.has_name = like.has_name;
    table.has_district = like.has_district;
    table.has_lat = like.has_lat;
    table.has_lon = like.has_lon;
    table.has_min_overlap = like.has_min_overlap;
    table.has_site = like.has_site;
    return table;
}

} // namespace ctrace
