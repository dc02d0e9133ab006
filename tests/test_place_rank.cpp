// The PageRank place ranking (ctrace/analytics/place_rank.hpp) with hand-computed
// expectations.
//
// Times are 2022-01-01 UTC unless a comment says otherwise; "10:00-11:00" is
// the half-open [10:00, 11:00). Default dwell 60m, minimum overlap 15m.

#include "ctrace/analytics/place_rank.hpp"
#include "ctrace/core/error.hpp"
#include "ctrace/core/time.hpp"
#include "test_helpers.hpp"

#include <doctest/doctest.h>
#include <sstream>
#include <string>

namespace {

using ctrace::time_point;
using ctrace::testing::run_trace;
using ctrace::testing::traced;

time_point t(const std::string& clock) {
    return ctrace::parse_time("2022-01-01T" + clock + ":00Z", ctrace::utc_offset{});
}

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

} // namespace

TEST_SUITE("place_rank") {
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

    TEST_CASE("rank: window edges are half-open — an empty stay is an instant") {
        // Each person visits two places, so a counted visit shows up as a link.
        const std::string scans = "person,place,time,leave\n"
                                  "A,X,2022-01-01T09:00Z,2022-01-01T10:00Z\n" // ends at from: out
                                  "B,X,2022-01-01T12:00Z,2022-01-01T13:00Z\n" // starts at to: out
                                  "C,X,2022-01-01T10:00Z,2022-01-01T10:00Z\n" // empty at from: in
                                  "D,X,2022-01-01T11:59:59Z,2022-01-01T11:59:59Z\n"  // in
                                  "E,X,2022-01-01T12:00Z,2022-01-01T12:00Z\n"        // at to: out
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
        CHECK_THROWS_AS(
            ctrace::rank_places(tr.stays, tr.log.persons.size(), tr.log.places.size(), p),
            ctrace::input_error);
        p = {};
        p.damping = 1;
        CHECK_THROWS_AS(
            ctrace::rank_places(tr.stays, tr.log.persons.size(), tr.log.places.size(), p),
            ctrace::input_error);
    }

} // TEST_SUITE
