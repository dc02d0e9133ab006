// Tests of id interning (spec §1: ids are opaque, compared byte-wise).

#include "ctrace/id_table.hpp"

#include <algorithm>
#include <doctest/doctest.h>
#include <string>
#include <unordered_set>
#include <vector>

using namespace std::string_literals;
using ctrace::id_table;

namespace {

/// Concatenates strings by appending (GCC 12 warns falsely, -Wrestrict, on
/// `"literal" + std::string`).
template <typename... T>
std::string cat(const T&... parts) {
    std::string s;
    (s.append(parts), ...);
    return s;
}

} // namespace

TEST_SUITE("id_table") {

    TEST_CASE("intern, find and operator[]") {
        id_table t;
        CHECK(t.empty());
        CHECK(t.size() == 0);
        CHECK(t.find("a") == id_table::npos);
        CHECK(t.find("") == id_table::npos);

        CHECK(t.intern("C1") == 0);
        CHECK(t.intern("B") == 1);
        CHECK(t.intern("C1") == 0);
        CHECK(t.intern("A") == 2);
        CHECK(t.intern("B") == 1);
        CHECK_FALSE(t.empty());
        CHECK(t.size() == 3);
        CHECK(t[0] == "C1");
        CHECK(t[1] == "B");
        CHECK(t[2] == "A");
        CHECK(t.find("C1") == 0);
        CHECK(t.find("B") == 1);
        CHECK(t.find("A") == 2);
        CHECK(t.find("D") == id_table::npos);
        CHECK(t.find("C") == id_table::npos);
        CHECK(t.find("C1 ") == id_table::npos);

        // The empty id is an id like any other.
        CHECK(t.intern("") == 3);
        CHECK(t[3] == "");
        CHECK(t.find("") == 3);
        CHECK(t.size() == 4);
    }

    TEST_CASE("indices follow the order of first appearance") {
        id_table t;
        const std::vector<std::string> ids = {"z", "张三", "a", "K04,豪华KTV", "Z", "m"};
        for (std::size_t i = 0; i < ids.size(); ++i) {
            CHECK(t.intern(ids[i]) == i);
            // Interning everything again changes nothing.
            for (std::size_t j = 0; j <= i; ++j)
                CHECK(t.intern(ids[j]) == j);
        }
        for (std::size_t i = 0; i < ids.size(); ++i)
            CHECK(t[static_cast<id_table::index_type>(i)] == ids[i]);
    }

    TEST_CASE("ids are distinct byte-wise") {
        id_table t;
        const std::vector<std::string> ids = {
            "abc",   "ABC",         "Abc",    "abc ",   " abc",      "abc\t", "abc\r",
            "abc\n", "ab",          "abc\0"s, "\0abc"s, "a\0bc"s,    "\0"s,   "\0\0"s,
            "",      "abc\xC2\xA0", "ａｂｃ", "é",      "e\xCC\x81", // precomposed and combining
                                                                     // forms are different ids
        };
        for (std::size_t i = 0; i < ids.size(); ++i)
            CHECK(t.intern(ids[i]) == i);
        CHECK(t.size() == ids.size());
        for (std::size_t i = 0; i < ids.size(); ++i) {
            CAPTURE(i);
            const auto index = static_cast<id_table::index_type>(i);
            CHECK(t.find(ids[i]) == index);
            CHECK(t[index].size() == ids[i].size());
            CHECK(t[index] == ids[i]);
        }
        // A string_view with embedded NULs is looked up by its size, not by strlen.
        const char raw[] = {'a', '\0', 'b', 'c'};
        CHECK(t.find(std::string_view(raw, 4)) == 11);
        CHECK(t.find(std::string_view(raw, 1)) == id_table::npos);
        CHECK(t.find(std::string_view(raw, 2)) == id_table::npos);
    }

    TEST_CASE("many ids: growth keeps every index") {
        id_table t;
        constexpr std::size_t n = 200'000;
        const auto id = [](std::size_t i) {
            // Varying lengths, some sharing long prefixes.
            std::string s = "person-" + std::to_string(i);
            if (i % 3 == 0) s = std::string(40, 'p') + s;
            if (i % 7 == 0) s += "-张";
            return s;
        };
        for (std::size_t i = 0; i < n; ++i) {
            if (t.intern(id(i)) != i) {
                CAPTURE(i);
                FAIL("wrong index");
            }
        }
        CHECK(t.size() == n);
        std::size_t bad = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const auto index = static_cast<id_table::index_type>(i);
            if (t.find(id(i)) != index || t[index] != id(i) || t.intern(id(i)) != index) ++bad;
        }
        CHECK(bad == 0);
        CHECK(t.size() == n);
        CHECK(t.find("person-200000") == id_table::npos);
        CHECK(t.find("person-") == id_table::npos);
    }

    TEST_CASE("reserve keeps what is there") {
        id_table t;
        t.intern("a");
        t.intern("b");
        t.reserve(100'000, 1'000'000);
        CHECK(t.size() == 2);
        CHECK(t.find("a") == 0);
        CHECK(t.find("b") == 1);
        for (int i = 0; i < 1000; ++i)
            CHECK(t.intern(cat("x", std::to_string(i))) ==
                  static_cast<id_table::index_type>(i + 2));
        CHECK(t.find("a") == 0);
        CHECK(t[1] == "b");
    }

    TEST_CASE("truncate, then intern again") {
        id_table t;
        for (int i = 0; i < 1000; ++i)
            t.intern("id" + std::to_string(i));

        SUBCASE("to a smaller size") {
            t.truncate(10);
            CHECK(t.size() == 10);
            for (int i = 0; i < 10; ++i) {
                CHECK(t.find("id" + std::to_string(i)) == static_cast<id_table::index_type>(i));
                CHECK(t[static_cast<id_table::index_type>(i)] == "id" + std::to_string(i));
            }
            for (int i = 10; i < 1000; ++i)
                CHECK(t.find("id" + std::to_string(i)) == id_table::npos);
            // Forgotten ids get new indices; old ones keep theirs.
            CHECK(t.intern("id500") == 10);
            CHECK(t.intern("new") == 11);
            CHECK(t.intern("id3") == 3);
            CHECK(t[10] == "id500");
            CHECK(t[11] == "new");
            CHECK(t.size() == 12);
            for (int i = 0; i < 2000; ++i)
                t.intern("more" + std::to_string(i));
            CHECK(t.size() == 2012);
            CHECK(t.find("id9") == 9);
            CHECK(t.find("id500") == 10);
            CHECK(t.find("more1999") == 2011);
        }
        SUBCASE("to zero") {
            t.truncate(0);
            CHECK(t.empty());
            CHECK(t.find("id0") == id_table::npos);
            CHECK(t.intern("id999") == 0);
            CHECK(t.intern("id0") == 1);
            CHECK(t.find("id999") == 0);
            CHECK(t.size() == 2);
        }
        SUBCASE("to its size or more changes nothing") {
            t.truncate(1000);
            CHECK(t.size() == 1000);
            t.truncate(5000);
            CHECK(t.size() == 1000);
            CHECK(t.find("id999") == 999);
            CHECK(t.intern("next") == 1000);
        }
        SUBCASE("to one") {
            t.truncate(1);
            CHECK(t.size() == 1);
            CHECK(t.find("id0") == 0);
            CHECK(t.find("id1") == id_table::npos);
            CHECK(t.intern("id1") == 1);
        }
    }

    TEST_CASE("sorted_order is byte-wise") {
        id_table t;
        const std::vector<std::string> ids = {
            "b",        "a", "张三", "B",    "",   "a\0"s, "ab",
            "\xC3\xA9", "z", "~",    "\x7F", "aa", "A",    "\xF0\x9F\x98\x80",
            "Z"};
        for (const auto& s : ids)
            t.intern(s);
        const auto order = t.sorted_order();
        REQUIRE(order.size() == ids.size());
        std::vector<std::string> sorted;
        for (const auto i : order)
            sorted.emplace_back(t[i]);
        const std::vector<std::string> expected = {
            "",
            "A",
            "B",
            "Z",
            "a",
            "a\0"s,
            "aa",
            "ab",
            "b",
            "z",
            "~",
            "\x7F",
            "\xC3\xA9",         // é: bytes >= 0x80 come after every ASCII byte
            "张三",             // E5 BC A0 ...
            "\xF0\x9F\x98\x80", // 😀
        };
        CHECK(sorted == expected);
        // Every index appears once.
        std::unordered_set<id_table::index_type> seen(order.begin(), order.end());
        CHECK(seen.size() == ids.size());

        CHECK(id_table{}.sorted_order().empty());
    }

    TEST_CASE("hash_bytes is deterministic and sees every byte") {
        const std::vector<std::string> inputs = {"",
                                                 "a",
                                                 "b",
                                                 "ab",
                                                 "ba",
                                                 "a\0"s,
                                                 "\0"s,
                                                 "\0\0"s,
                                                 "1234567",
                                                 "12345678",
                                                 "123456789",
                                                 "123456789012345",
                                                 "1234567890123456",
                                                 "12345678901234567",
                                                 "K04,豪华KTV",
                                                 std::string(1000, 'x'),
                                                 std::string(999, 'x') + "y"};
        std::unordered_set<std::uint64_t> hashes;
        for (const std::string& s : inputs) {
            CAPTURE(s);
            const std::uint64_t h = ctrace::hash_bytes(s);
            // Same bytes at another address, same hash.
            const std::string copy = s;
            CHECK(ctrace::hash_bytes(copy) == h);
            CHECK(ctrace::hash_bytes(std::string_view(copy)) == h);
            // Bytes after the view do not matter.
            const std::string longer = s + "tail";
            CHECK(ctrace::hash_bytes(std::string_view(longer.data(), s.size())) == h);
            hashes.insert(h);
        }
        CHECK(hashes.size() == inputs.size());

        // Changing any single byte of a 40-byte id changes its hash.
        const std::string base(40, 'q');
        const std::uint64_t h = ctrace::hash_bytes(base);
        for (std::size_t i = 0; i < base.size(); ++i) {
            std::string changed = base;
            changed[i] = 'r';
            CHECK(ctrace::hash_bytes(changed) != h);
        }
    }

} // TEST_SUITE
