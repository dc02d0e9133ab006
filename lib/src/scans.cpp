#include "ctrace/scans.hpp"

#include "ctrace/csv.hpp"
#include "ctrace/digest.hpp"

#include <fstream>
#include <optional>

namespace ctrace {

namespace {

/// Collects bad rows: keeps them all under skip-bad (they go to the rejects
/// file), else the first few for the error message and a count.
class bad_row_sink {
public:
    explicit bad_row_sink(bool keep_all) : keep_all_(keep_all) {}

    void add(const csv_record& record, std::string reason) {
        ++total_;
        if (keep_all_ || rows_.size() < bad_rows_error::max_kept_rows)
            rows_.push_back({record.line, std::move(reason), std::string(record.raw)});
    }
    std::uint64_t total() const noexcept { return total_; }
    std::vector<bad_row>& rows() noexcept { return rows_; }

    /// In strict mode, throws when any row was bad.
    void throw_if_strict(const std::string& source_name) {
        if (!keep_all_ && total_ > 0) throw bad_rows_error(source_name, std::move(rows_), total_);
    }

private:
    bool keep_all_;
    std::vector<bad_row> rows_;
    std::uint64_t total_ = 0;
};

/// `column: problem ('value')`, with the value cut to a readable length.
std::string field_problem(std::string_view column, std::string_view problem,
                          std::string_view value) {
    constexpr std::size_t max_shown = 64;
    std::string out(column);
    out += ": ";
    out += problem;
    out += " ('";
    out += value.substr(0, max_shown);
    if (value.size() > max_shown) out += "...";
    out += "')";
    return out;
}

std::string field_count_problem(std::size_t expected, std::size_t found) {
    return "expected " + std::to_string(expected) + " fields, found " + std::to_string(found);
}

/// Reads the header record; throws when the file is empty or the header bad.
csv_header read_header(csv_reader& reader, csv_record& record) {
    if (!reader.next(record)) throw input_error(reader.source_name() + ": empty file (no header)");
    return csv_header(record, reader.source_name());
}

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
scan_log read_scans_from(csv_reader& reader, const place_table& places,
                         const scan_read_options& options, std::uint64_t size_hint) {
    const std::string& name = reader.source_name();
    std::optional<sha256> digest;
    if (options.compute_sha256) reader.set_digest(&digest.emplace());
    csv_record record;
    const csv_header header = read_header(reader, record);
    const auto person_col = static_cast<std::size_t>(header.require("person", name));
    const auto place_col = static_cast<std::size_t>(header.require("place", name));
    const auto time_col = static_cast<std::size_t>(header.require("time", name));
    const int leave_col_or_absent = header.find("leave");

    scan_log log;
    log.places = places.ids;
    // A scan row takes at least ~20 bytes. Reserving for that many visits
    // avoids regrowth copies; the pages never written are never resident.
    constexpr std::uint64_t min_row_bytes = 20;
    if (size_hint > 0) log.visits.reserve(static_cast<std::size_t>(size_hint / min_row_bytes));
    bad_row_sink bad(options.skip_bad);
    constexpr std::uint64_t progress_every_rows = 1u << 20;

    while (reader.next(record)) {
        ++log.rows_read;
        if (options.progress && log.rows_read % progress_every_rows == 0)
            options.progress(reader.bytes_consumed());
        if (record.error != nullptr) {
            bad.add(record, record.error);
            continue;
        }
        const auto& f = record.fields;
        if (f.size() != header.size()) {
            bad.add(record, field_count_problem(header.size(), f.size()));
            continue;
        }
        if (f[person_col].empty()) {
            bad.add(record, "person is empty");
            continue;
        }
        if (f[place_col].empty()) {
            bad.add(record, "place is empty");
            continue;
        }
        const auto start = try_parse_time(f[time_col], options.tz);
        if (!start) {
            bad.add(record, field_problem("time", start.error, f[time_col]));
            continue;
        }
        time_point end = 0;
        bool has_leave = false;
        if (leave_col_or_absent >= 0) {
            const std::string_view leave = f[static_cast<std::size_t>(leave_col_or_absent)];
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
        const place_index place = log.places.intern(f[place_col]);
        if (!has_leave) {
            const duration dwell = place < places.dwell.size() && places.dwell[place] >= 0
                                       ? places.dwell[place]
                                       : options.default_dwell;
            end = start.value + dwell;
        }
        const person_index person = log.persons.intern(f[person_col]);
        log.visits.push_back({person, place, start.value, end});
    }
    bad.throw_if_strict(name);
    log.rejects = std::move(bad.rows());
    log.bytes_read = reader.bytes_consumed();
    if (digest) {
        reader.set_digest(nullptr);
        log.sha256 = digest->hex_digest();
    }
    return log;
}

} // namespace

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
    csv_reader reader(path);
    std::error_code ignored;
    const std::uintmax_t size = std::filesystem::file_size(path, ignored);
    return read_scans_from(reader, places, options,
                           size == static_cast<std::uintmax_t>(-1) ? 0 : size);
}

} // namespace ctrace
