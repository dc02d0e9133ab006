#include "ctrace/scans.hpp"

#include "consumed_memory.hpp"
#include "ctrace/csv.hpp"
#include "ctrace/digest.hpp"
#include "row_errors.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <exception>
#include <fcntl.h>
#include <fstream>
#include <optional>
#include <thread>
#include <unistd.h>

namespace ctrace {

namespace {

using detail::bad_row_sink;
using detail::field_count_problem;
using detail::field_problem;
using detail::read_header;

place_table read_places_from(csv_reader& reader) {
    const std::string& name = reader.source_name();
    csv_record record;
    const csv_header header = read_header(reader, record);
    const int place_col = header.require("place", name);
    const int dwell_col = header.find("dwell");
    const int category_col = header.find("category");
    const int name_col = header.find("name");
    const int district_col = header.find("district");
    const int lat_col = header.find("lat");
    const int lon_col = header.find("lon");

    place_table table;
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
        if (record.error != nullptr) {
            bad.add(record, record.error);
            continue;
        }
        if (record.fields.size() != header.size()) {
            bad.add(record, field_count_problem(header.size(), record.fields.size()));
            continue;
        }
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
        const std::size_t before = table.ids.size();
        const place_index index = table.ids.intern(place);
        if (index < before) {
            bad.add(record, field_problem("place", "listed twice", place));
            continue;
        }
        table.dwell.push_back(dwell);
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

/// Interns person ids a batch at a time: the slots of the whole batch are
/// prefetched before any is probed, so the cache misses of a large id table
/// overlap instead of coming one after another.
class batched_interner {
public:
    explicit batched_interner(scan_log& log) : log_(log) { bytes_.reserve(batch_rows * 16); }
    /// Queues a visit whose person is `id` (the visit's person is filled in).
    void add(std::string_view id, const visit& v) {
        starts_[count_] = bytes_.size();
        bytes_.insert(bytes_.end(), id.begin(), id.end());
        visits_[count_] = v;
        if (++count_ == batch_rows) flush();
    }
    void flush() {
        starts_[count_] = bytes_.size();
        for (std::size_t i = 0; i < count_; ++i) {
            hashes_[i] = hash_bytes(id(i));
            log_.persons.prefetch(hashes_[i]);
        }
        for (std::size_t i = 0; i < count_; ++i) {
            visits_[i].person = log_.persons.intern(id(i), hashes_[i]);
            log_.visits.push_back(visits_[i]);
        }
        count_ = 0;
        bytes_.clear();
    }

private:
    static constexpr std::size_t batch_rows = 64;
    std::string_view id(std::size_t i) const {
        return {bytes_.data() + starts_[i], starts_[i + 1] - starts_[i]};
    }
    scan_log& log_;
    std::vector<char> bytes_;
    std::array<std::size_t, batch_rows + 1> starts_{};
    std::array<std::uint64_t, batch_rows> hashes_{};
    std::array<visit, batch_rows> visits_{};
    std::size_t count_ = 0;
};

/// Reads the data rows of `reader` into `log` (whose place table starts as the
/// places file's ids), reporting bad rows to `bad`. `progress_scale`
/// multiplies the bytes reported (for one piece of several read at once).
void read_scan_rows(csv_reader& reader, const scan_columns& columns, const place_table& places,
                    const scan_read_options& options, scan_log& log, bad_row_sink& bad,
                    bool report_progress, std::uint64_t progress_scale) {
    constexpr std::uint64_t progress_every_rows = 1u << 20;
    batched_interner persons(log);
    csv_record record;
    while (reader.next(record)) {
        ++log.rows_read;
        if (report_progress && options.progress && log.rows_read % progress_every_rows == 0)
            options.progress(reader.bytes_consumed() * progress_scale);
        if (record.error != nullptr) {
            bad.add(record, record.error);
            continue;
        }
        const auto& f = record.fields;
        if (f.size() != columns.count) {
            bad.add(record, field_count_problem(columns.count, f.size()));
            continue;
        }
        if (f[columns.person].empty()) {
            bad.add(record, "person is empty");
            continue;
        }
        if (f[columns.place].empty()) {
            bad.add(record, "place is empty");
            continue;
        }
        const auto start = try_parse_time(f[columns.time], options.tz);
        if (!start) {
            bad.add(record, field_problem("time", start.error, f[columns.time]));
            continue;
        }
        time_point end = 0;
        bool has_leave = false;
        if (columns.leave >= 0) {
            const std::string_view leave = f[static_cast<std::size_t>(columns.leave)];
            if (!leave.empty()) {
                const auto parsed = try_parse_time(leave, options.tz);
                if (!parsed) {
                    bad.add(record, field_problem("leave", parsed.error, leave));
                    continue;
                }
                if (parsed.value < start.value) {
                    bad.add(record, field_problem("leave", "before time", leave));
                    continue;
                }
                end = parsed.value;
                has_leave = true;
            }
        }
        const place_index place = log.places.intern(f[columns.place]);
        if (!has_leave) {
            const duration dwell = place < places.dwell.size() && places.dwell[place] >= 0
                                       ? places.dwell[place]
                                       : options.default_dwell;
            end = start.value + dwell;
        }
        persons.add(f[columns.person], {0, place, start.value, end});
    }
    persons.flush();
}

/// A scan row takes at least ~20 bytes. Reserving for that many visits avoids
/// regrowth copies; the pages never written are never resident.
void reserve_visits(scan_log& log, std::uint64_t bytes) {
    constexpr std::uint64_t min_row_bytes = 20;
    log.visits.reserve(static_cast<std::size_t>(bytes / min_row_bytes));
}

scan_log read_scans_from(csv_reader& reader, const place_table& places,
                         const scan_read_options& options, std::uint64_t size_hint) {
    const std::string& name = reader.source_name();
    std::optional<sha256> digest;
    if (options.compute_sha256) reader.set_digest(&digest.emplace());
    csv_record record;
    const csv_header header = read_header(reader, record);
    const scan_columns columns = find_scan_columns(header, name);

    scan_log log;
    log.places = places.ids;
    if (size_hint > 0) reserve_visits(log, size_hint);
    bad_row_sink bad(options.skip_bad);
    read_scan_rows(reader, columns, places, options, log, bad, true, 1);
    bad.throw_if_strict(name);
    log.rejects = std::move(bad.rows());
    log.bytes_read = reader.bytes_consumed();
    if (digest) {
        reader.set_digest(nullptr);
        log.sha256 = digest->hex_digest();
    }
    return log;
}

/// One piece of a file read on its own thread.
struct scan_piece {
    std::uint64_t begin = 0, end = 0;
    scan_log log;
    bad_row_sink bad{false};
    std::uint64_t line_ends = 0;
    bool split_inside_quotes = false;
    std::exception_ptr failure;
};

/// Offsets just after the first line end at or after each of `count - 1`
/// evenly spaced points of [begin, size): candidate record boundaries.
std::vector<std::uint64_t> split_points(const std::filesystem::path& path, std::uint64_t begin,
                                        std::uint64_t size, unsigned count) {
    std::vector<std::uint64_t> points{begin};
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return points;
    std::vector<char> buffer(1 << 16);
    for (unsigned k = 1; k < count; ++k) {
        std::uint64_t at = std::max(points.back(), begin + (size - begin) * k / count);
        bool found = false;
        while (!found && at < size) {
            const ssize_t got = ::pread(fd, buffer.data(), buffer.size(), static_cast<off_t>(at));
            if (got <= 0) break;
            const void* nl = std::memchr(buffer.data(), '\n', static_cast<std::size_t>(got));
            if (nl != nullptr) {
                at += static_cast<std::uint64_t>(static_cast<const char*>(nl) - buffer.data()) + 1;
                found = true;
            } else {
                at += static_cast<std::uint64_t>(got);
            }
        }
        if (!found || at >= size) break;
        if (at > points.back()) points.push_back(at);
    }
    ::close(fd);
    return points;
}

/// Reads the scans file in pieces on several threads. Pieces start just after
/// a line end; if any piece turns out to have begun inside a quoted field (a
/// quoted line break), the result is discarded and nothing is returned.
std::optional<scan_log> read_scans_in_parallel(const std::filesystem::path& path,
                                               const place_table& places,
                                               const scan_read_options& options, unsigned threads,
                                               std::uint64_t size) {
    const std::string name = path.string();
    csv_reader header_reader(path);
    csv_record record;
    const csv_header header = read_header(header_reader, record);
    const scan_columns columns = find_scan_columns(header, name);
    // The first byte after the header's line end, and the line ends up to it.
    const std::uint64_t data_begin = header_reader.bytes_consumed();
    const std::uint64_t header_line_ends = header_reader.line_ends_consumed();

    const std::vector<std::uint64_t> points = split_points(path, data_begin, size, threads);
    std::vector<scan_piece> pieces(points.size());
    for (std::size_t k = 0; k < pieces.size(); ++k) {
        pieces[k].begin = points[k];
        pieces[k].end = k + 1 < points.size() ? points[k + 1] : size;
        pieces[k].bad = bad_row_sink(options.skip_bad);
    }
    std::string digest_hex;
    std::exception_ptr digest_failure;
    auto read_piece = [&](std::size_t k) {
        scan_piece& piece = pieces[k];
        try {
            csv_reader reader(path, piece.begin, piece.end);
            piece.log.places = places.ids;
            // Piece 0's visits become the result: reserve for the whole file
            // (untouched reserved pages cost nothing) so merging never regrows.
            reserve_visits(piece.log, k == 0 ? size : piece.end - piece.begin);
            read_scan_rows(reader, columns, places, options, piece.log, piece.bad, k == 0,
                           pieces.size());
            piece.line_ends = reader.line_ends_consumed();
            piece.split_inside_quotes = reader.ended_inside_quotes() && k + 1 < pieces.size();
        } catch (...) {
            piece.failure = std::current_exception();
        }
    };
    {
        std::vector<std::thread> workers;
        for (std::size_t k = 1; k < pieces.size(); ++k)
            workers.emplace_back(read_piece, k);
        read_piece(0);
        if (options.compute_sha256) {
            // Hashing runs after piece 0, overlapping the other pieces.
            try {
                digest_hex = sha256_file(path);
            } catch (...) {
                digest_failure = std::current_exception();
            }
        }
        for (std::thread& t : workers)
            t.join();
    }
    for (const scan_piece& piece : pieces)
        if (piece.failure) std::rethrow_exception(piece.failure);
    if (digest_failure) std::rethrow_exception(digest_failure);
    for (const scan_piece& piece : pieces)
        if (piece.split_inside_quotes) return std::nullopt;

    // Merge in file order: ids keep their order of first appearance, line
    // numbers become the file's.
    scan_log log = std::move(pieces[0].log);
    bad_row_sink bad = std::move(pieces[0].bad);
    std::uint64_t line_offset = header_line_ends + pieces[0].line_ends;
    bad.shift_lines(header_line_ends);
    for (std::size_t k = 1; k < pieces.size(); ++k) {
        append_scan_log(log, pieces[k].log);
        pieces[k].bad.shift_lines(line_offset);
        bad.append(std::move(pieces[k].bad));
        line_offset += pieces[k].line_ends;
    }
    bad.throw_if_strict(name);
    log.rejects = std::move(bad.rows());
    log.bytes_read = size;
    log.sha256 = std::move(digest_hex);
    return log;
}

} // namespace

void append_scan_log(scan_log& into, scan_log& part) {
    std::vector<person_index> person_map(part.persons.size());
    for (std::size_t i = 0; i < part.persons.size(); ++i)
        person_map[i] = into.persons.intern(part.persons[static_cast<person_index>(i)]);
    std::vector<place_index> place_map(part.places.size());
    for (std::size_t i = 0; i < part.places.size(); ++i)
        place_map[i] = into.places.intern(part.places[static_cast<place_index>(i)]);
    detail::consumed_prefix<visit> consumed(part.visits);
    for (std::size_t i = 0; i < part.visits.size(); ++i) {
        const visit& v = part.visits[i];
        into.visits.push_back({person_map[v.person], place_map[v.place], v.start, v.end});
        consumed.advance(i + 1);
    }
    part.visits = {};
    into.rows_read += part.rows_read;
    into.bytes_read += part.bytes_read;
}

place_table read_places(std::istream& in, const std::string& source_name) {
    csv_reader reader(in, source_name);
    return read_places_from(reader);
}

place_table read_places(const std::filesystem::path& path) {
    csv_reader reader(path);
    return read_places_from(reader);
}

scan_log read_scans(std::istream& in, const std::string& source_name, const place_table& places,
                    const scan_read_options& options) {
    csv_reader reader(in, source_name);
    return read_scans_from(reader, places, options, 0);
}

scan_log read_scans(const std::filesystem::path& path, const place_table& places,
                    const scan_read_options& options) {
    std::error_code ignored;
    std::uintmax_t size = std::filesystem::file_size(path, ignored);
    if (size == static_cast<std::uintmax_t>(-1)) size = 0;
    const unsigned threads =
        options.threads > 0 ? options.threads : std::max(1u, std::thread::hardware_concurrency());
    if (threads > 1 && size >= options.parallel_min_bytes &&
        std::filesystem::is_regular_file(path)) {
        if (std::optional<scan_log> log =
                read_scans_in_parallel(path, places, options, threads, size))
            return std::move(*log);
        // A quoted line break sat at a split point: read it in one piece.
    }
    csv_reader reader(path);
    return read_scans_from(reader, places, options, size);
}

} // namespace ctrace
