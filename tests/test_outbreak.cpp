// Outbreak analytics with hand-computed expectations: risk places, the
// PageRank place ranking and transmission clusters.
//
// Times are 2022-01-01 UTC unless a comment says otherwise; "10:00-11:00" is
// the half-open [10:00, 11:00). Default dwell 60m, minimum overlap 15m.

#include "ctrace/clusters.hpp"
#include "ctrace/place_rank.hpp"
#include "ctrace/risk_places.hpp"
#include "ctrace/time.hpp"
#include "test_helpers.hpp"

#include <doctest/doctest.h>
#include <sstream>
#include <string>
#include <vector>

namespace {

using ctrace::time_infinity;
using ctrace::time_point;
using ctrace::testing::run_trace;
using ctrace::testing::traced;

time_point t(const std::string& clock) {
    return ctrace::parse_time("2022-01-01T" + clock + ":00Z", ctrace::utc_offset{});
}

std::vector<ctrace::risk_place> risk_places_of(const traced& tr,
                                               const ctrace::trace_parameters& parameters = {}) {
    return ctrace::find_risk_places(tr.stays, tr.graph, tr.log.persons, tr.log.places, tr.cases,
                                    parameters);
}

std::string place_csv(const traced& tr, const std::vector<ctrace::risk_place>& rows) {
    std::ostringstream out;
    ctrace::write_risk_places(out, rows, tr.log.places, ctrace::utc_offset{});
    return out.str();
}

// C1 is infectious 09:00-18:00, C2 from midnight on. At X both are present
// (C1 10:00-11:00 and 12:00-12:30, C2 10:30-11:30); P1 meets C1 twice, P2
// meets both, P3 meets C2 for only 10 minutes. Z and Y each have one case
// hour and one exposed person (a tie broken by id: Y first although Z was
// seen first). At W the two cases meet each other: a case is never exposed.
// At V C1 was only before its window. At U two close contacts meet: layer 2,
// which risk places do not count.
const char* const places_scans = "person,place,time,leave\n"
                                 "C1,X,2022-01-01T10:00Z,2022-01-01T11:00Z\n"
                                 "C1,X,2022-01-01T12:00Z,2022-01-01T12:30Z\n"
                                 "C2,X,2022-01-01T10:30Z,2022-01-01T11:30Z\n"
                                 "P1,X,2022-01-01T10:00Z,2022-01-01T10:20Z\n"
                                 "P1,X,2022-01-01T12:10Z,2022-01-01T12:30Z\n"
                                 "P2,X,2022-01-01T10:40Z,2022-01-01T11:00Z\n"
                                 "P3,X,2022-01-01T11:20Z,2022-01-01T11:30Z\n"
                                 "C1,Z,2022-01-01T15:00Z,2022-01-01T16:00Z\n"
                                 "P5,Z,2022-01-01T15:30Z,2022-01-01T16:30Z\n"
                                 "C1,Y,2022-01-01T13:00Z,2022-01-01T14:00Z\n"
                                 "P4,Y,2022-01-01T13:00Z,2022-01-01T13:30Z\n"
                                 "C1,W,2022-01-01T17:30Z,2022-01-01T19:00Z\n"
                                 "C2,W,2022-01-01T17:30Z,2022-01-01T18:30Z\n"
                                 "C1,V,2022-01-01T07:00Z,2022-01-01T08:00Z\n"
                                 "P6,V,2022-01-01T07:00Z,2022-01-01T08:00Z\n"
                                 "P1,U,2022-01-01T14:00Z,2022-01-01T15:00Z\n"
                                 "P4,U,2022-01-01T14:00Z,2022-01-01T15:00Z\n";
const char* const places_cases = "person,from,to\n"
                                 "C1,2022-01-01T09:00Z,2022-01-01T18:00Z\n"
                                 "C2,2022-01-01T00:00Z,\n";

TEST_CASE("risk places: presence, exposures, ties and order") {
    const traced tr = run_trace(places_scans, places_cases);
    const auto rows = risk_places_of(tr);
    CHECK(place_csv(tr, rows) ==
          "place,cases,first_presence,last_presence,case_seconds,exposed,exposed_seconds\n"
          // 3600 + 1800 (C1) + 3600 (C2); P1 1200 + 1200, P2 1200 (C1) + 1200 (C2)
          "X,2,2022-01-01T10:00:00Z,2022-01-01T12:30:00Z,9000,2,4800\n"
          "Y,1,2022-01-01T13:00:00Z,2022-01-01T14:00:00Z,3600,1,1800\n"
          "Z,1,2022-01-01T15:00:00Z,2022-01-01T16:00:00Z,3600,1,1800\n"
          // C1 clipped to 17:30-18:00, C2 17:30-18:30
          "W,2,2022-01-01T17:30:00Z,2022-01-01T18:30:00Z,5400,0,0\n");
}

TEST_CASE("risk places: only layer 1 counts, whatever the hops") {
    const traced tr = run_trace(places_scans, places_cases);
    for (const std::uint32_t hops : {0u, 1u, 5u}) {
        ctrace::trace_parameters p;
        p.hops = hops;
        CHECK(place_csv(tr, risk_places_of(tr, p)) == place_csv(tr, risk_places_of(tr)));
    }
}

TEST_CASE("risk places: the minimum overlap decides who is exposed") {
    const traced tr = run_trace(places_scans, places_cases);
    ctrace::trace_parameters p;
    p.min_overlap = 10 * 60; // P3 (10 min with C2 at X) now counts
    const auto rows = risk_places_of(tr, p);
    REQUIRE(!rows.empty());
    CHECK(tr.log.places[rows[0].place] == "X");
    CHECK(rows[0].exposed == 3);
    CHECK(rows[0].exposed_seconds == 4800 + 600);
}

TEST_CASE("risk places: none when no case was anywhere in its window") {
    const traced tr = run_trace("person,place,time,leave\n"
                                "C1,X,2022-01-01T07:00Z,2022-01-01T08:00Z\n"
                                "P1,X,2022-01-01T07:00Z,2022-01-01T08:00Z\n",
                                "person,from,to\nC1,2022-01-01T09:00Z,\nC9,2022-01-01T09:00Z,\n");
    const auto rows = risk_places_of(tr);
    CHECK(rows.empty());
    CHECK(place_csv(tr, rows) ==
          "place,cases,first_presence,last_presence,case_seconds,exposed,exposed_seconds\n");
}

TEST_CASE("risk places: a stay ending exactly at the window start is no presence") {
    const traced tr = run_trace("person,place,time,leave\n"
                                "C1,X,2022-01-01T08:00Z,2022-01-01T09:00Z\n"
                                "C1,Y,2022-01-01T09:00Z,2022-01-01T09:00:01Z\n",
                                "person,from,to\nC1,2022-01-01T09:00Z,2022-01-01T10:00Z\n");
    const auto rows = risk_places_of(tr);
    REQUIRE(rows.size() == 1);
    CHECK(tr.log.places[rows[0].place] == "Y");
    CHECK(rows[0].case_seconds == 1);
}

// ---------------------------------------------------------------- rank

struct ranked {
    traced data;
    ctrace::place_rank_result result;

