// Reading a scans file in pieces on several threads gives exactly what one
// thread gives: visits, ids and their order, rows read, rejects with lines.

#include "ctrace/digest.hpp"
#include "ctrace/error.hpp"
#include "ctrace/scans.hpp"
#include "test_helpers.hpp"

#include <doctest/doctest.h>
#include <random>
#include <string>

using namespace ctrace;
using ctrace::testing::temp_dir;

namespace {

/// A scans file with the awkward things: quoted ids with commas and line
/// breaks, blank lines, CRLF, a BOM, bad rows, an unterminated quote.
std::string random_scans(std::mt19937_64& rng, std::size_t rows) {
    auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
    std::string out = pick(2) ? "\xEF\xBB\xBF" : "";
    const bool crlf = pick(2) == 0;
    const char* eol = crlf ? "\r\n" : "\n";
    out += "time,person,place,leave,note";
    out += eol;
    for (std::size_t i = 0; i < rows; ++i) {
        const std::size_t kind = pick(40);
        const long t = 1650000000 + static_cast<long>(pick(100000));
        std::string person = "P", place = "X";
        person += std::to_string(pick(50));
        place += std::to_string(pick(7));
        if (kind == 0) {
            out += eol; // blank line
            continue;
        }
        if (kind == 1) {
            out += std::to_string(t) + ",\"" + person + ",with comma\"," + place + ",,\"two" + eol +
                   "lines\"" + eol;
            continue;
        }
        if (kind == 2) {
            out += "bad-time," + person + "," + place + ",," + eol;
            continue;
        }
        if (kind == 3) {
            out += std::to_string(t) + "," + person + eol; // too few fields
            continue;
        }
        if (kind == 4) {
            out += std::to_string(t) + "," + person + "," + place + "," + std::to_string(t - 5) +
                   "," + eol; // leave before time
            continue;
        }
        const std::string leave =
            pick(3) == 0 ? std::to_string(t + static_cast<long>(pick(4000))) : "";
        out += std::to_string(t) + "," + person + "," + place + "," + leave + ",n" + eol;
    }
    if (pick(10) == 0) out += "1650000000,\"Q,unterminated,X1,,"; // swallows nothing after it
    return out;
}

bool same_log(const scan_log& a, const scan_log& b) {
    if (a.persons.size() != b.persons.size() || a.places.size() != b.places.size()) return false;
    for (std::size_t i = 0; i < a.persons.size(); ++i)
        if (a.persons[static_cast<person_index>(i)] != b.persons[static_cast<person_index>(i)])
            return false;
    for (std::size_t i = 0; i < a.places.size(); ++i)
        if (a.places[static_cast<place_index>(i)] != b.places[static_cast<place_index>(i)])
            return false;
    if (a.visits.size() != b.visits.size() || a.rows_read != b.rows_read ||
        a.rejects.size() != b.rejects.size() || a.bytes_read != b.bytes_read ||
        a.sha256 != b.sha256)
        return false;
    for (std::size_t i = 0; i < a.visits.size(); ++i) {
        const visit &x = a.visits[i], &y = b.visits[i];
        if (x.person != y.person || x.place != y.place || x.start != y.start || x.end != y.end)
            return false;
    }
    for (std::size_t i = 0; i < a.rejects.size(); ++i)
        if (a.rejects[i].line != b.rejects[i].line || a.rejects[i].reason != b.rejects[i].reason ||
            a.rejects[i].raw != b.rejects[i].raw)
            return false;
    return true;
}

} // namespace

TEST_CASE("parallel read: pieces on several threads equal one thread") {
    temp_dir dir;
    std::mt19937_64 rng(20261123);
    for (int round = 0; round < 120; ++round) {
        const std::string text = random_scans(rng, 20 + rng() % 400);
        const auto path = dir.write("scans.csv", text);
        scan_read_options one;
        one.skip_bad = true;
        one.threads = 1;
        one.compute_sha256 = round % 3 == 0;
        const scan_log expected = read_scans(path, {}, one);
        for (const unsigned threads : {2u, 3u, 7u}) {
            // Chunks from a byte (a chunk boundary at every line end, and in
            // quoted line breaks) to the whole file.
            for (const std::uint64_t chunk_bytes : {std::uint64_t{1}, std::uint64_t{37},
                                                    std::uint64_t{1000}, std::uint64_t{1} << 21}) {
                scan_read_options many = one;
                many.threads = threads;
                many.parallel_min_bytes = 0;
                many.chunk_bytes = chunk_bytes;
                const scan_log got = read_scans(path, {}, many);
                CAPTURE(round);
                CAPTURE(threads);
                CAPTURE(chunk_bytes);
                CHECK(same_log(expected, got));
            }
        }
    }
}

TEST_CASE("parallel read: strict mode reports the same first rows and count") {
    temp_dir dir;
    std::string text = "person,place,time\n";
    for (int i = 0; i < 3000; ++i) {
        text.append("P").append(std::to_string(i % 17)).append(",X,");
        text.append(i % 97 == 5 ? "bad" : std::to_string(i)).append("\n");
    }
    const auto path = dir.write("scans.csv", text);
    auto failure = [&](unsigned threads) {
        scan_read_options options;
        options.threads = threads;
        options.parallel_min_bytes = 0;
        options.chunk_bytes = 100;
        try {
            (void)read_scans(path, {}, options);
        } catch (const bad_rows_error& e) {
            return e.report();
        }
        return std::string("no error");
    };
    const std::string expected = failure(1);
    CHECK(expected.find("scans.csv:7: time") != std::string::npos);
    CHECK(failure(2) == expected);
    CHECK(failure(5) == expected);
}
