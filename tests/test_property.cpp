// Whole-pipeline property tests: ctrace's trace against a brute-force reading
// of the spec on many small random data sets: §2, §3, §4, §5 (`reference`),
// and the same with §8's field rules (`field_reference`: sites, a place's own
// minimum overlap, lingering, quarantine and monitoring by hop).
//
// The references below are written from the spec text alone: they build the
// intervals of the scan rows, merge them per person and place (§2; per site
// at site level, §8.1), take every pair of stays as a possible contact event
// (O(n²), §3; directional under lingering, §8.3), compute E_h layer by layer
// with every source's layer-h interval (§4) and fill the risk list from the
// events qualifying at each person's hop (§5, §8.4).

#include "test_helpers.hpp"

#include <algorithm>
#include <cstdint>
#include <doctest/doctest.h>
#include <limits>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace {

using i64 = std::int64_t;
constexpr i64 inf = std::numeric_limits<i64>::max();
constexpr i64 base_time = 1640995200; // 2022-01-01T00:00:00Z
constexpr i64 lookback = ctrace::defaults::lookback;

struct scan_row {
    std::string person, place;
    i64 time = 0;
    std::optional<i64> leave;
};

struct case_row {
    std::string person;
    i64 start = 0;            ///< a_c
    std::optional<i64> to;    ///< explicit `to`
    bool by_onset = false;    ///< `from` empty, `onset` = a_c + lookback
    std::optional<i64> onset; ///< an onset written next to `from` (ignored)
};

struct dataset {
    std::vector<std::string> persons, places;
    std::vector<std::optional<i64>> place_dwell; ///< per `places` entry
    i64 default_dwell = 3600;
    std::vector<scan_row> rows;
    std::vector<case_row> cases;
    i64 min_overlap = ctrace::defaults::min_overlap;
    std::uint32_t hops = ctrace::defaults::hops;
    i64 latency = ctrace::defaults::latency;
    std::optional<i64> until;
    i64 quarantine = ctrace::defaults::quarantine;
};

/// A row of the risk list, with names instead of indices.
struct row {
    std::string person;
    std::uint32_t hop = 0;
    i64 first = inf, last = inf, quarantine_until = inf, seconds = 0;
    std::string via_person, via_place;
    friend bool operator==(const row&, const row&) = default;
};

using ctrace::testing::csv_field;

std::string opt_text(const std::optional<i64>& v) {
    return v ? std::to_string(*v) : "";
}

struct csv_texts {
    std::string scans, cases, places;
};

csv_texts to_csv(const dataset& d) {
    csv_texts out;
    out.scans = "person,place,time,leave\n";
    for (const scan_row& r : d.rows)
        out.scans += csv_field(r.person) + "," + csv_field(r.place) + "," + std::to_string(r.time) +
                     "," + opt_text(r.leave) + "\n";
    out.cases = "person,from,onset,to\n";
    for (const case_row& c : d.cases) {
        out.cases += csv_field(c.person) + ",";
        if (c.by_onset)
            out.cases += "," + std::to_string(c.start + lookback);
        else
            out.cases += std::to_string(c.start) + "," + opt_text(c.onset);
        out.cases += "," + opt_text(c.to) + "\n";
    }
    out.places = "place,dwell\n";
    for (std::size_t i = 0; i < d.places.size(); ++i)
        out.places += csv_field(d.places[i]) + "," + opt_text(d.place_dwell[i]) + "\n";
    return out;
}

std::string describe(const dataset& d, const csv_texts& csv) {
    std::ostringstream s;
    s << "min_overlap=" << d.min_overlap << " hops=" << d.hops << " latency=" << d.latency
      << " until=" << (d.until ? std::to_string(*d.until) : "none")
      << " quarantine=" << d.quarantine << " default_dwell=" << d.default_dwell
      << " lookback=" << lookback << "\n--- scans.csv\n"
      << csv.scans << "--- cases.csv\n"
      << csv.cases << "--- places.csv\n"
      << csv.places;
    return s.str();
}

std::string describe(const std::vector<row>& rows) {
    std::ostringstream s;
    for (const row& r : rows) {
        s << r.person << " hop=" << r.hop << " first=" << r.first << " last=" << r.last
          << " q=" << r.quarantine_until << " secs=" << r.seconds << " via=" << r.via_person << "@"
          << r.via_place << "\n";
    }
    return s.str();
}

// ---------------------------------------------------------------- generation

template <typename T>
T uniform(std::mt19937_64& rng, T lo, T hi) {
    return std::uniform_int_distribution<T>(lo, hi)(rng);
}
bool chance(std::mt19937_64& rng, double p) {
    return std::bernoulli_distribution(p)(rng);
}

