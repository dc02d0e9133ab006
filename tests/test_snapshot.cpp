// HDF5 snapshots (ctrace/storage/snapshot.hpp, docs/hdf5-schema.md): round trips of
// the scan data and of trace records, the person–place incidence matrix,
// tracing from a snapshot versus from CSV, atomic writes, and the refusal of
// files that are not valid snapshots (missing, not HDF5, truncated, corrupted,
// another schema or version, inconsistent columns).
//
// Broken snapshots are made by copying a valid one and editing it with the
// HDF5 C API. Reads of damaged files run in a child process, so that a crash
// inside HDF5 is reported as a failure instead of ending the test run.

#include "ctrace/core/digest.hpp"
#include "ctrace/model/ingest.hpp"
#include "ctrace/report/risk_list.hpp"
#include "ctrace/storage/snapshot.hpp"
#include "ctrace/workflow/pipeline.hpp"
#include "test_helpers.hpp"

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <hdf5.h>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <utility>
#include <vector>

using namespace ctrace;
using ctrace::testing::cat;
using ctrace::testing::contains;
using ctrace::testing::csv_field;
using ctrace::testing::file_text;
using ctrace::testing::fixture;
using ctrace::testing::temp_dir;
namespace fs = std::filesystem;

namespace {

// ------------------------------------------------------------ comparisons

std::vector<std::string> ids_of(const id_table& ids) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < ids.size(); ++i)
        out.emplace_back(ids[static_cast<id_table::index_type>(i)]);
    return out;
}

std::optional<double> as_number(const std::string& text) {
    if (text.empty()) return std::nullopt;
    char* end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    if (end != text.c_str() + text.size() || std::isnan(value)) return std::nullopt;
    return value;
}

/// A coordinate survives a round trip as the same number; text that is not a
/// number comes back empty (the schema stores NaN for it).
bool same_coordinate(const std::string& original, const std::string& read) {
    const std::optional<double> number = as_number(original);
    if (!number) return read.empty();
    const std::optional<double> back = as_number(read);
    return back && *back == *number;
}

template <typename T>
void compare_column(std::ostringstream& out, const char* name, const std::vector<T>& expected,
                    const std::vector<T>& actual) {
    if (expected == actual) return;
    out << name << " differs (" << expected.size() << " vs " << actual.size() << " entries)";
    for (std::size_t i = 0; i < std::min(expected.size(), actual.size()); ++i)
        if (!(expected[i] == actual[i])) {
            out << ", first at " << i;
            break;
        }
    out << "; ";
}

/// The differences between the scan data of two snapshots ("" when equal),
/// `generator` and `created` aside (they are set by the writer).
std::string snapshot_differences(const dataset& expected, const dataset& actual) {
    std::ostringstream out;
    compare_column(out, "persons", ids_of(expected.persons), ids_of(actual.persons));
    compare_column(out, "places", ids_of(expected.places), ids_of(actual.places));
    compare_column(out, "stays.person", expected.stays.person, actual.stays.person);
    compare_column(out, "stays.place", expected.stays.place, actual.stays.place);
    compare_column(out, "stays.start", expected.stays.start, actual.stays.start);
    compare_column(out, "stays.end", expected.stays.end, actual.stays.end);
    compare_column(out, "stays.place_begin", expected.stays.place_begin, actual.stays.place_begin);
    compare_column(out, "stays.place_longest", expected.stays.place_longest,
                   actual.stays.place_longest);

    const place_table& e = expected.place_info;
    const place_table& a = actual.place_info;
    compare_column(out, "place_info.ids", ids_of(e.ids), ids_of(a.ids));
    compare_column(out, "place_info.dwell", e.dwell, a.dwell);
    compare_column(out, "place_info.category", e.category, a.category);
    compare_column(out, "place_info.name", e.name, a.name);
    compare_column(out, "place_info.district", e.district, a.district);
    if (e.size() > 0 &&
        (e.has_category != a.has_category || e.has_name != a.has_name ||
         e.has_district != a.has_district || e.has_lat != a.has_lat || e.has_lon != a.has_lon))
        out << "place_info column flags differ; ";
    if (e.lat.size() != a.lat.size() || e.lon.size() != a.lon.size()) {
        out << "place_info.lat/lon lengths differ; ";
    } else {
        for (std::size_t x = 0; x < e.lat.size(); ++x)
            if (!same_coordinate(e.lat[x], a.lat[x]) || !same_coordinate(e.lon[x], a.lon[x])) {
                out << "place_info coordinates of place " << x << " differ: '" << e.lat[x] << "','"
                    << e.lon[x] << "' read back as '" << a.lat[x] << "','" << a.lon[x] << "'; ";
                break;
            }
    }

    if (expected.parameters.default_dwell != actual.parameters.default_dwell ||
        expected.parameters.tz != actual.parameters.tz ||
        expected.parameters.skip_bad != actual.parameters.skip_bad)
        out << "parameters differ; ";
    if (expected.inputs.size() != actual.inputs.size()) {
        out << "inputs differ in number; ";
    } else {
        for (std::size_t i = 0; i < expected.inputs.size(); ++i) {
            const input_file& x = expected.inputs[i];
            const input_file& y = actual.inputs[i];
            if (x.role != y.role || x.path != y.path || x.bytes != y.bytes ||
                x.sha256 != y.sha256 || x.rows != y.rows)
                out << "input " << i << " differs; ";
        }
    }
    if (expected.rows_read != actual.rows_read) out << "rows_read differs; ";
    if (expected.rows_rejected != actual.rows_rejected) out << "rows_rejected differs; ";
    return out.str();
}

void check_same_snapshot(const dataset& expected, const dataset& actual) {
    const std::string differences = snapshot_differences(expected, actual);
    CHECK_MESSAGE(differences.empty(), differences);
}

void check_same_trace_record(const trace_record& expected, const trace_record& actual) {
    CHECK(actual.parameters.min_overlap == expected.parameters.min_overlap);
    CHECK(actual.parameters.hops == expected.parameters.hops);
    CHECK(actual.parameters.latency == expected.parameters.latency);
    CHECK(actual.parameters.until == expected.parameters.until);
    CHECK(actual.parameters.quarantine == expected.parameters.quarantine);
    CHECK(actual.parameters.monitoring == expected.parameters.monitoring);
    CHECK(actual.result.monitoring == expected.result.monitoring);
    CHECK(actual.lookback == expected.lookback);
    CHECK(actual.tz == expected.tz);
    CHECK(actual.result.qualifying_events == expected.result.qualifying_events);
    CHECK(actual.result.persons_per_hop == expected.result.persons_per_hop);
    REQUIRE(actual.result.entries.size() == expected.result.entries.size());
    for (std::size_t i = 0; i < expected.result.entries.size(); ++i) {
        CAPTURE(i);
        const risk_entry& e = expected.result.entries[i];
        const risk_entry& a = actual.result.entries[i];
        CHECK(a.person == e.person);
        CHECK(a.hop == e.hop);
        CHECK(a.first_exposure == e.first_exposure);
        CHECK(a.last_exposure == e.last_exposure);
        CHECK(a.quarantine_until == e.quarantine_until);
        CHECK(a.monitor_until == e.monitor_until);
        CHECK(a.exposure_seconds == e.exposure_seconds);
        CHECK(a.via_person == e.via_person);
        CHECK(a.via_place == e.via_place);
    }
    // `line` (a position in the cases file, for messages) is not part of the schema.
    REQUIRE(actual.cases.size() == expected.cases.size());
    for (std::size_t i = 0; i < expected.cases.size(); ++i) {
        CAPTURE(i);
        CHECK(actual.cases[i].person == expected.cases[i].person);
        CHECK(actual.cases[i].from == expected.cases[i].from);
        CHECK(actual.cases[i].to == expected.cases[i].to);
        CHECK(actual.cases[i].onset == expected.cases[i].onset);
    }
    REQUIRE(actual.inputs.size() == expected.inputs.size());
    for (std::size_t i = 0; i < expected.inputs.size(); ++i) {
        CHECK(actual.inputs[i].role == expected.inputs[i].role);
        CHECK(actual.inputs[i].path == expected.inputs[i].path);
        CHECK(actual.inputs[i].bytes == expected.inputs[i].bytes);
        CHECK(actual.inputs[i].sha256 == expected.inputs[i].sha256);
        CHECK(actual.inputs[i].rows == expected.inputs[i].rows);
    }
}

// ------------------------------------------------------------ pipeline

