// Keyed pseudonyms: HMAC-SHA-256 against RFC 4231, key rules, pseudonymised
// ingests and stores, reveal.

#include "ctrace/csv.hpp"
#include "ctrace/error.hpp"
#include "ctrace/ingest.hpp"
#include "ctrace/pseudonym.hpp"
#include "ctrace/store.hpp"
#include "test_helpers.hpp"

#include <doctest/doctest.h>
#include <sstream>
#include <string>

namespace {

using ctrace::pseudonymizer;
using ctrace::testing::temp_dir;

TEST_CASE("pseudonym: HMAC-SHA-256 as in RFC 4231") {
    // Test case 1: key = 20 bytes of 0x0b, data "Hi There".
    const pseudonymizer a(std::string(20, '\x0b'));
    CHECK(a.pseudonym("Hi There") ==
          "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    // Test case 6: a 131-byte key (longer than the block size).
    const pseudonymizer b(std::string(131, '\xaa'));
    CHECK(b.pseudonym("Test Using Larger Than Block-Size Key - Hash Key First") ==
          "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST_CASE("pseudonym: keys shorter than 16 bytes are refused") {
    CHECK_THROWS_AS(pseudonymizer(std::string(15, 'k')), ctrace::input_error);
    CHECK_NOTHROW(pseudonymizer(std::string(16, 'k')));
    temp_dir dir;
    const auto short_key = dir.write("short.key", "0123456789");
    CHECK_THROWS_WITH_AS(pseudonymizer::from_key_file(short_key),
                         doctest::Contains("short.key: pseudonym key too short"),
                         ctrace::input_error);
    CHECK_THROWS_AS(pseudonymizer::from_key_file(dir.path() / "missing.key"), ctrace::input_error);
}

TEST_CASE("pseudonym: same id and key, same pseudonym; another key, another") {
    const pseudonymizer a(std::string(32, 'a'));
    const pseudonymizer b(std::string(32, 'b'));
    CHECK(a.pseudonym("P0000001") == a.pseudonym("P0000001"));
    CHECK(a.pseudonym("P0000001") != a.pseudonym("P0000002"));
    CHECK(a.pseudonym("P0000001") != b.pseudonym("P0000001"));
    CHECK(a.pseudonym("P0000001").size() == 64);
    CHECK(a.fingerprint().size() == 16);
    CHECK(a.fingerprint() != b.fingerprint());
    CHECK(a.pseudonym("").size() == 64); // still defined
}

TEST_CASE("pseudonym: apply keeps indices") {
    const pseudonymizer key(std::string(32, 'k'));
    ctrace::id_table ids;
    ids.intern("Li, Wei");
    ids.intern("豪华");
    ids.intern("C1");
    key.apply(ids);
    REQUIRE(ids.size() == 3);
    CHECK(ids[0] == key.pseudonym("Li, Wei"));
    CHECK(ids[1] == key.pseudonym("豪华"));
    CHECK(ids[2] == key.pseudonym("C1"));
    CHECK(ids.find(key.pseudonym("C1")) == 2);
}

TEST_CASE("pseudonym: reveal maps back only the ids given") {
    const pseudonymizer key(std::string(32, 'k'));
    std::istringstream ids("person,other\nC1,x\n\"Li, Wei\",y\n");
    const auto table = key.reveal_table(ids, "ids.csv");
    CHECK(table.size() == 2);
    const std::string in = "person,via_person,n\n" + key.pseudonym("C1") + "," +
                           key.pseudonym("Li, Wei") + ",1\n" + key.pseudonym("K") + ",,2\n";
    std::istringstream pseudonymised(in);
    std::ostringstream out;
    CHECK(ctrace::reveal_csv(pseudonymised, "risk.csv", out, table) == 2);
    CHECK(out.str() == "person,via_person,n\nC1,\"Li, Wei\",1\n" + key.pseudonym("K") + ",,2\n");
    std::istringstream no_column("id\nC1\n");
    CHECK_THROWS_WITH_AS(key.reveal_table(no_column, "ids.csv"),
                         doctest::Contains("missing required column 'person'"),
                         ctrace::input_error);
}

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

TEST_CASE("pseudonym: a store keeps one key from its first ingest") {
    temp_dir dir;
    const auto day1 = dir.write("day1.csv", "person,place,time\nALICE,X,2022-04-19T10:00Z\n");
    const auto day2 = dir.write("day2.csv", "person,place,time\nALICE,X,2022-04-20T10:00Z\n");
    const auto store = dir.path() / "store";
    const auto key = std::make_shared<const pseudonymizer>(std::string(32, 'k'));
    const auto other = std::make_shared<const pseudonymizer>(std::string(32, 'o'));
    const ctrace::store_lock lock(store, true);
    ctrace::store_ingest_options options;
    options.scans = day1;
    options.pseudonyms = key;
    ctrace::ingest_into_store(lock, options);
    options.scans = day2;
    options.pseudonyms = other;
    CHECK_THROWS_WITH_AS(ctrace::ingest_into_store(lock, options), doctest::Contains("key differs"),
                         ctrace::input_error);
    options.pseudonyms = nullptr;
    CHECK_THROWS_WITH_AS(ctrace::ingest_into_store(lock, options),
                         doctest::Contains("holds pseudonymised ids"), ctrace::input_error);
    options.pseudonyms = key;
    ctrace::ingest_into_store(lock, options);
    const ctrace::snapshot data = ctrace::read_snapshot(ctrace::store_snapshot_path(store));
    REQUIRE(data.persons.size() == 1); // ALICE of both days is one person
    CHECK(data.persons[0] == key->pseudonym("ALICE"));
    CHECK(data.stays.size() == 2);
}

TEST_CASE("pseudonym: a store with raw ids is not pseudonymised later") {
    temp_dir dir;
    const auto day1 = dir.write("day1.csv", "person,place,time\nALICE,X,2022-04-19T10:00Z\n");
    const auto day2 = dir.write("day2.csv", "person,place,time\nALICE,X,2022-04-20T10:00Z\n");
    const ctrace::store_lock lock(dir.path() / "store", true);
    ctrace::store_ingest_options options;
    options.scans = day1;
    ctrace::ingest_into_store(lock, options);
    options.scans = day2;
    options.pseudonyms = std::make_shared<const pseudonymizer>(std::string(32, 'k'));
    CHECK_THROWS_WITH_AS(ctrace::ingest_into_store(lock, options),
                         doctest::Contains("holds ids as read"), ctrace::input_error);
}

} // namespace
