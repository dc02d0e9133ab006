// Keyed pseudonyms (ctrace/model/pseudonym.hpp): HMAC-SHA-256 against RFC 4231, key
// rules, applying to an id table, reveal. Pseudonymised ingests and stores are
// tested in test_ingest.cpp and test_store.cpp.

#include "ctrace/core/error.hpp"
#include "ctrace/io/csv.hpp"
#include "ctrace/model/pseudonym.hpp"
#include "test_helpers.hpp"

#include <doctest/doctest.h>
#include <sstream>
#include <string>

namespace {

using ctrace::pseudonymizer;
using ctrace::testing::temp_dir;

} // namespace

TEST_SUITE("pseudonym") {
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
        CHECK_THROWS_AS(pseudonymizer::from_key_file(dir.path() / "missing.key"),
                        ctrace::input_error);
    }

    TEST_CASE("pseudonym: same id and key, same pseudonym — another key, another") {
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
        CHECK(out.str() ==
              "person,via_person,n\nC1,\"Li, Wei\",1\n" + key.pseudonym("K") + ",,2\n");
        std::istringstream no_column("id\nC1\n");
        CHECK_THROWS_WITH_AS(key.reveal_table(no_column, "ids.csv"),
                             doctest::Contains("missing required column 'person'"),
                             ctrace::input_error);
    }
} // TEST_SUITE