ingest_result ingest_files(const fs::path& scans, const std::optional<fs::path>& places,
                           utc_offset tz, duration dwell = 3600, bool skip_bad = false) {
    ingest_options options;
    options.scans = {scans};
    options.places = places;
    options.read.tz = tz;
    options.read.default_dwell = dwell;
    options.read.skip_bad = skip_bad;
    return ingest(options);
}

constexpr utc_offset tiny_tz{8 * 3600};

ingest_result ingest_tiny() {
    return ingest_files(fixture("tiny/scans.csv"), fixture("tiny/places.csv"), tiny_tz);
}

/// The repository's sample data set (data/), tz +08:00.
fs::path repo_data(const std::string& name) {
    return fixture("../../data") / name;
}

struct traced_csv {
    std::string risk_list;
    trace_record record;
};

/// Traces `data` as `ctrace trace` does (the library's pipeline steps): the
/// cases file's persons are interned into `data.persons` (appending cases that
/// never scanned), the risk list is written as CSV and the record is what
/// `--hdf5` would store.
traced_csv trace_data(dataset& data, const fs::path& cases, const trace_parameters& parameters,
                      utc_offset tz, duration lookback = defaults::lookback) {
    trace_request request;
    request.cases = cases;
    request.parameters = parameters;
    request.tz = tz;
    request.lookback = lookback;
    prepared_cases prepared = read_index_cases(request);
    trace_cases(data, prepared);
    traced_csv out;
    out.record = std::move(prepared.record);
    std::ostringstream text;
    write_risk_list(text, out.record.result, data.persons, data.places, tz);
    out.risk_list = text.str();
    return out;
}

/// The risk list of `trace_indexed` on the snapshot `path` (reading only
/// what the trace touches), as `ctrace trace --snapshot` writes it.
std::string trace_in_place(const fs::path& path, const fs::path& cases,
                           const trace_parameters& parameters, utc_offset tz) {
    trace_request request;
    request.cases = cases;
    request.parameters = parameters;
    request.tz = tz;
    const prepared_cases prepared = read_index_cases(request);
    data_source source;
    source.snapshot = path;
    const std::optional<trace_run> run = trace_indexed(source, prepared);
    REQUIRE(run.has_value());
    std::ostringstream text;
    write_risk_list(text, run->record.result, run->data().persons, run->data().places, tz);
    return text.str();
}

/// Names in `folder` that look like temporary outputs (`.NAME.tmp-XXXXXX`).
std::vector<std::string> temporaries_in(const fs::path& folder) {
    std::vector<std::string> found;
    for (const fs::directory_entry& entry : fs::directory_iterator(folder)) {
        const std::string name = entry.path().filename().string();
        if (name.starts_with(".") && name.find(".tmp-") != std::string::npos) found.push_back(name);
    }
    return found;
}

// ------------------------------------------------------------ random data sets

template <typename T>
T uniform(std::mt19937_64& rng, T lo, T hi) {
    return std::uniform_int_distribution<T>(lo, hi)(rng);
}
bool chance(std::mt19937_64& rng, double p) {
    return std::bernoulli_distribution(p)(rng);
}

struct random_set {
    std::string scans, places, cases;
    bool has_places = false;
    utc_offset tz{};
    duration default_dwell = 3600;
    bool skip_bad = false;
    trace_parameters parameters;
};

/// A time as text: epoch seconds, local ISO without offset, or ISO with an offset.
std::string time_text(std::mt19937_64& rng, time_point t, utc_offset tz) {
    switch (uniform(rng, 0, 2)) {
    case 0:
        return std::to_string(t);
    case 1: {
        std::string local = format_time(t, tz);
        local.resize(local.size() - (local.back() == 'Z' ? 1 : 6));
        return local;
    }
    default:
        return format_time(t, utc_offset{-5 * 3600});
    }
}

random_set random_dataset(std::mt19937_64& rng) {
    std::vector<std::string> person_pool = {"A",    "B",        "B10", "B9", "C", "a", "Li, Wei",
                                            "q\"x", "\xC3\xA9", "P1",  "P2", "Z", "0", "p 3"};
    std::vector<std::string> place_pool = {"X", "X10", "X9", "Y", "k,1", "\xE8\xB1\xAA", "M01"};
    std::shuffle(person_pool.begin(), person_pool.end(), rng);
    std::shuffle(place_pool.begin(), place_pool.end(), rng);
    const auto person_count = uniform<std::size_t>(rng, 2, 10);
    const auto place_count = uniform<std::size_t>(rng, 1, 5);

    random_set set;
    const std::int32_t zones[] = {0, 8 * 3600, -(5 * 3600 + 1800)};
    set.tz.seconds = zones[uniform(rng, 0, 2)];
    const duration dwells[] = {300, 1800, 3600};
    set.default_dwell = dwells[uniform(rng, 0, 2)];
    set.skip_bad = chance(rng, 0.3);

    // A places file listing some of the places (and maybe places never
    // scanned), with a random choice and order of optional columns.
    set.has_places = chance(rng, 0.6);
    if (set.has_places) {
        std::vector<std::string> columns = {"place"};
        for (const char* optional : {"dwell", "name", "category", "district", "lat", "lon"})
            if (chance(rng, 0.5)) columns.emplace_back(optional);
        std::shuffle(columns.begin(), columns.end(), rng);
        for (std::size_t i = 0; i < columns.size(); ++i)
            set.places += (i ? "," : "") + columns[i];
        set.places += "\n";
        const auto listed = uniform<std::size_t>(rng, 0, place_pool.size());
        for (std::size_t x = 0; x < listed; ++x) {
            for (std::size_t i = 0; i < columns.size(); ++i) {
                const std::string& column = columns[i];
                std::string value;
                if (column == "place") {
                    value = place_pool[(x + place_count / 2) % place_pool.size()];
                } else if (column == "dwell") {
                    const char* choices[] = {"", "90m", "600", "2h"};
                    value = choices[uniform(rng, 0, 3)];
                } else if (column == "lat" || column == "lon") {
                    const char* choices[] = {"22.523540", "-33.8651", "114.5", "", "n/a", "0"};
                    value = choices[uniform(rng, 0, 5)];
                } else if (chance(rng, 0.7)) {
                    value = column + " " + std::to_string(x) + (chance(rng, 0.3) ? ", \"q\"" : "");
                }
                set.places += (i ? "," : "") + csv_field(value);
            }
            set.places += "\n";
        }
    }

    // Scans on a coarse grid, so that touching and overlapping visits, empty
    // visits and duplicates are common.
    constexpr time_point base = 1650326400; // 2022-04-19T00:00:00Z
    const auto rows = uniform<std::size_t>(rng, 0, 40);
    set.scans = chance(rng, 0.5) ? "person,place,time,leave\n" : "time,leave,place,person\n";
    const bool time_first = set.scans[0] == 't';
    for (std::size_t i = 0; i < rows; ++i) {
        const std::string person = person_pool[uniform<std::size_t>(rng, 0, person_count - 1)];
        const std::string place = place_pool[uniform<std::size_t>(rng, 0, place_count - 1)];
        const time_point t = base + uniform<time_point>(rng, 0, 48) * 600;
        std::string time = time_text(rng, t, set.tz);
        std::string leave;
        if (chance(rng, 0.4))
            leave = time_text(rng, t + uniform<time_point>(rng, 0, 12) * 600, set.tz);
        if (set.skip_bad && chance(rng, 0.1)) time = "not-a-time";
        std::string line =
            time_first ? time + "," + leave + "," + csv_field(place) + "," + csv_field(person)
                       : csv_field(person) + "," + csv_field(place) + "," + time + "," + leave;
        set.scans += line + "\n";
        if (chance(rng, 0.05)) set.scans += line + "\n"; // a double submission
    }

    // Cases: one to three persons, some of whom may never have scanned.
    set.cases = "person,from,to\n";
    std::vector<std::string> chosen(person_pool.begin(),
                                    person_pool.begin() + static_cast<long>(person_count + 1));
    std::shuffle(chosen.begin(), chosen.end(), rng);
    const auto cases = uniform<std::size_t>(rng, 1, 3);
    for (std::size_t i = 0; i < cases; ++i) {
        const time_point from = base + uniform<time_point>(rng, -6, 30) * 600;
        set.cases += csv_field(chosen[i]) + "," + std::to_string(from) + ",";
        if (chance(rng, 0.5))
            set.cases += std::to_string(from + uniform<time_point>(rng, 1, 30) * 600);
        set.cases += "\n";
    }

    const duration overlaps[] = {1, 60, 600, 900};
    set.parameters.min_overlap = overlaps[uniform(rng, 0, 3)];
    set.parameters.hops = uniform<std::uint32_t>(rng, 0, 4);
    set.parameters.latency = chance(rng, 0.5) ? 0 : 600;
    set.parameters.quarantine = uniform<duration>(rng, 0, 20) * 86400;
    return set;
}