dataset generate(std::mt19937_64& rng) {
    // Ids whose byte order differs from any numeric or first-appearance order,
    // plus ids that need quoting and a UTF-8 id.
    std::vector<std::string> person_pool = {"A", "B", "B9",      "B10", "C",        "a",  "b",
                                            "Z", "0", "Li, Wei", "q\"", "\xC3\xA9", "P1", "P2"};
    std::vector<std::string> place_pool = {"X", "X9", "X10", "Y", "k,1"};
    std::shuffle(person_pool.begin(), person_pool.end(), rng);
    std::shuffle(place_pool.begin(), place_pool.end(), rng);

    // Half of the data sets put every time and duration on a coarse grid, so
    // that equal exposure starts (ties), touching visits and overlaps of
    // exactly the minimum are common.
    const i64 grains[] = {60, 300, 600};
    const i64 grain = chance(rng, 0.5) ? 1 : grains[uniform<std::size_t>(rng, 0, 2)];
    auto pick = [&](i64 lo, i64 hi) {
        const i64 lo_step = lo >= 0 ? (lo + grain - 1) / grain : -((-lo) / grain);
        const i64 hi_step = hi >= 0 ? hi / grain : -((-hi + grain - 1) / grain);
        return uniform<i64>(rng, lo_step, std::max(lo_step, hi_step)) * grain;
    };

    dataset d;
    const auto person_count = uniform<std::size_t>(rng, 3, 12);
    const auto place_count = uniform<std::size_t>(rng, 1, 4);
    d.persons.assign(person_pool.begin(), person_pool.begin() + static_cast<long>(person_count));
    d.places.assign(place_pool.begin(), place_pool.begin() + static_cast<long>(place_count));
    for (std::size_t i = 0; i < place_count; ++i)
        d.place_dwell.push_back(chance(rng, 0.5) ? std::optional<i64>(pick(1, 5000))
                                                 : std::nullopt);
    const i64 dwells[] = {300, 1800, 3600, 7200};
    d.default_dwell = dwells[uniform<std::size_t>(rng, 0, 3)];

    // Small minimum overlaps more often, so that contacts are frequent.
    // Values below 1 act as 1 s.
    const i64 below_one[] = {0, -1, -60, -3600};
    d.min_overlap = chance(rng, 0.1)   ? below_one[uniform<std::size_t>(rng, 0, 3)]
                    : chance(rng, 0.5) ? pick(1, 600)
                                       : pick(1, 3000);
    d.hops = uniform<std::uint32_t>(rng, 0, 4);
    d.latency = chance(rng, 0.4) ? 0 : pick(0, 2000);
    if (chance(rng, 0.4)) d.until = base_time + pick(3000, 22000);
    d.quarantine = uniform<i64>(rng, 0, 2 * 86400);

    const auto case_count = uniform<std::size_t>(rng, 1, std::min<std::size_t>(3, person_count));
    std::vector<std::string> shuffled = d.persons;
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    for (std::size_t i = 0; i < case_count; ++i) {
        case_row c;
        c.person = shuffled[i];
        c.start = base_time + pick(-3000, 10000);
        if (chance(rng, 0.5)) c.to = c.start + pick(1, 15000);
        // An empty `to` means b_c = U, which must stay after a_c.
        if (!c.to && d.until && *d.until <= c.start) c.to = c.start + pick(1, 5000);
        c.by_onset = chance(rng, 0.3);
        if (!c.by_onset && chance(rng, 0.3)) c.onset = base_time + uniform<i64>(rng, 0, 400000);
        d.cases.push_back(c);
    }

    // Walks from a case through a few persons, each meeting the next a little
    // later at some place for about the minimum overlap or more, so that deep
    // hops and long chains are common.
    const auto walks = chance(rng, 0.7) ? uniform<std::size_t>(rng, 1, 2) : std::size_t{0};
    for (std::size_t w = 0; w < walks; ++w) {
        const case_row& from = d.cases[uniform<std::size_t>(rng, 0, d.cases.size() - 1)];
        std::string current = from.person;
        i64 time = std::max(from.start, base_time) + pick(0, 1500);
        std::vector<std::string> unvisited;
        for (const std::string& p : d.persons)
            if (p != current) unvisited.push_back(p);
        std::shuffle(unvisited.begin(), unvisited.end(), rng);
        const auto steps = std::min(unvisited.size(), uniform<std::size_t>(rng, 2, 6));
        for (std::size_t k = 0; k < steps; ++k) {
            const std::string& next = unvisited[k];
            const std::string& place = d.places[uniform<std::size_t>(rng, 0, place_count - 1)];
            const i64 offset = pick(0, 600);
            const i64 length =
                std::max<i64>(0, std::max<i64>(d.min_overlap, 1) + offset + pick(-30, 2000));
            d.rows.push_back({current, place, time, time + length});
            d.rows.push_back({next, place, time + offset, time + offset + length});
            current = next;
            time += offset + d.latency + pick(-30, 1500);
        }
    }

    // The pattern of docs/semantics.md §4's recurrence: P is reached late at
    // hop 1 (by the case at t3) but early at hop 2 (through A at t1); only P's
    // earlier E lets P infect R at t2 (t1 < t2 < t3), which makes R a hop-3
    // contact.
    if (chance(rng, 0.4)) {
        std::vector<std::string> others;
        for (const std::string& p : d.persons) {
            bool is_case = false;
            for (const case_row& c : d.cases)
                is_case = is_case || c.person == p;
            if (!is_case) others.push_back(p);
        }
        std::shuffle(others.begin(), others.end(), rng);
        if (others.size() >= 3) {
            const std::string& c = d.cases[uniform<std::size_t>(rng, 0, d.cases.size() - 1)].person;
            const std::string &a = others[0], &p = others[1], &r = others[2];
            auto place = [&] { return d.places[uniform<std::size_t>(rng, 0, place_count - 1)]; };
            auto length = [&] {
                return std::max<i64>(0, std::max<i64>(d.min_overlap, 1) + pick(-60, 1500));
            };
            auto meet = [&](const std::string& u, const std::string& v, i64 at, i64 len) {
                const std::string x = place();
                d.rows.push_back({u, x, at, at + len});
                d.rows.push_back({v, x, at, at + len});
            };
            const case_row& source = *std::find_if(
                d.cases.begin(), d.cases.end(), [&](const case_row& k) { return k.person == c; });
            const i64 t0 = std::max(source.start, base_time) + pick(0, 1000);
            const i64 t1 = t0 + d.latency + pick(-60, 1000);
            const i64 t2 = t1 + d.latency + pick(-60, 1000);
            const i64 l2 = length();
            const i64 t3 = t2 + l2 + pick(-60, 2000);
            meet(c, a, t0, length());
            meet(a, p, t1, length());
            meet(p, r, t2, l2);
            meet(c, p, t3, length());
        }
    }

    // Two sources meeting one target at the same moment at two places: a tie
    // on first_exposure across both via_person and via_place.
    if (d.cases.size() >= 2 && chance(rng, 0.4)) {
        const case_row& u = d.cases[0];
        const case_row& v = d.cases[1];
        const std::string& target = d.persons[uniform<std::size_t>(rng, 0, person_count - 1)];
        const i64 at = std::max({u.start, v.start, base_time}) + pick(0, 1000);
        for (const case_row* source : {&u, &v}) {
            const std::string& x = d.places[uniform<std::size_t>(rng, 0, place_count - 1)];
            const i64 len = std::max<i64>(d.min_overlap, 1) + pick(0, 1500);
            d.rows.push_back({source->person, x, at, at + len});
            d.rows.push_back({target, x, at, at + len + pick(0, 600)});
        }
    }

    const auto row_count = d.rows.size() + (d.rows.empty() ? uniform<std::size_t>(rng, 5, 40)
                                                           : uniform<std::size_t>(rng, 0, 15));
    while (d.rows.size() < row_count) {
        if (!d.rows.empty() && chance(rng, 0.25)) {
            const scan_row old = d.rows[uniform<std::size_t>(rng, 0, d.rows.size() - 1)];
            if (chance(rng, 0.5)) {
                d.rows.push_back(old); // an exact duplicate
                continue;
            }
            // A visit of the same person at the same place that touches (or
            // slightly overlaps, or nearly touches) the end of an earlier one.
            const std::size_t x = static_cast<std::size_t>(
                std::find(d.places.begin(), d.places.end(), old.place) - d.places.begin());
            const i64 end =
                old.leave ? *old.leave
                          : old.time + (d.place_dwell[x] ? *d.place_dwell[x] : d.default_dwell);
            scan_row r = old;
            r.time = std::max(old.time, end + (chance(rng, 0.6) ? 0 : uniform<i64>(rng, -2, 2)));
            r.leave = r.time + pick(0, 3000);
            d.rows.push_back(r);
            continue;
        }
        scan_row r;
        r.person = d.persons[uniform<std::size_t>(rng, 0, person_count - 1)];
        r.place = d.places[uniform<std::size_t>(rng, 0, place_count - 1)];
        r.time = base_time + pick(0, 20000);
        if (chance(rng, 0.6)) r.leave = r.time + (chance(rng, 0.1) ? 0 : pick(1, 6000));
        d.rows.push_back(r);
    }

    // Row order decides index order; it must not matter.
    std::shuffle(d.rows.begin(), d.rows.end(), rng);
    return d;
}

