// Property: the order of a dump's rows never changes the risk list. Random
// dumps (ids short and long, UTF-8 and quoted; check-outs, duplicates,
// overlapping visits, mixed time formats, CRLF, quoted line breaks) are read
// with their data rows shuffled, on one thread and in small pieces on several,
// and traced: the risk list text is byte-identical to the unshuffled dump's,
// and the stays, compared by ids, are the same multiset.

#include "ctrace/core/time.hpp"
#include "ctrace/io/cases.hpp"
#include "ctrace/io/scans.hpp"
#include "ctrace/model/graph.hpp"
#include "ctrace/model/stays.hpp"
#include "ctrace/report/risk_list.hpp"
#include "ctrace/tracing/trace.hpp"
#include "test_helpers.hpp"

#include <algorithm>
#include <cstdint>
#include <doctest/doctest.h>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

using namespace ctrace;
using ctrace::testing::cat;
using ctrace::testing::csv_field;
using ctrace::testing::temp_dir;

namespace {

using i64 = std::int64_t;
constexpr i64 base_time = 1650326400; // 2022-04-19T00:00:00Z

struct generated_dump {
    std::string header;            ///< the header line with its line end
    std::vector<std::string> rows; ///< data rows (blank ones too), each with its line end
    std::string cases_csv;
    std::string places_csv; ///< empty: no places file
    scan_read_options read;
    duration min_overlap = 900;
    duration latency = 0;

    std::string text(const std::vector<std::string>& ordered) const {
        std::string out = header;
        for (const std::string& r : ordered)
            out += r;
        return out;
    }
};

template <typename T>
T uniform(std::mt19937_64& rng, T lo, T hi) {
    return std::uniform_int_distribution<T>(lo, hi)(rng);
}
bool chance(std::mt19937_64& rng, double p) {
    return std::bernoulli_distribution(p)(rng);
}

std::string hex_chars(std::mt19937_64& rng, std::size_t n) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string s;
    for (std::size_t i = 0; i < n; ++i)
        s += digits[rng() % 16];
    return s;
}

/// Distinct ids of mixed kinds: short, resident-number-like (18), hex (64),
/// long (> 24 bytes), exactly 24 and 25 bytes, UTF-8, and ids to quote.
std::vector<std::string> make_ids(std::mt19937_64& rng, std::size_t count, const char* kind) {
    static const char* const names[] = {"王伟",   "李娜", "张秀英", "刘洋",         "陈静",
                                        "欧阳明", "José", "Zoë",    "e\xCC\x81mile"};
    std::set<std::string> seen;
    std::vector<std::string> out;
    while (out.size() < count) {
        const std::string n = std::to_string(out.size());
        std::string id;
        switch (rng() % 9) {
        case 0:
        case 1:
            id = cat(kind, n);
            break;
        case 2:
            id = cat("110105", std::to_string(19700101 + rng() % 300000), hex_chars(rng, 4));
            break; // 18 characters
        case 3:
            id = hex_chars(rng, 64);
            break;
        case 4:
            id = cat(kind, "-long-identifier-", n, "-", hex_chars(rng, 6));
            break;
        case 5: {
            id = cat(kind, n, "-");
            id += std::string(24 - std::min<std::size_t>(id.size(), 23) + rng() % 2, 'x');
            break; // 24 or 25 bytes
        }
        case 6:
            id = cat(names[rng() % 9], n);
            break;
        case 7:
            id = cat(kind, " ", n, ", \"quoted\"");
            break;
        default:
            id = cat(kind, n, "\xE5\x8F\xB7");
            break; // 号
        }
        if (seen.insert(id).second) out.push_back(id);
    }
    return out;
}

/// A time in one of the accepted spellings, chosen at random.
std::string time_text(std::mt19937_64& rng, i64 t, utc_offset tz) {
    switch (rng() % 4) {
    case 0:
        return format_time(t, utc_offset{}); // ...Z
    case 1:
        return format_time(t, utc_offset{28800}); // ...+08:00
    case 2: {
        std::string local = format_time(t, tz); // no offset: read in tz
        const std::size_t cut = tz.seconds == 0 ? local.size() - 1 : local.size() - 6;
        return local.substr(0, cut);
    }
    default:
        return std::to_string(t);
    }
}

