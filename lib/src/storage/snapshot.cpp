#include "ctrace/storage/snapshot.hpp"

#include "ctrace/core/atomic_file.hpp"
#include "ctrace/core/version.hpp"
#include "ctrace/model/graph.hpp"
#include "ctrace/model/trace_result.hpp"
#include "storage/h5.hpp"
#include "storage/snapshot_checksum.hpp"
#include "storage/snapshot_index.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <future>
#include <limits>
#include <map>

namespace ctrace {

namespace {

/// Marks a missing time in int64 time columns of /trace.
constexpr std::int64_t missing_time = std::numeric_limits<std::int64_t>::min();

std::string now_utc() {
    const auto now = std::chrono::system_clock::now();
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch());
    return format_time(seconds.count(), {});
}

template <typename T>
std::span<const T> as_span(const std::vector<T>& v) {
    return {v.data(), v.size()};
}

void write_inputs(const h5::location& where, const std::vector<input_file>& inputs) {
    std::vector<std::string> roles, paths, digests, added;
    std::vector<std::int64_t> bytes, rows, rejected;
    for (const input_file& f : inputs) {
        roles.push_back(f.role);
        paths.push_back(f.path);
        digests.push_back(f.sha256);
        bytes.push_back(static_cast<std::int64_t>(f.bytes));
        rows.push_back(static_cast<std::int64_t>(f.rows));
        rejected.push_back(static_cast<std::int64_t>(f.rows_rejected));
        added.push_back(f.added);
    }
    where.set_attribute("input_rows_rejected", as_span(rejected));
    where.set_attribute("input_added", as_span(added));
    where.set_attribute("input_roles", as_span(roles));
    where.set_attribute("input_files", as_span(paths));
    where.set_attribute("input_bytes", as_span(bytes));
    where.set_attribute("input_sha256", as_span(digests));
    where.set_attribute("input_rows", as_span(rows));
}

std::vector<input_file> read_inputs(const h5::location& where) {
    const auto roles = where.string_array_attribute("input_roles");
    const auto paths = where.string_array_attribute("input_files");
    const auto bytes = where.int_array_attribute("input_bytes");
    const auto digests = where.string_array_attribute("input_sha256");
    const auto rows = where.int_array_attribute("input_rows");
    if (paths.size() != roles.size() || bytes.size() != roles.size() ||
        digests.size() != roles.size() || rows.size() != roles.size())
        throw snapshot_error(where.file() + ": input_* attributes differ in length");
    // Added after version 1's first release: absent in older files.
    std::vector<std::int64_t> rejected(roles.size(), 0);
    std::vector<std::string> added(roles.size());
    if (where.has_attribute("input_rows_rejected"))
        rejected = where.int_array_attribute("input_rows_rejected");
    if (where.has_attribute("input_added")) added = where.string_array_attribute("input_added");
    if (rejected.size() != roles.size() || added.size() != roles.size())
        throw snapshot_error(where.file() + ": input_* attributes differ in length");
    std::vector<input_file> inputs;
    for (std::size_t i = 0; i < roles.size(); ++i)
        inputs.push_back({roles[i], paths[i], static_cast<std::uint64_t>(bytes[i]), digests[i],
                          static_cast<std::uint64_t>(rows[i]),
                          static_cast<std::uint64_t>(rejected[i]), added[i]});
    return inputs;
}

void write_ids(const h5::location& group, const id_table& ids) {
    group.write_strings("id", ids.size(),
                        [&](std::size_t i) { return ids[static_cast<id_table::index_type>(i)]; });
}

id_table read_ids(const h5::location& file, const std::string& path) {
    // No hash index: most readers never look an id up, and the few that do
    // (index cases) use `intern_few`.
    id_table ids;
    file.read_strings(path, [&](std::string_view id) { ids.append_unchecked(id); });
    const id_table::index_type repeat = ids.find_repeat();
    if (repeat != id_table::npos)
        throw snapshot_error(file.file() + ": '" + path + "' lists '" + std::string(ids[repeat]) +
                             "' twice");
    return ids;
}

double coordinate(const std::string& text) {
    if (text.empty()) return std::nan("");
    char* end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    return end == text.c_str() + text.size() ? value : std::nan("");
}

void write_places(const h5::location& file, const dataset& data) {
    const h5::location group = file.create_group("places");
    write_ids(group, data.places);
    const place_table& info = data.place_info;
    if (info.size() == 0) return;
    // Metadata covers every place; places not in the places file get empty
    // text, dwell -1 and NaN coordinates.
    const std::size_t n = data.places.size();
    std::vector<std::int64_t> dwell(n, -1), min_overlap(n, -1);
    std::vector<double> lat(n, std::nan("")), lon(n, std::nan(""));
    std::vector<std::uint8_t> listed(n, 0);
    for (std::size_t x = 0; x < info.size(); ++x) {
        dwell[x] = info.dwell[x];
        if (info.has_min_overlap) min_overlap[x] = info.min_overlap[x];
        lat[x] = coordinate(info.lat[x]);
        lon[x] = coordinate(info.lon[x]);
        listed[x] = 1;
    }
    group.write_column<std::int64_t>("dwell_seconds", as_span(dwell));
    group.write_column<std::uint8_t>("in_places_file", as_span(listed));
    auto text_column = [&](const char* name, const std::vector<std::string>& values) {
        group.write_strings(name, n, [&](std::size_t x) {
            return x < values.size() ? std::string_view(values[x]) : std::string_view();
        });
    };
    if (info.has_category) text_column("category", info.category);
    if (info.has_name) text_column("name", info.name);
    if (info.has_district) text_column("district", info.district);
    if (info.has_site) text_column("site", info.site);
    if (info.has_lat) group.write_column<double>("lat", as_span(lat));
    if (info.has_lon) group.write_column<double>("lon", as_span(lon));
    if (info.has_min_overlap)
        group.write_column<std::int64_t>("min_overlap_seconds", as_span(min_overlap));
}

/// The columns an indexed read maps in place, written contiguous with their
/// checksum tables (snapshot_index.hpp), collected for the index block.
class mapped_columns {
public:
    explicit mapped_columns(const h5::location& file) : file_(file) {
        file.create_group("index").create_group("checksums");
    }

