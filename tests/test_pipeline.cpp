// Tests of the workflows front ends share (ctrace/workflow/pipeline.hpp) and of the
// error families they report (input_error, output_error, parameter_error).

#include "ctrace/core/atomic_file.hpp"
#include "ctrace/core/defaults.hpp"
#include "ctrace/core/error.hpp"
#include "ctrace/report/companion_list.hpp"
#include "ctrace/report/risk_list.hpp"
#include "ctrace/workflow/pipeline.hpp"
#include "test_helpers.hpp"

#include <doctest/doctest.h>
#include <fstream>
#include <random>
#include <sstream>
#include <streambuf>
#include <thread>

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

std::string risk_list_text(const named_trace& run) {
    std::ostringstream out;
    write_risk_list(out, run.record.result, run.persons, run.places, run.record.tz);
    return out.str();
}

/// The tiny example's cases, prepared in the data's zone.
prepared_cases tiny_cases() {
    trace_request request = tiny_request();
    request.tz = parse_utc_offset("+08:00");
    return read_index_cases(request);
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

    TEST_CASE("trace_loaded: the data is only read, and the lists are trace_from's") {
        const traceable_data data = make_traceable(load_data(tiny_source()));
        CHECK(data.data().persons.size() == 12);
        const named_trace run = trace_loaded(data, tiny_cases());
        CHECK(data.data().persons.size() == 12); // C9, who never scanned, was not added
        CHECK(risk_list_text(run) == file_text(fixture("tiny/risk.csv")));
        CHECK(run.persons_with_stays == 12);
        REQUIRE(run.record.result.cases_without_stays.size() == 1);
        CHECK(run.persons[run.record.result.cases_without_stays[0]] == "C9");
        // Only the ids the list names: F (never listed) and the KTV are not.
        CHECK(run.persons.size() == 12);
        CHECK(run.persons.find("F") == id_table::npos);
        CHECK(run.places.size() == 3);
        REQUIRE(run.record.inputs.size() == 1);
        CHECK(run.record.inputs[0].role == "cases");

        // The companions are trace_from's too (at one hop, A, who met C1 for
        // 10 minutes only, is not on the list but a companion).
        const companion_parameters window{3600};
        trace_request one_hop = tiny_request();
        one_hop.parameters.hops = 1;
        const trace_run reference = trace_from(tiny_source(), one_hop);
        one_hop.tz = parse_utc_offset("+08:00");
        const named_trace with = trace_loaded(data, read_index_cases(one_hop), &window);
        const dataset& all = reference.data();
        std::ostringstream expected, got;
        write_companion_list(expected,
                             find_companions(all.stays, reference.record.cases,
                                             reference.record.result, all.persons, all.places,
                                             window),
                             all.persons, all.places, reference.record.tz);
        write_companion_list(got, with.companions, with.persons, with.places, with.record.tz);
        CHECK_FALSE(with.companions.empty());
        CHECK(got.str() == expected.str());
        CHECK(risk_list_text(with) == risk_list_text(reference));
    }

    TEST_CASE("trace_loaded: ties broken by rank are the ids' order, and attach_cases "
              "leaves the data as it was") {
        // Scans on the hour at a few places: most first exposures tie, and
        // the ids (random, in no order) decide. Read as text, traced by
        // trace_from (ids compared) and trace_loaded (ranks, radix sort).
        std::mt19937_64 random(29);
        std::string scans = "person,place,time\n";
        for (int row = 0; row < 6000; ++row) {
            std::string person = "p";
            person += std::to_string(random() % 1500 * 7919 % 1000003); // ids in no order
            scans += person + ",x" + std::to_string(random() % 7) + "," +
                     std::to_string(1650000000 + 3600 * static_cast<int>(random() % 48)) + "\n";
        }
        data_source source;
        source.scans.scan_texts.push_back({"city", std::make_shared<const std::string>(scans)});
        const std::string first_person = scans.substr(18, scans.find(',', 18) - 18);
        const std::string cases =
            "person,from\n" + first_person + ",1649990000\nnever-scanned,1649990000\n";
        trace_request request;
        request.parameters.hops = 3;
        request.tz = utc_offset{};
        std::istringstream cases_text(cases);
        const prepared_cases prepared = read_index_cases(request, cases_text, "cases");

        const loaded_data loaded = load_data(source);
        const std::size_t persons = loaded.ingested.data.persons.size();
        const traceable_data data = make_traceable(loaded);
        REQUIRE(data.person_rank.size() == persons);
        // With a case that never scanned the ranks are not used (its id has
        // none): trace both ways.
        std::istringstream one_case("person,from\n" + first_person + ",1649990000\n");
        const prepared_cases scanned = read_index_cases(request, one_case, "one");
        for (const prepared_cases* cases : {&scanned, &prepared}) {
            const named_trace fast = trace_loaded(data, *cases);
            CHECK(fast.record.result.entries.size() > 1000);
            dataset copy = loaded_data(loaded).ingested.data;
            prepared_cases appended = *cases;
            trace_cases(copy, appended);
            std::ostringstream expected;
            write_risk_list(expected, appended.record.result, copy.persons, copy.places,
                            utc_offset{});
            CHECK(risk_list_text(fast) == expected.str());
        }
        dataset copy = loaded_data(loaded).ingested.data;
        prepared_cases appended = prepared;
        trace_cases(copy, appended);

        // attach_cases: the never-scanned case gets its own tables, the
        // data keeps its persons; the indices are those attach_cases gives.
        const attached_cases attached = attach_cases(data, prepared);
        CHECK(data.data().persons.size() == persons);
        CHECK(&attached.persons() != &data.data().persons);
        CHECK(attached.persons().size() == persons + 1);
        CHECK(attached.record.cases[1].person == persons);
        CHECK(attached.record.cases[0].person == appended.record.cases[0].person);
        // Without it, the data's own tables.
        const attached_cases own = attach_cases(data, scanned);
        CHECK(&own.persons() == &data.data().persons);
        CHECK(&own.graph() == &data.graph);
    }

    TEST_CASE("trace_loaded: threads trace one dataset at once") {
        const traceable_data data = make_traceable(load_data(tiny_source()));
        const std::string expected = file_text(fixture("tiny/risk.csv"));
        std::vector<std::string> lists(4);
        std::vector<std::thread> threads;
        for (std::size_t t = 0; t < lists.size(); ++t)
            threads.emplace_back([&, t] {
                for (int round = 0; round < 50; ++round)
                    lists[t] = risk_list_text(trace_loaded(data, tiny_cases()));
            });
        for (std::thread& thread : threads)
            thread.join();
        for (const std::string& list : lists)
            CHECK(list == expected);
    }

    TEST_CASE("scans and cases in memory read as the files do") {
        data_source source = tiny_source();
        source.scans.scans.clear();
        source.scans.scan_texts.push_back(
            {"scans in memory",
             std::make_shared<const std::string>(file_text(fixture("tiny/scans.csv")))});
        const loaded_data loaded = load_data(source);
        REQUIRE(loaded.ingested.data.inputs.size() == 2); // the places, then the text
        CHECK(loaded.ingested.data.inputs[1].path == "scans in memory");
        CHECK(loaded.ingested.data.inputs[1].rows == 24);
        const traceable_data data = make_traceable(loaded);

        trace_request request = tiny_request();
        request.tz = parse_utc_offset("+08:00");
        std::istringstream cases(file_text(fixture("tiny/cases.csv")));
        const prepared_cases prepared = read_index_cases(request, cases, "cases in memory");
        REQUIRE(prepared.record.inputs.size() == 1);
        CHECK(prepared.record.inputs[0].path == "cases in memory");
        CHECK(risk_list_text(trace_loaded(data, prepared)) == file_text(fixture("tiny/risk.csv")));

        // A file and a text read as two files: one more merged read of the same rows.
        source.scans.scans = {fixture("tiny/scans.csv")};
        CHECK(load_data(source).ingested.data.rows_read == 48);

        // Bad rows are named by the text's name and line.
        source.scans.scans.clear();
        source.scans.scan_texts = {
            {"table", std::make_shared<const std::string>("person,place,time\nA,M,never\n")}};
        try {
            (void)load_data(source);
            FAIL("a bad row was accepted");
        } catch (const bad_rows_error& e) {
            CHECK(e.file() == "table");
            REQUIRE(e.rows().size() == 1);
            CHECK(e.rows()[0].line == 2);
        }
        // A snapshot takes no scans, in memory or not.
        data_source snapshot;
        snapshot.snapshot = "unused.h5";
        snapshot.scans.scan_texts = source.scans.scan_texts;
        CHECK_THROWS_AS((void)load_data(snapshot), parameter_error);
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