generated_dump generate(std::mt19937_64& rng) {
    generated_dump d;
    d.read.tz = chance(rng, 0.5) ? utc_offset{28800} : utc_offset{};
    d.read.default_dwell = chance(rng, 0.5) ? 1800 : 3600;
    d.read.skip_bad = chance(rng, 0.3);
    d.min_overlap = std::vector<duration>{60, 300, 900}[rng() % 3];
    d.latency = chance(rng, 0.3) ? 600 : 0;
    const char* eol = chance(rng, 0.25) ? "\r\n" : "\n";
    const bool note = chance(rng, 0.4);

    const std::vector<std::string> persons = make_ids(rng, uniform<std::size_t>(rng, 20, 200), "P");
    const std::vector<std::string> places = make_ids(rng, uniform<std::size_t>(rng, 5, 30), "X");

    // Columns in one of two orders, sometimes with a note column.
    const bool time_first = chance(rng, 0.5);
    d.header = cat(time_first ? "time,person,place,leave" : "person,place,time,leave",
                   note ? ",note" : "", eol);
    auto row = [&](const std::string& person, const std::string& place, i64 time,
                   std::optional<i64> leave) {
        const std::string t = time_text(rng, time, d.read.tz);
        const std::string l = leave ? time_text(rng, *leave, d.read.tz) : "";
        std::string r = time_first ? cat(t, ",", csv_field(person), ",", csv_field(place), ",", l)
                                   : cat(csv_field(person), ",", csv_field(place), ",", t, ",", l);
        if (note) r += rng() % 5 == 0 ? ",\"two\nlines, quoted\"" : ",n";
        r += eol;
        d.rows.push_back(r);
    };
    auto pick = [&](const std::vector<std::string>& v) -> const std::string& {
        return v[rng() % v.size()];
    };

    // Index cases, one sometimes never scanned.
    std::vector<std::string> cases;
    const std::size_t case_count = uniform<std::size_t>(rng, 1, 5);
    std::set<std::string> case_set;
    while (case_set.size() < case_count)
        case_set.insert(pick(persons));
    cases.assign(case_set.begin(), case_set.end());
    std::shuffle(cases.begin(), cases.end(), rng);
    d.cases_csv = "person,from,to\n";
    for (const std::string& c : cases) {
        d.cases_csv += cat(csv_field(c), ",", std::to_string(base_time - 86400), ",",
                           chance(rng, 0.3) ? std::to_string(base_time + 86400) : "", "\n");
    }
    if (chance(rng, 0.3)) d.cases_csv += "never scanned case,2022-04-18T00:00:00Z,\n";

    // Chains of meetings from a case, so that deep hops are common.
    const std::size_t rows_wanted = uniform<std::size_t>(rng, 300, 3000);
    const std::size_t walks = 2 + rng() % 6;
    for (std::size_t w = 0; w < walks; ++w) {
        std::string current = pick(cases);
        i64 t = base_time + uniform<i64>(rng, 0, 6 * 3600);
        for (int step = 0; step < 5; ++step) {
            const std::string& next = pick(persons);
            const std::string& place = pick(places);
            const i64 length = d.min_overlap + uniform<i64>(rng, 0, 3600);
            const i64 lag = uniform<i64>(rng, 0, 60), extra = uniform<i64>(rng, 0, 600);
            row(current, place, t, t + length + extra);
            row(next, place, t + lag, t + length + 60);
            if (chance(rng, 0.3)) {
                // The same meeting at a second place at the same times: a tie
                // between via places.
                const std::string& other = pick(places);
                row(current, other, t, t + length + extra);
                row(next, other, t + lag, t + length + 60);
            }
            current = next;
            t += length + d.latency + uniform<i64>(rng, 0, 3600);
        }
    }
    while (d.rows.size() < rows_wanted) {
        const std::size_t kind = rng() % 20;
        if (kind == 0 && !d.rows.empty()) {
            d.rows.push_back(d.rows[rng() % d.rows.size()]); // an exact duplicate
            continue;
        }
        if (kind == 1) {
            d.rows.emplace_back(eol); // a blank line
            continue;
        }
        if (kind == 2 && d.read.skip_bad) {
            d.rows.push_back(time_first ? cat("not-a-time,", csv_field(pick(persons)), ",X0,", eol)
                                        : cat(csv_field(pick(persons)), ",X0,not-a-time,", eol));
            if (note)
                d.rows.back().insert(d.rows.back().size() - std::string_view(eol).size(), ",n");
            continue;
        }
        const std::string& person = pick(persons);
        const std::string& place = pick(places);
        const i64 t = base_time + uniform<i64>(rng, 0, 2 * 86400);
        const bool checks_out = chance(rng, 0.5);
        row(person, place, t,
            checks_out ? std::optional<i64>(t + uniform<i64>(rng, 0, 4 * 3600)) : std::nullopt);
        if (kind == 3) {
            // Overlapping and touching visits of the same person at the place.
            row(person, place, t + uniform<i64>(rng, 0, 1800), t + uniform<i64>(rng, 1800, 7200));
            row(person, place, t + 7200, std::nullopt);
        }
    }

    // Half of the dumps have a places file with a dwell for some places.
    if (chance(rng, 0.5)) {
        d.places_csv = "place,dwell\n";
        for (const std::string& x : places)
            if (chance(rng, 0.7))
                d.places_csv += cat(csv_field(x), ",", chance(rng, 0.5) ? "45m" : "", "\n");
    }
    return d;
}

