// Transmission clusters (ctrace/analytics/clusters.hpp) with hand-computed expectations.
//
// Times are 2022-01-01 UTC unless a comment says otherwise; "10:00-11:00" is
// the half-open [10:00, 11:00). Default dwell 60m, minimum overlap 15m.

#include "ctrace/analytics/clusters.hpp"
#include "test_helpers.hpp"

#include <doctest/doctest.h>
#include <sstream>
#include <string>

namespace {

using ctrace::testing::run_trace;
using ctrace::testing::traced;

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

} // namespace

TEST_SUITE("clusters") {
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

} // TEST_SUITE
