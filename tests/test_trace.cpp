// Hand-computed tracing scenarios (ctrace/tracing/trace.hpp; docs/semantics.md §2.2, §3,
// §4, §5).
//
// Every scenario is CSV text with ISO times in UTC. Unless a comment says
// otherwise the day is 2022-01-01, `t("10:00")` is 2022-01-01T10:00:00Z, and
// an interval written "10:00-11:00" is the half-open [10:00, 11:00).
// m = minimum overlap, H = hops, λ = latency, U = until, Q = quarantine.

#include "ctrace/core/error.hpp"
#include "ctrace/core/time.hpp"
#include "test_helpers.hpp"

#include <algorithm>
#include <doctest/doctest.h>
#include <string>
#include <string_view>
#include <vector>

namespace {

using ctrace::duration;
using ctrace::risk_entry;
using ctrace::time_infinity;
using ctrace::time_point;
using ctrace::trace_parameters;
using ctrace::testing::run_trace;
using ctrace::testing::traced;

constexpr duration minute = 60;
constexpr duration hour = 3600;
constexpr duration day = 86400;
constexpr duration default_quarantine = 14 * day;

/// Parses a full ISO time.
time_point iso(const std::string& text) {
    return ctrace::parse_time(text, ctrace::utc_offset{});
}

/// "HH:MM" or "HH:MM:SS" on 2022-01-01, UTC.
time_point t(const std::string& clock) {
    return iso("2022-01-01T" + clock + (clock.size() == 5 ? ":00Z" : "Z"));
}

trace_parameters params(duration min_overlap, std::uint32_t hops, duration latency = 0,
                        time_point until = time_infinity,
                        duration quarantine = default_quarantine) {
    trace_parameters p;
    p.min_overlap = min_overlap;
    p.hops = hops;
    p.latency = latency;
    p.until = until;
    p.quarantine = quarantine;
    return p;
}

std::string person_name(const traced& tr, ctrace::person_index p) {
    return p == ctrace::no_person ? std::string() : std::string(tr.log.persons[p]);
}
std::string place_name(const traced& tr, ctrace::place_index x) {
    return x == ctrace::no_place ? std::string() : std::string(tr.log.places[x]);
}

/// The expected risk-list row of a contact (hop >= 1).
struct want {
    std::string person;
    std::uint32_t hop;
    time_point first;
    time_point last;
    duration seconds;
    std::string via_person;
    std::string via_place;
};

void check_contact(const traced& tr, const want& w, duration quarantine = default_quarantine) {
    INFO("person ", w.person);
    const risk_entry* e = tr.find(w.person);
    REQUIRE(e != nullptr);
    CHECK(e->hop == w.hop);
    CHECK(e->first_exposure == w.first);
    CHECK(e->last_exposure == w.last);
    CHECK(e->quarantine_until == w.last + quarantine);
    CHECK(e->exposure_seconds == w.seconds);
    CHECK(person_name(tr, e->via_person) == w.via_person);
    CHECK(place_name(tr, e->via_place) == w.via_place);
}

void check_case(const traced& tr, const std::string& person) {
    INFO("case ", person);
    const risk_entry* e = tr.find(person);
    REQUIRE(e != nullptr);
    CHECK(e->hop == 0);
    CHECK(e->first_exposure == time_infinity);
    CHECK(e->last_exposure == time_infinity);
    CHECK(e->quarantine_until == time_infinity);
    CHECK(e->exposure_seconds == 0);
    CHECK(e->via_person == ctrace::no_person);
    CHECK(e->via_place == ctrace::no_place);
}

void check_absent(const traced& tr, const std::string& person) {
    INFO("person ", person, " must not be listed");
    CHECK(tr.find(person) == nullptr);
}

/// The listed persons in result order.
std::vector<std::string> listed(const traced& tr) {
    std::vector<std::string> names;
    for (const risk_entry& e : tr.result.entries)
        names.push_back(person_name(tr, e.person));
    return names;
}

} // namespace

