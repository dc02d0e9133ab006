// Tests of ctrace/storage/indexed_snapshot.hpp: a snapshot read in place, only where
// a trace reaches, checked block by block; earlier files read whole.

#include "ctrace/model/ingest.hpp"
#include "ctrace/model/pseudonym.hpp"
#include "ctrace/report/risk_list.hpp"
#include "ctrace/storage/indexed_snapshot.hpp"
#include "ctrace/storage/snapshot.hpp"
#include "ctrace/tracing/sources.hpp"
#include "ctrace/workflow/pipeline.hpp"
#include "test_helpers.hpp"

#include <algorithm>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <hdf5.h>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

using namespace ctrace;
using ctrace::testing::contains;
using ctrace::testing::file_text;
using ctrace::testing::fixture;
using ctrace::testing::temp_dir;
namespace fs = std::filesystem;

namespace {

constexpr utc_offset tiny_tz{8 * 3600};

dataset tiny_data() {
    ingest_options options;
    options.scans = {fixture("tiny/scans.csv")};
    options.places = fixture("tiny/places.csv");
    options.read.tz = tiny_tz;
    return ingest(options).data;
}

prepared_cases tiny_cases(std::uint32_t hops = 3) {
    trace_request request;
    request.cases = fixture("tiny/cases.csv");
    request.parameters.hops = hops;
    request.tz = tiny_tz;
    return read_index_cases(request);
}

std::string risk_list_of(const trace_run& run) {
    std::ostringstream out;
    write_risk_list(out, run.record.result, run.data().persons, run.data().places, tiny_tz);
    return out.str();
}

/// The byte offset of a contiguous dataset's data, as HDF5 says it.
std::uint64_t data_offset(const fs::path& path, const char* dataset_name) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    REQUIRE(file >= 0);
    const hid_t dataset = H5Dopen2(file, dataset_name, H5P_DEFAULT);
    REQUIRE(dataset >= 0);
    const haddr_t offset = H5Dget_offset(dataset);
    H5Dclose(dataset);
    H5Fclose(file);
    REQUIRE(offset != HADDR_UNDEF);
    return offset;
}

/// Adds 1 to the byte at `offset` of `path`, in place.
void damage_byte(const fs::path& path, std::uint64_t offset) {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(offset));
    char c = 0;
    f.get(c);
    f.seekp(static_cast<std::streamoff>(offset));
    f.put(static_cast<char>(c + 1));
    REQUIRE(f.good());
}

template <typename F>
std::string snapshot_refusal(F&& f) {
    try {
        f();
    } catch (const snapshot_error& e) {
        return e.what();
    }
    FAIL("no snapshot_error");
    return "";
}

/// `data` written to `path` and opened for indexed reads.
std::unique_ptr<indexed_snapshot> written_and_opened(const fs::path& path, const dataset& data) {
    write_snapshot(path, data);
    std::unique_ptr<indexed_snapshot> indexed = indexed_snapshot::open(path);
    REQUIRE(indexed);
    return indexed;
}

data_source snapshot_source(const fs::path& path) {
    data_source source;
    source.snapshot = path;
    return source;
}

} // namespace

