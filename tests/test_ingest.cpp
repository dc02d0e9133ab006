// Tests of ingesting input files into snapshot data (ctrace/model/ingest.hpp): a
// pseudonymised ingest.

#include "ctrace/io/csv.hpp"
#include "ctrace/model/ingest.hpp"
#include "ctrace/model/pseudonym.hpp"
#include "ctrace/storage/snapshot.hpp"
#include "test_helpers.hpp"

#include <doctest/doctest.h>
#include <memory>
#include <string>

namespace {

using ctrace::pseudonymizer;
using ctrace::testing::temp_dir;

} // namespace

TEST_SUITE("ingest") {
    TEST_CASE("pseudonym: an ingest holds only pseudonyms, its rejects no raw text") {
        temp_dir dir;
        const auto scans = dir.write("scans.csv", "person,place,time\n"
                                                  "ALICE-110101,X,2022-04-19T10:00Z\n"
                                                  "BOB-220202,X,BOB-220202\n"
                                                  "CAROL-330303,Y,2022-04-19T11:00Z\n");
        ctrace::ingest_options options;
        options.scans = {scans};
        options.read.skip_bad = true;
        options.pseudonyms = std::make_shared<const pseudonymizer>(std::string(32, 'k'));
        const ctrace::ingest_result r = ctrace::ingest(options);
        REQUIRE(r.data.persons.size() == 2);
        CHECK(r.data.persons[0] == options.pseudonyms->pseudonym("ALICE-110101"));
        CHECK(r.data.persons[1] == options.pseudonyms->pseudonym("CAROL-330303"));
        CHECK(r.data.parameters.pseudonym_key == options.pseudonyms->fingerprint());
        REQUIRE(r.rejects.size() == 1);
        CHECK(r.rejects[0].line == 3);
        CHECK(r.rejects[0].raw.empty());
        CHECK(r.rejects[0].reason == "time: bad time"); // the quoted field is cut
        const std::string csv = ctrace::rejects_csv(r.rejects, false);
        CHECK(csv.find("BOB") == std::string::npos);

        // The snapshot keeps the fingerprint.
        const auto path = dir.path() / "p.h5";
        ctrace::write_snapshot(path, r.data);
        CHECK(ctrace::read_snapshot(path).parameters.pseudonym_key ==
              options.pseudonyms->fingerprint());
    }

} // TEST_SUITE