    template <typename T>
    void write(const h5::location& group, const std::string& group_path, const std::string& name,
               std::span<const T> values) {
        group.write_contiguous_column<T>(name, values);
        const std::string path = group_path + "/" + name;
        std::string table = path;
        std::replace(table.begin(), table.end(), '/', '.');
        table = "index/checksums/" + table;
        const std::vector<std::uint32_t> sums = detail::block_checksums(
            {reinterpret_cast<const unsigned char*>(values.data()), values.size_bytes()});
        file_.write_contiguous_column<std::uint32_t>(table, as_span(sums));
        entries_.push_back({path, static_cast<std::uint32_t>(sizeof(T)), values.size(), 0, 0});
        tables_.push_back(table);
    }

    /// The directory, with every column's place in the file (call before the
    /// file is closed).
    detail::index_directory directory(std::map<std::string, std::string> attributes) const {
        detail::index_directory d;
        d.columns = entries_;
        for (std::size_t k = 0; k < entries_.size(); ++k) {
            d.columns[k].offset = file_.dataset_offset(entries_[k].name);
            d.columns[k].checksums_offset = file_.dataset_offset(tables_[k]);
        }
        d.attributes = std::move(attributes);
        return d;
    }

private:
    const h5::location& file_;
    std::vector<detail::mapped_column_entry> entries_;
    std::vector<std::string> tables_;
};

void write_stays(const h5::location& file, const stay_table& stays, mapped_columns& mapped) {
    const h5::location group = file.create_group("stays");
    mapped.write<std::uint32_t>(group, "stays", "person", as_span(stays.person));
    mapped.write<std::uint32_t>(group, "stays", "place", as_span(stays.place));
    mapped.write<std::int64_t>(group, "stays", "start", as_span(stays.start));
    mapped.write<std::int64_t>(group, "stays", "end", as_span(stays.end));
}

void write_mapped_ids(const h5::location& index, const std::string& prefix, const id_table& ids,
                      mapped_columns& mapped) {
    const std::span<const char> bytes = ids.bytes();
    mapped.write<std::uint8_t>(index, "index", prefix + "_id_bytes",
                               {reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()});
    mapped.write<std::uint64_t>(index, "index", prefix + "_id_offsets", ids.offsets());
    const std::vector<id_table::index_type> order = ids.sorted_order();
    mapped.write<std::uint32_t>(index, "index", prefix + "_id_order", as_span(order));
    // The inverse: ids compared by one integer (ties of first exposure
    // are common, and the risk list is ordered by id among them).
    std::vector<std::uint32_t> rank(order.size());
    for (std::size_t k = 0; k < order.size(); ++k)
        rank[order[k]] = static_cast<std::uint32_t>(k);
    mapped.write<std::uint32_t>(index, "index", prefix + "_id_rank", as_span(rank));
}

/// Text values as bytes with offsets (`NAME_bytes`, `NAME_offsets`).
void write_mapped_strings(const h5::location& index, const std::string& name,
                          const std::vector<std::string>& values, mapped_columns& mapped) {
    std::vector<std::uint8_t> bytes;
    std::vector<std::uint64_t> offsets{0};
    for (const std::string& v : values) {
        bytes.insert(bytes.end(), v.begin(), v.end());
        offsets.push_back(bytes.size());
    }
    mapped.write<std::uint8_t>(index, "index", name + "_bytes", as_span(bytes));
    mapped.write<std::uint64_t>(index, "index", name + "_offsets", as_span(offsets));
}

/// The places file's metadata, for the places it lists (the first places):
/// what a trace read in place hands on with the places it names.
void write_mapped_place_info(const h5::location& index, const place_table& info,
                             mapped_columns& mapped) {
    mapped.write<std::int64_t>(index, "index", "place_info_dwell", as_span(info.dwell));
    if (info.has_min_overlap)
        mapped.write<std::int64_t>(index, "index", "place_info_min_overlap",
                                   as_span(info.min_overlap));
    const std::pair<const char*, const std::vector<std::string>*> text[] = {
        {"category", &info.category}, {"name", &info.name}, {"district", &info.district},
        {"site", &info.site},         {"lat", &info.lat},   {"lon", &info.lon}};
    const bool has[] = {info.has_category, info.has_name, info.has_district,
                        info.has_site,     info.has_lat,  info.has_lon};
    for (std::size_t k = 0; k < std::size(text); ++k)
        if (has[k])
            write_mapped_strings(index, std::string("place_info_") + text[k].first, *text[k].second,
                                 mapped);
}

/// The columns of indexed reads (docs/hdf5-schema.md, "/index"): the stays
/// by place and by person, the ids as bytes with offsets, sorted orders.
void write_index(const h5::location& file, const dataset& data, mapped_columns& mapped,
                 const snapshot_layout& layout) {
    const h5::location index = file.open_group("index");
    const stay_table& stays = data.stays;
    // From the rows themselves: a table built without `index_stays_by_place`
    // (the ids a daily list names, with no stays) is indexed all the same.
    const std::size_t places = data.places.size();
    std::vector<std::uint64_t> place_begin(places + 1, 0);
    std::vector<std::int64_t> place_longest(places, 0);
    for (std::size_t row = 0; row < stays.size(); ++row) {
        ++place_begin[stays.place[row] + 1];
        place_longest[stays.place[row]] =
            std::max(place_longest[stays.place[row]], stays.end[row] - stays.start[row]);
    }
    for (std::size_t x = 0; x < places; ++x)
        place_begin[x + 1] += place_begin[x];
    mapped.write<std::uint64_t>(index, "index", "place_begin", as_span(place_begin));
    mapped.write<std::int64_t>(index, "index", "place_longest", as_span(place_longest));
    const std::vector<std::uint32_t> by_person = stay_rows_by_person(stays, data.persons.size());
    std::vector<std::uint64_t> person_begin(data.persons.size() + 1, 0);
    for (const person_index p : stays.person)
        ++person_begin[p + 1];
    for (std::size_t p = 0; p < data.persons.size(); ++p)
        person_begin[p + 1] += person_begin[p];
    mapped.write<std::uint64_t>(index, "index", "person_begin", as_span(person_begin));
    mapped.write<std::uint32_t>(index, "index", "person_stays", as_span(by_person));
    if (layout.person_ids) write_mapped_ids(index, "person", data.persons, mapped);
    write_mapped_ids(index, "place", data.places, mapped);
    if (data.place_info.size() > 0) write_mapped_place_info(index, data.place_info, mapped);
    if (data.place_info.has_min_overlap) {
        std::vector<std::int64_t> min_overlap(data.places.size(), -1);
        std::copy(data.place_info.min_overlap.begin(), data.place_info.min_overlap.end(),
                  min_overlap.begin());
        mapped.write<std::int64_t>(index, "index", "place_min_overlap", as_span(min_overlap));
    }
}

/// What an indexed read needs besides the columns.
std::map<std::string, std::string> index_attributes(const dataset& data,
                                                    const snapshot_layout& layout) {
    std::map<std::string, std::string> attributes{
        {"persons", std::to_string(data.persons.size())},
        {"places", std::to_string(data.places.size())},
        {"stays", std::to_string(data.stays.size())},
        {"place_info", std::to_string(data.place_info.size())},
        {"rows_read", std::to_string(data.rows_read)},
        {"rows_rejected", std::to_string(data.rows_rejected)},
        {"tz_offset_seconds", std::to_string(data.parameters.tz.seconds)},
        {"dwell_default_seconds", std::to_string(data.parameters.default_dwell)},
        {"contact_level", std::string(contact_level_name(data.parameters.level))},
        {"stay_end", std::string(stay_end_name(data.parameters.stay_end))},
        {"stay_end_level", std::string(contact_level_name(data.parameters.stay_end_level))},
        {"person_pseudonym_key", data.parameters.pseudonym_key}};
    if (!layout.person_ids) attributes["person_ids"] = "none";
    return attributes;
}

/// `csr`: `person_place_incidence(data.stays, data.persons.size())`.
void write_graph(const h5::location& file, const dataset& data, const incidence_csr& csr) {
    const h5::location graph = file.create_group("graph");
    const h5::location matrix = graph.create_group("person_place");
    matrix.write_column<std::int64_t>("data", as_span(csr.data));
    matrix.write_column<std::int32_t>("indices", as_span(csr.indices));
    matrix.write_column<std::int64_t>("indptr", as_span(csr.indptr));
    matrix.set_attribute("encoding-type", std::string_view("csr_matrix"));
    matrix.set_attribute("encoding-version", std::string_view("0.1.0"));
    const std::vector<std::int64_t> shape{static_cast<std::int64_t>(data.persons.size()),
                                          static_cast<std::int64_t>(data.places.size())};
    matrix.set_attribute("shape", as_span(shape));
}

void write_trace(const h5::location& file, const trace_record& trace) {
    const h5::location group = file.create_group("trace");
    const auto& entries = trace.result.entries;
    const std::size_t n = entries.size();
    std::vector<std::uint32_t> person(n), hop(n);
    std::vector<std::int64_t> first(n), last(n), until(n), seconds(n), via_person(n), via_place(n);
    for (std::size_t i = 0; i < n; ++i) {
        const risk_entry& e = entries[i];
        person[i] = e.person;
        hop[i] = e.hop;
        const bool exposed = e.hop > 0;
        first[i] = exposed ? e.first_exposure : missing_time;
        last[i] = exposed ? e.last_exposure : missing_time;
        until[i] = exposed ? e.quarantine_until : missing_time;
        seconds[i] = e.exposure_seconds;
        via_person[i] = exposed ? static_cast<std::int64_t>(e.via_person) : -1;
        via_place[i] = exposed ? static_cast<std::int64_t>(e.via_place) : -1;
    }
    group.write_column<std::uint32_t>("person", as_span(person));
    group.write_column<std::uint32_t>("hop", as_span(hop));
    group.write_strings("code", n, [&](std::size_t i) { return health_code(hop[i]); });
    group.write_column<std::int64_t>("first_exposure", as_span(first));
    group.write_column<std::int64_t>("last_exposure", as_span(last));
    group.write_column<std::int64_t>("quarantine_until", as_span(until));
    group.write_column<std::int64_t>("exposure_seconds", as_span(seconds));
    group.write_column<std::int64_t>("via_person", as_span(via_person));
    group.write_column<std::int64_t>("via_place", as_span(via_place));
    if (trace.result.monitoring) {
        std::vector<std::int64_t> monitor(n);
        for (std::size_t i = 0; i < n; ++i)
            monitor[i] = entries[i].hop > 0 ? entries[i].monitor_until : missing_time;
        group.write_column<std::int64_t>("monitor_until", as_span(monitor));
    }

    const h5::location cases = group.create_group("cases");
    std::vector<std::uint32_t> case_person;
    std::vector<std::int64_t> case_from, case_to, case_onset;
    for (const index_case& c : trace.cases) {
        case_person.push_back(c.person);
        case_from.push_back(c.from);
        case_to.push_back(c.to);
        case_onset.push_back(c.onset == time_infinity ? missing_time : c.onset);
    }
    cases.write_column<std::uint32_t>("person", as_span(case_person));
    cases.write_column<std::int64_t>("from", as_span(case_from));
    cases.write_column<std::int64_t>("to", as_span(case_to));
    cases.write_column<std::int64_t>("onset", as_span(case_onset));

    const trace_parameters& p = trace.parameters;
    group.set_attribute("min_overlap_seconds", std::int64_t{p.min_overlap});
    group.set_attribute("hops", std::int64_t{p.hops});
    group.set_attribute("latency_seconds", std::int64_t{p.latency});
    group.set_attribute("until", std::int64_t{p.until});
    // quarantine_seconds: the first value (hop 1), as before per-hop lists.
    group.set_attribute("quarantine_seconds", std::int64_t{p.quarantine.at_hop(1)});
    group.set_attribute("quarantine_seconds_by_hop", as_span(p.quarantine.by_hop()));
    if (p.monitoring)
        group.set_attribute("monitoring_seconds_by_hop", as_span(p.monitoring->by_hop()));
    group.set_attribute("lookback_seconds", std::int64_t{trace.lookback});
    group.set_attribute("linger_seconds", std::int64_t{p.linger});
    if (!p.profile.empty()) group.set_attribute("profile", std::string_view(p.profile));
    group.set_attribute("tz_offset_seconds", std::int64_t{trace.tz.seconds});
    group.set_attribute("missing_time", missing_time);
    group.set_attribute("no_end", std::int64_t{time_infinity});
    group.set_attribute("qualifying_events",
                        static_cast<std::int64_t>(trace.result.qualifying_events));
    write_inputs(group, trace.inputs);
}

detail::index_directory write_all(const h5::location& file, const dataset& data,
                                  const trace_record* trace, const snapshot_layout& layout) {
    file.set_attribute("schema", std::string_view(snapshot_schema));
    file.set_attribute("schema_version", snapshot_schema_version);
    file.set_attribute("generator", "ctrace " + std::string(version()));
    file.set_attribute("created", now_utc());
    const time_span span = stay_time_span(data.stays);
    file.set_attribute("time_min", std::int64_t{span.min});
    file.set_attribute("time_max", std::int64_t{span.max});
    file.set_attribute("dwell_default_seconds", std::int64_t{data.parameters.default_dwell});
    file.set_attribute("tz_offset_seconds", std::int64_t{data.parameters.tz.seconds});
    file.set_attribute("skip_bad", std::int64_t{data.parameters.skip_bad ? 1 : 0});
    file.set_attribute("contact_level", contact_level_name(data.parameters.level));
    file.set_attribute("stay_end", stay_end_name(data.parameters.stay_end));
    file.set_attribute("stay_end_level", contact_level_name(data.parameters.stay_end_level));
    if (!data.parameters.pseudonym_key.empty())
        file.set_attribute("person_pseudonym_key", data.parameters.pseudonym_key);
    file.set_attribute("rows_read", static_cast<std::int64_t>(data.rows_read));
    file.set_attribute("rows_rejected", static_cast<std::int64_t>(data.rows_rejected));
    // The person-place matrix is computed from the stays on other threads
    // while this one writes the ids and the stays (the HDF5 library is
    // called from this thread only).
    std::future<incidence_csr> incidence;
    if (layout.person_ids)
        incidence = std::async(std::launch::async, [&data] {
            return person_place_incidence(data.stays, data.persons.size());
        });
    write_inputs(file, data.inputs);
    if (layout.person_ids)
        write_ids(file.create_group("persons"), data.persons);
    else
        file.create_group("persons").set_attribute("count",
                                                   static_cast<std::int64_t>(data.persons.size()));
    write_places(file, data);
    mapped_columns mapped(file);
    write_stays(file, data.stays, mapped);
    if (layout.person_ids) write_graph(file, data, incidence.get());
    write_index(file, data, mapped, layout);
    if (trace != nullptr) write_trace(file, *trace);
    return mapped.directory(index_attributes(data, layout));
}

h5::location open_snapshot(const std::filesystem::path& path) {
    const std::string name = path.string();
    // The HDF5 library parses only files whose checksum holds: on damaged
    // metadata it can loop forever or leak (found by fuzz_snapshot), and a
    // file without ctrace's checksum block is not a ctrace snapshot.
    detail::checksum_state checksum;
    try {
        checksum = detail::verify_checksum(path);
    } catch (const io_error& e) {
        throw snapshot_error(e.what());
    }
    switch (checksum) {
    case detail::checksum_state::verified:
        break;
    case detail::checksum_state::mismatch:
        throw snapshot_error(name + ": corrupt snapshot: its checksum does not match its content "
                                    "(damaged, truncated or modified after writing)");
    case detail::checksum_state::absent:
        if (!std::filesystem::exists(path)) break; // open_file names the problem
        throw snapshot_error(name + ": not a ctrace snapshot (no ctrace checksum block at its "
                                    "start: another HDF5 file, another format, or damaged)");
    }
    h5::location file = h5::open_file(name);
    if (!file.has_attribute("schema") || file.string_attribute("schema") != snapshot_schema)
        throw snapshot_error(name + ": not a ctrace snapshot (no schema = \"" +
                             std::string(snapshot_schema) + "\" attribute)");
    const std::int64_t version = file.int_attribute("schema_version");
    if (version != snapshot_schema_version)
        throw snapshot_error(name + ": snapshot schema_version " + std::to_string(version) +
                             " is not supported (this ctrace reads version " +
                             std::to_string(snapshot_schema_version) + ")");
    return file;
}

[[noreturn]] void corrupt(const std::string& file, const std::string& what) {
    throw snapshot_error(file + ": corrupt snapshot: " + what);
}

/// Why writing `file` failed, as an `output_error` says it: the system's
/// reason when the failing call left one that a refused write gives (a full
/// disk, a permission), else HDF5's account.
std::string write_failure_reason(const h5::error& e, const std::string& file) {
    if (is_write_refusal(e.system_errno()))
        return output_error::with_system_reason("cannot write the snapshot", e.system_errno());
    std::string_view account = e.what();
    if (account.starts_with(file + ": ")) account.remove_prefix(file.size() + 2);
    return "cannot write the snapshot: " + std::string(account);
}

/// Runs `read`, reporting what the HDF5 layer finds wrong as `snapshot_error`
/// (its message names the file already).
template <typename Read>
auto as_snapshot_errors(Read read) {
    try {
        return read();
    } catch (const h5::error& e) {
        throw snapshot_error(e.what());
    }
}

dataset read_snapshot_data(const std::filesystem::path& path);
std::optional<trace_record> read_trace_group(const std::filesystem::path& path);

} // namespace