// ---------------------------------------------------------------- reference

struct stay {
    std::size_t person;
    std::size_t place;
    i64 start, end;
};

/// A contact event seen from its source: `source` met `target` at `place` during
/// the overlap [s, e) of their stays.
struct event {
    std::size_t source, target, place;
    i64 s, e;
};

/// What a data set exercised, to check that the generator is not too tame.
struct coverage {
    std::uint64_t contacts = 0; ///< listed persons with hop >= 1
    std::uint64_t deep = 0;     ///< listed persons with hop >= 3
    std::uint64_t improved = 0; ///< persons whose E went down after their hop
    std::uint64_t clipped = 0;  ///< qualifying events clipped by the source's interval
};

std::vector<row> reference(const dataset& d, coverage& seen) {
    const std::size_t n = d.persons.size();
    auto person_of = [&](const std::string& id) {
        return static_cast<std::size_t>(std::find(d.persons.begin(), d.persons.end(), id) -
                                        d.persons.begin());
    };
    auto place_of = [&](const std::string& id) {
        return static_cast<std::size_t>(std::find(d.places.begin(), d.places.end(), id) -
                                        d.places.begin());
    };

    // §2.1: one interval per row.
    std::vector<std::vector<std::vector<std::pair<i64, i64>>>> intervals(
        n, std::vector<std::vector<std::pair<i64, i64>>>(d.places.size()));
    for (const scan_row& r : d.rows) {
        const std::size_t x = place_of(r.place);
        const i64 dwell = d.place_dwell[x] ? *d.place_dwell[x] : d.default_dwell;
        intervals[person_of(r.person)][x].emplace_back(r.time, r.leave ? *r.leave : r.time + dwell);
    }
    // §2.2: merge overlapping or touching intervals of a person at a place.
    std::vector<stay> stays;
    for (std::size_t p = 0; p < n; ++p) {
        for (std::size_t x = 0; x < d.places.size(); ++x) {
            auto& list = intervals[p][x];
            std::sort(list.begin(), list.end());
            for (std::size_t i = 0; i < list.size();) {
                i64 start = list[i].first, end = list[i].second;
                std::size_t j = i + 1;
                while (j < list.size() && list[j].first <= end) {
                    end = std::max(end, list[j].second);
                    ++j;
                }
                stays.push_back({p, x, start, end});
                i = j;
            }
        }
    }
    // §3: every pair of stays of different persons at one place with a
    // positive overlap, in both directions.
    std::vector<event> events;
    for (std::size_t i = 0; i < stays.size(); ++i) {
        for (std::size_t j = i + 1; j < stays.size(); ++j) {
            const stay& u = stays[i];
            const stay& v = stays[j];
            if (u.person == v.person || u.place != v.place) continue;
            const i64 s = std::max(u.start, v.start), e = std::min(u.end, v.end);
            if (e - s <= 0) continue;
            events.push_back({u.person, v.person, u.place, s, e});
            events.push_back({v.person, u.person, u.place, s, e});
        }
    }

    // §4: index cases and their windows.
    const i64 until = d.until ? *d.until : inf;
    std::vector<bool> is_case(n, false);
    std::vector<i64> case_a(n, inf), case_b(n, inf);
    for (const case_row& c : d.cases) {
        const std::size_t p = person_of(c.person);
        is_case[p] = true;
        case_a[p] = c.start;
        case_b[p] = c.to ? *c.to : until;
    }
    const i64 m = std::max<i64>(d.min_overlap, 1);
    const std::uint32_t H = d.hops;

    std::vector<std::vector<i64>> E(H + 1, std::vector<i64>(n, inf));
    for (std::size_t p = 0; p < n; ++p)
        if (is_case[p]) E[0][p] = case_a[p];

    // The infectious interval of q at layer h, if any.
    auto infectious = [&](std::size_t q, std::uint32_t h) -> std::optional<std::pair<i64, i64>> {
        if (is_case[q]) return std::make_pair(case_a[q], case_b[q]);
        if (E[h][q] == inf) return std::nullopt;
        return std::make_pair(E[h][q] + d.latency, until);
    };
    // The effective overlap of an event qualifying at layer h + 1, if it does.
    auto qualifies = [&](const event& ev, std::uint32_t h) -> std::optional<std::pair<i64, i64>> {
        if (is_case[ev.target]) return std::nullopt;
        const auto window = infectious(ev.source, h);
        if (!window) return std::nullopt;
        const i64 s = std::max(ev.s, window->first), e = std::min(ev.e, window->second);
        if (e - s < m) return std::nullopt;
        return std::make_pair(s, e);
    };

    for (std::uint32_t h = 0; h < H; ++h) {
        for (std::size_t p = 0; p < n; ++p)
            E[h + 1][p] = is_case[p] ? case_a[p] : E[h][p];
        for (const event& ev : events) {
            if (const auto eff = qualifies(ev, h)) {
                E[h + 1][ev.target] = std::min(E[h + 1][ev.target], eff->first);
                if (eff->first != ev.s || eff->second != ev.e) ++seen.clipped;
            }
        }
    }
    for (std::size_t p = 0; p < n; ++p)
        for (std::uint32_t h = 1; h <= H; ++h)
            if (!is_case[p] && E[h - 1][p] != inf && E[h][p] < E[h - 1][p]) ++seen.improved;

    // §5.
    std::vector<row> rows;
    for (std::size_t p = 0; p < n; ++p) {
        if (is_case[p]) {
            row r;
            r.person = d.persons[p];
            rows.push_back(r);
            continue;
        }
        std::optional<std::uint32_t> hop;
        for (std::uint32_t h = 0; h <= H && !hop; ++h)
            if (E[h][p] != inf) hop = h;
        if (!hop) continue;
        const std::uint32_t k = *hop;
        row r;
        r.person = d.persons[p];
        r.hop = k;
        r.last = std::numeric_limits<i64>::min();
        bool any = false;
        for (const event& ev : events) {
            if (ev.target != p) continue;
            const auto eff = qualifies(ev, k - 1);
            if (!eff) continue;
            any = true;
            r.seconds += eff->second - eff->first;
            r.last = std::max(r.last, eff->second);
            const std::string& via_p = d.persons[ev.source];
            const std::string& via_x = d.places[ev.place];
            if (eff->first < r.first ||
                (eff->first == r.first &&
                 std::tie(via_p, via_x) < std::tie(r.via_person, r.via_place))) {
                r.first = eff->first;
                r.via_person = via_p;
                r.via_place = via_x;
            }
        }
        REQUIRE(any);
        REQUIRE(r.first == E[k][p]);
        r.quarantine_until = r.last + d.quarantine;
        ++seen.contacts;
        if (k >= 3) ++seen.deep;
        rows.push_back(r);
    }
    std::sort(rows.begin(), rows.end(), [](const row& x, const row& y) {
        // Hop, then first exposure (index cases have none: inf, and hop 0 alone),
        // then person byte-wise (std::string compares as unsigned char).
        return std::tie(x.hop, x.first, x.person) < std::tie(y.hop, y.first, y.person);
    });
    return rows;
}

