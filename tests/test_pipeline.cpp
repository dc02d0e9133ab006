// Tests of the workflows front ends share (ctrace/workflow/pipeline.hpp) and of the
// error families they report (input_error, output_error, parameter_error).

#include "ctrace/core/atomic_file.hpp"
#include "ctrace/core/defaults.hpp"
#include "ctrace/core/error.hpp"
#include "ctrace/report/risk_list.hpp"
#include "ctrace/workflow/pipeline.hpp"
#include "test_helpers.hpp"

#include <doctest/doctest.h>
#include <fstream>
#include <sstream>
#include <streambuf>

using namespace ctrace;
using ctrace::testing::file_text;
using ctrace::testing::fixture;
using ctrace::testing::temp_dir;

namespace {

/// The tiny example as the README's Library section traces it.
data_source tiny_source() {
    data_source source;
    source.scans.scans = {fixture("tiny/scans.csv")};
    source.scans.places = fixture("tiny/places.csv");
    source.scans.read.tz = parse_utc_offset("+08:00");
    return source;
}

trace_request tiny_request() {
    trace_request request;
    request.cases = fixture("tiny/cases.csv");
    request.parameters.hops = 3;
    return request; // the zone: the data's (+08:00)
}

std::string risk_list_text(const trace_run& run) {
    std::ostringstream out;
    write_risk_list(out, run.record.result, run.data().persons, run.data().places, run.record.tz);
    return out.str();
}

} // namespace

