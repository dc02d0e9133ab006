// Tests of ctrace/model/sites.hpp: rolling code-level data up to sites
// (docs/semantics.md §8.1, §8.2).

#include "ctrace/core/error.hpp"
#include "ctrace/model/ingest.hpp"
#include "ctrace/model/sites.hpp"
#include "test_helpers.hpp"

#include <doctest/doctest.h>
#include <sstream>

using namespace ctrace;
using ctrace::testing::fixture;

namespace {

dataset doors_at_code_level() {
    ingest_options options;
    options.scans = {fixture("doors/scans.csv")};
    options.places = fixture("doors/places.csv");
    options.read.tz = parse_utc_offset("+08:00");
    return ingest(options).data;
}

/// Code-level data read from a places and a scans file's text.
dataset code_level_from(const std::string& places_csv, const std::string& scans_csv) {
    std::istringstream places(places_csv), scans(scans_csv);
    dataset data;
    data.place_info = read_places(places, "places.csv");
    scan_log log = read_scans(scans, "scans.csv", data.place_info, {});
    data.stays = build_stays(std::move(log.visits), log.persons.size(), log.places.size());
    data.persons = std::move(log.persons);
    data.places = std::move(log.places);
    return data;
}

} // namespace

TEST_SUITE("sites") {

    TEST_CASE("contact levels by name") {
        CHECK(parse_contact_level("code") == contact_level::code);
        CHECK(parse_contact_level("site") == contact_level::site);
        try {
            (void)parse_contact_level("door");
            FAIL("accepted");
        } catch (const parameter_error& e) {
            CHECK(e.parameter() == "contact_level");
        }
        CHECK(contact_level_name(contact_level::site) == "site");
    }

    TEST_CASE("site level without sites is refused, the data left as it was") {
        // A places file without a 'site' column, and no places file at all.
        for (const std::string& places :
             {std::string("place,dwell\nX,1h\n"), std::string("place\n")}) {
            const std::string scans = "person,place,time\nA,X,0\nB,X,60\n";
            dataset data = places == "place\n" ? code_level_from("place\n", scans)
                                               : code_level_from(places, scans);
            if (places == "place\n") data.place_info = {};
            const std::size_t stays = data.stays.size();
            try {
                roll_up_to_sites(data);
                FAIL("traced at codes while asked for sites");
            } catch (const parameter_error& e) {
                CHECK(e.parameter() == "contact_level");
                CHECK(std::string(e.what()).find(
                          places == "place\n" ? "no places file was given"
                                              : "the places file has none") != std::string::npos);
            }
            CHECK(data.parameters.level == contact_level::code);
            CHECK(data.stays.size() == stays);
            CHECK_THROWS_AS(require_sites(data.place_info), parameter_error);
        }
        // A 'site' column, even an empty one, gives every code its site.
        dataset data = code_level_from("place,site\nX,\n", "person,place,time\nA,X,0\n");
        CHECK_NOTHROW(roll_up_to_sites(data));
        CHECK(data.parameters.level == contact_level::site);
    }

    TEST_CASE("the doors: codes become their sites, stays merge per (person, site), metadata and "
              "minimum overlaps are the sites'") {
        dataset data = doors_at_code_level();
        REQUIRE(data.places.size() == 5); // M01-E, M01-W, M01, R02, B03
        const std::size_t code_stays = data.stays.size();
        roll_up_to_sites(data);
        CHECK(data.parameters.level == contact_level::site);
        // M01-E, M01-W and M01 are the site M01; R02 and B03 have no site.
        REQUIRE(data.places.size() == 3);
        CHECK(data.places[0] == "M01");
        CHECK(data.places[1] == "R02");
        CHECK(data.places[2] == "B03");
        REQUIRE(data.place_info.size() == 3);
        // M01's own row (15m) is the smallest among M01-E, M01-W (none), M01.
        CHECK(data.place_info.min_overlap[0] == 15 * 60);
        CHECK(data.place_info.min_overlap[1] == 5 * 60);
        CHECK(data.place_info.min_overlap[2] == -1);
        CHECK(data.place_info.name[0] == "Harbour Mall");
        // C1's stays at M01-E on two days stay two stays; no person had stays
        // at two codes of one site at once in this example, so the count is kept.
        CHECK(data.stays.size() == code_stays);
        CHECK(data.stays.place_count() == 3);
        for (std::size_t i = 1; i < data.stays.size(); ++i)
            CHECK(data.stays.place[i - 1] <= data.stays.place[i]);
        // A second roll-up changes nothing.
        const std::size_t stays = data.stays.size();
        roll_up_to_sites(data);
        CHECK(data.stays.size() == stays);
        CHECK(data.places.size() == 3);
    }

    TEST_CASE("stays at two codes of one site that overlap or touch merge into one") {
        // P enters through door E [10:00, 10:30) and is seen at door W
        // [10:30, 11:00) (touching) and [10:45, 11:10) (overlapping): one stay
        // [10:00, 11:10) at site S. Q at a code without a site keeps its own.
        dataset data = code_level_from("place,site\nE,S\nW,S\nZ,\n",
                                       "person,place,time,leave\n"
                                       "P,E,2022-01-01T10:00:00Z,2022-01-01T10:30:00Z\n"
                                       "P,W,2022-01-01T10:30:00Z,2022-01-01T11:00:00Z\n"
                                       "P,W,2022-01-01T10:45:00Z,2022-01-01T11:10:00Z\n"
                                       "Q,Z,2022-01-01T10:00:00Z,2022-01-01T10:05:00Z\n");
        CHECK(data.stays.size() == 3); // E, W (merged), Z
        roll_up_to_sites(data);
        REQUIRE(data.places.size() == 2);
        CHECK(data.places[0] == "S");
        CHECK(data.places[1] == "Z");
        REQUIRE(data.stays.size() == 2);
        CHECK(data.stays.start[0] == 1641031200);
        CHECK(data.stays.end[0] == 1641031200 + 70 * 60);
        CHECK(data.place_info.size() == 2); // S and Z come from the places file
    }

    TEST_CASE("a site whose codes disagree on min_overlap takes the smallest — a code not in the "
              "places file is its own site, after the places file's sites") {
        // Places E, W, S, R from the file, then Q9 from the scans.
        dataset data = code_level_from("place,site,min_overlap\nE,S,10m\nW,S,3m\nS,,20m\nR,,\n",
                                       "person,place,time,leave\n"
                                       "P,Q9,2022-01-01T09:00:00Z,2022-01-01T09:30:00Z\n"
                                       "P,E,2022-01-01T10:00:00Z,2022-01-01T10:30:00Z\n"
                                       "Q,W,2022-01-01T10:00:00Z,2022-01-01T10:30:00Z\n");
        roll_up_to_sites(data);
        REQUIRE(data.places.size() == 3);
        CHECK(data.places[0] == "S");
        CHECK(data.places[1] == "R");
        CHECK(data.places[2] == "Q9");
        REQUIRE(data.place_info.size() == 2);            // S and R: from the places file
        CHECK(data.place_info.min_overlap[0] == 3 * 60); // min(10m, 3m, S's own 20m)
        CHECK(data.place_info.min_overlap[1] == -1);
        CHECK(data.stays.size() == 3); // P at Q9, P at S, Q at S
    }

} // TEST_SUITE
