// Tests of the bipartite person-place graph (ctrace/model/graph.hpp): a person's
// out-edges are exactly its stays, in (place, start) order.

#include "ctrace/core/error.hpp"
#include "ctrace/model/graph.hpp"
#include "ctrace/model/stays.hpp"

#include <algorithm>
#include <doctest/doctest.h>
#include <random>
#include <tuple>
#include <utility>
#include <vector>

using namespace ctrace;

namespace {

/// The stay rows on the out-edges of vertex `v`, checking each edge's target.
std::vector<std::uint32_t> out_stays(const person_place_graph& g, const stay_table& t,
                                     std::uint32_t v) {
    std::vector<std::uint32_t> out;
    for (auto [it, end] = boost::out_edges(v, g.csr); it != end; ++it) {
        const std::uint32_t row = g.csr[*it].stay;
        REQUIRE(row < t.size());
        CHECK(boost::source(*it, g.csr) == v);
        CHECK(boost::target(*it, g.csr) == g.place_vertex(t.place[row]));
        out.push_back(row);
    }
    return out;
}

void check_graph(const stay_table& t, std::size_t person_count) {
    const person_place_graph g = build_person_place_graph(t, person_count);
    CHECK(g.person_count == person_count);
    CHECK(g.place_count == t.place_count());
    CHECK(boost::num_vertices(g.csr) == person_count + t.place_count());
    CHECK(boost::num_edges(g.csr) == t.size());
    for (person_index p = 0; p < person_count; ++p) {
        CAPTURE(p);
        CHECK(g.person_vertex(p) == p);
        // Exactly the person's stays, in (place, start) order.
        std::vector<std::uint32_t> expected;
        for (std::uint32_t i = 0; i < t.size(); ++i)
            if (t.person[i] == p) expected.push_back(i);
        std::sort(expected.begin(), expected.end(), [&](std::uint32_t a, std::uint32_t b) {
            return std::tie(t.place[a], t.start[a]) < std::tie(t.place[b], t.start[b]);
        });
        CHECK(out_stays(g, t, g.person_vertex(p)) == expected);
        CHECK(boost::out_degree(g.person_vertex(p), g.csr) == expected.size());
    }
    for (place_index x = 0; x < t.place_count(); ++x) {
        CHECK(g.place_vertex(x) == person_count + x);
        CHECK(boost::out_degree(g.place_vertex(x), g.csr) == 0);
    }
}

} // namespace

TEST_SUITE("graph") {

    TEST_CASE("graph: out-edges of each person are exactly its stays") {
        const std::vector<visit> visits = {
            {2, 3, 50, 60},  {0, 1, 100, 200}, {1, 1, 100, 150}, {3, 0, 7, 9},   {1, 0, 5, 6},
            {0, 1, 10, 20},  {2, 1, 100, 101}, {0, 3, 40, 40},   {1, 3, 40, 45}, {3, 0, 9, 30},
            {2, 1, 95, 100}, {0, 0, 1, 2},     {0, 2, 1, 5},
        };
        const stay_table t = build_stays(visits, 6, 4);
        SUBCASE("every person has stays") {
            check_graph(t, 4);
        }
        SUBCASE("persons without stays (index cases that never scanned)") {
            check_graph(t, 6);
        }

        const person_place_graph g = build_person_place_graph(t, 6);
        // Person 0 in (place, start) order: (1, place 0), (10, place 1), (100, place 1),
        // (1, place 2), (40, place 3).
        std::vector<std::pair<time_point, place_index>> p0;
        for (const std::uint32_t row : out_stays(g, t, 0))
            p0.push_back({t.start[row], t.place[row]});
        CHECK(p0 == std::vector<std::pair<time_point, place_index>>{
                        {1, 0}, {10, 1}, {100, 1}, {1, 2}, {40, 3}});
        CHECK(boost::out_degree(4u, g.csr) == 0);
        CHECK(boost::out_degree(5u, g.csr) == 0);
    }

    TEST_CASE("graph: no stays, random stays, and a person index out of range") {
        check_graph(build_stays({}, 3, 2), 3);
        check_graph(build_stays({}, 0, 0), 0);

        std::mt19937_64 rng(7);
        for (int round = 0; round < 50; ++round) {
            const std::size_t persons = 1 + rng() % 8;
            const std::size_t places = 1 + rng() % 5;
            std::vector<visit> visits;
            for (std::size_t i = 0, n = rng() % 80; i < n; ++i) {
                const auto start = static_cast<time_point>(rng() % 50);
                visits.push_back({static_cast<person_index>(rng() % persons),
                                  static_cast<place_index>(rng() % places), start,
                                  start + static_cast<duration>(rng() % 10)});
            }
            CAPTURE(round);
            const stay_table t = build_stays(visits, persons, places);
            check_graph(t, persons + rng() % 3);
        }

        const std::vector<visit> visits = {{3, 0, 0, 1}};
        const stay_table t = build_stays(visits, 4, 1);
        CHECK_THROWS_AS(build_person_place_graph(t, 3), ctrace::error);
    }

} // TEST_SUITE