// ------------------------------------------------------------ raw HDF5

void quiet_hdf5() {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

/// Blanks the checksum block in the first 512 bytes (HDF5's user block), as
/// a snapshot made by another tool would be: ctrace then reads it unverified,
/// and only its structural checks stand between it and bad data.
void drop_checksum(const fs::path& path) {
    std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
    const std::string zeros(512, '\0');
    file.write(zeros.data(), static_cast<std::streamsize>(zeros.size()));
    REQUIRE(file.good());
}

/// Writes a valid checksum block for the current content (the format of
/// docs/hdf5-schema.md), as a writer of that content would have.
void recompute_checksum(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    REQUIRE(bytes.size() > 512);
    ctrace::sha256 digest;
    digest.update(std::string_view(bytes).substr(512));
    std::string block = "CTRACE-SNAPSHOT-CHECKSUM 1\nsha256 " + digest.hex_digest() + "\n";
    block.resize(512, '\0');
    std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
    file.write(block.data(), static_cast<std::streamsize>(block.size()));
    REQUIRE(file.good());
}

enum class checksum_after_edit { recomputed, kept };

/// Opens `path` read-write, runs `edit(file id)`, closes it. By default the
/// checksum is recomputed, so the reader's structural checks are what refuse
/// the edit.
template <typename Edit>
void edit_hdf5(const fs::path& path, Edit edit,
               checksum_after_edit checksum = checksum_after_edit::recomputed) {
    quiet_hdf5();
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    REQUIRE(file >= 0);
    edit(file);
    REQUIRE(H5Fclose(file) >= 0);
    if (checksum == checksum_after_edit::recomputed) recompute_checksum(path);
}

void set_int_attribute(hid_t owner, const char* name, std::int64_t value) {
    if (H5Aexists(owner, name) > 0) REQUIRE(H5Adelete(owner, name) >= 0);
    const hid_t space = H5Screate(H5S_SCALAR);
    const hid_t attribute = H5Acreate2(owner, name, H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT);
    REQUIRE(attribute >= 0);
    REQUIRE(H5Awrite(attribute, H5T_NATIVE_INT64, &value) >= 0);
    H5Aclose(attribute);
    H5Sclose(space);
}

hid_t utf8_string_type() {
    const hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, H5T_VARIABLE);
    H5Tset_cset(type, H5T_CSET_UTF8);
    return type;
}

void set_string_attribute(hid_t owner, const char* name, const std::string& value) {
    if (H5Aexists(owner, name) > 0) REQUIRE(H5Adelete(owner, name) >= 0);
    const hid_t type = utf8_string_type();
    const hid_t space = H5Screate(H5S_SCALAR);
    const hid_t attribute = H5Acreate2(owner, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    REQUIRE(attribute >= 0);
    const char* pointer = value.c_str();
    REQUIRE(H5Awrite(attribute, type, &pointer) >= 0);
    H5Aclose(attribute);
    H5Sclose(space);
    H5Tclose(type);
}

template <typename T>
hid_t memory_type();
template <>
hid_t memory_type<std::uint32_t>() {
    return H5T_NATIVE_UINT32;
}
template <>
hid_t memory_type<std::int32_t>() {
    return H5T_NATIVE_INT32;
}
template <>
hid_t memory_type<std::int64_t>() {
    return H5T_NATIVE_INT64;
}

template <typename T>
std::vector<T> read_raw_column(hid_t file, const char* path) {
    const hid_t dataset = H5Dopen2(file, path, H5P_DEFAULT);
    REQUIRE(dataset >= 0);
    const hid_t space = H5Dget_space(dataset);
    const hssize_t n = H5Sget_simple_extent_npoints(space);
    REQUIRE(n >= 0);
    std::vector<T> values(static_cast<std::size_t>(n));
    if (n > 0)
        REQUIRE(H5Dread(dataset, memory_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) >=
                0);
    H5Sclose(space);
    H5Dclose(dataset);
    return values;
}

/// Replaces the dataset at `path` by a contiguous one holding `values`.
template <typename T>
void replace_column(hid_t file, const char* path, const std::vector<T>& values, hid_t file_type) {
    REQUIRE(H5Ldelete(file, path, H5P_DEFAULT) >= 0);
    const hsize_t n = values.size();
    const hid_t space = H5Screate_simple(1, &n, nullptr);
    const hid_t dataset =
        H5Dcreate2(file, path, file_type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    REQUIRE(dataset >= 0);
    if (n > 0)
        REQUIRE(H5Dwrite(dataset, memory_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) >=
                0);
    H5Dclose(dataset);
    H5Sclose(space);
}

void replace_strings(hid_t file, const char* path, const std::vector<std::string>& values) {
    REQUIRE(H5Ldelete(file, path, H5P_DEFAULT) >= 0);
    const hsize_t n = values.size();
    const hid_t type = utf8_string_type();
    const hid_t space = H5Screate_simple(1, &n, nullptr);
    const hid_t dataset =
        H5Dcreate2(file, path, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    REQUIRE(dataset >= 0);
    std::vector<const char*> pointers;
    for (const std::string& v : values)
        pointers.push_back(v.c_str());
    if (n > 0)
        REQUIRE(H5Dwrite(dataset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, pointers.data()) >= 0);
    H5Dclose(dataset);
    H5Sclose(space);
    H5Tclose(type);
}

std::vector<std::int64_t> read_int_array_attribute(hid_t owner, const char* name) {
    const hid_t attribute = H5Aopen(owner, name, H5P_DEFAULT);
    REQUIRE(attribute >= 0);
    const hid_t space = H5Aget_space(attribute);
    std::vector<std::int64_t> values(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space)));
    REQUIRE(H5Aread(attribute, H5T_NATIVE_INT64, values.data()) >= 0);
    H5Sclose(space);
    H5Aclose(attribute);
    return values;
}

std::string read_string_attribute(hid_t owner, const char* name) {
    const hid_t attribute = H5Aopen(owner, name, H5P_DEFAULT);
    REQUIRE(attribute >= 0);
    const hid_t type = utf8_string_type();
    char* pointer = nullptr;
    REQUIRE(H5Aread(attribute, type, &pointer) >= 0);
    std::string value = pointer == nullptr ? "" : pointer;
    H5free_memory(pointer);
    H5Tclose(type);
    H5Aclose(attribute);
    return value;
}

// ------------------------------------------------------------ refusals

/// What reading a (possibly damaged) snapshot did, observed from a child
/// process so that a crash cannot end the test run.
struct read_outcome {
    enum kind { identical, refused, different, other_exception, unnamed, crashed };
    kind what = crashed;
    int signal = 0;
    std::string detail; ///< the error message, or what differs
};

const char* describe(read_outcome o) {
    switch (o.what) {
    case read_outcome::identical:
        return "loaded identical data";
    case read_outcome::refused:
        return "refused with snapshot_error naming the file";
    case read_outcome::different:
        return "loaded DIFFERENT data without an error";
    case read_outcome::other_exception:
        return "threw something other than snapshot_error";
    case read_outcome::unnamed:
        return "threw snapshot_error without naming the file";
    case read_outcome::crashed:
        return "CRASHED or hung";
    }
    return "?";
}

read_outcome read_in_child(const fs::path& path, const dataset& expected) {
    int pipe_ends[2];
    REQUIRE(::pipe(pipe_ends) == 0);
    std::fflush(nullptr);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        ::close(pipe_ends[0]);
        ::alarm(2);
        int code = 0;
        std::string detail;
        try {
            const dataset data = read_snapshot(path);
            (void)read_trace_record(path);
            detail = snapshot_differences(expected, data);
            code = detail.empty() ? read_outcome::identical : read_outcome::different;
        } catch (const snapshot_error& e) {
            detail = e.what();
            code = contains(detail, path.string()) ? read_outcome::refused : read_outcome::unnamed;
        } catch (const std::exception& e) {
            detail = e.what();
            code = read_outcome::other_exception;
        } catch (...) {
            code = read_outcome::other_exception;
        }
        if (::write(pipe_ends[1], detail.data(), detail.size()) < 0) code = read_outcome::crashed;
        ::_exit(code);
    }
    ::close(pipe_ends[1]);
    read_outcome outcome;
    char buffer[4096];
    ssize_t n = 0;
    while ((n = ::read(pipe_ends[0], buffer, sizeof buffer)) > 0)
        outcome.detail.append(buffer, static_cast<std::size_t>(n));
    ::close(pipe_ends[0]);
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    if (WIFEXITED(status)) {
        outcome.what = static_cast<read_outcome::kind>(WEXITSTATUS(status));
    } else {
        outcome.what = read_outcome::crashed;
        outcome.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
        if (outcome.signal == SIGALRM) outcome.detail = "no answer within 2 s (killed by SIGALRM)";
    }
    return outcome;
}