// ---------------------------------------------------------------- ctrace

std::vector<row> library(const dataset& d, const csv_texts& csv) {
    ctrace::trace_parameters params;
    params.min_overlap = d.min_overlap;
    params.hops = d.hops;
    params.latency = d.latency;
    params.until = d.until ? *d.until : ctrace::time_infinity;
    params.quarantine = d.quarantine;
    ctrace::scan_read_options options;
    options.default_dwell = d.default_dwell;
    const ctrace::testing::traced t =
        ctrace::testing::run_trace(csv.scans, csv.cases, params, csv.places, options, lookback);
    std::vector<row> rows;
    for (const ctrace::risk_entry& e : t.result.entries) {
        row r;
        r.person = std::string(t.log.persons[e.person]);
        r.hop = e.hop;
        r.first = e.first_exposure;
        r.last = e.last_exposure;
        r.quarantine_until = e.quarantine_until;
        r.seconds = e.exposure_seconds;
        if (e.via_person != ctrace::no_person)
            r.via_person = std::string(t.log.persons[e.via_person]);
        if (e.via_place != ctrace::no_place) r.via_place = std::string(t.log.places[e.via_place]);
        rows.push_back(r);
    }
    return rows;
}

// ------------------------------------------------- the field rules (§8)
//
// A second reference, for docs/semantics.md §8.1–§8.4 (the contract's
// exposure.md) on top of §2–§5: sites, a places file's own minimum overlaps,
// lingering, and quarantine and monitoring by hop. It is written from the
// text of §8, not from the library: at site level it maps every code to its
// site itself and merges the rows' intervals per (person, site); events are
// directional (a source's footprint meets a target's stay); every ordered
// pair of stays is tried at every layer. ctrace runs the whole workflow
// (`trace_from`) on the CSV files.

/// A data set of §2–§5 (`generate`) with the field columns and options.
struct field_dataset {
    dataset base;                    ///< rows, cases, min_overlap, hops, latency, until, dwell
    std::vector<bool> listed;        ///< per base.places: a row in places.csv
    bool site_column = false;        ///< places.csv has `site`
    std::vector<std::string> site;   ///< per base.places: the `site` cell
    bool min_overlap_column = false; ///< places.csv has `min_overlap`
    std::vector<std::optional<i64>> place_min; ///< per base.places: the `min_overlap` cell
    bool site_level = false;                   ///< --contact-level site
    i64 linger = 0;
    std::vector<i64> quarantine;                ///< by hop, at least one value
    std::optional<std::vector<i64>> monitoring; ///< by hop
};