/// What must not depend on the order of the rows.
struct outcome {
    std::string risk_hops2, risk_hops3;
    std::vector<std::string> stays; ///< "person|place|start|end" by ids, sorted
    std::uint64_t rows_read = 0;
    std::size_t rejects = 0, visits = 0, persons = 0, places = 0;
    std::size_t yellow = 0; ///< rows of hop 2 or more in the hops-3 list
};

/// Reads, merges and traces like the library's pipeline. With `cases_apart`
/// the cases are read into their own table and attached to the persons with
/// `intern_few` after the persons' index is released, as the CLI does.
outcome run(const std::filesystem::path& scans, const generated_dump& d, const place_table& places,
            const scan_read_options& options, bool cases_apart) {
    outcome out;
    scan_log log = read_scans(scans, places, options);
    out.rows_read = log.rows_read;
    out.rejects = log.rejects.size();
    out.visits = log.visits.size();
    out.persons = log.persons.size();
    out.places = log.places.size();
    const stay_table stays = build_stays(log.visits, log.persons.size(), log.places.size());
    for (std::size_t i = 0; i < stays.size(); ++i)
        out.stays.push_back(cat(log.persons[stays.person[i]], "|", log.places[stays.place[i]], "|",
                                std::to_string(stays.start[i]), "|", std::to_string(stays.end[i])));
    std::sort(out.stays.begin(), out.stays.end());

    case_read_options case_options;
    case_options.tz = options.tz;
    std::istringstream cases_in(d.cases_csv);
    std::vector<index_case> cases;
    if (cases_apart) {
        id_table case_ids;
        cases = read_cases(cases_in, "cases.csv", case_ids, case_options);
        log.persons.release_index();
        std::vector<std::string_view> ids;
        for (const index_case& c : cases)
            ids.push_back(case_ids[c.person]);
        const std::vector<person_index> indices = log.persons.intern_few(ids);
        for (std::size_t k = 0; k < cases.size(); ++k)
            cases[k].person = indices[k];
    } else {
        cases = read_cases(cases_in, "cases.csv", log.persons, case_options);
    }
    const person_place_graph graph = build_person_place_graph(stays, log.persons.size());
    for (const std::uint32_t hops : {2u, 3u}) {
        trace_parameters parameters;
        parameters.hops = hops;
        parameters.min_overlap = d.min_overlap;
        parameters.latency = d.latency;
        const trace_result result = trace(stays, graph, log.persons, log.places, cases, parameters);
        std::ostringstream text;
        write_risk_list(text, result, log.persons, log.places, options.tz);
        (hops == 2 ? out.risk_hops2 : out.risk_hops3) = text.str();
        if (hops == 3)
            for (const risk_entry& e : result.entries)
                if (e.hop >= 2) ++out.yellow;
    }
    return out;
}

/// The first line where two texts differ, for messages.
std::string first_difference(const std::string& got, const std::string& want) {
    std::istringstream a(got), b(want);
    std::string x, y;
    for (int line = 1;; ++line) {
        const bool more_a = static_cast<bool>(std::getline(a, x));
        const bool more_b = static_cast<bool>(std::getline(b, y));
        if (!more_a && !more_b) return "none";
        if (!more_a || !more_b || x != y)
            return cat("line ", std::to_string(line), ": got '", more_a ? x : "<end>", "', want '",
                       more_b ? y : "<end>", "'");
    }
}