TEST_SUITE("pipeline") {

    TEST_CASE("the README's library example writes the tiny example's risk list byte for byte") {
        const trace_run run = trace_from(tiny_source(), tiny_request());
        CHECK_FALSE(run.loaded.from_snapshot);
        CHECK(run.persons_with_stays == 12); // C9 never scanned: appended after
        CHECK(run.data().persons.size() == 13);
        CHECK(risk_list_text(run) == file_text(fixture("tiny/risk.csv")));
        REQUIRE(run.record.inputs.size() == 1);
        CHECK(run.record.inputs[0].role == "cases");
        CHECK(run.record.inputs[0].sha256.size() == 64);
    }

    TEST_CASE("a snapshot source traces to the same rows and is recorded after the cases") {
        temp_dir dir;
        const std::filesystem::path path = dir.path() / "tiny.h5";
        write_snapshot(path, load_data(tiny_source()).ingested.data);
        data_source source;
        source.snapshot = path;
        const trace_run run = trace_from(source, tiny_request());
        CHECK(run.loaded.from_snapshot);
        CHECK(run.loaded.notes.empty());
        CHECK(risk_list_text(run) == file_text(fixture("tiny/risk.csv")));
        REQUIRE(run.record.inputs.size() == 2);
        CHECK(run.record.inputs[0].role == "cases");
        CHECK(run.record.inputs[1].role == "snapshot");
        CHECK(run.record.inputs[1].path == path.string());
    }

    TEST_CASE("the steps one by one give what trace_from gives") {
        trace_request request = tiny_request();
        request.tz = parse_utc_offset("+08:00"); // read_index_cases alone takes UTC
        prepared_cases cases = read_index_cases(request);
        CHECK(cases.record.cases.size() == 2);
        CHECK(cases.case_ids.size() == 2); // the cases' own table until attached
        loaded_data loaded = load_data(tiny_source());
        trace_cases(loaded.ingested.data, cases);
        trace_run run;
        run.loaded = std::move(loaded);
        run.record = std::move(cases.record);
        CHECK(risk_list_text(run) == file_text(fixture("tiny/risk.csv")));
    }

    TEST_CASE("defaults are the library's named defaults") {
        const trace_request request;
        CHECK(request.lookback == defaults::lookback);
        CHECK(request.parameters.min_overlap == defaults::min_overlap);
        CHECK(request.parameters.hops == defaults::hops);
        CHECK(request.parameters.quarantine == defaults::quarantine);
        CHECK(data_source{}.scans.read.default_dwell == defaults::dwell);
    }

    TEST_CASE("a bad cases file fails before any data is read when the steps are called") {
        temp_dir dir;
        const std::filesystem::path cases = dir.path() / "cases.csv";
        std::ofstream(cases) << "person,onset\nA,not-a-time\n";
        trace_request request = tiny_request();
        request.cases = cases;
        CHECK_THROWS_AS((void)read_index_cases(request), bad_rows_error);
        CHECK_THROWS_AS(trace_from(tiny_source(), request), bad_rows_error);
    }

    TEST_CASE("pseudonyms: a snapshot made with another key is a parameter_error naming "
              "'pseudonyms' — one read without a key gives a note") {
        temp_dir dir;
        const std::filesystem::path path = dir.path() / "p.h5";
        data_source pseudonymised = tiny_source();
        pseudonymised.scans.pseudonyms =
            std::make_shared<const pseudonymizer>(std::string(32, 'a'));
        write_snapshot(path, load_data(pseudonymised).ingested.data);

        data_source other;
        other.snapshot = path;
        other.scans.pseudonyms = std::make_shared<const pseudonymizer>(std::string(32, 'b'));
        try {
            (void)load_data(other);
            FAIL("another key was accepted");
        } catch (const parameter_error& e) {
            CHECK(e.parameter() == "pseudonyms");
            CHECK(std::string(e.what()).find(path.string()) != std::string::npos);
            CHECK(std::string(e.what()).find("--") == std::string::npos);
        }

        data_source keyless;
        keyless.snapshot = path;
        const loaded_data loaded = load_data(keyless);
        REQUIRE(loaded.notes.size() == 1);
        CHECK(loaded.notes[0].text.find("pseudonymised") != std::string::npos);
        CHECK(loaded.notes[0].parameter == "pseudonyms");
    }

    TEST_CASE("trace_from: the zone and the key default to the data's — another key is refused — "
              "scan options with a snapshot are refused") {
        temp_dir dir;
        const std::filesystem::path path = dir.path() / "p.h5";
        data_source keyed = tiny_source();
        keyed.scans.pseudonyms = std::make_shared<const pseudonymizer>(std::string(32, 'a'));
        write_snapshot(path, load_data(keyed).ingested.data);

        data_source from_snapshot;
        from_snapshot.snapshot = path;
        from_snapshot.scans.pseudonyms = keyed.scans.pseudonyms;
        const trace_run run = trace_from(from_snapshot, tiny_request());
        CHECK(run.record.tz == parse_utc_offset("+08:00"));       // as the snapshot was made
        CHECK(run.record.result.cases_without_stays.size() == 1); // C9 only: C1 was found
        CHECK(run.record.result.entries.size() ==
              trace_from(tiny_source(), tiny_request()).record.result.entries.size());

        trace_request other = tiny_request();
        other.pseudonyms = std::make_shared<const pseudonymizer>(std::string(32, 'b'));
        try {
            (void)trace_from(from_snapshot, other);
            FAIL("another key was accepted");
        } catch (const parameter_error& e) {
            CHECK(e.parameter() == "pseudonyms");
        }

        data_source mixed = from_snapshot;
        mixed.scans.read.skip_bad = true;
        try {
            (void)load_data(mixed);
            FAIL("scan options with a snapshot were accepted");
        } catch (const parameter_error& e) {
            CHECK(e.parameter() == "snapshot");
        }
    }

    TEST_CASE("output_error: a failing stream — a target in a missing folder is the caller's "
              "error, not an output_error") {
        const trace_run run = trace_from(tiny_source(), tiny_request());
        testing::failing_write_buf buffer;
        std::ostream broken(&buffer);
        try {
            write_risk_list(broken, run.record.result, run.data().persons, run.data().places, {});
            FAIL("no error");
        } catch (const output_error& e) {
            CHECK(e.target() == "risk list");
            CHECK(e.reason().starts_with("cannot write"));
        }
        temp_dir dir;
        const std::filesystem::path missing = dir.path() / "no-such-folder" / "s.h5";
        try {
            write_snapshot(missing, run.data());
            FAIL("no error");
        } catch (const input_error& e) {
            CHECK(std::string(e.what()).find(missing.string()) != std::string::npos);
            CHECK(std::string(e.what()).find("no folder '" + missing.parent_path().string() +
                                             "' to write it in") != std::string::npos);
        }
        CHECK_FALSE(std::filesystem::exists(missing.parent_path()));
    }

    TEST_CASE("output_error: writing to a full device names it and the system's reason") {
        if (!std::filesystem::exists("/dev/full")) return;
        const trace_run run = trace_from(tiny_source(), tiny_request());
        try {
            write_snapshot("/dev/full", run.data());
            FAIL("no error");
        } catch (const output_error& e) {
            CHECK(e.target() == "/dev/full");
            CHECK(std::string(e.what()).find("No space left on device") != std::string::npos);
        }
        try {
            atomic_file out("/dev/full");
            out.stream() << std::string(1 << 16, 'x');
            out.commit();
            FAIL("no error");
        } catch (const output_error& e) {
            CHECK(e.target() == "/dev/full");
            CHECK(std::string(e.what()).find("No space left on device") != std::string::npos);
        }
    }

} // TEST_SUITE