/// A risk list row with §8.4's monitor_until (inf: none).
struct field_row {
    std::string person;
    std::uint32_t hop = 0;
    i64 first = inf, last = inf, quarantine_until = inf, monitor_until = inf, seconds = 0;
    std::string via_person, via_place;
    friend bool operator==(const field_row&, const field_row&) = default;
};

std::string join(const std::vector<i64>& values) {
    std::string out;
    for (const i64 v : values)
        out += (out.empty() ? "" : ",") + std::to_string(v);
    return out;
}

csv_texts to_csv(const field_dataset& f) {
    csv_texts out = to_csv(f.base);
    const dataset& d = f.base;
    out.places = "place,dwell";
    if (f.site_column) out.places += ",site";
    if (f.min_overlap_column) out.places += ",min_overlap";
    out.places += "\n";
    for (std::size_t i = 0; i < d.places.size(); ++i) {
        if (!f.listed[i]) continue;
        out.places += csv_field(d.places[i]) + "," + opt_text(d.place_dwell[i]);
        if (f.site_column) out.places += "," + csv_field(f.site[i]);
        if (f.min_overlap_column) out.places += "," + opt_text(f.place_min[i]);
        out.places += "\n";
    }
    return out;
}

std::string describe(const field_dataset& f, const csv_texts& csv) {
    std::ostringstream s;
    s << "level=" << (f.site_level ? "site" : "code") << " linger=" << f.linger
      << " quarantine=" << join(f.quarantine)
      << " monitoring=" << (f.monitoring ? join(*f.monitoring) : "none") << " "
      << describe(f.base, csv);
    return s.str();
}

std::string describe(const std::vector<field_row>& rows) {
    std::ostringstream s;
    for (const field_row& r : rows)
        s << r.person << " hop=" << r.hop << " first=" << r.first << " last=" << r.last
          << " q=" << r.quarantine_until << " m=" << r.monitor_until << " secs=" << r.seconds
          << " via=" << r.via_person << "@" << r.via_place << "\n";
    return s.str();
}

field_dataset generate_field(std::mt19937_64& rng) {
    field_dataset f;
    f.base = generate(rng);
    dataset& d = f.base;
    const auto between = [&](i64 lo, i64 hi) { return uniform<i64>(rng, lo, hi); };
    auto random_place = [&] { return d.places[uniform<std::size_t>(rng, 0, d.places.size() - 1)]; };
    auto random_person = [&] {
        return d.persons[uniform<std::size_t>(rng, 0, d.persons.size() - 1)];
    };
    auto case_person = [&] { return d.cases[uniform<std::size_t>(rng, 0, d.cases.size() - 1)]; };

    // A code "S" that may also be the site of other codes (a site id equal to
    // one of its codes' ids), with a few scans.
    if (chance(rng, 0.35)) {
        d.places.push_back("S");
        d.place_dwell.push_back(chance(rng, 0.5) ? std::optional<i64>(between(1, 5000))
                                                 : std::nullopt);
        for (int k = uniform<int>(rng, 1, 6); k > 0; --k) {
            const i64 t = base_time + between(0, 20000);
            d.rows.push_back(
                {random_person(), "S", t,
                 chance(rng, 0.7) ? std::optional<i64>(t + between(0, 4000)) : std::nullopt});
        }
    }
    const std::size_t codes = d.places.size();

    // The places file: most codes listed; unlisted ones take the default
    // dwell, are their own site and have no minimum overlap of their own.
    f.listed.assign(codes, true);
    for (std::size_t i = 0; i < codes; ++i)
        f.listed[i] = !chance(rng, 0.15);
    for (std::size_t i = 0; i < codes; ++i)
        if (!f.listed[i]) d.place_dwell[i] = std::nullopt;

    f.site_level = chance(rng, 0.5);
    f.site_column = f.site_level || chance(rng, 0.3);
    f.site.assign(codes, "");
    if (f.site_column) {
        // Roots are their own site (an empty cell or their own id); the
        // others belong to a root or to "S" or "T,2" ("S" is a root when it
        // is a code, "T,2" never a code). So a site may be one of its own
        // codes, but never a code of another site (§8.1 leaves that open).
        std::vector<bool> root(codes, true);
        for (std::size_t i = 0; i < codes; ++i)
            root[i] = !f.listed[i] || d.places[i] == "S" || chance(rng, 0.4);
        std::vector<std::string> targets = {"T,2", "S"};
        for (std::size_t i = 0; i < codes; ++i)
            if (root[i]) targets.push_back(d.places[i]);
        for (std::size_t i = 0; i < codes; ++i) {
            if (!f.listed[i]) continue;
            if (root[i])
                f.site[i] = chance(rng, 0.5) ? std::string() : d.places[i];
            else
                f.site[i] = targets[uniform<std::size_t>(rng, 0, targets.size() - 1)];
        }
    }
    f.min_overlap_column = chance(rng, 0.6);
    f.place_min.assign(codes, std::nullopt);
    if (f.min_overlap_column)
        for (std::size_t i = 0; i < codes; ++i)
            if (f.listed[i] && chance(rng, 0.6))
                f.place_min[i] = chance(rng, 0.1) ? 0 : between(1, 2400);

    f.linger = chance(rng, 0.35) ? 0 : between(1, 3600);
    f.quarantine.resize(uniform<std::size_t>(rng, 1, 3));
    for (i64& q : f.quarantine)
        q = uniform<i64>(rng, 0, 3 * 86400);
    d.quarantine = f.quarantine.front(); // unused: shown as hop 1's
    if (chance(rng, 0.5)) {
        std::vector<i64> m(uniform<std::size_t>(rng, 1, 3));
        for (i64& v : m)
            v = chance(rng, 0.3) ? 0 : uniform<i64>(rng, 1, 5 * 86400);
        f.monitoring = m;
    }

    // Lingering: a target arriving about when a source leaves, so that only
    // the footprint can reach it (or not quite).
    for (int k = chance(rng, 0.7) ? uniform<int>(rng, 1, 3) : 0; k > 0; --k) {
        const case_row& c = case_person();
        const std::string target = random_person();
        const std::string x = random_place();
        const i64 t0 = std::max(c.start, base_time) + between(0, 3000);
        const i64 stay = between(60, 3000);
        const i64 arrive = t0 + stay + between(-300, f.linger + 300);
        d.rows.push_back({c.person, x, t0, t0 + stay});
        d.rows.push_back({target, x, arrive, arrive + between(60, 4000)});
        // ... and the target passing it on later, somewhere else.
        if (chance(rng, 0.5)) {
            const std::string next = random_person();
            const std::string y = random_place();
            const i64 t1 = arrive + d.latency + between(0, 3000);
            const i64 len = between(300, 3000);
            d.rows.push_back({target, y, t1, t1 + len});
            d.rows.push_back({next, y, t1 + between(0, 600), t1 + len + between(0, 1200)});
        }
    }
    // Doors: two persons at two codes of one site at the same time, and one
    // person's visits at two codes of one site touching.
    if (f.site_column) {
        for (int k = uniform<int>(rng, 0, 4); k > 0; --k) {
            const std::size_t a = uniform<std::size_t>(rng, 0, codes - 1);
            std::vector<std::size_t> same_site;
            const auto site_of_code = [&](std::size_t i) {
                return f.listed[i] && !f.site[i].empty() ? f.site[i] : d.places[i];
            };
            for (std::size_t b = 0; b < codes; ++b)
                if (b != a && site_of_code(b) == site_of_code(a)) same_site.push_back(b);
            if (same_site.empty()) continue;
            const std::size_t b = same_site[uniform<std::size_t>(rng, 0, same_site.size() - 1)];
            const std::string source = chance(rng, 0.6) ? case_person().person : random_person();
            const std::string target = random_person();
            const i64 t = base_time + between(0, 12000);
            const i64 len = between(60, 2400);
            d.rows.push_back({source, d.places[a], t, t + len});
            if (chance(rng, 0.5)) {
                d.rows.push_back(
                    {target, d.places[b], t + between(-600, 600), t + len + between(-600, 600)});
            } else {
                // Touching visits at the two doors: one stay at the site.
                const i64 cut = t + between(0, len);
                d.rows.push_back({target, d.places[a], t - between(0, 600), cut});
                d.rows.push_back({target, d.places[b], cut, t + len + between(0, 600)});
            }
        }
    }
    // Rows whose leave is before their time would be bad rows: keep them valid.
    for (scan_row& r : d.rows)
        if (r.leave && *r.leave < r.time) r.leave = r.time;
    std::shuffle(d.rows.begin(), d.rows.end(), rng);
    return f;
}