/// Checks `got` against the unshuffled dump's outcome; false when they differ.
bool same_outcome(const outcome& got, const outcome& want) {
    CHECK_MESSAGE(got.risk_hops2 == want.risk_hops2,
                  "hops 2: ", first_difference(got.risk_hops2, want.risk_hops2));
    CHECK_MESSAGE(got.risk_hops3 == want.risk_hops3,
                  "hops 3: ", first_difference(got.risk_hops3, want.risk_hops3));
    CHECK(got.stays == want.stays);
    CHECK(got.rows_read == want.rows_read);
    CHECK(got.rejects == want.rejects);
    CHECK(got.visits == want.visits);
    CHECK(got.persons == want.persons);
    CHECK(got.places == want.places);
    return got.risk_hops2 == want.risk_hops2 && got.risk_hops3 == want.risk_hops3 &&
           got.stays == want.stays && got.rows_read == want.rows_read &&
           got.rejects == want.rejects && got.visits == want.visits &&
           got.persons == want.persons && got.places == want.places;
}

} // namespace

TEST_SUITE("property") {

    TEST_CASE("shuffling a dump's rows never changes the risk list (one thread or pieces on "
              "2 to 8)") {
        constexpr std::uint64_t first_seed = 20220419;
        constexpr int dumps = 30;
        temp_dir dir;
        int failures = 0;
        std::size_t yellow = 0, risk_rows = 0, rejects = 0, stays = 0;
        for (int i = 0; i < dumps && failures < 3; ++i) {
            const std::uint64_t seed = first_seed + static_cast<std::uint64_t>(i);
            CAPTURE(seed);
            std::mt19937_64 rng(seed);
            const generated_dump d = generate(rng);
            place_table places;
            if (!d.places_csv.empty()) {
                std::istringstream in(d.places_csv);
                places = read_places(in, "places.csv");
            }
            scan_read_options one = d.read;
            one.threads = 1;
            const auto original = dir.write("scans.csv", d.text(d.rows));
            const outcome want = run(original, d, places, one, false);
            // The CLI's way of attaching cases gives the same lists.
            CHECK(same_outcome(run(original, d, places, one, true), want));
            yellow += want.yellow;
            risk_rows += static_cast<std::size_t>(
                std::count(want.risk_hops3.begin(), want.risk_hops3.end(), '\n'));
            rejects += want.rejects;
            stays += want.stays.size();

            for (int shuffle = 0; shuffle < 3; ++shuffle) {
                CAPTURE(shuffle);
                std::vector<std::string> rows = d.rows;
                if (shuffle == 0)
                    std::reverse(rows.begin(), rows.end());
                else
                    std::shuffle(rows.begin(), rows.end(), rng);
                const auto path = dir.write("shuffled.csv", d.text(rows));

                INFO("sequential");
                bool ok = same_outcome(run(path, d, places, one, false), want);
                // Every thread count from 2 to 8, with pieces of sizes that
                // cut rows, quoted fields and line ends anywhere.
                for (const auto& [threads, chunk_bytes] :
                     {std::pair<unsigned, std::uint64_t>{2, 64},
                      {3, 500},
                      {4, 97},
                      {5, 4096},
                      {6, 31},
                      {7, 1000},
                      {8, 211}}) {
                    CAPTURE(threads);
                    CAPTURE(chunk_bytes);
                    scan_read_options many = one;
                    many.threads = threads;
                    many.parallel_min_bytes = 0;
                    many.chunk_bytes = chunk_bytes;
                    ok = same_outcome(run(path, d, places, many, threads == 3), want) && ok;
                }
                if (!ok) ++failures;
            }
        }
        // The dumps must exercise the tracing: contacts at hop 2 and beyond,
        // and skipped bad rows in some.
        INFO("risk rows ", risk_rows, ", hop >= 2 ", yellow, ", rejects ", rejects, ", stays ",
             stays);
        CHECK(yellow > 300);
        CHECK(risk_rows > 1000);
        CHECK(rejects > 20);
        CHECK(stays > 20'000);
    }

} // TEST_SUITE
