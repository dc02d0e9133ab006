#pragma once
// Helpers shared by the C++ tests.

#include "ctrace/core/defaults.hpp"
#include "ctrace/core/error.hpp"
#include "ctrace/io/cases.hpp"
#include "ctrace/io/scans.hpp"
#include "ctrace/model/graph.hpp"
#include "ctrace/model/stays.hpp"
#include "ctrace/storage/snapshot.hpp"
#include "ctrace/tracing/explain.hpp"
#include "ctrace/tracing/trace.hpp"
#include "ctrace/workflow/pipeline.hpp"

#include <algorithm>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <stdlib.h>
#include <streambuf>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>

namespace ctrace::testing {

/// A temporary directory removed with everything in it at scope exit.
class temp_dir {
public:
    temp_dir() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "ctrace_test_XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        path_ = pattern;
    }
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;

    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path write(const std::string& name, const std::string& bytes) const {
        const std::filesystem::path p = path_ / name;
        std::ofstream out(p, std::ios::binary);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        out.close();
        REQUIRE(out.good());
        return p;
    }

private:
    std::filesystem::path path_;
};

/// `s` as one CSV field, quoted when it holds a comma, quote, CR or LF
/// (RFC 4180), written here independently of ctrace's own writer so the
/// readers are tested against a second implementation.
inline std::string csv_field(std::string_view s) {
    if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
    std::string out = "\"";
    for (const char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

inline bool contains(std::string_view haystack, std::string_view needle) {
    return haystack.find(needle) != std::string_view::npos;
}

inline bool starts_with(std::string_view s, std::string_view prefix) {
    return s.starts_with(prefix);
}

/// Concatenates strings by appending (GCC 12 warns falsely, -Wrestrict, on
/// `"literal" + std::string`).
template <typename... T>
std::string cat(const T&... parts) {
    std::string s;
    (s.append(parts), ...);
    return s;
}

/// The message of the `input_error` (not a `bad_rows_error`) thrown by `f`.
template <typename F>
std::string input_error_message(F&& f) {
    try {
        f();
    } catch (const bad_rows_error& e) {
        FAIL_CHECK("bad_rows_error instead of a plain input_error: " << e.what());
        return e.what();
    } catch (const input_error& e) {
        return e.what();
    }
    FAIL_CHECK("no exception");
    return {};
}

/// The `bad_rows_error` thrown by `f`.
template <typename F>
bad_rows_error bad_rows_of(F&& f) {
    try {
        f();
    } catch (const bad_rows_error& e) {
        return e;
    }
    FAIL_CHECK("no bad_rows_error");
    return bad_rows_error("", {}, 0);
}

/// A stream buffer that serves `data`, then fails on the next read.
class failing_buf : public std::streambuf {
public:
    explicit failing_buf(std::string data) : data_(std::move(data)) {}

protected:
    int_type underflow() override {
        if (!served_ && !data_.empty()) {
            served_ = true;
            setg(data_.data(), data_.data(), data_.data() + data_.size());
            return traits_type::to_int_type(data_[0]);
        }
        throw std::runtime_error("device error");
    }

private:
    std::string data_;
    bool served_ = false;
};

/// A stream buffer whose every write fails (a full disk, a closed pipe).
class failing_write_buf : public std::streambuf {
protected:
    int_type overflow(int_type) override { return traits_type::eof(); }
    std::streamsize xsputn(const char*, std::streamsize) override { return 0; }
};

/// A risk list row made by hand: at hop 1 or more exposed by `via` at `place`
/// from `3600 * hop` for 900 s (the quarantine 14 days after).
inline listed_person listed_row(std::string person, std::uint32_t hop, std::string via = "",
                                std::string place = "M") {
    listed_person p;
    p.person = std::move(person);
    p.hop = hop;
    p.code = hop <= 1 ? "red" : "yellow";
    if (hop > 0) {
        p.first_exposure = 3600 * time_point{hop};
        p.last_exposure = p.first_exposure + 900;
        p.quarantine_until = p.last_exposure + 14 * 86400;
        p.exposure_seconds = 900;
        p.via_person = std::move(via);
        p.via_place = std::move(place);
    }
    return p;
}

/// More than the reader's first 4 MiB block of good rows, so that the read
/// error comes after rows have been taken in.
inline std::string many_rows(const std::string& header, const std::string& row_tail) {
    std::string text = header;
    for (int i = 0; text.size() < (std::size_t{5} << 20); ++i) {
        text += "NEW";
        text += std::to_string(i);
        text += row_tail;
    }
    return text;
}

/// A stay as (person id, place id, start, end): comparable across numberings.
using stay_by_id = std::tuple<std::string, std::string, time_point, time_point>;

/// The stays of `s` by id, sorted.
inline std::vector<stay_by_id> stays_by_id(const dataset& s) {
    std::vector<stay_by_id> out;
    for (std::size_t i = 0; i < s.stays.size(); ++i)
        out.emplace_back(std::string(s.persons[s.stays.person[i]]),
                         std::string(s.places[s.stays.place[i]]), s.stays.start[i], s.stays.end[i]);
    std::sort(out.begin(), out.end());
    return out;
}

/// The whole file's bytes (empty when it cannot be read).
inline std::string file_text(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline std::filesystem::path fixture(const std::string& relative) {
    return std::filesystem::path(CTRACE_FIXTURES_DIR) / relative;
}

/// The tiny example (tests/fixtures/tiny) traced as its risk list was:
/// --tz +08:00 --hops 3.
inline trace_run tiny_trace_run() {
    data_source source;
    source.scans.scans = {fixture("tiny/scans.csv")};
    source.scans.places = fixture("tiny/places.csv");
    source.scans.read.tz = utc_offset{8 * 3600};
    trace_request request;
    request.cases = fixture("tiny/cases.csv");
    request.parameters.hops = 3;
    return trace_from(source, request);
}

/// The field example (tests/fixtures/field) traced as its README does:
/// --tz +08:00, every other option at its default.
inline trace_run field_trace_run() {
    data_source source;
    source.scans.scans = {fixture("field/scans.csv")};
    source.scans.places = fixture("field/places.csv");
    source.scans.read.tz = utc_offset{8 * 3600};
    trace_request request;
    request.cases = fixture("field/cases.csv");
    return trace_from(source, request);
}

/// A whole pipeline held in memory: scans, cases, stays, graph and trace.
struct traced {
    scan_log log;
    std::vector<index_case> cases;
    stay_table stays;
    person_place_graph graph;
    trace_result result;

    /// The row of `person` in the result, or null.
    const risk_entry* find(std::string_view person) const {
        for (const risk_entry& e : result.entries)
            if (log.persons[e.person] == person) return &e;
        return nullptr;
    }
};

/// Runs the pipeline on CSV text. Times without an offset are UTC.
inline traced run_trace(const std::string& scans_csv, const std::string& cases_csv,
                        const trace_parameters& parameters = {}, const std::string& places_csv = "",
                        const scan_read_options& read_options = {},
                        duration lookback = defaults::lookback) {
    traced t;
    place_table places;
    if (!places_csv.empty()) {
        std::istringstream in(places_csv);
        places = read_places(in, "places.csv");
    }
    std::istringstream scans(scans_csv);
    t.log = read_scans(scans, "scans.csv", places, read_options);
    std::istringstream cases(cases_csv);
    case_read_options case_options;
    case_options.tz = read_options.tz;
    case_options.lookback = lookback;
    case_options.until = parameters.until;
    t.cases = read_cases(cases, "cases.csv", t.log.persons, case_options);
    t.stays = build_stays(t.log.visits, t.log.persons.size(), t.log.places.size());
    t.graph = build_person_place_graph(t.stays, t.log.persons.size());
    t.result = trace(t.stays, t.graph, t.log.persons, t.log.places, t.cases, parameters);
    return t;
}

} // namespace ctrace::testing