/// What the field data sets exercised.
struct field_coverage {
    std::uint64_t contacts = 0;     ///< listed persons with hop >= 1
    std::uint64_t lingered = 0;     ///< qualifying events that end after the source left
    std::uint64_t linger_only = 0;  ///< ... that would not qualify without lingering
    std::uint64_t across_doors = 0; ///< qualifying events between stays at different codes
    std::uint64_t own_minimum = 0;  ///< events the place's own minimum decided
    std::uint64_t later_hops = 0;   ///< rows at hop >= 2 of a list with a hop-2 value
    std::uint64_t past_list = 0;    ///< rows at a hop past the quarantine list
    std::uint64_t monitored = 0;    ///< rows with monitor_until
};

std::vector<field_row> field_reference(const field_dataset& f, field_coverage& seen) {
    const dataset& d = f.base;
    const std::size_t n = d.persons.size();
    const std::size_t codes = d.places.size();
    auto person_of = [&](const std::string& id) {
        return static_cast<std::size_t>(std::find(d.persons.begin(), d.persons.end(), id) -
                                        d.persons.begin());
    };
    auto code_of = [&](const std::string& id) {
        return static_cast<std::size_t>(std::find(d.places.begin(), d.places.end(), id) -
                                        d.places.begin());
    };
    // §8.1: the place of a code is the code, or at site level its site: the
    // `site` cell of its row when not empty, else the code itself.
    std::vector<std::string> unit_ids;
    std::vector<std::size_t> unit(codes);
    for (std::size_t c = 0; c < codes; ++c) {
        const std::string id =
            f.site_level && f.listed[c] && !f.site[c].empty() ? f.site[c] : d.places[c];
        const auto at = std::find(unit_ids.begin(), unit_ids.end(), id);
        unit[c] = static_cast<std::size_t>(at - unit_ids.begin());
        if (at == unit_ids.end()) unit_ids.push_back(id);
    }
    const std::size_t units = unit_ids.size();
    // §8.2: a place's minimum overlap is its row's `min_overlap`; a site's
    // the smallest among its own row (the code with its id, which is its own
    // site here) and its codes' rows; else --min-overlap; at least 1 s.
    std::vector<i64> minimum(units, std::max<i64>(d.min_overlap, 1));
    for (std::size_t u = 0; u < units; ++u) {
        std::optional<i64> smallest;
        for (std::size_t c = 0; c < codes; ++c)
            if (unit[c] == u && f.listed[c] && f.place_min[c])
                smallest = smallest ? std::min(*smallest, *f.place_min[c]) : *f.place_min[c];
        if (smallest) minimum[u] = std::max<i64>(*smallest, 1);
    }

    // §2.1 with the scanned code's dwell; §2.2 per (person, place or site).
    struct interval {
        i64 start, end;
        std::size_t code;
    };
    std::vector<std::vector<std::vector<interval>>> intervals(
        n, std::vector<std::vector<interval>>(units));
    for (const scan_row& r : d.rows) {
        const std::size_t c = code_of(r.place);
        const i64 dwell = d.place_dwell[c] ? *d.place_dwell[c] : d.default_dwell;
        intervals[person_of(r.person)][unit[c]].push_back(
            {r.time, r.leave ? *r.leave : r.time + dwell, c});
    }
    struct field_stay {
        std::size_t person, place;
        i64 start, end;
        std::vector<bool> codes; ///< the codes its rows were at
    };
    std::vector<field_stay> stays;
    for (std::size_t p = 0; p < n; ++p)
        for (std::size_t u = 0; u < units; ++u) {
            auto& list = intervals[p][u];
            std::sort(list.begin(), list.end(), [](const interval& a, const interval& b) {
                return std::tie(a.start, a.end) < std::tie(b.start, b.end);
            });
            for (std::size_t i = 0; i < list.size();) {
                field_stay s{p, u, list[i].start, list[i].end, std::vector<bool>(codes, false)};
                s.codes[list[i].code] = true;
                std::size_t j = i + 1;
                for (; j < list.size() && list[j].start <= s.end; ++j) {
                    s.end = std::max(s.end, list[j].end);
                    s.codes[list[j].code] = true;
                }
                stays.push_back(std::move(s));
                i = j;
            }
        }

    const i64 until = d.until ? *d.until : inf;
    std::vector<bool> is_case(n, false);
    std::vector<i64> case_a(n, inf), case_b(n, inf);
    for (const case_row& c : d.cases) {
        const std::size_t p = person_of(c.person);
        is_case[p] = true;
        case_a[p] = c.start;
        case_b[p] = c.to ? *c.to : until;
    }
    const std::uint32_t H = d.hops;
    std::vector<std::vector<i64>> E(H + 1, std::vector<i64>(n, inf));
    for (std::size_t p = 0; p < n; ++p)
        if (is_case[p]) E[0][p] = case_a[p];
    auto infectious = [&](std::size_t q, std::uint32_t h) -> std::optional<std::pair<i64, i64>> {
        if (is_case[q]) return std::make_pair(case_a[q], case_b[q]);
        if (E[h][q] == inf) return std::nullopt;
        return std::make_pair(E[h][q] + d.latency, until);
    };
    // §8.3: the effective overlap of source stay `u` with target stay `v` at
    // layer h + 1, when it qualifies.
    struct effective {
        i64 start, end;
        bool lingered, only_lingering;
    };
    auto qualifies = [&](const field_stay& u, const field_stay& v,
                         std::uint32_t h) -> std::optional<effective> {
        if (u.person == v.person || u.place != v.place || is_case[v.person]) return std::nullopt;
        const auto window = infectious(u.person, h);
        if (!window) return std::nullopt;
        const i64 s = std::max(u.start, window->first), e = std::min(u.end, window->second);
        if (e <= s) return std::nullopt;
        const i64 footprint = e + std::min(e - s, f.linger);
        const i64 start = std::max(s, v.start), end = std::min(footprint, v.end);
        if (end - start < minimum[u.place]) return std::nullopt;
        return effective{start, end, end > e, std::min(e, v.end) - start < minimum[u.place]};
    };

    for (std::uint32_t h = 0; h < H; ++h) {
        for (std::size_t p = 0; p < n; ++p)
            E[h + 1][p] = is_case[p] ? case_a[p] : E[h][p];
        for (const field_stay& u : stays)
            for (const field_stay& v : stays)
                if (const auto eff = qualifies(u, v, h))
                    E[h + 1][v.person] = std::min(E[h + 1][v.person], eff->start);
    }

    std::vector<field_row> rows;
    for (std::size_t p = 0; p < n; ++p) {
        if (is_case[p]) {
            field_row r;
            r.person = d.persons[p];
            rows.push_back(r);
            continue;
        }
        std::optional<std::uint32_t> hop;
        for (std::uint32_t h = 0; h <= H && !hop; ++h)
            if (E[h][p] != inf) hop = h;
        if (!hop) continue;
        const std::uint32_t k = *hop;
        field_row r;
        r.person = d.persons[p];
        r.hop = k;
        r.last = std::numeric_limits<i64>::min();
        for (const field_stay& u : stays)
            for (const field_stay& v : stays) {
                if (v.person != p) continue;
                const auto eff = qualifies(u, v, k - 1);
                if (!eff) continue;
                r.seconds += eff->end - eff->start;
                r.last = std::max(r.last, eff->end);
                const std::string& via_p = d.persons[u.person];
                const std::string& via_x = unit_ids[u.place];
                if (eff->start < r.first ||
                    (eff->start == r.first &&
                     std::tie(via_p, via_x) < std::tie(r.via_person, r.via_place))) {
                    r.first = eff->start;
                    r.via_person = via_p;
                    r.via_place = via_x;
                }
                if (eff->lingered) ++seen.lingered;
                if (eff->only_lingering) ++seen.linger_only;
                bool shared_code = false;
                for (std::size_t c = 0; c < codes; ++c)
                    shared_code = shared_code || (u.codes[c] && v.codes[c]);
                if (!shared_code) ++seen.across_doors;
            }
        REQUIRE(r.first == E[k][p]);
        // §8.4: hop k takes the k-th value, hops past the list the last one.
        const auto by_hop = [k](const std::vector<i64>& list) {
            return list[std::min<std::size_t>(k, list.size()) - 1];
        };
        r.quarantine_until = r.last + by_hop(f.quarantine);
        if (f.monitoring) {
            r.monitor_until = r.quarantine_until + by_hop(*f.monitoring);
            ++seen.monitored;
        }
        ++seen.contacts;
        if (k >= 2 && f.quarantine.size() >= 2) ++seen.later_hops;
        if (k > f.quarantine.size()) ++seen.past_list;
        rows.push_back(r);
    }
    // Events decided by a place's own minimum: long enough for one of the
    // two minimums and not for the other (at any layer, for coverage only).
    const i64 global = std::max<i64>(d.min_overlap, 1);
    for (const field_stay& u : stays)
        for (const field_stay& v : stays) {
            if (u.person == v.person || u.place != v.place || minimum[u.place] == global) continue;
            const i64 length = std::min(u.end, v.end) - std::max(u.start, v.start);
            if ((length >= minimum[u.place]) != (length >= global)) ++seen.own_minimum;
        }
    std::sort(rows.begin(), rows.end(), [](const field_row& x, const field_row& y) {
        return std::tie(x.hop, x.first, x.person) < std::tie(y.hop, y.first, y.person);
    });
    return rows;
}