    std::size_t index(std::string_view place) const {
        for (ctrace::place_index x = 0; x < data.log.places.size(); ++x)
            if (data.log.places[x] == place) return x;
        FAIL("no place " << place);
        return 0;
    }
    double score(std::string_view place) const { return result.score[index(place)]; }
    std::uint64_t visitors(std::string_view place) const { return result.visitors[index(place)]; }
    std::string table(std::size_t top) const {
        std::ostringstream out;
        ctrace::write_place_ranking(out, result, ctrace::top_places(result, data.log.places, top),
                                    data.log.places);
        return out.str();
    }
};

ranked rank(const std::string& scans, const ctrace::place_rank_parameters& parameters = {}) {
    ranked r{run_trace(scans, "person,from\n"), {}};
    r.result = ctrace::rank_places(r.data.stays, r.data.log.persons.size(),
                                   r.data.log.places.size(), parameters);
    return r;
}

// A visits H and L1, B visits H and L2, C only Q: C has H-L1 = H-L2 = 1, and
// Q is dangling. By hand (d = 0.85, L = 4): r_Q = (0.15 + 0.85 r_Q)/4 gives
// 1/21 = 37/777; r_L = r_Q + 0.425 r_H and r_H = r_Q + 1.7 r_L give
// r_H = 360/777, r_L1 = r_L2 = 190/777.
const char* const star_scans = "person,place,time,leave\n"
                               "A,H,2022-01-01T10:00Z,2022-01-01T11:00Z\n"
                               "A,L1,2022-01-01T08:00Z,2022-01-01T09:00Z\n"
                               "B,H,2022-01-01T12:00Z,2022-01-01T13:00Z\n"
                               "B,L2,2022-01-01T12:00Z,2022-01-01T13:00Z\n"
                               "C,Q,2022-01-01T12:00Z,2022-01-01T13:00Z\n"
                               "C,Q,2022-01-01T15:00Z,2022-01-01T16:00Z\n";

TEST_CASE("rank: a star with a dangling place, by hand") {
    const ranked r = rank(star_scans);
    CHECK(r.score("H") == doctest::Approx(360.0 / 777).epsilon(1e-11));
    CHECK(r.score("L1") == doctest::Approx(190.0 / 777).epsilon(1e-11));
    CHECK(r.score("L2") == doctest::Approx(190.0 / 777).epsilon(1e-11));
    CHECK(r.score("Q") == doctest::Approx(37.0 / 777).epsilon(1e-11));
    CHECK(r.visitors("H") == 2);
    CHECK(r.visitors("Q") == 1); // two stays, one person
    CHECK(r.result.visits == 5);
    CHECK(r.result.last_change < 1e-12);
    double sum = 0;
    for (const double s : r.result.score)
        sum += s;
    CHECK(sum == doctest::Approx(1).epsilon(1e-12));
    // L1 and L2 are tied exactly (same computation): by id. --top cuts after 3.
    const std::string table = r.table(3);
    CHECK(table.rfind("rank,place,score,visitors\n1,H,0.46332046", 0) == 0);
    CHECK(table.find("\n2,L1,0.24453024") != std::string::npos);
    CHECK(table.find("\n3,L2,0.24453024") != std::string::npos);
    CHECK(table.find("Q") == std::string::npos);
    CHECK(r.result.score[1] == r.result.score[2]); // L1 and L2 bit for bit
}

// The window [11:30, 14:00) leaves A out entirely (H 10:00-11:00, L1
// 08:00-09:00). B links H and L2; L1 and Q (C's 12:00 stay counts) are
// dangling. By hand:
// r_L1 = r_Q = base = 0.0375 + 0.2125 (r_L1 + r_Q) = 3/46, r_H = r_L2 = 10/23.
TEST_CASE("rank: a time window, by hand") {
    ctrace::place_rank_parameters window;
    window.from = t("11:30");
    window.to = t("14:00");
    const ranked r = rank(star_scans, window);
    CHECK(r.score("H") == doctest::Approx(10.0 / 23).epsilon(1e-11));
    CHECK(r.score("L2") == doctest::Approx(10.0 / 23).epsilon(1e-11));
    CHECK(r.score("L1") == doctest::Approx(3.0 / 46).epsilon(1e-11));
    CHECK(r.score("Q") == doctest::Approx(3.0 / 46).epsilon(1e-11));
    CHECK(r.visitors("H") == 1);
    CHECK(r.visitors("L1") == 0);
    CHECK(r.visitors("Q") == 1);
    // Ties by id: H before L2, L1 before Q.
    const std::string table = r.table(0);
    CHECK(table.find("\n1,H,") != std::string::npos);
    CHECK(table.find("\n2,L2,") != std::string::npos);
    CHECK(table.find("\n3,L1,") != std::string::npos);
    CHECK(table.find("\n4,Q,") != std::string::npos);
}

TEST_CASE("rank: window edges are half-open; an empty stay is an instant") {
    // Each person visits two places, so a counted visit shows up as a link.
    const std::string scans = "person,place,time,leave\n"
                              "A,X,2022-01-01T09:00Z,2022-01-01T10:00Z\n"       // ends at from: out
                              "B,X,2022-01-01T12:00Z,2022-01-01T13:00Z\n"       // starts at to: out
                              "C,X,2022-01-01T10:00Z,2022-01-01T10:00Z\n"       // empty at from: in
                              "D,X,2022-01-01T11:59:59Z,2022-01-01T11:59:59Z\n" // in
                              "E,X,2022-01-01T12:00Z,2022-01-01T12:00Z\n"       // at to: out
                              "F,X,2022-01-01T09:59:59Z,2022-01-01T10:00:01Z\n"; // in
    ctrace::place_rank_parameters window;
    window.from = t("10:00");
    window.to = t("12:00");
    const ranked r = rank(scans, window);
    CHECK(r.visitors("X") == 3);
    const ranked all = rank(scans);
    CHECK(all.visitors("X") == 6);
}

TEST_CASE("rank: two places sharing all visitors tie at 1/2") {
    const ranked r = rank("person,place,time\n"
                          "A,Y,2022-01-01T10:00Z\nA,X,2022-01-01T11:00Z\n"
                          "B,X,2022-01-01T10:00Z\nB,Y,2022-01-01T12:00Z\n");
    CHECK(r.score("X") == 0.5);
    CHECK(r.score("Y") == 0.5);
    CHECK(r.table(0) == "rank,place,score,visitors\n1,X,0.5,2\n2,Y,0.5,2\n");
}

TEST_CASE("rank: empty inputs") {
    SUBCASE("no places") {
        const ranked r = rank("person,place,time\n");
        CHECK(r.result.score.empty());
        CHECK(r.table(50) == "rank,place,score,visitors\n");
    }
    SUBCASE("no visits in the window: uniform") {
        ctrace::place_rank_parameters window;
        window.from = t("20:00");
        const ranked r = rank(star_scans, window);
        for (const double s : r.result.score)
            CHECK(s == doctest::Approx(0.25).epsilon(1e-12));
        CHECK(r.result.visits == 0);
        CHECK(r.table(2) == "rank,place,score,visitors\n1,H,0.25,0\n2,L1,0.25,0\n");
    }
}

TEST_CASE("rank: bad parameters are refused") {
    const traced tr = run_trace(star_scans, "person,from\n");
    ctrace::place_rank_parameters p;
    p.from = t("12:00");
    p.to = t("12:00");
    CHECK_THROWS_AS(ctrace::rank_places(tr.stays, tr.log.persons.size(), tr.log.places.size(), p),
                    ctrace::input_error);
    p = {};
    p.damping = 1;
    CHECK_THROWS_AS(ctrace::rank_places(tr.stays, tr.log.persons.size(), tr.log.places.size(), p),
                    ctrace::input_error);
}

// ---------------------------------------------------------------- clusters

// C1 meets P1 at X, C2 meets P2 at Y, and P1 meets P2 at Z afterwards (a
// layer-2 event, both already hop 1). C3 meets P3 at V; C4 never scanned.
const char* const cluster_scans = "person,place,time,leave\n"
                                  "C1,X,2022-01-01T10:00Z,2022-01-01T11:00Z\n"
                                  "P1,X,2022-01-01T10:00Z,2022-01-01T11:00Z\n"
                                  "C2,Y,2022-01-01T10:00Z,2022-01-01T11:00Z\n"
                                  "P2,Y,2022-01-01T10:00Z,2022-01-01T11:00Z\n"
                                  "P1,Z,2022-01-01T12:00Z,2022-01-01T13:00Z\n"
                                  "P2,Z,2022-01-01T12:00Z,2022-01-01T13:00Z\n"
                                  "P3,V,2022-01-01T10:00Z,2022-01-01T11:00Z\n"
                                  "C3,V,2022-01-01T10:00Z,2022-01-01T11:00Z\n";
const char* const cluster_cases = "person,from\n"
                                  "C3,2022-01-01T00:00Z\nC2,2022-01-01T00:00Z\n"
                                  "C4,2022-01-01T00:00Z\nC1,2022-01-01T00:00Z\n";

ctrace::cluster_result clusters_of(const traced& tr, std::uint32_t hops) {
    ctrace::trace_parameters p;
    p.hops = hops;
    return ctrace::find_clusters(tr.stays, tr.graph, tr.log.persons, tr.log.places, tr.cases, p);
}

std::string cluster_tables(const traced& tr, const ctrace::cluster_result& result) {
    std::ostringstream out;
    ctrace::write_clusters(out, result, tr.log.persons);
    ctrace::write_cluster_summary(out, result, tr.log.persons, tr.log.places);
    return out.str();
}

TEST_CASE("clusters: contacts of two cases meeting link their outbreaks") {
    const traced tr = run_trace(cluster_scans, cluster_cases);
    const ctrace::cluster_result result = clusters_of(tr, 2);
    CHECK(cluster_tables(tr, result) ==
          "person,cluster,hop,code\n"
          "C1,1,0,red\nC2,1,0,red\nP1,1,1,red\nP2,1,1,red\n"
          "C3,2,0,red\nP3,2,1,red\n"
          "C4,3,0,red\n"
          "cluster,size,index_cases,linked,places,index_case_ids,place_ids\n"
          "1,4,2,yes,3,C1;C2,X;Y;Z\n"
          "2,2,1,no,1,C3,V\n"
          "3,1,1,no,0,C4,\n");
    CHECK(result.clusters[0].links_outbreaks());
}

TEST_CASE("clusters: with one hop the meeting of the contacts is not traced") {
    const traced tr = run_trace(cluster_scans, cluster_cases);
    const ctrace::cluster_result result = clusters_of(tr, 1);
    // Three clusters of two, ordered by their index case; then C4.
    CHECK(cluster_tables(tr, result) ==
          "person,cluster,hop,code\n"
          "C1,1,0,red\nP1,1,1,red\n"
          "C2,2,0,red\nP2,2,1,red\n"
          "C3,3,0,red\nP3,3,1,red\n"
          "C4,4,0,red\n"
          "cluster,size,index_cases,linked,places,index_case_ids,place_ids\n"
          "1,2,1,no,1,C1,X\n"
          "2,2,1,no,1,C2,Y\n"
          "3,2,1,no,1,C3,V\n"
          "4,1,1,no,0,C4,\n");
}

TEST_CASE("clusters: no cases, no clusters") {
    const traced tr = run_trace(cluster_scans, "person,from\n");
    const ctrace::cluster_result result = clusters_of(tr, 2);
    CHECK(result.clusters.empty());
    CHECK(cluster_tables(tr, result) ==
          "person,cluster,hop,code\n"
          "cluster,size,index_cases,linked,places,index_case_ids,place_ids\n");
}

} // namespace