TEST_SUITE("trace") {

    TEST_CASE("trace: qualifying events are counted, and an equal exposure does not spread again") {
        // C, A and B together at X during [10:00, 11:00); m = 15m; H = 3.
        // Layer 1: C meets A and B (2 events), both first exposed at 10:00.
        // Layer 2: A meets B and B meets A at 10:00 (2 events), which is not
        // earlier than their exposure, so neither is a source again (§4: a
        // person spreads again only when its exposure moves earlier).
        // Layer 3: no source. 4 events; one more layer of 2 if an equal
        // start counted as a change.
        const std::string scans = "person,place,time,leave\n"
                                  "C,X,2022-01-01T10:00:00Z,2022-01-01T11:00:00Z\n"
                                  "A,X,2022-01-01T10:00:00Z,2022-01-01T11:00:00Z\n"
                                  "B,X,2022-01-01T10:00:00Z,2022-01-01T11:00:00Z\n";
        const std::string cases = "person,from,to\n"
                                  "C,2022-01-01T09:00:00Z,2022-01-01T12:00:00Z\n";
        const traced tr = run_trace(scans, cases, params(15 * minute, 3));
        CHECK(tr.result.qualifying_events == 4);
        check_contact(tr, {"A", 1, t("10:00"), t("11:00"), 3600, "C", "X"});
        check_contact(tr, {"B", 1, t("10:00"), t("11:00"), 3600, "C", "X"});
        CHECK(tr.result.entries.size() == 3);
    }

    TEST_CASE("regression: a contact's exposure_seconds beyond 64 bits is refused, not wrapped") {
        // 260 cases, each with a stay of 2^55 s at X, and A there all along:
        // A's exposure_seconds would be 260 * 2^55 > 2^63. 200 cases fit.
        constexpr time_point half = time_point{1} << 54;
        for (const int count : {260, 200}) {
            CAPTURE(count);
            ctrace::id_table persons, places;
            places.intern("X");
            std::vector<ctrace::visit> visits;
            std::vector<ctrace::index_case> cases;
            const ctrace::person_index a = persons.intern("A");
            visits.push_back({a, 0, -half, half});
            for (int k = 0; k < count; ++k) {
                const ctrace::person_index p = persons.intern("c" + std::to_string(k));
                visits.push_back({p, 0, -half, half});
                ctrace::index_case c;
                c.person = p;
                c.from = -half;
                c.to = half;
                cases.push_back(c);
            }
            const ctrace::stay_table stays =
                ctrace::build_stays(visits, persons.size(), places.size());
            const ctrace::person_place_graph graph =
                ctrace::build_person_place_graph(stays, persons.size());
            if (count == 260) {
                CHECK_THROWS_WITH_AS(
                    (void)ctrace::trace(stays, graph, persons, places, cases, params(1, 1)),
                    doctest::Contains("exposure_seconds"), ctrace::input_error);
            } else {
                const ctrace::trace_result r =
                    ctrace::trace(stays, graph, persons, places, cases, params(1, 1));
                const auto e = std::find_if(r.entries.begin(), r.entries.end(),
                                            [&](const risk_entry& x) { return x.person == a; });
                REQUIRE(e != r.entries.end());
                CHECK(e->exposure_seconds == 200 * (2 * half));
            }
        }
    }

    TEST_CASE("trace: exposure is clipped at the case window start and end") {
        // C is infectious during [10:00, 12:00) (from/to); m = 15m = 900 s.
        const std::string scans = "person,place,time,leave\n"
                                  "C,X,2022-01-01T09:00:00Z,2022-01-01T13:00:00Z\n"
                                  "A,X,2022-01-01T09:30:00Z,2022-01-01T10:30:00Z\n"
                                  "B,X,2022-01-01T11:30:00Z,2022-01-01T12:30:00Z\n"
                                  "F,X,2022-01-01T08:00:00Z,2022-01-01T10:10:00Z\n"
                                  "G,X,2022-01-01T11:55:00Z,2022-01-01T13:00:00Z\n"
                                  "H,X,2022-01-01T12:00:00Z,2022-01-01T13:00:00Z\n";
        const std::string cases = "person,from,to\n"
                                  "C,2022-01-01T10:00:00Z,2022-01-01T12:00:00Z\n";
        const traced tr = run_trace(scans, cases, params(15 * minute, 1));
        check_case(tr, "C");
        // A: overlap [09:30,10:30) ∩ [10:00,12:00) = [10:00,10:30) = 1800 s.
        check_contact(tr, {"A", 1, t("10:00"), t("10:30"), 1800, "C", "X"});
        // B: overlap [11:30,12:30) ∩ [10:00,12:00) = [11:30,12:00) = 1800 s.
        check_contact(tr, {"B", 1, t("11:30"), t("12:00"), 1800, "C", "X"});
        // F: overlap [09:00,10:10) is 70 min, but only [10:00,10:10) = 600 < 900 is effective.
        check_absent(tr, "F");
        // G: [11:55,12:00) = 300 < 900.
        check_absent(tr, "G");
        // H: overlap [12:00,13:00) lies entirely after `to`: effective length 0.
        check_absent(tr, "H");
        CHECK(tr.result.entries.size() == 3);
    }

    TEST_CASE("trace: the window starts at onset - lookback when from is absent or empty") {
        // C's onset is 2022-01-05T10:00Z; C at X 2022-01-01 09:00-11:00, A at X 09:30-10:30.
        const std::string scans = "person,place,time,leave\n"
                                  "C,X,2022-01-01T09:00:00Z,2022-01-01T11:00:00Z\n"
                                  "A,X,2022-01-01T09:30:00Z,2022-01-01T10:30:00Z\n";
        const trace_parameters p = params(15 * minute, 1);

        SUBCASE("no from column, default lookback 4d") {
            // a = 01-05 10:00 - 4d = 01-01 10:00: A exposed [10:00,10:30) = 1800 s.
            const traced tr = run_trace(scans, "person,onset\nC,2022-01-05T10:00:00Z\n", p);
            check_case(tr, "C");
            check_contact(tr, {"A", 1, t("10:00"), t("10:30"), 1800, "C", "X"});
        }
        SUBCASE("from column present but empty, to empty") {
            const traced tr =
                run_trace(scans, "person,from,onset,to\nC,,2022-01-05T10:00:00Z,\n", p);
            check_contact(tr, {"A", 1, t("10:00"), t("10:30"), 1800, "C", "X"});
        }
        SUBCASE("lookback 4d1h") {
            // a = 01-01 09:00: A's whole overlap [09:30,10:30) = 3600 s.
            const traced tr = run_trace(scans, "person,onset\nC,2022-01-05T10:00:00Z\n", p, "", {},
                                        4 * day + hour);
            check_contact(tr, {"A", 1, t("09:30"), t("10:30"), 3600, "C", "X"});
        }
        SUBCASE("lookback 3d") {
            // a = 01-02 10:00: after every scan, nobody is exposed.
            const traced tr =
                run_trace(scans, "person,onset\nC,2022-01-05T10:00:00Z\n", p, "", {}, 3 * day);
            check_case(tr, "C");
            check_absent(tr, "A");
            CHECK(tr.result.entries.size() == 1);
        }
        SUBCASE("from wins over onset") {
            // a = from = 10:15: A exposed [10:15,10:30) = 900 s = m exactly.
            const traced tr = run_trace(
                scans, "person,onset,from\nC,2022-01-05T10:00:00Z,2022-01-01T10:15:00Z\n", p);
            check_contact(tr, {"A", 1, t("10:15"), t("10:30"), 900, "C", "X"});
        }
        SUBCASE("a later last_negative bounds the look-back (§8.5)") {
            // a = max(01-01 10:00, 01-01 10:10) = 10:10: A exposed [10:10,10:30) = 1200 s.
            const traced tr = run_trace(
                scans, "person,onset,last_negative\nC,2022-01-05T10:00:00Z,2022-01-01T10:10:00Z\n",
                p);
            check_contact(tr, {"A", 1, t("10:10"), t("10:30"), 1200, "C", "X"});
        }
        SUBCASE("a last_negative before onset - lookback changes nothing") {
            // a = max(01-01 10:00, 12-31 10:00) = 01-01 10:00, as without it.
            const traced tr = run_trace(
                scans, "person,onset,last_negative\nC,2022-01-05T10:00:00Z,2021-12-31T10:00:00Z\n",
                p);
            check_contact(tr, {"A", 1, t("10:00"), t("10:30"), 1800, "C", "X"});
        }
        SUBCASE("a last_negative after the window: nobody exposed") {
            // a = 10:25: A's overlap [10:25,10:30) = 300 s < 900.
            const traced tr = run_trace(
                scans, "person,onset,last_negative\nC,2022-01-05T10:00:00Z,2022-01-01T10:25:00Z\n",
                p);
            check_absent(tr, "A");
        }
        SUBCASE("from wins over last_negative") {
            // a = from = 09:00 though last_negative is 10:10: A [09:30,10:30) = 3600 s.
            const traced tr =
                run_trace(scans,
                          "person,from,onset,last_negative\n"
                          "C,2022-01-01T09:00:00Z,2022-01-05T10:00:00Z,2022-01-01T10:10:00Z\n",
                          p);
            check_contact(tr, {"A", 1, t("09:30"), t("10:30"), 3600, "C", "X"});
        }
    }

    TEST_CASE("trace: quarantine and monitoring by hop (§8.4)") {
        // A chain C -> A -> B -> D, one hour each: A at hop 1 (last exposure 09:00),
        // B at hop 2 (11:00), D at hop 3 (13:00). H = 3.
        const std::string scans = "person,place,time,leave\n"
                                  "C,X,2022-01-01T08:00:00Z,2022-01-01T09:00:00Z\n"
                                  "A,X,2022-01-01T08:00:00Z,2022-01-01T09:00:00Z\n"
                                  "A,Y,2022-01-01T10:00:00Z,2022-01-01T11:00:00Z\n"
                                  "B,Y,2022-01-01T10:00:00Z,2022-01-01T11:00:00Z\n"
                                  "B,Z,2022-01-01T12:00:00Z,2022-01-01T13:00:00Z\n"
                                  "D,Z,2022-01-01T12:00:00Z,2022-01-01T13:00:00Z\n";
        const std::string cases = "person,from\nC,2022-01-01T00:00:00Z\n";
        trace_parameters p = params(15 * minute, 3);
        const auto quarantine_until = [](const traced& tr, const std::string& person) {
            const risk_entry* e = tr.find(person);
            REQUIRE(e != nullptr);
            return e->quarantine_until;
        };
        const auto monitor_until = [](const traced& tr, const std::string& person) {
            const risk_entry* e = tr.find(person);
            REQUIRE(e != nullptr);
            return e->monitor_until;
        };

        SUBCASE("one value: every hop, no monitoring") {
            p.quarantine = 7 * day;
            const traced tr = run_trace(scans, cases, p);
            CHECK_FALSE(tr.result.monitoring);
            CHECK(quarantine_until(tr, "A") == t("09:00") + 7 * day);
            CHECK(quarantine_until(tr, "B") == t("11:00") + 7 * day);
            CHECK(quarantine_until(tr, "D") == t("13:00") + 7 * day);
            for (const risk_entry& e : tr.result.entries)
                CHECK(e.monitor_until == time_infinity);
        }
        SUBCASE("Q1, Q2: hop 3 is past the list and takes Q2") {
            p.quarantine = {14 * day, 7 * day};
            const traced tr = run_trace(scans, cases, p);
            check_case(tr, "C");
            check_contact(tr, {"A", 1, t("08:00"), t("09:00"), 3600, "C", "X"}, 14 * day);
            check_contact(tr, {"B", 2, t("10:00"), t("11:00"), 3600, "A", "Y"}, 7 * day);
            check_contact(tr, {"D", 3, t("12:00"), t("13:00"), 3600, "B", "Z"}, 7 * day);
        }
        SUBCASE("a list longer than the hops traced uses only its first values") {
            p.quarantine = {1 * day, 2 * day, 3 * day, 4 * day};
            const traced tr = run_trace(scans, cases, p);
            CHECK(quarantine_until(tr, "A") == t("09:00") + 1 * day);
            CHECK(quarantine_until(tr, "B") == t("11:00") + 2 * day);
            CHECK(quarantine_until(tr, "D") == t("13:00") + 3 * day);
        }
        SUBCASE("monitoring M1, M2 after the quarantine (cn-ed9: 7d,7d and 3d,0)") {
            p.quarantine = {7 * day, 7 * day};
            p.monitoring = ctrace::hop_durations{3 * day, 0};
            const traced tr = run_trace(scans, cases, p);
            CHECK(tr.result.monitoring);
            // A: 09:00 + 7d = 01-08 09:00, + 3d = 01-11 09:00.
            CHECK(quarantine_until(tr, "A") == iso("2022-01-08T09:00:00Z"));
            CHECK(monitor_until(tr, "A") == iso("2022-01-11T09:00:00Z"));
            // B: 11:00 + 7d + 0 = 01-08 11:00; D past the list: 13:00 + 7d + 0.
            CHECK(monitor_until(tr, "B") == iso("2022-01-08T11:00:00Z"));
            CHECK(monitor_until(tr, "D") == iso("2022-01-08T13:00:00Z"));
            // The index case has no quarantine and no monitoring.
            check_case(tr, "C");
            CHECK(monitor_until(tr, "C") == time_infinity);
        }
        SUBCASE("monitoring 0 is on: monitor_until = quarantine_until") {
            p.monitoring = 0;
            const traced tr = run_trace(scans, cases, p);
            CHECK(tr.result.monitoring);
            CHECK(monitor_until(tr, "A") == t("09:00") + default_quarantine);
            CHECK(monitor_until(tr, "D") == t("13:00") + default_quarantine);
            CHECK(monitor_until(tr, "C") == time_infinity);
        }
        SUBCASE("empty lists are refused, naming the parameter") {
            const auto parameter_of = [&](const trace_parameters& bad) {
                try {
                    (void)run_trace(scans, cases, bad);
                } catch (const ctrace::parameter_error& e) {
                    return e.parameter();
                }
                return std::string("not refused");
            };
            trace_parameters bad = p;
            bad.quarantine = ctrace::hop_durations(std::vector<duration>{});
            CHECK(parameter_of(bad) == "quarantine");
            bad = p;
            bad.monitoring = ctrace::hop_durations(std::vector<duration>{});
            CHECK(parameter_of(bad) == "monitoring");
        }
    }

    TEST_CASE("hop_durations: the value of a hop, and parsing Q1[,Q2,...]") {
        const ctrace::hop_durations one = 5 * day;
        CHECK(one.by_hop() == std::vector<duration>{5 * day});
        CHECK(one.at_hop(1) == 5 * day);
        CHECK(one.at_hop(9) == 5 * day);
        const ctrace::hop_durations two{7 * day, 3 * day};
        CHECK(two.at_hop(0) == 7 * day); // read as hop 1
        CHECK(two.at_hop(1) == 7 * day);
        CHECK(two.at_hop(2) == 3 * day);
        CHECK(two.at_hop(3) == 3 * day);
        CHECK(two.at_hop(1'000'000) == 3 * day);
        CHECK(ctrace::hop_durations(std::vector<duration>{}).at_hop(1) == 0);
        CHECK(one == ctrace::hop_durations{5 * day});
        CHECK_FALSE(one == two);

        CHECK(ctrace::parse_hop_durations("14d") == ctrace::hop_durations{14 * day});
        CHECK(ctrace::parse_hop_durations("7d,3d,1h30m") ==
              ctrace::hop_durations{7 * day, 3 * day, 90 * minute});
        CHECK(ctrace::parse_hop_durations("0,0") == ctrace::hop_durations{0, 0});
        for (const char* bad : {"", ",", "7d,", ",7d", "7d,,1d", "7x", "7d, 3d", "-1d"}) {
            CAPTURE(bad);
            CHECK_THROWS_AS(ctrace::parse_hop_durations(bad), ctrace::parse_error);
        }
    }

    TEST_CASE("trace: latency delays a contact's infectious interval") {
        // C infectious from 00:00 (λ never applies to index cases).
        // C & A at X 08:00-09:00 -> E_1(A) = 08:00; A infectious at layer 1 from 08:00 + λ.
        const std::string scans = "person,place,time,leave\n"
                                  "C,X,2022-01-01T08:00:00Z,2022-01-01T09:00:00Z\n"
                                  "A,X,2022-01-01T08:00:00Z,2022-01-01T09:00:00Z\n"
                                  "A,Y,2022-01-01T08:30:00Z,2022-01-01T10:00:00Z\n"
                                  "B,Y,2022-01-01T08:30:00Z,2022-01-01T10:00:00Z\n"
                                  "D,Y,2022-01-01T08:30:00Z,2022-01-01T09:10:00Z\n";
        const std::string cases = "person,from\nC,2022-01-01T00:00:00Z\n";

        SUBCASE("latency 1h") {
            const traced tr = run_trace(scans, cases, params(15 * minute, 2, hour));
            check_contact(tr, {"A", 1, t("08:00"), t("09:00"), 3600, "C", "X"});
            // A infectious from 09:00. B: overlap [08:30,10:00) -> [09:00,10:00) = 3600 s.
            check_contact(tr, {"B", 2, t("09:00"), t("10:00"), 3600, "A", "Y"});
            // D: overlap with A [08:30,09:10) -> [09:00,09:10) = 600 < 900.
            // (D also overlaps B, but B is hop 2 = H, never a source.)
            check_absent(tr, "D");
            CHECK(tr.result.entries.size() == 3);
        }
        SUBCASE("latency 0") {
            const traced tr = run_trace(scans, cases, params(15 * minute, 2, 0));
            check_contact(tr, {"A", 1, t("08:00"), t("09:00"), 3600, "C", "X"});
            // A infectious from 08:00: B [08:30,10:00) = 5400 s, D [08:30,09:10) = 2400 s.
            check_contact(tr, {"B", 2, t("08:30"), t("10:00"), 5400, "A", "Y"});
            check_contact(tr, {"D", 2, t("08:30"), t("09:10"), 2400, "A", "Y"});
        }
        SUBCASE("latency pushes a whole contact out") {
            // λ = 2h: A infectious from 10:00, after every stay at Y.
            const traced tr = run_trace(scans, cases, params(15 * minute, 2, 2 * hour));
            check_contact(tr, {"A", 1, t("08:00"), t("09:00"), 3600, "C", "X"});
            check_absent(tr, "B");
            check_absent(tr, "D");
        }
    }

    TEST_CASE("trace: until cuts non-case intervals and an empty to becomes until") {
        // C1: from 10:00, to empty -> [10:00, U). C2: from 10:00, to 14:00 -> [10:00,14:00)
        // whatever U is (only an empty `to` becomes U).
        const std::string scans = "person,place,time,leave\n"
                                  "C1,X,2022-01-01T11:00:00Z,2022-01-01T13:00:00Z\n"
                                  "A,X,2022-01-01T11:00:00Z,2022-01-01T13:00:00Z\n"
                                  "A,Y,2022-01-01T11:30:00Z,2022-01-01T13:00:00Z\n"
                                  "B,Y,2022-01-01T11:30:00Z,2022-01-01T13:00:00Z\n"
                                  "A,V,2022-01-01T11:50:00Z,2022-01-01T13:00:00Z\n"
                                  "G,V,2022-01-01T11:50:00Z,2022-01-01T13:00:00Z\n"
                                  "C2,Z,2022-01-01T12:30:00Z,2022-01-01T13:30:00Z\n"
                                  "D,Z,2022-01-01T12:30:00Z,2022-01-01T13:30:00Z\n"
                                  "D,W,2022-01-01T13:00:00Z,2022-01-01T14:00:00Z\n"
                                  "E,W,2022-01-01T13:00:00Z,2022-01-01T14:00:00Z\n";
        const std::string cases = "person,from,to\n"
                                  "C1,2022-01-01T10:00:00Z,\n"
                                  "C2,2022-01-01T10:00:00Z,2022-01-01T14:00:00Z\n";
        const duration q = 2 * day;

        SUBCASE("until 12:00") {
            const traced tr = run_trace(scans, cases, params(15 * minute, 2, 0, t("12:00"), q));
            check_case(tr, "C1");
            check_case(tr, "C2");
            // A: C1 interval [10:00,12:00): [11:00,13:00) -> [11:00,12:00) = 3600 s.
            check_contact(tr, {"A", 1, t("11:00"), t("12:00"), 3600, "C1", "X"}, q);
            // B: A's layer-1 interval [11:00,12:00): [11:30,13:00) -> [11:30,12:00) = 1800 s.
            check_contact(tr, {"B", 2, t("11:30"), t("12:00"), 1800, "A", "Y"}, q);
            // G: [11:50,12:00) = 600 < 900.
            check_absent(tr, "G");
            // D: C2's explicit to (14:00) is not cut by U: [12:30,13:30) = 3600 s.
            check_contact(tr, {"D", 1, t("12:30"), t("13:30"), 3600, "C2", "Z"}, q);
            // E: D's interval [12:30, U=12:00) is empty.
            check_absent(tr, "E");
            CHECK(tr.result.entries.size() == 5);
        }
        SUBCASE("no until") {
            const traced tr = run_trace(scans, cases, params(15 * minute, 2, 0, time_infinity, q));
            // C1 infectious [10:00, +inf).
            check_contact(tr, {"A", 1, t("11:00"), t("13:00"), 7200, "C1", "X"}, q);
            check_contact(tr, {"B", 2, t("11:30"), t("13:00"), 5400, "A", "Y"}, q);
            check_contact(tr, {"G", 2, t("11:50"), t("13:00"), 4200, "A", "V"}, q);
            check_contact(tr, {"D", 1, t("12:30"), t("13:30"), 3600, "C2", "Z"}, q);
            // E: D infectious [12:30, +inf): [13:00,14:00) = 3600 s.
            check_contact(tr, {"E", 2, t("13:00"), t("14:00"), 3600, "D", "W"}, q);
            CHECK(tr.result.entries.size() == 7);
        }
        SUBCASE("latency reaching until leaves nothing") {
            // U = 12:00, λ = 1h: A infectious from 12:00 = U: an empty interval.
            const traced tr = run_trace(scans, cases, params(15 * minute, 2, hour, t("12:00"), q));
            check_contact(tr, {"A", 1, t("11:00"), t("12:00"), 3600, "C1", "X"}, q);
            check_absent(tr, "B");
            check_absent(tr, "G");
        }
    }

    TEST_CASE("trace: ties on first exposure go to the smallest via_person, then via_place") {
        // All cases infectious from 00:00. Ids are listed so that the index order
        // (first appearance) differs from the byte order: "B9" before "B10", "X9"
        // before "X10"; byte-wise "B10" < "B9" and "X10" < "X9".
        const std::string scans = "person,place,time,leave\n"
                                  "B9,X,2022-01-01T10:00:00Z,2022-01-01T11:00:00Z\n"
                                  "B10,X,2022-01-01T10:00:00Z,2022-01-01T11:00:00Z\n"
                                  "T1,X,2022-01-01T10:00:00Z,2022-01-01T11:00:00Z\n"
                                  "S,X9,2022-01-01T10:00:00Z,2022-01-01T11:00:00Z\n"
                                  "S,X10,2022-01-01T10:00:00Z,2022-01-01T11:00:00Z\n"
                                  "T2,X9,2022-01-01T10:00:00Z,2022-01-01T11:00:00Z\n"
                                  "T2,X10,2022-01-01T10:00:00Z,2022-01-01T11:00:00Z\n"
                                  "Z,Y,2022-01-01T10:00:00Z,2022-01-01T11:00:00Z\n"
                                  "AA,Y,2022-01-01T10:05:00Z,2022-01-01T11:00:00Z\n"
                                  "T3,Y,2022-01-01T10:00:00Z,2022-01-01T11:00:00Z\n";
        const std::string cases = "person,from\n"
                                  "B9,2022-01-01T00:00:00Z\n"
                                  "B10,2022-01-01T00:00:00Z\n"
                                  "S,2022-01-01T00:00:00Z\n"
                                  "Z,2022-01-01T00:00:00Z\n"
                                  "AA,2022-01-01T00:00:00Z\n";
        const traced tr = run_trace(scans, cases, params(15 * minute, 1));
        // T1: B9 and B10 both give [10:00,11:00): tie at 10:00 -> "B10" < "B9";
        // exposure 3600 + 3600 = 7200.
        check_contact(tr, {"T1", 1, t("10:00"), t("11:00"), 7200, "B10", "X"});
        // T2: S at X9 and X10, both [10:00,11:00): tie -> place "X10" < "X9"; 7200 s.
        check_contact(tr, {"T2", 1, t("10:00"), t("11:00"), 7200, "S", "X10"});
        // T3: Z gives [10:00,11:00) (3600), AA gives [10:05,11:00) (3300): no tie,
        // the earlier start wins although "AA" < "Z"; 6900 s.
        check_contact(tr, {"T3", 1, t("10:00"), t("11:00"), 6900, "Z", "Y"});
        for (const char* c : {"B9", "B10", "S", "Z", "AA"})
            check_case(tr, c);
        CHECK(tr.result.entries.size() == 8);
    }

    TEST_CASE("trace: ties at hop 2 and exposure summed over two sources at once") {
        // C (from 00:00) meets P9 and P10 at Y 08:00-09:00: both hop 1, E_1 = 08:00.
        // P9, P10 and T are together at X 10:00-11:00; Q (hop 1) is with U2 at R9 and
        // R10 10:00-10:30.
        const std::string scans = "person,place,time,leave\n"
                                  "C,Y,2022-01-01T08:00:00Z,2022-01-01T09:00:00Z\n"
                                  "P9,Y,2022-01-01T08:00:00Z,2022-01-01T09:00:00Z\n"
                                  "P10,Y,2022-01-01T08:00:00Z,2022-01-01T09:00:00Z\n"
                                  "Q,Y,2022-01-01T08:00:00Z,2022-01-01T09:00:00Z\n"
                                  "P9,X,2022-01-01T10:00:00Z,2022-01-01T11:00:00Z\n"
                                  "P10,X,2022-01-01T10:00:00Z,2022-01-01T11:00:00Z\n"
                                  "T,X,2022-01-01T10:00:00Z,2022-01-01T11:00:00Z\n"
                                  "Q,R9,2022-01-01T10:00:00Z,2022-01-01T10:30:00Z\n"
                                  "U2,R9,2022-01-01T10:00:00Z,2022-01-01T10:30:00Z\n"
                                  "Q,R10,2022-01-01T10:00:00Z,2022-01-01T10:30:00Z\n"
                                  "U2,R10,2022-01-01T10:00:00Z,2022-01-01T10:30:00Z\n";
        const std::string cases = "person,from\nC,2022-01-01T00:00:00Z\n";
        const traced tr = run_trace(scans, cases, params(15 * minute, 2));
        // Hop 1: each of P9, P10, Q: [08:00,09:00) with C = 3600 s, via C at Y.
        // (P9, P10, Q also meet one another at Y, but they are hop 1 already.)
        check_contact(tr, {"P9", 1, t("08:00"), t("09:00"), 3600, "C", "Y"});
        check_contact(tr, {"P10", 1, t("08:00"), t("09:00"), 3600, "C", "Y"});
        check_contact(tr, {"Q", 1, t("08:00"), t("09:00"), 3600, "C", "Y"});
        // T: P9 and P10 each give [10:00,11:00) -> 7200 s, tie -> "P10" < "P9".
        check_contact(tr, {"T", 2, t("10:00"), t("11:00"), 7200, "P10", "X"});
        // U2: Q at R9 and R10, [10:00,10:30) each -> 3600 s, tie -> "R10" < "R9".
        check_contact(tr, {"U2", 2, t("10:00"), t("10:30"), 3600, "Q", "R10"});
        CHECK(tr.result.entries.size() == 6);
    }

    TEST_CASE("trace: the minimum overlap boundary") {
        // C at X 10:00-11:00, infectious from 00:00.
        const std::string cases = "person,from\nC,2022-01-01T00:00:00Z\n";

        SUBCASE("exactly m qualifies, m - 1 does not") {
            const std::string scans = "person,place,time,leave\n"
                                      "C,X,2022-01-01T10:00:00Z,2022-01-01T11:00:00Z\n"
                                      "A,X,2022-01-01T10:45:00Z,2022-01-01T11:00:00Z\n"
                                      "B,X,2022-01-01T10:45:01Z,2022-01-01T11:00:00Z\n";
            const traced tr = run_trace(scans, cases, params(900, 1));
            // A: [10:45,11:00) = 900 = m. B: [10:45:01,11:00) = 899.
            check_contact(tr, {"A", 1, t("10:45"), t("11:00"), 900, "C", "X"});
            check_absent(tr, "B");
        }
        SUBCASE("after clipping to the source's interval: exactly m and m - 1") {
            // C: window [10:30, 11:00). A [10:00,10:45) -> [10:30,10:45) = 900;
            // B [10:00,10:44:59) -> [10:30,10:44:59) = 899.
            const std::string scans = "person,place,time,leave\n"
                                      "C,X,2022-01-01T10:00:00Z,2022-01-01T11:00:00Z\n"
                                      "A,X,2022-01-01T10:00:00Z,2022-01-01T10:45:00Z\n"
                                      "B,X,2022-01-01T10:00:00Z,2022-01-01T10:44:59Z\n";
            const traced tr =
                run_trace(scans, "person,from,to\nC,2022-01-01T10:30:00Z,2022-01-01T11:00:00Z\n",
                          params(900, 1));
            check_contact(tr, {"A", 1, t("10:30"), t("10:45"), 900, "C", "X"});
            check_absent(tr, "B");
        }
        SUBCASE("min_overlap below 1 acts as 1 s") {
            for (const duration m : {duration{0}, duration{1}, duration{-60}}) {
                INFO("min_overlap ", m);
                // A: [10:59:59,11:00) = 1 s qualifies. B touches the end (11:00-12:00)
                // and D touches the start (09:00-10:00): overlap length 0, no contact.
                const std::string scans = "person,place,time,leave\n"
                                          "C,X,2022-01-01T10:00:00Z,2022-01-01T11:00:00Z\n"
                                          "A,X,2022-01-01T10:59:59Z,2022-01-01T11:30:00Z\n"
                                          "B,X,2022-01-01T11:00:00Z,2022-01-01T12:00:00Z\n"
                                          "D,X,2022-01-01T09:00:00Z,2022-01-01T10:00:00Z\n";
                const traced tr = run_trace(scans, cases, params(m, 1));
                check_contact(tr, {"A", 1, t("10:59:59"), t("11:00"), 1, "C", "X"});
                check_absent(tr, "B");
                check_absent(tr, "D");
                CHECK(tr.result.entries.size() == 2);
            }
        }
    }

    namespace {

    // A chain: C -X1 10-11-> P1 -X2 12-13-> P2 -X3 14-15-> P3 -X4 16-17-> P4 -X5 18-19-> P5.
    const std::string chain_scans = "person,place,time,leave\n"
                                    "C,X1,2022-01-01T10:00:00Z,2022-01-01T11:00:00Z\n"
                                    "P1,X1,2022-01-01T10:00:00Z,2022-01-01T11:00:00Z\n"
                                    "P1,X2,2022-01-01T12:00:00Z,2022-01-01T13:00:00Z\n"
                                    "P2,X2,2022-01-01T12:00:00Z,2022-01-01T13:00:00Z\n"
                                    "P2,X3,2022-01-01T14:00:00Z,2022-01-01T15:00:00Z\n"
                                    "P3,X3,2022-01-01T14:00:00Z,2022-01-01T15:00:00Z\n"
                                    "P3,X4,2022-01-01T16:00:00Z,2022-01-01T17:00:00Z\n"
                                    "P4,X4,2022-01-01T16:00:00Z,2022-01-01T17:00:00Z\n"
                                    "P4,X5,2022-01-01T18:00:00Z,2022-01-01T19:00:00Z\n"
                                    "P5,X5,2022-01-01T18:00:00Z,2022-01-01T19:00:00Z\n";
    const std::string chain_cases = "person,from\nC,2022-01-01T00:00:00Z\n";

    } // namespace

    TEST_CASE("trace: hops along a chain") {
        // E_k(Pk) = start of the k-th meeting; each meeting is 3600 s.
        const want p1{"P1", 1, t("10:00"), t("11:00"), 3600, "C", "X1"};
        const want p2{"P2", 2, t("12:00"), t("13:00"), 3600, "P1", "X2"};
        const want p3{"P3", 3, t("14:00"), t("15:00"), 3600, "P2", "X3"};
        const want p4{"P4", 4, t("16:00"), t("17:00"), 3600, "P3", "X4"};

        SUBCASE("hops 0 lists only the index cases") {
            const traced tr = run_trace(chain_scans, chain_cases, params(900, 0));
            check_case(tr, "C");
            CHECK(listed(tr) == std::vector<std::string>{"C"});
        }
        SUBCASE("hops 1") {
            const traced tr = run_trace(chain_scans, chain_cases, params(900, 1));
            check_contact(tr, p1);
            CHECK(listed(tr) == std::vector<std::string>{"C", "P1"});
        }
        SUBCASE("hops 2: P3, reachable only at hop 3, is absent") {
            const traced tr = run_trace(chain_scans, chain_cases, params(900, 2));
            check_contact(tr, p1);
            check_contact(tr, p2);
            check_absent(tr, "P3");
            CHECK(listed(tr) == std::vector<std::string>{"C", "P1", "P2"});
        }
        SUBCASE("hops 3") {
            const traced tr = run_trace(chain_scans, chain_cases, params(900, 3));
            check_contact(tr, p3);
            CHECK(listed(tr) == std::vector<std::string>{"C", "P1", "P2", "P3"});
        }
        SUBCASE("hops 4: P5 (hop 5) is absent") {
            const traced tr = run_trace(chain_scans, chain_cases, params(900, 4));
            check_case(tr, "C");
            check_contact(tr, p1);
            check_contact(tr, p2);
            check_contact(tr, p3);
            check_contact(tr, p4);
            check_absent(tr, "P5");
            CHECK(listed(tr) == std::vector<std::string>{"C", "P1", "P2", "P3", "P4"});
            const auto& per_hop = tr.result.persons_per_hop;
            REQUIRE(per_hop.size() >= 5);
            for (std::size_t h = 0; h < 5; ++h)
                CHECK(per_hop[h] == 1);
        }
    }

    TEST_CASE("trace: contacts that are not time-respecting do not count") {
        // C (from 00:00) meets P1 at X 10:00-11:00: E_1(P1) = 10:00.
        const std::string scans = "person,place,time,leave\n"
                                  "C,X,2022-01-01T10:00:00Z,2022-01-01T11:00:00Z\n"
                                  "P1,X,2022-01-01T10:00:00Z,2022-01-01T11:00:00Z\n"
                                  "P1,Y,2022-01-01T08:00:00Z,2022-01-01T09:00:00Z\n"
                                  "P2,Y,2022-01-01T08:00:00Z,2022-01-01T09:00:00Z\n"
                                  "P1,Z,2022-01-01T09:30:00Z,2022-01-01T10:10:00Z\n"
                                  "P4,Z,2022-01-01T09:30:00Z,2022-01-01T10:10:00Z\n"
                                  "P1,W,2022-01-01T09:30:00Z,2022-01-01T10:30:00Z\n"
                                  "P5,W,2022-01-01T09:30:00Z,2022-01-01T10:30:00Z\n"
                                  "P1,V,2022-01-01T10:30:00Z,2022-01-01T11:30:00Z\n"
                                  "P3,V,2022-01-01T10:30:00Z,2022-01-01T11:30:00Z\n";
        const traced tr = run_trace(scans, "person,from\nC,2022-01-01T00:00:00Z\n", params(900, 3));
        check_contact(tr, {"P1", 1, t("10:00"), t("11:00"), 3600, "C", "X"});
        // P2 met P1 at 08:00-09:00, before P1 was exposed (P1 infectious from 10:00).
        check_absent(tr, "P2");
        // P4: overlap [09:30,10:10) -> [10:00,10:10) = 600 < 900.
        check_absent(tr, "P4");
        // P5: overlap [09:30,10:30) -> [10:00,10:30) = 1800: starts at P1's exposure.
        check_contact(tr, {"P5", 2, t("10:00"), t("10:30"), 1800, "P1", "W"});
        // P3: [10:30,11:30) entirely after 10:00: 3600 s.
        check_contact(tr, {"P3", 2, t("10:30"), t("11:30"), 3600, "P1", "V"});
        CHECK(listed(tr) == std::vector<std::string>{"C", "P1", "P5", "P3"});
    }

    TEST_CASE("trace: an earlier exposure through a longer chain lets a person infect earlier") {
        // C from 00:00.
        //   C & A at X 08:00-09:00              -> E_1(A) = 08:00
        //   A & P at Y 10:00-11:00              -> qualifies for P at layer 2: 10:00
        //   C & P at Z 20:00-21:00              -> E_1(P) = 20:00, so P is hop 1
        //   P & R at W 12:00-13:00
        // E_2(P) = min(E_1(P) = 20:00, 10:00) = 10:00.
        // Layer 2: P's layer-1 interval is [20:00, +inf): R's [12:00,13:00) does not qualify,
        //          E_2(R) = +inf.
        // Layer 3: P's layer-2 interval is [10:00, +inf): R qualifies, E_3(R) = 12:00.
        // P's row is from the events qualifying at layer 1 only: the C event at Z.
        const std::string scans = "person,place,time,leave\n"
                                  "C,X,2022-01-01T08:00:00Z,2022-01-01T09:00:00Z\n"
                                  "A,X,2022-01-01T08:00:00Z,2022-01-01T09:00:00Z\n"
                                  "A,Y,2022-01-01T10:00:00Z,2022-01-01T11:00:00Z\n"
                                  "P,Y,2022-01-01T10:00:00Z,2022-01-01T11:00:00Z\n"
                                  "C,Z,2022-01-01T20:00:00Z,2022-01-01T21:00:00Z\n"
                                  "P,Z,2022-01-01T20:00:00Z,2022-01-01T21:00:00Z\n"
                                  "P,W,2022-01-01T12:00:00Z,2022-01-01T13:00:00Z\n"
                                  "R,W,2022-01-01T12:00:00Z,2022-01-01T13:00:00Z\n";
        const std::string cases = "person,from\nC,2022-01-01T00:00:00Z\n";
        const want a{"A", 1, t("08:00"), t("09:00"), 3600, "C", "X"};
        const want p{"P", 1, t("20:00"), t("21:00"), 3600, "C", "Z"};

        SUBCASE("hops 2: R is not reached") {
            const traced tr = run_trace(scans, cases, params(900, 2));
            check_contact(tr, a);
            check_contact(tr, p);
            check_absent(tr, "R");
            CHECK(listed(tr) == std::vector<std::string>{"C", "A", "P"});
        }
        SUBCASE("hops 3: R is hop 3 through P's earlier exposure") {
            const traced tr = run_trace(scans, cases, params(900, 3));
            check_contact(tr, a);
            check_contact(tr, p);
            check_contact(tr, {"R", 3, t("12:00"), t("13:00"), 3600, "P", "W"});
            CHECK(listed(tr) == std::vector<std::string>{"C", "A", "P", "R"});
        }
        SUBCASE("hops 3 with latency 1h30m") {
            // E_2(P) = 10:00 -> P infectious at layer 2 from 11:30: R [11:30..]
            // overlap [12:00,13:00) -> [12:00,13:00) still 3600 s.
            // A infectious from 09:30 at layer 1: A & P [10:00,11:00) fully counts.
            const traced tr = run_trace(scans, cases, params(900, 3, 90 * minute));
            check_contact(tr, p);
            check_contact(tr, {"R", 3, t("12:00"), t("13:00"), 3600, "P", "W"});
        }
        SUBCASE("hops 3 with latency 2h30m") {
            // A infectious from 10:30 -> A & P: [10:30,11:00) = 1800 >= 900, E_2(P) = 10:30;
            // P infectious at layer 2 from 13:00: R's [12:00,13:00) gives nothing.
            const traced tr = run_trace(scans, cases, params(900, 3, 150 * minute));
            check_contact(tr, p);
            check_absent(tr, "R");
        }
    }

    TEST_CASE("trace: exposure_seconds sums several events over stays and places") {
        // C (from 00:00) at X 10:00-11:00 and 14:00-15:00 (separate stays), Y 12:00-12:20,
        // Z 13:00-13:05.
        // A at X 10:00-10:30 and 14:15-15:30, Y 12:00-12:30, Z 13:00-13:30.
        // Events: X [10:00,10:30) 1800; X [14:15,15:00) 2700; Y [12:00,12:20) 1200;
        //         Z [13:00,13:05) 300.
        const std::string scans = "person,place,time,leave\n"
                                  "C,X,2022-01-01T10:00:00Z,2022-01-01T11:00:00Z\n"
                                  "C,X,2022-01-01T14:00:00Z,2022-01-01T15:00:00Z\n"
                                  "C,Y,2022-01-01T12:00:00Z,2022-01-01T12:20:00Z\n"
                                  "C,Z,2022-01-01T13:00:00Z,2022-01-01T13:05:00Z\n"
                                  "A,X,2022-01-01T10:00:00Z,2022-01-01T10:30:00Z\n"
                                  "A,X,2022-01-01T14:15:00Z,2022-01-01T15:30:00Z\n"
                                  "A,Y,2022-01-01T12:00:00Z,2022-01-01T12:30:00Z\n"
                                  "A,Z,2022-01-01T13:00:00Z,2022-01-01T13:30:00Z\n";
        const std::string cases = "person,from\nC,2022-01-01T00:00:00Z\n";
        SUBCASE("m = 15m: the Z event is too short") {
            // 1800 + 2700 + 1200 = 5700; first 10:00, last 15:00.
            const traced tr = run_trace(scans, cases, params(900, 1, 0, time_infinity, day));
            check_contact(tr, {"A", 1, t("10:00"), t("15:00"), 5700, "C", "X"}, day);
        }
        SUBCASE("m = 5m: every event counts") {
            // 5700 + 300 = 6000.
            const traced tr = run_trace(scans, cases, params(300, 1));
            check_contact(tr, {"A", 1, t("10:00"), t("15:00"), 6000, "C", "X"});
        }
    }

    TEST_CASE("trace: index cases are never contacts") {
        // C1 from 00:00; C2 from 12:00. C1, C2 and A together at X 10:00-11:00;
        // A and C2 together at Y 12:00-13:00.
        const std::string scans = "person,place,time,leave\n"
                                  "C1,X,2022-01-01T10:00:00Z,2022-01-01T11:00:00Z\n"
                                  "C2,X,2022-01-01T10:00:00Z,2022-01-01T11:00:00Z\n"
                                  "A,X,2022-01-01T10:00:00Z,2022-01-01T11:00:00Z\n"
                                  "A,Y,2022-01-01T12:00:00Z,2022-01-01T13:00:00Z\n"
                                  "C2,Y,2022-01-01T12:00:00Z,2022-01-01T13:00:00Z\n";
        const std::string cases = "person,from\n"
                                  "C1,2022-01-01T00:00:00Z\n"
                                  "C2,2022-01-01T12:00:00Z\n";
        const traced tr = run_trace(scans, cases, params(900, 3));
        // C2 is met by C1 and by A but stays a hop-0 case with empty fields.
        check_case(tr, "C1");
        check_case(tr, "C2");
        // A: from C1 at X [10:00,11:00) = 3600 (C2 is not infectious before 12:00);
        // A's row keeps to layer 1 (the C2 event at Y also qualifies at layer 1:
        // [12:00,13:00) = 3600, so 7200 s in all, last 13:00).
        check_contact(tr, {"A", 1, t("10:00"), t("13:00"), 7200, "C1", "X"});
        CHECK(listed(tr) == std::vector<std::string>{"C1", "C2", "A"});
    }

    TEST_CASE("trace: an index case without scans is listed at hop 0") {
        const std::string scans = "person,place,time,leave\n"
                                  "C,X,2022-01-01T10:00:00Z,2022-01-01T11:00:00Z\n"
                                  "A,X,2022-01-01T10:00:00Z,2022-01-01T11:00:00Z\n";
        const std::string cases = "person,from\n"
                                  "Ghost,2022-01-01T00:00:00Z\n"
                                  "C,2022-01-01T00:00:00Z\n";
        const traced tr = run_trace(scans, cases, params(900, 2));
        check_case(tr, "Ghost");
        check_case(tr, "C");
        check_contact(tr, {"A", 1, t("10:00"), t("11:00"), 3600, "C", "X"});
        // Hop 0 rows sort by person: "C" < "Ghost".
        CHECK(listed(tr) == std::vector<std::string>{"C", "Ghost", "A"});
        REQUIRE(tr.result.cases_without_stays.size() == 1);
        CHECK(person_name(tr, tr.result.cases_without_stays[0]) == "Ghost");
    }

    TEST_CASE("trace: a person's own stays never contact themselves — visits merge first") {
        // C (from 00:00) visits X 10:00-11:00 and 10:30-12:00 -> one stay [10:00,12:00).
        // A visits X 10:00-11:00, 10:30-11:30 and 11:30-11:45 (touching)
        //   -> one stay [10:00,11:45): exposure [10:00,11:45) = 6300 s, counted once.
        // B visits Y 10:00-10:10 and 10:10-10:20 (touching) -> [10:00,10:20) = 1200 >= 900.
        // D visits Y 10:00-10:10 and 10:11-10:20 (1 s gap): two stays of 600 and 540 s,
        //   each < 900, so D is not a contact.
        const std::string scans = "person,place,time,leave\n"
                                  "C,X,2022-01-01T10:00:00Z,2022-01-01T11:00:00Z\n"
                                  "C,X,2022-01-01T10:30:00Z,2022-01-01T12:00:00Z\n"
                                  "A,X,2022-01-01T10:00:00Z,2022-01-01T11:00:00Z\n"
                                  "A,X,2022-01-01T10:30:00Z,2022-01-01T11:30:00Z\n"
                                  "A,X,2022-01-01T11:30:00Z,2022-01-01T11:45:00Z\n"
                                  "A,X,2022-01-01T10:30:00Z,2022-01-01T11:30:00Z\n"
                                  "C,Y,2022-01-01T09:00:00Z,2022-01-01T11:00:00Z\n"
                                  "B,Y,2022-01-01T10:00:00Z,2022-01-01T10:10:00Z\n"
                                  "B,Y,2022-01-01T10:10:00Z,2022-01-01T10:20:00Z\n"
                                  "D,Y,2022-01-01T10:00:00Z,2022-01-01T10:10:00Z\n"
                                  "D,Y,2022-01-01T10:11:00Z,2022-01-01T10:20:00Z\n";
        const traced tr = run_trace(scans, "person,from\nC,2022-01-01T00:00:00Z\n", params(900, 1));
        check_case(tr, "C");
        check_contact(tr, {"A", 1, t("10:00"), t("11:45"), 6300, "C", "X"});
        check_contact(tr, {"B", 1, t("10:00"), t("10:20"), 1200, "C", "Y"});
        check_absent(tr, "D");
        CHECK(listed(tr) == std::vector<std::string>{"C", "A", "B"});
        for (const risk_entry& e : tr.result.entries)
            CHECK(e.via_person != e.person);
    }

    TEST_CASE("trace: empty stays (leave == time) are never contacts") {
        // m = 0 (acts as 1 s). C (from 00:00) at X 10:00-11:00 and an empty stay at Y 10:30.
        const std::string scans = "person,place,time,leave\n"
                                  "C,X,2022-01-01T10:00:00Z,2022-01-01T11:00:00Z\n"
                                  "A,X,2022-01-01T10:30:00Z,2022-01-01T10:30:00Z\n"
                                  "D,X,2022-01-01T10:00:00Z,2022-01-01T10:00:00Z\n"
                                  "C,Y,2022-01-01T10:30:00Z,2022-01-01T10:30:00Z\n"
                                  "B,Y,2022-01-01T10:00:00Z,2022-01-01T11:00:00Z\n"
                                  "E,X,2022-01-01T09:00:00Z,2022-01-01T10:00:00Z\n"
                                  "E,X,2022-01-01T10:00:00Z,2022-01-01T10:00:00Z\n";
        // A, D: empty stays inside C's stay: overlap length 0.
        // B: C's stay at Y is empty: overlap length 0.
        // E: [09:00,10:00) merged with the empty [10:00,10:00) stays [09:00,10:00): touches C.
        const traced tr = run_trace(scans, "person,from\nC,2022-01-01T00:00:00Z\n", params(0, 3));
        check_case(tr, "C");
        CHECK(listed(tr) == std::vector<std::string>{"C"});
    }

    TEST_CASE("trace: result rows are ordered by hop, first exposure, then person byte-wise") {
        // Cases C2 and C1 (from 00:00), listed C2 first.
        // Hop 1: b (C1 at X 10:00-10:30), a (C2 at Y 11:00-12:00),
        //        B9, B10, Z (C1 at P3 12:00-13:00; all tie at 12:00).
        // Hop 2: A (b at W 10:30-11:30 -> 10:30, earlier than a's 11:00 but a later hop),
        //        0 (Z at V 13:00-14:00 -> 13:00).
        const std::string scans = "person,place,time,leave\n"
                                  "C2,Y,2022-01-01T11:00:00Z,2022-01-01T12:00:00Z\n"
                                  "a,Y,2022-01-01T11:00:00Z,2022-01-01T12:00:00Z\n"
                                  "C1,X,2022-01-01T10:00:00Z,2022-01-01T10:30:00Z\n"
                                  "b,X,2022-01-01T10:00:00Z,2022-01-01T10:30:00Z\n"
                                  "C1,P3,2022-01-01T12:00:00Z,2022-01-01T13:00:00Z\n"
                                  "Z,P3,2022-01-01T12:00:00Z,2022-01-01T13:00:00Z\n"
                                  "B9,P3,2022-01-01T12:00:00Z,2022-01-01T13:00:00Z\n"
                                  "B10,P3,2022-01-01T12:00:00Z,2022-01-01T13:00:00Z\n"
                                  "b,W,2022-01-01T10:30:00Z,2022-01-01T11:30:00Z\n"
                                  "A,W,2022-01-01T10:30:00Z,2022-01-01T11:30:00Z\n"
                                  "Z,V,2022-01-01T13:00:00Z,2022-01-01T14:00:00Z\n"
                                  "0,V,2022-01-01T13:00:00Z,2022-01-01T14:00:00Z\n";
        const std::string cases = "person,from\n"
                                  "C2,2022-01-01T00:00:00Z\n"
                                  "C1,2022-01-01T00:00:00Z\n";
        const traced tr = run_trace(scans, cases, params(900, 2));
        // Byte order: "0" < "A" < "B10" < "B9" < "Z" < "a" < "b".
        CHECK(listed(tr) ==
              std::vector<std::string>{"C1", "C2", "b", "a", "B10", "B9", "Z", "A", "0"});
        check_contact(tr, {"b", 1, t("10:00"), t("10:30"), 1800, "C1", "X"});
        check_contact(tr, {"a", 1, t("11:00"), t("12:00"), 3600, "C2", "Y"});
        check_contact(tr, {"B10", 1, t("12:00"), t("13:00"), 3600, "C1", "P3"});
        check_contact(tr, {"B9", 1, t("12:00"), t("13:00"), 3600, "C1", "P3"});
        check_contact(tr, {"Z", 1, t("12:00"), t("13:00"), 3600, "C1", "P3"});
        check_contact(tr, {"A", 2, t("10:30"), t("11:30"), 3600, "b", "W"});
        check_contact(tr, {"0", 2, t("13:00"), t("14:00"), 3600, "Z", "V"});
        const auto& per_hop = tr.result.persons_per_hop;
        REQUIRE(per_hop.size() >= 3);
        CHECK(per_hop[0] == 2);
        CHECK(per_hop[1] == 5);
        CHECK(per_hop[2] == 2);
    }

    TEST_CASE("trace: scans without a check-out use the place's dwell, else the default") {
        // places: X has dwell 30m, Y has none. Default dwell 60m.
        // C (from 00:00) at X 10:00 (-> [10:00,10:30)) and at Y 10:00 (-> [10:00,11:00)).
        // A at X 10:00-12:00: [10:00,10:30) = 1800. B at Y 10:00-12:00: [10:00,11:00) = 3600.
        const std::string scans = "person,place,time,leave\n"
                                  "C,X,2022-01-01T10:00:00Z,\n"
                                  "C,Y,2022-01-01T10:00:00Z,\n"
                                  "A,X,2022-01-01T10:00:00Z,2022-01-01T12:00:00Z\n"
                                  "B,Y,2022-01-01T10:00:00Z,2022-01-01T12:00:00Z\n";
        const traced tr = run_trace(scans, "person,from\nC,2022-01-01T00:00:00Z\n", params(900, 1),
                                    "place,dwell\nX,30m\nY,\n");
        check_contact(tr, {"A", 1, t("10:00"), t("10:30"), 1800, "C", "X"});
        check_contact(tr, {"B", 1, t("10:00"), t("11:00"), 3600, "C", "Y"});
    }

    TEST_CASE("trace: lingering extends a source's presence by its length, at most D, and "
              "only outward (§8.3)") {
        // C at X [10:00, 10:20) (20 min). B arrives 10:25, leaves 11:00.
        // Lingering 30m: C's footprint is [10:00, 10:40): B exposed
        // [10:25, 10:40) = 900 s >= 15 min. Without it, nothing. A at X
        // [09:00, 09:50) overlaps neither presence nor footprint.
        // B (hop 1, from 10:25) at X until 11:00 leaves a footprint of
        // min(35m, 30m) past 11:00; D at X [11:10, 11:40) is exposed by it
        // [11:10, 11:30) = 1200 s at hop 2. Lingering is directional: C is
        // never exposed (an index case), and D exposes nobody earlier.
        const std::string scans = "person,place,time,leave\n"
                                  "C,X,2022-01-01T10:00:00Z,2022-01-01T10:20:00Z\n"
                                  "B,X,2022-01-01T10:25:00Z,2022-01-01T11:00:00Z\n"
                                  "A,X,2022-01-01T09:00:00Z,2022-01-01T09:50:00Z\n"
                                  "D,X,2022-01-01T11:10:00Z,2022-01-01T11:40:00Z\n";
        const std::string cases = "person,from\nC,2022-01-01T00:00:00Z\n";
        trace_parameters p = params(15 * minute, 2);
        const traced none = run_trace(scans, cases, p);
        CHECK(none.result.entries.size() == 1);
        p.linger = 30 * minute;
        const traced tr = run_trace(scans, cases, p);
        check_contact(tr, {"B", 1, t("10:25"), t("10:40"), 900, "C", "X"});
        check_contact(tr, {"D", 2, t("11:10"), t("11:30"), 1200, "B", "X"});
        CHECK(tr.find("A") == nullptr);
        CHECK(tr.result.entries.size() == 3);
        // A shorter lingering: C's footprint ends at 10:30, B's exposure is
        // 5 min, below the minimum.
        p.linger = 10 * minute;
        CHECK(run_trace(scans, cases, p).find("B") == nullptr);
    }

    TEST_CASE("trace: a place's own minimum overlap replaces the global one there (§8.2)") {
        // C at X and Y [10:00, 11:00). A at X [10:54, 12:00): 6 min.
        // B at Y [10:54, 12:00): 6 min. X's minimum is 5m, Y has none (15m).
        const std::string scans = "person,place,time,leave\n"
                                  "C,X,2022-01-01T10:00:00Z,2022-01-01T11:00:00Z\n"
                                  "C,Y,2022-01-01T10:00:00Z,2022-01-01T11:00:00Z\n"
                                  "A,X,2022-01-01T10:54:00Z,2022-01-01T12:00:00Z\n"
                                  "B,Y,2022-01-01T10:54:00Z,2022-01-01T12:00:00Z\n";
        const std::string cases = "person,from\nC,2022-01-01T00:00:00Z\n";
        trace_parameters p = params(15 * minute, 1);
        p.place_min_overlap = {5 * minute, -1}; // by place index: X, Y (as the places file lists)
        const traced tr = run_trace(scans, cases, p, "place\nX\nY\n");
        check_contact(tr, {"A", 1, t("10:54"), t("11:00"), 360, "C", "X"});
        CHECK(tr.find("B") == nullptr);
        // A place's 0 acts as 1 s, like the global minimum.
        p.place_min_overlap = {0, 0};
        const traced all = run_trace(scans, cases, p, "place\nX\nY\n");
        CHECK(all.find("A") != nullptr);
        CHECK(all.find("B") != nullptr);
    }

    TEST_CASE("trace: a footprint starts from the presence clipped to the case's window, so it "
              "may cross the window's end (§8.3)") {
        // C is infectious until 10:10 (`to`) and at X [10:00, 10:20): its
        // presence is [10:00, 10:10), 10 minutes, so with lingering 30m its
        // footprint is [10:00, 10:20). B at X [10:12, 10:40) is exposed
        // [10:12, 10:20) = 480 s (minimum 5m), after C's window ended.
        const std::string scans = "person,place,time,leave\n"
                                  "C,X,2022-01-01T10:00:00Z,2022-01-01T10:20:00Z\n"
                                  "B,X,2022-01-01T10:12:00Z,2022-01-01T10:40:00Z\n";
        const std::string cases = "person,from,to\nC,2022-01-01T00:00:00Z,2022-01-01T10:10:00Z\n";
        trace_parameters p = params(5 * minute, 1);
        CHECK(run_trace(scans, cases, p).find("B") == nullptr);
        p.linger = 30 * minute;
        check_contact(run_trace(scans, cases, p), {"B", 1, t("10:12"), t("10:20"), 480, "C", "X"});
    }

} // TEST_SUITE