std::vector<field_row> field_library(const field_dataset& f, const csv_texts& csv) {
    const dataset& d = f.base;
    ctrace::testing::temp_dir dir;
    ctrace::data_source source;
    source.scans.scans = {dir.write("scans.csv", csv.scans)};
    source.scans.places = dir.write("places.csv", csv.places);
    source.scans.read.default_dwell = d.default_dwell;
    source.scans.digests = false;
    source.level = f.site_level ? ctrace::contact_level::site : ctrace::contact_level::code;
    ctrace::trace_request request;
    request.cases = dir.write("cases.csv", csv.cases);
    request.digest = false;
    request.lookback = lookback;
    ctrace::trace_parameters& params = request.parameters;
    params.min_overlap = d.min_overlap;
    params.hops = d.hops;
    params.latency = d.latency;
    params.until = d.until ? *d.until : ctrace::time_infinity;
    params.linger = f.linger;
    params.quarantine = ctrace::hop_durations(f.quarantine);
    if (f.monitoring) params.monitoring = ctrace::hop_durations(*f.monitoring);
    const ctrace::trace_run run = ctrace::trace_from(source, request);
    const ctrace::trace_result& result = run.record.result;
    CHECK(result.monitoring == f.monitoring.has_value());
    std::vector<field_row> rows;
    for (const ctrace::risk_entry& e : result.entries) {
        field_row r;
        r.person = std::string(run.data().persons[e.person]);
        r.hop = e.hop;
        r.first = e.first_exposure;
        r.last = e.last_exposure;
        r.quarantine_until = e.quarantine_until;
        r.monitor_until = e.monitor_until;
        r.seconds = e.exposure_seconds;
        if (e.via_person != ctrace::no_person)
            r.via_person = std::string(run.data().persons[e.via_person]);
        if (e.via_place != ctrace::no_place)
            r.via_place = std::string(run.data().places[e.via_place]);
        rows.push_back(r);
    }
    return rows;
}

} // namespace