/// The message of the snapshot_error `read` throws, or a description of what
/// it did instead (prefixed with "NOT REFUSED").
template <typename Read>
std::string refusal(Read read) {
    try {
        read();
        return "NOT REFUSED: read succeeded";
    } catch (const snapshot_error& e) {
        return e.what();
    } catch (const std::exception& e) {
        return std::string("NOT REFUSED: threw another exception: ") + e.what();
    }
}

/// read_snapshot refuses `path` with a one-line snapshot_error naming it and
/// containing `expected` (when given).
void check_refused(const fs::path& path, const std::string& expected = "") {
    const std::string message = refusal([&] { (void)read_snapshot(path); });
    CAPTURE(message);
    CHECK_FALSE(message.starts_with("NOT REFUSED"));
    CHECK(contains(message, path.string()));
    CHECK(message.find('\n') == std::string::npos);
    if (!expected.empty()) CHECK(contains(message, expected));
}

fs::path copy_of(const fs::path& source, const fs::path& target) {
    fs::copy_file(source, target, fs::copy_options::overwrite_existing);
    return target;
}

} // namespace

TEST_SUITE("snapshot") {

    // =================================================================== round trips

    TEST_CASE("snapshot: the tiny example round-trips with its provenance") {
        temp_dir t;
        const ingest_result ingested = ingest_tiny();
        const dataset& data = ingested.data;
        REQUIRE(data.stays.size() > 0);
        const fs::path path = t.path() / "tiny.h5";
        write_snapshot(path, data);

        const dataset back = read_snapshot(path);
        check_same_snapshot(data, back);
        CHECK(ids_of(back.persons) == ids_of(data.persons));
        CHECK(back.place_info.size() == 4);
        CHECK(back.place_info.name[3] == "Luxury KTV");
        CHECK(back.place_info.category[0] == "mall");
        CHECK(back.place_info.dwell[0] == 7200);
        CHECK(back.place_info.dwell[2] == -1);
        CHECK(back.parameters.tz == tiny_tz);
        CHECK(back.parameters.default_dwell == 3600);
        CHECK_FALSE(back.parameters.skip_bad);
        CHECK(back.rows_read == 24);
        CHECK(back.rows_rejected == 0);

        REQUIRE(back.inputs.size() == 2);
        CHECK(back.inputs[0].role == "places");
        CHECK(back.inputs[0].path == fixture("tiny/places.csv").string());
        CHECK(back.inputs[0].sha256 == sha256_file(fixture("tiny/places.csv")));
        CHECK(back.inputs[0].bytes == fs::file_size(fixture("tiny/places.csv")));
        CHECK(back.inputs[0].rows == 4);
        CHECK(back.inputs[1].role == "scans");
        CHECK(back.inputs[1].path == fixture("tiny/scans.csv").string());
        CHECK(back.inputs[1].sha256 == sha256_file(fixture("tiny/scans.csv")));
        CHECK(back.inputs[1].bytes == fs::file_size(fixture("tiny/scans.csv")));
        CHECK(back.inputs[1].rows == 24);
        CHECK(back.inputs[1].sha256.size() == 64);

        CHECK(back.generator.starts_with("ctrace "));
        REQUIRE(back.created.size() == 20);
        CHECK(back.created[4] == '-');
        CHECK(back.created[10] == 'T');
        CHECK(back.created.back() == 'Z');
        CHECK(static_cast<bool>(try_parse_time(back.created, {})));

        CHECK_FALSE(read_trace_record(path).has_value());
        CHECK(temporaries_in(t.path()).empty());
    }

    TEST_CASE("snapshot: the file follows the documented layout") {
        temp_dir t;
        const ingest_result ingested = ingest_tiny();
        const dataset& data = ingested.data;
        const fs::path path = t.path() / "tiny.h5";
        write_snapshot(path, data);

        quiet_hdf5();
        const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
        REQUIRE(file >= 0);
        CHECK(read_string_attribute(file, "schema") == "ctrace-snapshot");
        CHECK(read_int_array_attribute(file, "schema_version") == std::vector<std::int64_t>{1});
        const time_span span = stay_time_span(data.stays);
        CHECK(read_int_array_attribute(file, "time_min") == std::vector<std::int64_t>{span.min});
        CHECK(read_int_array_attribute(file, "time_max") == std::vector<std::int64_t>{span.max});
        CHECK(read_int_array_attribute(file, "tz_offset_seconds") ==
              std::vector<std::int64_t>{8 * 3600});

        const incidence_csr csr = person_place_incidence(data.stays, data.persons.size());
        CHECK(read_raw_column<std::int64_t>(file, "graph/person_place/data") == csr.data);
        CHECK(read_raw_column<std::int32_t>(file, "graph/person_place/indices") == csr.indices);
        CHECK(read_raw_column<std::int64_t>(file, "graph/person_place/indptr") == csr.indptr);
        const hid_t matrix = H5Gopen2(file, "graph/person_place", H5P_DEFAULT);
        REQUIRE(matrix >= 0);
        CHECK(read_string_attribute(matrix, "encoding-type") == "csr_matrix");
        CHECK(read_string_attribute(matrix, "encoding-version") == "0.1.0");
        CHECK(read_int_array_attribute(matrix, "shape") ==
              std::vector<std::int64_t>{static_cast<std::int64_t>(data.persons.size()),
                                        static_cast<std::int64_t>(data.places.size())});
        H5Gclose(matrix);
        H5Fclose(file);
    }

    TEST_CASE("snapshot: a trace record round-trips") {
        temp_dir t;
        ingest_result ingested = ingest_tiny();
        dataset& data = ingested.data;
        const std::size_t persons_with_scans = data.persons.size();
        trace_parameters parameters;
        parameters.hops = 3;
        const traced_csv traced = trace_data(data, fixture("tiny/cases.csv"), parameters, tiny_tz);
        CHECK(traced.risk_list == file_text(fixture("tiny/risk.csv")));
        CHECK(data.persons.size() == persons_with_scans + 1); // C9 never scanned

        const fs::path path = t.path() / "traced.h5";
        write_snapshot(path, data, &traced.record);
        check_same_snapshot(data, read_snapshot(path));
        const std::optional<trace_record> back = read_trace_record(path);
        REQUIRE(back.has_value());
        check_same_trace_record(traced.record, *back);
        REQUIRE(back->inputs.size() == 1);
        CHECK(back->inputs[0].role == "cases");
        CHECK(back->inputs[0].sha256 == sha256_file(fixture("tiny/cases.csv")));
        // Both tiny cases give an onset (C1 beside its `from`).
        REQUIRE(back->cases.size() == 2);
        CHECK(back->cases[0].onset == parse_time("2022-04-20", tiny_tz));
        CHECK(back->cases[1].onset == parse_time("2022-04-21 08:00", tiny_tz));

        SUBCASE("a /trace written before onsets were kept reads as cases without one") {
            edit_hdf5(path, [](hid_t file) {
                REQUIRE(H5Ldelete(file, "trace/cases/onset", H5P_DEFAULT) >= 0);
            });
            const std::optional<trace_record> old = read_trace_record(path);
            REQUIRE(old.has_value());
            REQUIRE(old->cases.size() == 2);
            for (const index_case& c : old->cases)
                CHECK(c.onset == time_infinity);
            CHECK(old->cases[0].from == traced.record.cases[0].from);
        }

        SUBCASE("with an end of tracing, latency and a short look-back") {
            parameters.until = parse_time("2022-04-20 12:00", tiny_tz);
            parameters.latency = 1800;
            parameters.min_overlap = 60;
            parameters.quarantine = 86400;
            ingest_result again = ingest_tiny();
            const traced_csv other =
                trace_data(again.data, fixture("tiny/cases.csv"), parameters, tiny_tz, 2 * 86400);
            const fs::path other_path = t.path() / "other.h5";
            write_snapshot(other_path, again.data, &other.record);
            const std::optional<trace_record> other_back = read_trace_record(other_path);
            REQUIRE(other_back.has_value());
            check_same_trace_record(other.record, *other_back);
        }
    }

    TEST_CASE("snapshot: quarantine and monitoring by hop round-trip (§8.4)") {
        temp_dir t;
        constexpr duration day = 86400;
        const auto trace_attribute = [](const fs::path& path, const char* name) {
            quiet_hdf5();
            const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
            REQUIRE(file >= 0);
            const hid_t group = H5Gopen2(file, "trace", H5P_DEFAULT);
            std::optional<std::vector<std::int64_t>> values;
            if (H5Aexists(group, name) > 0) values = read_int_array_attribute(group, name);
            H5Gclose(group);
            H5Fclose(file);
            return values;
        };
        const auto has_dataset = [](const fs::path& path, const char* name) {
            const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
            REQUIRE(file >= 0);
            const bool found = H5Lexists(file, name, H5P_DEFAULT) > 0;
            H5Fclose(file);
            return found;
        };
        trace_parameters parameters;
        parameters.hops = 3;
        /// The tiny example traced with `parameters`, written to `name`.
        struct written {
            ingest_result ingested;
            traced_csv traced;
            fs::path path;
        };
        const auto trace_and_write = [&](const char* name) {
            written w{ingest_tiny(), {}, t.path() / name};
            w.traced = trace_data(w.ingested.data, fixture("tiny/cases.csv"), parameters, tiny_tz);
            write_snapshot(w.path, w.ingested.data, &w.traced.record);
            return w;
        };

        SUBCASE("Q = 7d,3d and M = 3d,0: attributes, the monitor_until column, the CSV") {
            parameters.quarantine = {7 * day, 3 * day};
            parameters.monitoring = hop_durations{3 * day, 0};
            const written w = trace_and_write("monitored.h5");
            const traced_csv& traced = w.traced;
            const fs::path& path = w.path;
            CHECK(trace_attribute(path, "quarantine_seconds") ==
                  std::vector<std::int64_t>{7 * day});
            CHECK(trace_attribute(path, "quarantine_seconds_by_hop") ==
                  std::vector<std::int64_t>{7 * day, 3 * day});
            CHECK(trace_attribute(path, "monitoring_seconds_by_hop") ==
                  std::vector<std::int64_t>{3 * day, 0});
            REQUIRE(has_dataset(path, "trace/monitor_until"));
            const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
            const auto monitor = read_raw_column<std::int64_t>(file, "trace/monitor_until");
            const auto hop = read_raw_column<std::uint32_t>(file, "trace/hop");
            H5Fclose(file);
            REQUIRE(monitor.size() == hop.size());
            for (std::size_t i = 0; i < hop.size(); ++i)
                if (hop[i] == 0) CHECK(monitor[i] == std::numeric_limits<std::int64_t>::min());

            const std::optional<trace_record> back = read_trace_record(path);
            REQUIRE(back.has_value());
            check_same_trace_record(traced.record, *back);
            CHECK(back->parameters.quarantine == hop_durations{7 * day, 3 * day});
            REQUIRE(back->parameters.monitoring.has_value());
            CHECK(*back->parameters.monitoring == hop_durations{3 * day, 0});
            CHECK(back->result.monitoring);
            // By hand (tiny/risk.csv): K at hop 1, last exposure 04-16 00:30 +08:00:
            // + 7d + 3d; "Li, Wei" at hop 2, last 04-17 12:00: + 3d + 0; G at hop 3,
            // past both lists, last 04-20 10:00: + 3d + 0.
            const auto monitor_of = [&](std::string_view person) {
                for (const risk_entry& e : back->result.entries)
                    if (w.ingested.data.persons[e.person] == person) return e.monitor_until;
                FAIL("not listed: ", person);
                return time_point{0};
            };
            CHECK(monitor_of("K") == parse_time("2022-04-26 00:30", tiny_tz));
            CHECK(monitor_of("Li, Wei") == parse_time("2022-04-20 12:00", tiny_tz));
            CHECK(monitor_of("G") == parse_time("2022-04-23 10:00", tiny_tz));
            CHECK(monitor_of("C1") == time_infinity);
            // The record read back writes the same CSV, monitor_until included.
            std::ostringstream text;
            write_risk_list(text, back->result, w.ingested.data.persons, w.ingested.data.places,
                            back->tz);
            CHECK(text.str() == traced.risk_list);
            CHECK(contains(traced.risk_list, ",monitor_until\n"));
        }
        SUBCASE("defaults: one quarantine value, no monitoring attribute or column") {
            const written w = trace_and_write("plain.h5");
            const traced_csv& traced = w.traced;
            const fs::path& path = w.path;
            CHECK(trace_attribute(path, "quarantine_seconds") ==
                  std::vector<std::int64_t>{defaults::quarantine});
            CHECK(trace_attribute(path, "quarantine_seconds_by_hop") ==
                  std::vector<std::int64_t>{defaults::quarantine});
            CHECK_FALSE(trace_attribute(path, "monitoring_seconds_by_hop").has_value());
            CHECK_FALSE(has_dataset(path, "trace/monitor_until"));
            const std::optional<trace_record> back = read_trace_record(path);
            REQUIRE(back.has_value());
            check_same_trace_record(traced.record, *back);
            CHECK_FALSE(back->parameters.monitoring.has_value());
            CHECK_FALSE(back->result.monitoring);

            SUBCASE("an old-style /trace, without the per-hop attributes, still reads") {
                // As written before §8.4: only quarantine_seconds (here 1 day).
                edit_hdf5(path, [](hid_t file) {
                    const hid_t group = H5Gopen2(file, "trace", H5P_DEFAULT);
                    REQUIRE(H5Adelete(group, "quarantine_seconds_by_hop") >= 0);
                    set_int_attribute(group, "quarantine_seconds", day);
                    H5Gclose(group);
                });
                const std::optional<trace_record> old = read_trace_record(path);
                REQUIRE(old.has_value());
                CHECK(old->parameters.quarantine == hop_durations{day});
                CHECK(old->parameters.quarantine.by_hop().size() == 1);
                CHECK_FALSE(old->parameters.monitoring.has_value());
                CHECK_FALSE(old->result.monitoring);
                // The rows are the file's, untouched.
                REQUIRE(old->result.entries.size() == traced.record.result.entries.size());
                for (std::size_t i = 0; i < old->result.entries.size(); ++i)
                    CHECK(old->result.entries[i].quarantine_until ==
                          traced.record.result.entries[i].quarantine_until);
            }
        }
        SUBCASE("monitoring without its column is refused") {
            parameters.monitoring = hop_durations{day};
            const fs::path path = trace_and_write("broken.h5").path;
            edit_hdf5(path, [](hid_t file) {
                REQUIRE(H5Ldelete(file, "trace/monitor_until", H5P_DEFAULT) >= 0);
            });
            const std::string message = refusal([&] { (void)read_trace_record(path); });
            CHECK(contains(message, path.string()));
            CHECK(contains(message, "monitor_until"));
        }
    }

    TEST_CASE("snapshot: place coordinates keep their value") {
        // The schema stores lat/lon as float64: the text read back must denote the
        // same number as the places file's text.
        temp_dir t;
        const fs::path places = t.write("places.csv", "place,lat,lon\n"
                                                      "X,22.5234567,114.0552391\n"
                                                      "Y,0.0000001,-1.5e-7\n"
                                                      "Z,n/a,\n");
        const fs::path scans = t.write("scans.csv", "person,place,time\nA,X,0\nB,Y,60\n");
        const ingest_result ingested = ingest_files(scans, places, {});
        const fs::path path = t.path() / "s.h5";
        write_snapshot(path, ingested.data);
        const dataset back = read_snapshot(path);
        REQUIRE(back.place_info.size() == 3);
        for (std::size_t x = 0; x < 3; ++x) {
            CAPTURE(x);
            CAPTURE(back.place_info.lat[x]);
            CAPTURE(back.place_info.lon[x]);
            CHECK(same_coordinate(ingested.data.place_info.lat[x], back.place_info.lat[x]));
            CHECK(same_coordinate(ingested.data.place_info.lon[x], back.place_info.lon[x]));
        }
    }

    TEST_CASE("snapshot: an empty scans file round-trips") {
        temp_dir t;
        const fs::path scans = t.write("scans.csv", "person,place,time\n");
        const ingest_result ingested = ingest_files(scans, std::nullopt, {});
        const fs::path path = t.path() / "empty.h5";
        write_snapshot(path, ingested.data);
        const dataset back = read_snapshot(path);
        check_same_snapshot(ingested.data, back);
        CHECK(back.persons.empty());
        CHECK(back.stays.size() == 0);
        CHECK(back.stays.place_begin == std::vector<std::uint64_t>{0});
    }

    // =================================================================== incidence

    TEST_CASE("snapshot: person_place_incidence sums stay seconds per person and place") {
        std::mt19937_64 rng(20240601);
        for (int round = 0; round < 200; ++round) {
            CAPTURE(round);
            const auto persons = uniform<std::size_t>(rng, 0, 8);
            const auto places = uniform<std::size_t>(rng, 1, 6);
            std::vector<visit> visits;
            const auto count = persons == 0 ? 0 : uniform<std::size_t>(rng, 0, 30);
            for (std::size_t i = 0; i < count; ++i) {
                const time_point start = uniform<time_point>(rng, 0, 40) * 300;
                // Empty visits (length 0) are common: they give stays of 0 seconds.
                const duration length = chance(rng, 0.3) ? 0 : uniform<duration>(rng, 1, 12) * 300;
                visits.push_back(
                    {uniform<person_index>(rng, 0, static_cast<person_index>(persons - 1)),
                     uniform<place_index>(rng, 0, static_cast<place_index>(places - 1)), start,
                     start + length});
            }
            const stay_table stays = build_stays(visits, persons, places);

            std::map<std::pair<std::size_t, std::int32_t>, std::int64_t> expected;
            for (std::size_t i = 0; i < stays.size(); ++i)
                expected[{stays.person[i], static_cast<std::int32_t>(stays.place[i])}] +=
                    stays.end[i] - stays.start[i];

            const incidence_csr csr = person_place_incidence(stays, persons);
            REQUIRE(csr.indptr.size() == persons + 1);
            CHECK(csr.indptr.front() == 0);
            CHECK(csr.indices.size() == csr.data.size());
            CHECK(static_cast<std::size_t>(csr.indptr.back()) == csr.indices.size());
            std::map<std::pair<std::size_t, std::int32_t>, std::int64_t> actual;
            for (std::size_t p = 0; p < persons; ++p) {
                CHECK(csr.indptr[p] <= csr.indptr[p + 1]);
                for (auto k = static_cast<std::size_t>(csr.indptr[p]);
                     k < static_cast<std::size_t>(csr.indptr[p + 1]); ++k) {
                    if (k > static_cast<std::size_t>(csr.indptr[p]))
                        CHECK(csr.indices[k - 1] < csr.indices[k]); // ascending, one per pair
                    actual[{p, csr.indices[k]}] = csr.data[k];
                }
            }
            CHECK(actual == expected);
            CHECK(csr.indices.size() == expected.size());
        }
    }

    TEST_CASE("snapshot: person_place_incidence of empty stays and persons without stays") {
        stay_table stays;
        stays.person = {1, 1, 3};
        stays.place = {0, 2, 2};
        stays.start = {100, 500, 700};
        stays.end = {100, 500, 760};
        stays.place_begin = {0, 1, 1, 3};
        stays.place_longest = {0, 0, 60};
        const incidence_csr csr = person_place_incidence(stays, 5);
        CHECK(csr.indptr == std::vector<std::int64_t>{0, 0, 2, 2, 3, 3});
        CHECK(csr.indices == std::vector<std::int32_t>{0, 2, 2});
        CHECK(csr.data == std::vector<std::int64_t>{0, 0, 60});

        const incidence_csr none = person_place_incidence(stay_table{}, 3);
        CHECK(none.indptr == std::vector<std::int64_t>{0, 0, 0, 0});
        CHECK(none.indices.empty());
        CHECK(none.data.empty());
    }

    // =================================================================== snapshot vs CSV

    TEST_CASE("snapshot: tracing from a snapshot equals tracing from CSV (tiny example, data/)") {
        temp_dir t;
        SUBCASE("tiny") {
            trace_parameters parameters;
            parameters.hops = 3;
            ingest_result from_csv = ingest_tiny();
            const fs::path path = t.path() / "tiny.h5";
            write_snapshot(path, from_csv.data);
            dataset from_file = read_snapshot(path);
            const traced_csv a =
                trace_data(from_csv.data, fixture("tiny/cases.csv"), parameters, tiny_tz);
            const traced_csv b =
                trace_data(from_file, fixture("tiny/cases.csv"), parameters, tiny_tz);
            CHECK(a.risk_list == file_text(fixture("tiny/risk.csv")));
            CHECK(b.risk_list == a.risk_list);
        }
        SUBCASE("data/") {
            REQUIRE(fs::exists(repo_data("scans.csv")));
            ingest_result from_csv =
                ingest_files(repo_data("scans.csv"), repo_data("places.csv"), utc_offset{8 * 3600});
            const fs::path path = t.path() / "data.h5";
            write_snapshot(path, from_csv.data);
            dataset from_file = read_snapshot(path);
            check_same_snapshot(from_csv.data, from_file);
            // Coordinates are float64 in the file: equal as numbers, written shortest.
            REQUIRE(from_file.place_info.lat.size() == from_csv.data.place_info.lat.size());
            for (std::size_t x = 0; x < from_file.place_info.lat.size(); ++x)
                CHECK(std::stod(from_file.place_info.lat[x]) ==
                      std::stod(from_csv.data.place_info.lat[x]));
            const traced_csv a =
                trace_data(from_csv.data, repo_data("cases.csv"), {}, utc_offset{8 * 3600});
            const traced_csv b =
                trace_data(from_file, repo_data("cases.csv"), {}, utc_offset{8 * 3600});
            CHECK(std::count(a.risk_list.begin(), a.risk_list.end(), '\n') > 3);
            CHECK(b.risk_list == a.risk_list);
        }
    }

    TEST_CASE("snapshot: random data sets round-trip and trace the same from a snapshot") {
        temp_dir t;
        std::mt19937_64 rng(7);
        int traced_persons = 0;
        for (int round = 0; round < 50; ++round) {
            const random_set set = random_dataset(rng);
            CAPTURE(round);
            CAPTURE(set.scans);
            CAPTURE(set.places);
            CAPTURE(set.cases);
            const fs::path scans = t.write("scans.csv", set.scans);
            const fs::path cases = t.write("cases.csv", set.cases);
            std::optional<fs::path> places;
            if (set.has_places) places = t.write("places.csv", set.places);
            ingest_result ingested =
                ingest_files(scans, places, set.tz, set.default_dwell, set.skip_bad);

            // As `ctrace snapshot` writes it: no trace.
            const fs::path path = t.path() / "s.h5";
            write_snapshot(path, ingested.data);
            dataset from_file = read_snapshot(path);
            check_same_snapshot(ingested.data, from_file);
            CHECK_FALSE(read_trace_record(path).has_value());

            dataset from_csv = ingested.data;
            const traced_csv a = trace_data(from_csv, cases, set.parameters, set.tz);
            const traced_csv b = trace_data(from_file, cases, set.parameters, set.tz);
            CHECK(b.risk_list == a.risk_list);
            CHECK(trace_in_place(path, cases, set.parameters, set.tz) == a.risk_list);
            traced_persons += static_cast<int>(a.record.result.entries.size());

            // As `ctrace trace --hdf5` writes it: persons with the cases appended,
            // and the trace; tracing that snapshot again gives the same list.
            const fs::path traced_path = t.path() / "t.h5";
            write_snapshot(traced_path, from_csv, &a.record);
            dataset again = read_snapshot(traced_path);
            check_same_snapshot(from_csv, again);
            const std::optional<trace_record> record = read_trace_record(traced_path);
            REQUIRE(record.has_value());
            check_same_trace_record(a.record, *record);
            CHECK(trace_data(again, cases, set.parameters, set.tz).risk_list == a.risk_list);
            CHECK(trace_in_place(traced_path, cases, set.parameters, set.tz) == a.risk_list);
        }
        CHECK(traced_persons > 100); // the data sets do have contacts
        CHECK(temporaries_in(t.path()).empty());
    }

    TEST_CASE("snapshot: columns filtered by ctrace read the same through HDF5's own filters") {
        // ctrace shuffles and deflates the chunks of numeric columns itself and
        // writes them as finished chunks; HDF5's filter pipeline (what h5py uses)
        // must read exactly the values, across several chunks and a partial last
        // one (chunks hold 2^17 stay starts: 300,001 stays make 3 chunks).
        temp_dir t;
        quiet_hdf5();
        dataset data;
        const std::size_t n = 300001;
        std::mt19937_64 rng(11);
        std::vector<visit> visits;
        for (std::size_t i = 0; i < n; ++i) {
            const auto place = static_cast<place_index>(i % 3);
            const time_point start = 1650000000 + static_cast<time_point>(i) * 7;
            visits.push_back({static_cast<person_index>(i), place, start,
                              start + 1 + static_cast<time_point>(rng() % 5000)});
        }
        for (std::size_t i = 0; i < n; ++i)
            data.persons.intern(cat("P", std::to_string(i)));
        for (const char* x : {"A", "B", "C"})
            data.places.intern(x);
        data.stays = build_stays(std::move(visits), n, 3);
        data.inputs.push_back({"scans", "generated.csv", 1, std::string(64, 'a'), n, 0, {}});
        const fs::path path = t.path() / "big.h5";
        write_snapshot(path, data);

        const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
        REQUIRE(file >= 0);
        CHECK(read_raw_column<std::int64_t>(file, "stays/start") == data.stays.start);
        CHECK(read_raw_column<std::int64_t>(file, "stays/end") == data.stays.end);
        CHECK(read_raw_column<std::uint32_t>(file, "stays/person") == data.stays.person);
        CHECK(read_raw_column<std::uint32_t>(file, "stays/place") == data.stays.place);
        // The stays are stored contiguous (read in place, indexed_snapshot.hpp);
        // the incidence matrix is filtered by ctrace: one entry a person here.
        const incidence_csr csr = person_place_incidence(data.stays, n);
        CHECK(read_raw_column<std::int64_t>(file, "graph/person_place/data") == csr.data);
        CHECK(read_raw_column<std::int64_t>(file, "graph/person_place/indptr") == csr.indptr);
        {
            const hid_t stays = H5Dopen2(file, "stays/start", H5P_DEFAULT);
            const hid_t layout = H5Dget_create_plist(stays);
            CHECK(H5Pget_layout(layout) == H5D_CONTIGUOUS);
            H5Pclose(layout);
            H5Dclose(stays);
        }
        const hid_t dataset = H5Dopen2(file, "graph/person_place/data", H5P_DEFAULT);
        const hid_t creation = H5Dget_create_plist(dataset);
        hsize_t chunk = 0;
        REQUIRE(H5Pget_chunk(creation, 1, &chunk) == 1);
        REQUIRE(chunk > 0);
        CHECK(n % chunk != 0);
        CHECK(n / chunk >= 2);
        H5Pclose(creation);
        H5Dclose(dataset);
        H5Fclose(file);
        check_same_snapshot(data, read_snapshot(path));
    }

    TEST_CASE("snapshot: a chunk that does not inflate is refused naming the column") {
        // Regression guard for ctrace's own chunk reader: a damaged chunk whose
        // checksum block was recomputed (so only the chunk reader can notice).
        temp_dir t;
        quiet_hdf5();
        ingest_result ingested = ingest_tiny();
        const fs::path path = t.path() / "s.h5";
        write_snapshot(path, ingested.data);
        edit_hdf5(path, [](hid_t file) {
            const hid_t dataset = H5Dopen2(file, "places/dwell_seconds", H5P_DEFAULT);
            REQUIRE(dataset >= 0);
            const hsize_t offset = 0;
            hsize_t size = 0;
            REQUIRE(H5Dget_chunk_storage_size(dataset, &offset, &size) >= 0);
            REQUIRE(size > 4);
            std::vector<unsigned char> garbage(static_cast<std::size_t>(size), 0x5a);
            REQUIRE(H5Dwrite_chunk(dataset, H5P_DEFAULT, 0, &offset, garbage.size(),
                                   garbage.data()) >= 0);
            H5Dclose(dataset);
        });
        check_refused(path, "places/dwell_seconds");
    }

    // =================================================================== atomic writes

    TEST_CASE("snapshot: writing leaves no temporary files") {
        temp_dir t;
        const ingest_result ingested = ingest_tiny();
        const fs::path path = t.path() / "s.h5";

        SUBCASE("after a successful write, also over an existing snapshot") {
            write_snapshot(path, ingested.data);
            write_snapshot(path, ingested.data);
            CHECK(temporaries_in(t.path()).empty());
            CHECK(std::distance(fs::directory_iterator(t.path()), fs::directory_iterator()) == 1);
        }
        SUBCASE("when the target's folder is missing") {
            const fs::path missing = t.path() / "no-such-folder" / "s.h5";
            const std::string message = refusal([&] { write_snapshot(missing, ingested.data); });
            CAPTURE(message);
            CHECK_FALSE(message.starts_with("NOT REFUSED"));
            CHECK(contains(message, missing.string()));
            CHECK(temporaries_in(t.path()).empty());
            CHECK_FALSE(fs::exists(missing.parent_path()));
        }
        SUBCASE("when the target is an existing folder") {
            fs::create_directory(path);
            const std::string message = refusal([&] { write_snapshot(path, ingested.data); });
            CAPTURE(message);
            CHECK_FALSE(message.starts_with("NOT REFUSED"));
            CHECK(contains(message, path.string()));
            CHECK(temporaries_in(t.path()).empty());
            CHECK(fs::is_directory(path));
            CHECK(fs::is_empty(path));
        }
    }

    // =================================================================== bad files

    TEST_CASE("snapshot: files that are not snapshots are refused naming the file") {
        temp_dir t;
        SUBCASE("missing") {
            check_refused(t.path() / "missing.h5");
        }
        SUBCASE("empty") {
            check_refused(t.write("empty.h5", ""));
        }
        SUBCASE("a text file") {
            check_refused(t.write("scans.h5", "person,place,time\nA,X,2022-04-19 10:00\n"));
        }
        SUBCASE("a folder") {
            fs::create_directory(t.path() / "folder.h5");
            check_refused(t.path() / "folder.h5");
        }
        SUBCASE("an HDF5 file without the schema attribute") {
            quiet_hdf5();
            const fs::path path = t.path() / "plain.h5";
            const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
            REQUIRE(file >= 0);
            const hid_t group = H5Gcreate2(file, "persons", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
            REQUIRE(group >= 0);
            H5Gclose(group);
            H5Fclose(file);
            check_refused(path, "not a ctrace snapshot");
            const std::string message = refusal([&] { (void)read_trace_record(path); });
            CHECK(contains(message, "not a ctrace snapshot"));
        }
    }

    TEST_CASE("snapshot: truncated and corrupted snapshots are refused, never crash") {
        temp_dir t;
        // Input paths cut to their file names, so that the file's layout (and
        // what each offset below hits) does not depend on where the repository is.
        dataset tiny = ingest_tiny().data;
        dataset sample =
            ingest_files(repo_data("scans.csv"), repo_data("places.csv"), utc_offset{8 * 3600})
                .data;
        for (dataset* data : {&tiny, &sample})
            for (input_file& input : data->inputs)
                input.path = fs::path(input.path).filename().string();
        for (const dataset* data : {&tiny, &sample}) {
            const fs::path good = t.path() / "good.h5";
            write_snapshot(good, *data);
            const std::string bytes = file_text(good);
            const std::size_t size = bytes.size();
            REQUIRE(read_in_child(good, *data).what == read_outcome::identical);

            for (const std::size_t cut : {size / 10, size / 2, size * 9 / 10, size - 1}) {
                CAPTURE(size);
                CAPTURE(cut);
                const fs::path path = t.write("cut.h5", bytes.substr(0, cut));
                const read_outcome outcome = read_in_child(path, *data);
                CAPTURE(outcome.signal);
                CAPTURE(outcome.detail);
                CHECK_MESSAGE(outcome.what == read_outcome::refused,
                              std::string(describe(outcome)));
            }
            // 16 bytes inverted at offsets through the middle of the file: either
            // the damage misses everything read, or the read is refused.
            for (int percent = 20; percent <= 80; percent += 5) {
                const std::size_t offset = size * static_cast<std::size_t>(percent) / 100;
                CAPTURE(size);
                CAPTURE(offset);
                std::string damaged = bytes;
                for (std::size_t i = offset; i < std::min(size, offset + 16); ++i)
                    damaged[i] = static_cast<char>(~damaged[i]);
                const fs::path path = t.write("flipped.h5", damaged);
                const read_outcome outcome = read_in_child(path, *data);
                CAPTURE(outcome.signal);
                CAPTURE(outcome.detail);
                CHECK_MESSAGE((outcome.what == read_outcome::identical ||
                               outcome.what == read_outcome::refused),
                              std::string(describe(outcome)));
            }
        }
    }

    TEST_CASE("snapshot: another schema, an unknown version and inconsistent columns are refused") {
        temp_dir t;
        ingest_result ingested = ingest_tiny();
        const dataset& data = ingested.data;
        const fs::path good = t.path() / "good.h5";
        write_snapshot(good, data);
        REQUIRE(data.stays.size() >= 3);
        REQUIRE(data.persons.size() >= 2);
        const fs::path path = copy_of(good, t.path() / "bad.h5");

        SUBCASE("an edit that leaves a valid snapshot is refused by the checksum") {
            edit_hdf5(
                path, [](hid_t file) { set_int_attribute(file, "rows_read", 12345); },
                checksum_after_edit::kept);
            check_refused(path, "checksum does not match");
            recompute_checksum(path);
            CHECK(read_snapshot(path).rows_read == 12345); // valid again
            drop_checksum(path);
            check_refused(path, "not a ctrace snapshot (no ctrace checksum block");
        }
        // Regression (found by fuzz_snapshot): a file whose checksum did not match
        // was still opened by HDF5 to read its schema attributes first, and HDF5
        // leaks or loops on damaged metadata. Now the mismatch is refused first.
        SUBCASE("regression: a checksum mismatch was parsed by HDF5 before being refused") {
            edit_hdf5(
                path, [](hid_t file) { set_string_attribute(file, "schema", "other"); },
                checksum_after_edit::kept);
            check_refused(path, "checksum does not match");
        }
        SUBCASE("no schema attribute") {
            edit_hdf5(path, [](hid_t file) { REQUIRE(H5Adelete(file, "schema") >= 0); });
            check_refused(path, "not a ctrace snapshot");
        }
        SUBCASE("schema \"other\"") {
            edit_hdf5(path, [](hid_t file) { set_string_attribute(file, "schema", "other"); });
            check_refused(path, "not a ctrace snapshot");
        }
        SUBCASE("schema_version 2") {
            edit_hdf5(path, [](hid_t file) { set_int_attribute(file, "schema_version", 2); });
            check_refused(path, "schema_version 2 is not supported");
            const std::string message = refusal([&] { (void)read_trace_record(path); });
            CHECK(contains(message, "schema_version 2 is not supported"));
        }
        SUBCASE("schema_version 0") {
            edit_hdf5(path, [](hid_t file) { set_int_attribute(file, "schema_version", 0); });
            check_refused(path, "not supported");
        }
        SUBCASE("schema_version missing") {
            edit_hdf5(path, [](hid_t file) { REQUIRE(H5Adelete(file, "schema_version") >= 0); });
            check_refused(path, "schema_version");
        }
        SUBCASE("schema_version as text") {
            edit_hdf5(path, [](hid_t file) {
                REQUIRE(H5Adelete(file, "schema_version") >= 0);
                set_string_attribute(file, "schema_version", "1");
            });
            check_refused(path, "schema_version");
        }
        SUBCASE("stays/person shorter than stays/start") {
            edit_hdf5(path, [](hid_t file) {
                std::vector<std::uint32_t> person =
                    read_raw_column<std::uint32_t>(file, "stays/person");
                person.pop_back();
                replace_column(file, "stays/person", person, H5T_STD_U32LE);
            });
            check_refused(path, "differ in length");
        }
        SUBCASE("a place index out of range") {
            edit_hdf5(path, [&](hid_t file) {
                std::vector<std::uint32_t> place =
                    read_raw_column<std::uint32_t>(file, "stays/place");
                place.back() = static_cast<std::uint32_t>(data.places.size());
                replace_column(file, "stays/place", place, H5T_STD_U32LE);
            });
            check_refused(path, "missing person or place");
        }
        SUBCASE("a person index out of range") {
            edit_hdf5(path, [&](hid_t file) {
                std::vector<std::uint32_t> person =
                    read_raw_column<std::uint32_t>(file, "stays/person");
                person[1] = 0xFFFFFFFFu;
                replace_column(file, "stays/person", person, H5T_STD_U32LE);
            });
            check_refused(path, "missing person or place");
        }
        SUBCASE("unsorted stays") {
            edit_hdf5(path, [](hid_t file) {
                for (const char* column : {"stays/person", "stays/place"}) {
                    std::vector<std::uint32_t> v = read_raw_column<std::uint32_t>(file, column);
                    std::swap(v.front(), v.back());
                    replace_column(file, column, v, H5T_STD_U32LE);
                }
                for (const char* column : {"stays/start", "stays/end"}) {
                    std::vector<std::int64_t> v = read_raw_column<std::int64_t>(file, column);
                    std::swap(v.front(), v.back());
                    replace_column(file, column, v, H5T_STD_I64LE);
                }
            });
            check_refused(path, "not sorted");
        }
        SUBCASE("a stay listed twice") {
            edit_hdf5(path, [](hid_t file) {
                for (const char* column : {"stays/person", "stays/place"}) {
                    std::vector<std::uint32_t> v = read_raw_column<std::uint32_t>(file, column);
                    v[1] = v[0];
                    replace_column(file, column, v, H5T_STD_U32LE);
                }
                for (const char* column : {"stays/start", "stays/end"}) {
                    std::vector<std::int64_t> v = read_raw_column<std::int64_t>(file, column);
                    v[1] = v[0];
                    replace_column(file, column, v, H5T_STD_I64LE);
                }
            });
            check_refused(path, "not sorted");
        }
        SUBCASE("a stay that ends before it starts") {
            edit_hdf5(path, [](hid_t file) {
                std::vector<std::int64_t> start =
                    read_raw_column<std::int64_t>(file, "stays/start");
                std::vector<std::int64_t> end = read_raw_column<std::int64_t>(file, "stays/end");
                end[0] = start[0] - 1;
                replace_column(file, "stays/end", end, H5T_STD_I64LE);
            });
            check_refused(path, "ends before it starts");
        }
        SUBCASE("a missing column") {
            edit_hdf5(path,
                      [](hid_t file) { REQUIRE(H5Ldelete(file, "stays/end", H5P_DEFAULT) >= 0); });
            check_refused(path, "stays/end");
        }
        SUBCASE("a duplicate person id") {
            std::vector<std::string> persons = ids_of(data.persons);
            persons[1] = persons[0];
            edit_hdf5(path, [&](hid_t file) { replace_strings(file, "persons/id", persons); });
            check_refused(path, "twice");
        }
        SUBCASE("a duplicate place id") {
            std::vector<std::string> places = ids_of(data.places);
            places.back() = places.front();
            edit_hdf5(path, [&](hid_t file) { replace_strings(file, "places/id", places); });
            check_refused(path, "twice");
        }
        SUBCASE("place metadata of the wrong length") {
            edit_hdf5(path, [](hid_t file) {
                std::vector<std::int64_t> dwell =
                    read_raw_column<std::int64_t>(file, "places/dwell_seconds");
                dwell.pop_back();
                replace_column(file, "places/dwell_seconds", dwell, H5T_STD_I64LE);
            });
            check_refused(path, "places/id");
        }
        SUBCASE("input attributes of different lengths") {
            edit_hdf5(path, [](hid_t file) { set_int_attribute(file, "input_rows", 3); });
            check_refused(path, "input_");
        }
    }

    TEST_CASE("snapshot: a trace record with indices out of range is refused") {
        // Risk-list rows and cases refer to persons and places by index: an index
        // past /persons/id or /places/id is an inconsistent column like any other.
        temp_dir t;
        ingest_result ingested = ingest_tiny();
        trace_parameters parameters;
        parameters.hops = 3;
        const traced_csv traced =
            trace_data(ingested.data, fixture("tiny/cases.csv"), parameters, tiny_tz);
        const fs::path good = t.path() / "traced.h5";
        write_snapshot(good, ingested.data, &traced.record);
        const auto persons = static_cast<std::uint32_t>(ingested.data.persons.size());
        const fs::path path = copy_of(good, t.path() / "bad.h5");

        SUBCASE("/trace/person") {
            edit_hdf5(path, [&](hid_t file) {
                std::vector<std::uint32_t> person =
                    read_raw_column<std::uint32_t>(file, "trace/person");
                person[0] = persons + 100;
                replace_column(file, "trace/person", person, H5T_STD_U32LE);
            });
        }
        SUBCASE("/trace/via_person") {
            edit_hdf5(path, [&](hid_t file) {
                std::vector<std::int64_t> via =
                    read_raw_column<std::int64_t>(file, "trace/via_person");
                via.back() = std::int64_t{persons} + 100;
                replace_column(file, "trace/via_person", via, H5T_STD_I64LE);
            });
        }
        SUBCASE("/trace/cases/person") {
            edit_hdf5(path, [&](hid_t file) {
                std::vector<std::uint32_t> person =
                    read_raw_column<std::uint32_t>(file, "trace/cases/person");
                person[0] = persons + 100;
                replace_column(file, "trace/cases/person", person, H5T_STD_U32LE);
            });
        }
        const std::string message = refusal([&] { (void)read_trace_record(path); });
        CAPTURE(message);
        CHECK_FALSE(message.starts_with("NOT REFUSED"));
        CHECK(contains(message, path.string()));
    }

} // TEST_SUITE