TEST_SUITE("indexed_snapshot") {
    TEST_CASE("indexed_snapshot: the tiny example traces to its risk list, reading in place") {
        temp_dir t;
        const fs::path path = t.path() / "tiny.h5";
        const dataset data = tiny_data();
        const std::unique_ptr<indexed_snapshot> indexed = written_and_opened(path, data);
        CHECK(indexed->person_count() == data.persons.size());
        CHECK(indexed->place_count() == data.places.size());
        CHECK(indexed->stay_count() == data.stays.size());
        CHECK(indexed->rows_read() == data.rows_read);
        CHECK(indexed->tz() == tiny_tz);
        CHECK(indexed->level() == contact_level::code);
        CHECK(indexed->pseudonym_key().empty());

        const std::optional<trace_run> run = trace_indexed(snapshot_source(path), tiny_cases());
        REQUIRE(run.has_value());
        CHECK(risk_list_of(*run) == file_text(fixture("tiny/risk.csv")));
        // Only the ids the list names are kept; the stored sizes are reported.
        REQUIRE(run->loaded.indexed.has_value());
        CHECK(run->loaded.indexed->stays == data.stays.size());
        CHECK(run->persons_with_stays == data.persons.size());
        CHECK(run->data().stays.size() == 0);
        // C9 never scanned: a case without stays, appended after the persons.
        REQUIRE(run->record.result.cases_without_stays.size() == 1);
        CHECK(run->data().persons[run->record.result.cases_without_stays[0]] == "C9");
    }

    TEST_CASE("indexed_snapshot: ids are found by binary search in byte order") {
        temp_dir t;
        const fs::path path = t.path() / "tiny.h5";
        const dataset data = tiny_data();
        const std::unique_ptr<indexed_snapshot> indexed = written_and_opened(path, data);
        for (person_index p = 0; p < data.persons.size(); ++p) {
            CHECK(indexed->person_id(p) == data.persons[p]);
            CHECK(indexed->find_person(data.persons[p]) == p);
        }
        for (place_index x = 0; x < data.places.size(); ++x)
            CHECK(indexed->place_id(x) == data.places[x]);
        for (const char* absent : {"", "C", "C10", "zzz", "Li, We"})
            CHECK(indexed->find_person(absent) == id_table::npos);
    }

    TEST_CASE("indexed_snapshot: a snapshot of an earlier ctrace is read whole, as before") {
        // Written by the ctrace before indexed reads (512-byte checksum block,
        // compressed stays, no index block).
        const fs::path old = fixture("earlier-versions/tiny-snapshot.h5");
        CHECK(indexed_snapshot::open(old) == nullptr);
        CHECK_FALSE(trace_indexed(snapshot_source(old), tiny_cases()).has_value());
        trace_request request;
        request.cases = fixture("tiny/cases.csv");
        request.parameters.hops = 3;
        request.tz = tiny_tz;
        const trace_run run = trace_from(snapshot_source(old), request);
        CHECK(risk_list_of(run) == file_text(fixture("tiny/risk.csv")));
        const snapshot_check check = verify_snapshot(old);
        CHECK_FALSE(check.indexed);
    }

    TEST_CASE("indexed_snapshot: a damaged block is found by the query that reads it") {
        temp_dir t;
        const fs::path path = t.path() / "tiny.h5";
        write_snapshot(path, tiny_data());
        CHECK(verify_snapshot(path).indexed);
        // The checksum block is left as it is: only the blocks' CRCs can tell.
        damage_byte(path, data_offset(path, "stays/start") + 3);
        const std::string message =
            snapshot_refusal([&] { (void)trace_indexed(snapshot_source(path), tiny_cases()); });
        CAPTURE(message);
        CHECK(contains(message, path.string()));
        CHECK(contains(message, "'stays/start'"));
        CHECK(contains(message, "checksum"));
        CHECK(contains(snapshot_refusal([&] { (void)verify_snapshot(path); }), path.string()));
    }

    TEST_CASE("indexed_snapshot: a query does not read what it does not touch, verify does") {
        temp_dir t;
        const fs::path path = t.path() / "tiny.h5";
        write_snapshot(path, tiny_data());
        // The places' sorted order serves no trace.
        damage_byte(path, data_offset(path, "index/place_id_order"));
        const std::optional<trace_run> run = trace_indexed(snapshot_source(path), tiny_cases());
        REQUIRE(run.has_value());
        CHECK(risk_list_of(*run) == file_text(fixture("tiny/risk.csv")));
        const std::string message = snapshot_refusal([&] { (void)verify_snapshot(path); });
        CHECK(contains(message, path.string()));
    }

    TEST_CASE("indexed_snapshot: a damaged start gives the same list or a refusal, never another") {
        // One busy place (3,000 stays: 6 blocks of starts) and a case there
        // late in the period: a search by start reads a few starts of the
        // place and checks the rows it settles on. Whatever start is
        // damaged, the trace answers as before or refuses the file.
        temp_dir t;
        std::string scans = "person,place,time,leave\n";
        for (int i = 0; i < 3000; ++i)
            scans += "P" + std::to_string(i) + ",X," + std::to_string(1650000000 + i * 600) + "," +
                     std::to_string(1650000000 + i * 600 + 3600) + "\n";
        const fs::path scans_path = t.write("scans.csv", scans);
        const fs::path cases_path = t.write("cases.csv", "person,from\nP2500,1651000000\n");
        ingest_options options;
        options.scans = {scans_path};
        const fs::path path = t.path() / "busy.h5";
        write_snapshot(path, ingest(options).data);
        trace_request request;
        request.cases = cases_path;
        request.parameters.hops = 2;
        const prepared_cases prepared = read_index_cases(request);
        auto list = [&] {
            const std::optional<trace_run> run = trace_indexed(snapshot_source(path), prepared);
            REQUIRE(run.has_value());
            std::ostringstream out;
            write_risk_list(out, run->record.result, run->data().persons, run->data().places, {});
            return out.str();
        };
        const std::string clean = list();
        CHECK(std::count(clean.begin(), clean.end(), '\n') > 3);
        const std::uint64_t starts = data_offset(path, "stays/start");
        const std::string pristine = file_text(path);
        int refused = 0, trials = 0;
        for (std::uint64_t row = 0; row < 3000; row += 97, ++trials) {
            CAPTURE(row);
            {
                std::ofstream restore(path, std::ios::binary | std::ios::trunc);
                restore << pristine;
            }
            damage_byte(path, starts + row * 8 + 3); // a start moved by 2^24 s
            std::string got, refusal;
            try {
                got = list();
            } catch (const snapshot_error& e) {
                refusal = e.what();
            }
            if (refusal.empty()) {
                CHECK(got == clean);
            } else {
                CHECK(contains(refusal, "'stays/start'"));
                ++refused;
            }
        }
        CHECK(refused > 0);      // the rows the search settles on are checked
        CHECK(refused < trials); // the rest of the place is not read
    }

    TEST_CASE("indexed_snapshot: a truncated or extended file is refused at once") {
        temp_dir t;
        const fs::path path = t.path() / "tiny.h5";
        write_snapshot(path, tiny_data());
        const auto size = fs::file_size(path);
        SUBCASE("truncated") {
            fs::resize_file(path, size - 1);
        }
        SUBCASE("extended") {
            fs::resize_file(path, size + 4096);
        }
        const std::string message = snapshot_refusal([&] { (void)indexed_snapshot::open(path); });
        CHECK(contains(message, path.string()));
        CHECK(contains(message, "truncated or extended"));
    }

    TEST_CASE("indexed_snapshot: a damaged index block is refused") {
        temp_dir t;
        const fs::path path = t.path() / "tiny.h5";
        write_snapshot(path, tiny_data());
        damage_byte(path, 512 + 40); // inside the directory text
        const std::string message = snapshot_refusal([&] { (void)indexed_snapshot::open(path); });
        CHECK(contains(message, path.string()));
        CHECK(contains(message, "index block"));
    }

    TEST_CASE("indexed_snapshot: backward tracing reads in place the same three lists") {
        // The sources example (tests/fixtures/sources), whole and in place,
        // under several parameters, every list byte for byte.
        temp_dir t;
        ingest_options options;
        options.scans = {fixture("sources/scans.csv")};
        options.places = fixture("sources/places.csv");
        options.read.tz = tiny_tz;
        dataset data = ingest(options).data;
        const fs::path path = t.path() / "sources.h5";
        write_snapshot(path, data);
        trace_request request;
        request.cases = fixture("sources/cases.csv");
        request.tz = tiny_tz;
        request.require_onset = true;
        const prepared_cases prepared = read_index_cases(request);
        for (const std::uint32_t min_cases : {1U, 2U})
            for (const duration linger : {duration{0}, duration{1800}}) {
                CAPTURE(min_cases);
                CAPTURE(linger);
                sources_parameters parameters;
                parameters.min_cases = min_cases;
                parameters.linger = linger;
                dataset whole_data = data;
                prepared_cases whole_cases = prepared;
                const sources_result whole = find_case_sources(whole_data, whole_cases, parameters);
                const std::optional<sources_run> in_place =
                    find_case_sources_indexed(snapshot_source(path), prepared, parameters);
                REQUIRE(in_place.has_value());
                auto lists = [](const sources_result& r, const dataset& d) {
                    std::ostringstream out;
                    write_case_links(out, r, d.persons, d.places, tiny_tz);
                    write_common_persons(out, r, d.persons, tiny_tz);
                    write_common_places(out, r, d.persons, d.places, tiny_tz);
                    return out.str();
                };
                CHECK(lists(in_place->result, in_place->data()) == lists(whole, whole_data));
                CHECK(in_place->result.meetings == whole.meetings);
                CHECK(in_place->result.link_events == whole.link_events);
                CHECK(in_place->result.cases_without_stays.size() ==
                      whole.cases_without_stays.size());
            }
    }

    TEST_CASE("indexed_snapshot: pseudonyms, levels and keys that need the whole read") {
        temp_dir t;
        dataset data = tiny_data();
        const auto key = std::make_shared<pseudonymizer>(std::string(32, 'k'));
        SUBCASE("ids as read, a key given: pseudonymised now, which needs every id") {
            const fs::path path = t.path() / "plain.h5";
            write_snapshot(path, data);
            data_source source = snapshot_source(path);
            source.scans.pseudonyms = key;
            CHECK_FALSE(trace_indexed(source, tiny_cases()).has_value());
        }
        SUBCASE("a roll-up to sites needs every stay") {
            const fs::path path = t.path() / "plain.h5";
            write_snapshot(path, data);
            data_source source = snapshot_source(path);
            source.level = contact_level::site;
            CHECK_FALSE(trace_indexed(source, tiny_cases()).has_value());
        }
        SUBCASE("pseudonymised: the same key reads in place; none gives a note") {
            key->apply(data.persons);
            data.parameters.pseudonym_key = key->fingerprint();
            const fs::path path = t.path() / "keyed.h5";
            write_snapshot(path, data);
            data_source source = snapshot_source(path);
            source.scans.pseudonyms = key;
            prepared_cases cases = tiny_cases();
            cases.pseudonyms = key;
            const std::optional<trace_run> keyed = trace_indexed(source, cases);
            REQUIRE(keyed.has_value());
            CHECK(keyed->record.result.entries.size() == 12);
            CHECK(keyed->loaded.notes.empty());
            const std::optional<trace_run> bare =
                trace_indexed(snapshot_source(path), tiny_cases());
            REQUIRE(bare.has_value());
            REQUIRE(bare->loaded.notes.size() == 1);
            CHECK(bare->loaded.notes[0].parameter == "pseudonyms");
            // Real ids match no pseudonym: only the cases are listed.
            CHECK(bare->record.result.entries.size() == 2);
        }
    }
}