TEST_SUITE("property") {

    TEST_CASE("property: trace agrees with a brute-force reading of the spec") {
        constexpr std::uint64_t first_seed = 20220101;
        constexpr int iterations = 1000;
        int failures = 0;
        coverage seen;
        for (int i = 0; i < iterations && failures < 3; ++i) {
            const std::uint64_t seed = first_seed + static_cast<std::uint64_t>(i);
            std::mt19937_64 rng(seed);
            const dataset d = generate(rng);
            const csv_texts csv = to_csv(d);
            INFO("seed ", seed, " (iteration ", i, ")\n", describe(d, csv));
            const std::vector<row> want = reference(d, seen);
            const std::vector<row> got = library(d, csv);
            // Compared as text so that a failure shows both whole lists.
            CHECK(describe(got) == describe(want));
            if (got != want) ++failures;
        }
        // The generator must exercise the tracing, not only list index cases.
        INFO("contacts ", seen.contacts, ", hop >= 3 ", seen.deep, ", E lowered after the hop ",
             seen.improved, ", clipped events ", seen.clipped);
        CHECK(seen.contacts > 1000);
        CHECK(seen.deep > 40);
        CHECK(seen.improved > 20);
        CHECK(seen.clipped > 200);
    }

    TEST_CASE("property: trace with sites, per-place minimum overlaps, lingering and quarantine "
              "and monitoring by hop agrees with a brute-force reading of §8") {
        constexpr std::uint64_t first_seed = 20220801;
        constexpr int iterations = 1000;
        int failures = 0;
        field_coverage seen;
        for (int i = 0; i < iterations && failures < 3; ++i) {
            const std::uint64_t seed = first_seed + static_cast<std::uint64_t>(i);
            std::mt19937_64 rng(seed);
            const field_dataset f = generate_field(rng);
            const csv_texts csv = to_csv(f);
            INFO("seed ", seed, " (iteration ", i, ")\n", describe(f, csv));
            const std::vector<field_row> want = field_reference(f, seen);
            const std::vector<field_row> got = field_library(f, csv);
            CHECK(describe(got) == describe(want));
            if (got != want) ++failures;
        }
        // The generator must exercise every rule, not only list index cases.
        INFO("contacts ", seen.contacts, ", lingered events ", seen.lingered, " (",
             seen.linger_only, " only by lingering), events across doors ", seen.across_doors,
             ", decided by a place's own minimum ", seen.own_minimum,
             ", rows at hop >= 2 with a hop-2 quarantine ", seen.later_hops,
             ", rows past the quarantine list ", seen.past_list, ", monitored rows ",
             seen.monitored);
        CHECK(seen.contacts > 1500);
        CHECK(seen.lingered > 1000);
        CHECK(seen.linger_only > 300);
        CHECK(seen.across_doors > 100);
        CHECK(seen.own_minimum > 2000);
        CHECK(seen.later_hops > 100);
        CHECK(seen.past_list > 50);
        CHECK(seen.monitored > 500);
    }

} // TEST_SUITE