void write_snapshot(atomic_path& out, const dataset& data, const trace_record* trace,
                    const snapshot_layout& layout) {
    const std::string name = out.target().string();
    detail::index_directory index;
    try {
        errno = 0; // what a failing HDF5 call leaves is then its own
        h5::location file =
            h5::create_file(out.temporary().string(), name, detail::indexed_userblock_bytes);
        index = write_all(file, data, trace, layout);
        h5::close_file(file);
    } catch (const h5::error& e) {
        throw output_error(name, write_failure_reason(e, name));
    }
    // The index block first: the checksum block's digest covers it. Its
    // file size lets a reader refuse a truncated or extended file at once.
    std::error_code ec;
    const std::uintmax_t bytes = std::filesystem::file_size(out.temporary(), ec);
    if (ec) throw output_error(name, "cannot measure the snapshot (" + ec.message() + ")");
    index.attributes["file_bytes"] = std::to_string(bytes);
    detail::write_index_directory(out.temporary(), name, detail::format_index_directory(index));
    detail::write_checksum_block(out.temporary(), name);
}

void write_snapshot(const std::filesystem::path& path, const dataset& data,
                    const trace_record* trace) {
    try {
        atomic_path out(path);
        write_snapshot(out, data, trace);
        out.commit();
    } catch (const io_error& e) {
        throw snapshot_error(e.what()); // a path named wrongly
    }
}

std::string snapshot_content_digest(const std::filesystem::path& path) {
    return detail::recorded_checksum(path);
}

dataset read_snapshot(const std::filesystem::path& path) {
    return as_snapshot_errors([&] { return read_snapshot_data(path); });
}

std::optional<trace_record> read_trace_record(const std::filesystem::path& path) {
    return as_snapshot_errors([&] { return read_trace_group(path); });
}

namespace {

dataset read_snapshot_data(const std::filesystem::path& path) {
    const h5::location file = open_snapshot(path);
    const std::string& name = file.file();
    dataset data;
    data.generator = file.string_attribute("generator");
    data.created = file.string_attribute("created");
    data.parameters.default_dwell = file.int_attribute("dwell_default_seconds");
    const std::int64_t tz = file.int_attribute("tz_offset_seconds");
    if (tz < -18 * 3600 || tz > 18 * 3600) corrupt(name, "tz_offset_seconds out of range");
    data.parameters.tz.seconds = static_cast<std::int32_t>(tz);
    data.parameters.skip_bad = file.int_attribute("skip_bad") != 0;
    // Written since sites (docs/hdf5-schema.md); older snapshots are at code level.
    if (file.has_attribute("contact_level")) {
        try {
            data.parameters.level = parse_contact_level(file.string_attribute("contact_level"));
        } catch (const parameter_error&) {
            corrupt(name, "contact_level is neither 'code' nor 'site'");
        }
    }
    // Written since stays could be cut at the next scan; older ones: dwell.
    if (file.has_attribute("stay_end")) {
        try {
            data.parameters.stay_end = parse_stay_end(file.string_attribute("stay_end"));
            data.parameters.stay_end_level =
                parse_contact_level(file.string_attribute("stay_end_level"));
        } catch (const parameter_error&) {
            corrupt(name, "stay_end or stay_end_level is not a known rule or level");
        }
    }
    if (file.has_attribute("person_pseudonym_key"))
        data.parameters.pseudonym_key = file.string_attribute("person_pseudonym_key");
    data.rows_read = static_cast<std::uint64_t>(file.int_attribute("rows_read"));
    data.rows_rejected = static_cast<std::uint64_t>(file.int_attribute("rows_rejected"));
    data.inputs = read_inputs(file);

    if (!file.exists("persons/id") && file.exists("persons") &&
        file.open_group("persons").has_attribute("count"))
        throw snapshot_error(path.string() +
                             ": a store's partition, whose person ids are in the store's ids "
                             "file: read the store it belongs to instead");
    data.persons = read_ids(file, "persons/id");
    data.places = read_ids(file, "places/id");
    const std::size_t persons = data.persons.size();
    const std::size_t places = data.places.size();

    if (file.exists("places/dwell_seconds")) {
        const auto dwell = file.read_column<std::int64_t>("places/dwell_seconds");
        const auto listed = file.read_column<std::uint8_t>("places/in_places_file");
        if (dwell.size() != places || listed.size() != places)
            corrupt(name, "place metadata length differs from places/id");
        place_table& info = data.place_info;
        auto strings = [&](const char* column, bool& has, std::vector<std::string>& out) {
            const std::string path_in_file = std::string("places/") + column;
            has = file.exists(path_in_file);
            if (!has) return;
            file.read_strings(path_in_file, [&](std::string_view s) { out.emplace_back(s); });
            if (out.size() != places) corrupt(name, path_in_file + " has the wrong length");
        };
        std::vector<std::string> category, place_name, district, site;
        strings("category", info.has_category, category);
        strings("name", info.has_name, place_name);
        strings("district", info.has_district, district);
        strings("site", info.has_site, site);
        std::vector<double> lat, lon;
        info.has_lat = file.exists("places/lat");
        info.has_lon = file.exists("places/lon");
        if (info.has_lat) lat = file.read_column<double>("places/lat");
        if (info.has_lon) lon = file.read_column<double>("places/lon");
        if ((info.has_lat && lat.size() != places) || (info.has_lon && lon.size() != places))
            corrupt(name, "places/lat or places/lon has the wrong length");
        std::vector<std::int64_t> min_overlap;
        info.has_min_overlap = file.exists("places/min_overlap_seconds");
        if (info.has_min_overlap) {
            min_overlap = file.read_column<std::int64_t>("places/min_overlap_seconds");
            if (min_overlap.size() != places)
                corrupt(name, "places/min_overlap_seconds has the wrong length");
        }
        info.has_dwell = true;
        auto number = [](const std::vector<double>& v, std::size_t x) {
            if (v.empty() || std::isnan(v[x])) return std::string();
            char text[32];
            const auto end = std::to_chars(text, text + sizeof text, v[x]).ptr; // shortest exact
            return std::string(text, end);
        };
        for (std::size_t x = 0; x < places && listed[x] != 0; ++x) {
            info.ids.intern(data.places[static_cast<place_index>(x)]);
            info.dwell.push_back(dwell[x]);
            if (info.has_min_overlap) info.min_overlap.push_back(min_overlap[x]);
            info.category.push_back(category.empty() ? "" : category[x]);
            info.name.push_back(place_name.empty() ? "" : place_name[x]);
            info.district.push_back(district.empty() ? "" : district[x]);
            info.site.push_back(site.empty() ? "" : site[x]);
            info.lat.push_back(number(lat, x));
            info.lon.push_back(number(lon, x));
        }
    }

    stay_table& stays = data.stays;
    stays.person = file.read_column<std::uint32_t>("stays/person");
    stays.place = file.read_column<std::uint32_t>("stays/place");
    stays.start = file.read_column<std::int64_t>("stays/start");
    stays.end = file.read_column<std::int64_t>("stays/end");
    const std::size_t n = stays.person.size();
    if (stays.place.size() != n || stays.start.size() != n || stays.end.size() != n)
        corrupt(name, "the stays columns differ in length");
    for (std::size_t i = 0; i < n; ++i) {
        const person_index p = stays.person[i];
        const place_index x = stays.place[i];
        if (p >= persons || x >= places)
            corrupt(name, "stay " + std::to_string(i) + " refers to a missing person or place");
        if (stays.end[i] < stays.start[i])
            corrupt(name, "stay " + std::to_string(i) + " ends before it starts");
        if (i > 0) {
            const place_index px = stays.place[i - 1];
            const bool ordered =
                px < x ||
                (px == x && (stays.start[i - 1] < stays.start[i] ||
                             (stays.start[i - 1] == stays.start[i] && stays.person[i - 1] < p)));
            if (!ordered) corrupt(name, "stays are not sorted by (place, start, person)");
        }
    }
    index_stays_by_place(stays, places);
    return data;
}

std::optional<trace_record> read_trace_group(const std::filesystem::path& path) {
    const h5::location file = open_snapshot(path);
    if (!file.exists("trace")) return std::nullopt;
    const std::string& name = file.file();
    const h5::location group = file.open_group("trace");
    trace_record trace;
    trace_parameters& p = trace.parameters;
    p.min_overlap = group.int_attribute("min_overlap_seconds");
    p.hops = static_cast<std::uint32_t>(group.int_attribute("hops"));
    p.latency = group.int_attribute("latency_seconds");
    p.until = group.int_attribute("until");
    // Written since the exposure model (docs/hdf5-schema.md); older files
    // traced without lingering or a profile.
    if (group.has_attribute("linger_seconds")) p.linger = group.int_attribute("linger_seconds");
    if (group.has_attribute("profile")) p.profile = group.string_attribute("profile");
    // Files written before per-hop quarantines have only quarantine_seconds,
    // and no monitoring.
    if (group.has_attribute("quarantine_seconds_by_hop")) {
        p.quarantine = hop_durations(group.int_array_attribute("quarantine_seconds_by_hop"));
        if (p.quarantine.by_hop().empty())
            corrupt(name, "/trace attribute quarantine_seconds_by_hop is empty");
    } else {
        p.quarantine = group.int_attribute("quarantine_seconds");
    }
    if (group.has_attribute("monitoring_seconds_by_hop")) {
        p.monitoring = hop_durations(group.int_array_attribute("monitoring_seconds_by_hop"));
        if (p.monitoring->by_hop().empty())
            corrupt(name, "/trace attribute monitoring_seconds_by_hop is empty");
    }
    trace.result.monitoring = p.monitoring.has_value();
    trace.lookback = group.int_attribute("lookback_seconds");
    trace.tz.seconds = static_cast<std::int32_t>(group.int_attribute("tz_offset_seconds"));
    trace.result.qualifying_events =
        static_cast<std::uint64_t>(group.int_attribute("qualifying_events"));
    trace.inputs = read_inputs(group);

    const auto person = group.read_column<std::uint32_t>("person");
    const auto hop = group.read_column<std::uint32_t>("hop");
    const auto first = group.read_column<std::int64_t>("first_exposure");
    const auto last = group.read_column<std::int64_t>("last_exposure");
    const auto until = group.read_column<std::int64_t>("quarantine_until");
    const auto seconds = group.read_column<std::int64_t>("exposure_seconds");
    const auto via_person = group.read_column<std::int64_t>("via_person");
    const auto via_place = group.read_column<std::int64_t>("via_place");
    std::vector<std::int64_t> monitor;
    if (trace.result.monitoring) {
        if (!group.exists("monitor_until"))
            corrupt(name, "/trace has monitoring_seconds_by_hop but no monitor_until column");
        monitor = group.read_column<std::int64_t>("monitor_until");
    }
    const std::size_t n = person.size();
    for (const std::size_t size : {hop.size(), first.size(), last.size(), until.size(),
                                   seconds.size(), via_person.size(), via_place.size()})
        if (size != n) corrupt(name, "the /trace columns differ in length");
    if (trace.result.monitoring && monitor.size() != n)
        corrupt(name, "the /trace columns differ in length");
    for (std::size_t i = 0; i < n; ++i) {
        risk_entry e;
        e.person = person[i];
        e.hop = hop[i];
        if (e.hop > 0) {
            e.first_exposure = first[i];
            e.last_exposure = last[i];
            e.quarantine_until = until[i];
            if (trace.result.monitoring) e.monitor_until = monitor[i];
            e.via_person = static_cast<person_index>(via_person[i]);
            e.via_place = static_cast<place_index>(via_place[i]);
        }
        e.exposure_seconds = seconds[i];
        trace.result.entries.push_back(e);
        if (trace.result.persons_per_hop.size() <= e.hop)
            trace.result.persons_per_hop.resize(e.hop + 1, 0);
        ++trace.result.persons_per_hop[e.hop];
    }
    const std::uint64_t persons = file.column_length("persons/id");
    const std::uint64_t places = file.column_length("places/id");
    for (const risk_entry& e : trace.result.entries) {
        const bool exposed = e.hop > 0;
        if (e.person >= persons || (exposed && (e.via_person >= persons || e.via_place >= places)))
            corrupt(name, "/trace refers to a missing person or place");
    }
    const auto case_person = group.read_column<std::uint32_t>("cases/person");
    const auto case_from = group.read_column<std::int64_t>("cases/from");
    const auto case_to = group.read_column<std::int64_t>("cases/to");
    // Onsets were added later: a file without them has none.
    const auto case_onset = group.exists("cases/onset")
                                ? group.read_column<std::int64_t>("cases/onset")
                                : std::vector<std::int64_t>(case_person.size(), missing_time);
    if (case_from.size() != case_person.size() || case_to.size() != case_person.size() ||
        case_onset.size() != case_person.size())
        corrupt(name, "the /trace/cases columns differ in length");
    for (std::size_t i = 0; i < case_person.size(); ++i) {
        if (case_person[i] >= persons) corrupt(name, "/trace/cases refers to a missing person");
        const time_point onset = case_onset[i] == missing_time ? time_infinity : case_onset[i];
        trace.cases.push_back({case_person[i], case_from[i], case_to[i], 0, onset});
    }
    return trace;
}

} // namespace

} // namespace ctrace
