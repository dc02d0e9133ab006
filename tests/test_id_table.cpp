// Tests of id interning (ctrace/core/id_table.hpp; docs/semantics.md §1: ids are
// opaque, compared byte-wise).

#include "ctrace/core/id_table.hpp"
#include "test_helpers.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <doctest/doctest.h>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

using namespace std::string_literals;
using ctrace::id_table;
using ctrace::testing::cat;

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

    TEST_CASE("sorted_order agrees with a sort of the strings, past 16 shared bytes too") {
        // Resident numbers share long prefixes; ids one byte apart, prefixes
        // of each other and NUL bytes test the tie-breaking past the keys.
        std::mt19937_64 rng(3);
        id_table t;
        std::vector<std::string> ids;
        const std::string alphabet("09AXax\0\xFF\xE5", 9);
        for (int i = 0; i < 5000; ++i) {
            std::string id = i % 3 == 0 ? "1101011990031" : (i % 3 == 1 ? "11010119900312345" : "");
            const std::size_t extra = rng() % 12;
            for (std::size_t k = 0; k < extra; ++k)
                id += alphabet[rng() % alphabet.size()];
            if (t.find(id) != id_table::npos) continue;
            t.intern(id);
            ids.push_back(id);
        }
        std::vector<std::string> expected = ids;
        std::sort(expected.begin(), expected.end());
        std::vector<std::string> sorted;
        for (const auto i : t.sorted_order())
            sorted.emplace_back(t[i]);
        CHECK(sorted == expected);
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

// ---------------------------------------------------------------------------
// The slot layout (ids of up to 24 bytes held zero-padded in their 32-byte
// slot, longer ones by their first 16 bytes and an offset, a tag of 24 hash
// bits and the length capped at 255), intern_batch, intern_few, release_index
// and truncate, against a reference map of first appearances.
// ---------------------------------------------------------------------------

namespace {

using index_type = id_table::index_type;

/// `s` with bytes outside printable ASCII as \xNN, shortened, for messages.
std::string printable(std::string_view s) {
    std::string out;
    for (const char byte : s) {
        const auto c = static_cast<unsigned char>(byte);
        if (out.size() > 100) {
            out.append("...(").append(std::to_string(s.size())).append(" bytes)");
            break;
        }
        if (c >= 0x20 && c < 0x7F && c != '\\') {
            out += static_cast<char>(c);
        } else {
            char buffer[8];
            std::snprintf(buffer, sizeof buffer, "\\x%02X", static_cast<unsigned>(c));
            out += buffer;
        }
    }
    return out;
}

/// Indices by first appearance, the reference for every table.
struct reference_table {
    std::unordered_map<std::string, index_type> index;
    std::vector<std::string> ids;

    index_type intern(std::string_view id) {
        const auto [it, added] =
            index.try_emplace(std::string(id), static_cast<index_type>(ids.size()));
        if (added) ids.emplace_back(id);
        return it->second;
    }
    bool contains(std::string_view id) const { return index.count(std::string(id)) != 0; }
};

/// The first way `t` differs from the table whose ids, in index order, are
/// `ids` (size, operator[], find, intern of a known id); empty when none.
std::string table_problem(id_table& t, const std::vector<std::string>& ids) {
    if (t.size() != ids.size())
        return cat("size ", std::to_string(t.size()), ", want ", std::to_string(ids.size()));
    std::size_t bad = 0;
    std::string first;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        const auto index = static_cast<index_type>(i);
        std::string problem;
        const index_type found = t.find(ids[i]);
        if (t[index] != ids[i])
            problem = cat("t[i] is '", printable(t[index]), "'");
        else if (found != index)
            problem = cat("find gives ", found == id_table::npos ? "npos" : std::to_string(found));
        if (!problem.empty() && bad++ == 0)
            first = cat("index ", std::to_string(i), " '", printable(ids[i]), "': ", problem);
    }
    // Interning a known id changes nothing (only when the index is there: on
    // a released table intern would rebuild it, which callers check themselves).
    if (bad == 0 && t.has_index()) {
        for (std::size_t i = 0; i < ids.size(); ++i) {
            if (t.intern(ids[i]) != i && bad++ == 0)
                first = cat("intern of known id ", std::to_string(i), " '", printable(ids[i]),
                            "' gives another index");
        }
        if (t.size() != ids.size()) return "interning known ids added some";
    }
    return bad == 0 ? std::string() : cat(std::to_string(bad), " bad, first: ", first);
}

/// Interns `stream` into `t` with `intern_batch`, in batches of random sizes
/// from 1 to `max_batch`. `new_repeated_in_batch` counts ids that were new to
/// the table and appeared more than once in their batch.
std::vector<index_type> intern_in_batches(id_table& t, const std::vector<std::string>& stream,
                                          std::mt19937_64& rng, std::size_t max_batch,
                                          std::size_t* new_repeated_in_batch = nullptr) {
    std::vector<index_type> out(stream.size(), id_table::npos);
    std::vector<std::string_view> ids;
    std::vector<std::uint64_t> hashes;
    for (std::size_t first = 0; first < stream.size();) {
        const std::size_t n = std::min<std::size_t>(1 + rng() % max_batch, stream.size() - first);
        ids.assign(stream.begin() + static_cast<std::ptrdiff_t>(first),
                   stream.begin() + static_cast<std::ptrdiff_t>(first + n));
        hashes.clear();
        for (const std::string_view id : ids)
            hashes.push_back(ctrace::hash_bytes(id));
        const std::size_t size_before = t.size();
        t.intern_batch(ids, hashes, std::span<index_type>(out.data() + first, n));
        if (new_repeated_in_batch != nullptr) {
            std::unordered_map<index_type, std::size_t> seen;
            for (std::size_t k = 0; k < n; ++k)
                if (out[first + k] != id_table::npos && out[first + k] >= size_before)
                    ++seen[out[first + k]];
            for (const auto& [index, count] : seen)
                if (count > 1) ++*new_repeated_in_batch;
        }
        first += n;
    }
    return out;
}

/// Positions where two index sequences differ: a count and the first one.
std::string index_problem(const std::vector<index_type>& got, const std::vector<index_type>& want,
                          const std::vector<std::string>& stream) {
    if (got.size() != want.size()) return "different lengths";
    std::size_t bad = 0;
    std::string first;
    for (std::size_t k = 0; k < got.size(); ++k)
        if (got[k] != want[k] && bad++ == 0)
            first = cat("position ", std::to_string(k), " '", printable(stream[k]), "': got ",
                        std::to_string(got[k]), ", want ", std::to_string(want[k]));
    return bad == 0 ? std::string() : cat(std::to_string(bad), " differ, first: ", first);
}

std::string random_bytes(std::mt19937_64& rng, std::size_t n) {
    std::string s(n, '\0');
    for (char& c : s)
        c = static_cast<char>(rng() & 0xFF);
    return s;
}

std::string random_printable(std::mt19937_64& rng, std::size_t n) {
    std::string s(n, '\0');
    for (char& c : s)
        c = static_cast<char>('!' + rng() % 94);
    return s;
}

std::string hex_id(std::mt19937_64& rng) {
    std::string s;
    for (int w = 0; w < 4; ++w) {
        char buffer[17];
        std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(rng()));
        s += buffer;
    }
    return s;
}

/// 14 characters: a 6-digit region and an 8-digit birth date, distinct for
/// `j` < 720.
std::string resident_prefix(unsigned j) {
    static const char* const regions[] = {"110105", "310104", "440305", "510107", "330106"};
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "%s%04u%02u%02u", regions[j % 5], 1950 + j % 60,
                  1 + (j / 60) % 12, 1 + (j * 7) % 28);
    return buffer;
}

/// An 18-character resident-number-like id: the 14-character prefix, a
/// 3-digit sequence number and the ISO 7064 MOD 11-2 check character.
std::string resident_number(std::string_view prefix14, unsigned sequence) {
    std::string s(prefix14);
    char digits[8];
    std::snprintf(digits, sizeof digits, "%03u", sequence % 1000);
    s += digits;
    static constexpr int weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    int sum = 0;
    for (std::size_t i = 0; i < 17; ++i)
        sum += (s[i] - '0') * weights[i];
    s += "10X98765432"[sum % 11];
    return s;
}

/// Every id of `pool` (distinct ids) once plus 100k repeats, in random
/// order, through intern and intern_batch, against a reference map.
void check_many_against_reference(const std::vector<std::string>& pool, std::mt19937_64& rng) {
    std::vector<std::string> stream = pool;
    for (int r = 0; r < 100'000; ++r)
        stream.push_back(pool[rng() % pool.size()]);
    std::shuffle(stream.begin(), stream.end(), rng);

    reference_table ref;
    std::vector<index_type> want;
    want.reserve(stream.size());
    for (const std::string& id : stream)
        want.push_back(ref.intern(id));
    REQUIRE(ref.ids.size() == pool.size());

    id_table t;
    std::vector<index_type> got;
    got.reserve(stream.size());
    for (const std::string& id : stream)
        got.push_back(t.intern(id));
    CHECK(index_problem(got, want, stream) == "");
    CHECK(table_problem(t, ref.ids) == "");

    id_table b;
    CHECK(index_problem(intern_in_batches(b, stream, rng, 300), want, stream) == "");
    CHECK(table_problem(b, ref.ids) == "");
    // Near misses are absent: the last character changed (another check
    // character, another hex digit), a middle one replaced.
    std::size_t found = 0;
    for (std::size_t i = 0; i < 2000; ++i) {
        std::string id = ref.ids[i];
        id.back() = static_cast<char>(id.back() == '0' ? '1' : '0');
        if (!ref.contains(id) && t.find(id) != id_table::npos) ++found;
        id[id.size() / 2] = '_';
        if (t.find(id) != id_table::npos) ++found;
    }
    CHECK(found == 0);
}

/// The 24 hash bits a slot keeps in its tag.
std::uint32_t tag_bits(std::string_view id) {
    return static_cast<std::uint32_t>(ctrace::hash_bytes(id) >> 40);
}

/// Pairs (by position) of distinct ids of `ids` with equal tag bits.
std::vector<std::pair<std::size_t, std::size_t>>
equal_tag_pairs(const std::vector<std::string>& ids) {
    std::vector<std::pair<std::uint32_t, std::size_t>> keyed;
    keyed.reserve(ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i)
        keyed.emplace_back(tag_bits(ids[i]), i);
    std::sort(keyed.begin(), keyed.end());
    std::vector<std::pair<std::size_t, std::size_t>> pairs;
    for (std::size_t i = 1; i < keyed.size(); ++i)
        if (keyed[i].first == keyed[i - 1].first &&
            ids[keyed[i].second] != ids[keyed[i - 1].second])
            pairs.emplace_back(keyed[i - 1].second, keyed[i].second);
    return pairs;
}

// A table of at most 32 ids has 64 slots (the first size; the load stays at
// most one half), and an id's probe starts at its home slot `hash & 63`. The
// chain tests below use that to put two ids in one probe chain; should the
// layout change, they still check correct behaviour, only less sharply.
constexpr std::size_t small_slots = 64;
constexpr std::size_t max_fillers = 26;

std::size_t small_home(std::string_view id) {
    return static_cast<std::size_t>(ctrace::hash_bytes(id) & (small_slots - 1));
}

/// An id for each home slot of a 64-slot table.
const std::vector<std::string>& fillers() {
    static const std::vector<std::string> by_home = [] {
        std::vector<std::string> found(small_slots);
        std::size_t missing = small_slots;
        for (unsigned n = 0; missing > 0; ++n) {
            std::string id = cat("~filler~", std::to_string(n));
            std::string& slot = found[small_home(id)];
            if (slot.empty()) {
                slot = std::move(id);
                --missing;
            }
        }
        return found;
    }();
    return by_home;
}

/// Fillers that, interned first, occupy the slots from `probe`'s home slot
/// up to just before `held`'s, so that a lookup of `probe` compares against
/// `held` (interned next); nullopt when that needs too many fillers.
std::optional<std::vector<std::string>> chain_fillers(std::string_view held,
                                                      std::string_view probe) {
    const std::size_t from = small_home(probe), to = small_home(held);
    const std::size_t count = (to + small_slots - from) % small_slots;
    if (count > max_fillers) return std::nullopt;
    std::vector<std::string> out;
    for (std::size_t k = 0; k < count; ++k)
        out.push_back(fillers()[(from + k) % small_slots]);
    return out;
}

/// A table holding `held` alone neither finds `other` nor takes it for
/// `held`: interning `other` makes index 1 and leaves both ids as they are.
void check_apart_when_alone(const std::string& held, const std::string& other) {
    CAPTURE(printable(held));
    CAPTURE(printable(other));
    id_table t;
    t.intern(held);
    CHECK(t.find(other) == id_table::npos);
    CHECK(t.intern(other) == 1);
    CHECK(t.find(held) == 0);
    CHECK(t[1] == other);
}

/// Interns `held` (after fillers putting it in `probe`'s probe chain, and
/// followed by `then` in the byte arena when given), then checks that `probe`
/// is not taken for `held`, with intern and find and with intern_batch.
/// Returns false (checking nothing) when the chain needs too many fillers.
bool told_apart_in_one_chain(const std::string& held, const std::string& probe,
                             const std::optional<std::string>& then = std::nullopt) {
    const auto chain = chain_fillers(held, probe);
    if (!chain) return false;
    CAPTURE(printable(held));
    CAPTURE(printable(probe));
    std::vector<std::string> order = *chain;
    order.push_back(held);
    if (then) order.push_back(*then);
    {
        id_table t;
        for (std::size_t k = 0; k < order.size(); ++k)
            REQUIRE(t.intern(order[k]) == k);
        const auto held_index = static_cast<index_type>(chain->size());
        CHECK(t.find(probe) == id_table::npos);
        CHECK(t.find(held) == held_index);
        const auto probe_index = static_cast<index_type>(order.size());
        CHECK(t.intern(probe) == probe_index);
        REQUIRE(t.size() == order.size() + 1);
        CHECK(t.intern(held) == held_index);
        CHECK(t.find(probe) == probe_index);
        CHECK(t.find(held) == held_index);
        CHECK(t[probe_index] == probe);
        CHECK(t[held_index] == held);
        // The same after the index is rebuilt from the stored bytes.
        t.release_index();
        CHECK(t.find(probe) == probe_index);
        CHECK(t.intern(held) == held_index);
        CHECK(t.find(probe) == probe_index);
        CHECK(t.find(held) == held_index);
    }
    {
        // One batch: the fillers, held, then, probe, and both again.
        std::vector<std::string> stream = order;
        stream.push_back(probe);
        stream.push_back(held);
        stream.push_back(probe);
        std::vector<std::string_view> ids(stream.begin(), stream.end());
        std::vector<std::uint64_t> hashes;
        for (const std::string_view id : ids)
            hashes.push_back(ctrace::hash_bytes(id));
        std::vector<index_type> got(ids.size());
        id_table t;
        t.intern_batch(ids, hashes, got);
        const auto n = static_cast<index_type>(order.size());
        const auto held_index = static_cast<index_type>(chain->size());
        CHECK(got[n] == n);
        CHECK(got[n + 1] == held_index);
        CHECK(got[n + 2] == n);
        CHECK(t.size() == order.size() + 1);
    }
    return true;
}

} // namespace

TEST_SUITE("id_table") {

    TEST_CASE("ids of every length from 0 to 70 and of 255, 256 and 1024 bytes round-trip") {
        std::vector<std::size_t> lengths;
        for (std::size_t n = 0; n <= 70; ++n)
            lengths.push_back(n);
        for (const std::size_t n : {127u, 128u, 254u, 255u, 256u, 257u, 511u, 1023u, 1024u, 1025u})
            lengths.push_back(n);
        std::mt19937_64 rng(101);
        std::vector<std::string> ids;
        for (const std::size_t n : lengths) {
            ids.emplace_back(n, 'x');
            ids.emplace_back(n, '\0');
            ids.push_back(random_bytes(rng, n));
            ids.push_back(random_printable(rng, n));
            if (n > 0) {
                ids.push_back(cat(std::string(n - 1, 'x'), "\0"s)); // trailing NUL
                ids.push_back(cat("\0"s, std::string(n - 1, 'x'))); // leading NUL
                ids.push_back(cat(std::string(n - 1, 'x'), "y"));   // last byte differs
            }
        }
        reference_table ref;
        id_table t;
        std::size_t wrong = 0;
        for (const std::string& id : ids)
            if (t.intern(id) != ref.intern(id)) ++wrong;
        CHECK(wrong == 0);
        CHECK(ref.ids.size() > 500);
        CHECK(table_problem(t, ref.ids) == "");

        SUBCASE("in reverse order") {
            id_table r;
            reference_table rev;
            for (auto it = ids.rbegin(); it != ids.rend(); ++it)
                CHECK(r.intern(*it) == rev.intern(*it));
            CHECK(table_problem(r, rev.ids) == "");
        }
        SUBCASE("in one batch") {
            id_table b;
            std::mt19937_64 batch_rng(1);
            const auto got = intern_in_batches(b, ids, batch_rng, ids.size() * 2);
            std::vector<index_type> want;
            for (const std::string& id : ids)
                want.push_back(ref.index.at(id));
            CHECK(index_problem(got, want, ids) == "");
            CHECK(table_problem(b, ref.ids) == "");
        }
        SUBCASE("after the index is rebuilt from the stored bytes") {
            t.release_index();
            CHECK_FALSE(t.has_index());
            CHECK(t.intern(ids[3]) == ref.index.at(ids[3]));
            CHECK(t.has_index());
            CHECK(table_problem(t, ref.ids) == "");
        }
    }

    TEST_CASE("regression: zero-padded slots - ids differing only in trailing NULs are distinct") {
        // An id of up to 24 bytes sits zero-padded in its slot, so "a" and
        // "a\0" have the same slot words: only the length tells them apart.
        const std::string x23 = "ABCDEFGHIJKLMNOPQRSTUVW", x24 = x23 + "X", x16 = x23.substr(0, 16);
        const std::string l254(254, 'L');
        const std::vector<std::vector<std::string>> groups = {
            {"a", "a\0"s, "a\0\0"s, cat("a", std::string(7, '\0')), cat("a", std::string(15, '\0')),
             cat("a", std::string(23, '\0')), cat("a", std::string(24, '\0'))},
            {"", "\0"s, "\0\0"s, std::string(8, '\0'), std::string(16, '\0'), std::string(23, '\0'),
             std::string(24, '\0'), std::string(25, '\0'), std::string(255, '\0'),
             std::string(256, '\0')},
            {x23, cat(x23, "\0"s), cat(x23, "\0\0"s), x24, cat(x24, "\0"s), cat(x24, "\0\0"s)},
            {x16, cat(x16, "\0"s), cat(x16, std::string(8, '\0')), cat(x16, std::string(9, '\0'))},
            {"12345678", cat("12345678", "\0"s), "1234567", cat("1234567", "\0"s)},
            {l254, cat(l254, "\0"s), cat(l254, "\0\0"s), cat(l254, "L"), cat(l254, "L\0"s),
             cat(l254, std::string(770, '\0'))},
        };
        std::mt19937_64 rng(7);
        for (std::size_t g = 0; g < groups.size(); ++g) {
            CAPTURE(g);
            const std::vector<std::string>& group = groups[g];
            for (int round = 0; round < 6; ++round) {
                std::vector<std::string> order = group;
                if (round == 1) std::reverse(order.begin(), order.end());
                if (round > 1) std::shuffle(order.begin(), order.end(), rng);
                id_table t;
                for (std::size_t k = 0; k < order.size(); ++k)
                    CHECK(t.intern(order[k]) == k);
                CHECK(table_problem(t, order) == "");
            }
            // A table holding one of them never finds another.
            for (const std::string& held : group)
                for (const std::string& other : group)
                    if (other != held) check_apart_when_alone(held, other);
        }
    }

    TEST_CASE("regression: zero-padded slots - trailing-NUL variants with equal tag bits in one "
              "probe chain") {
        // Ids that differ only in trailing NULs and whose 24 tag bits happen to
        // be equal compare equal word by word; only the length kept in the tag
        // tells them apart. Found by searching families `base + k NULs`.
        std::size_t pairs = 0, chained = 0;
        std::vector<std::string> family;
        for (unsigned i = 0; chained < 6 && i < 3'000'000; ++i) {
            const std::string base = cat(i % 2 ? "n" : "", std::to_string(i));
            family.clear();
            for (std::size_t n = base.size(); n <= 25; ++n)
                family.push_back(cat(base, std::string(n - base.size(), '\0')));
            for (const auto& [a, b] : equal_tag_pairs(family)) {
                ++pairs;
                if (told_apart_in_one_chain(family[a], family[b]) ||
                    told_apart_in_one_chain(family[b], family[a]))
                    ++chained;
            }
        }
        INFO("equal-tag pairs found: ", pairs);
        CHECK(chained == 6);
    }

    TEST_CASE("ids differing in one byte past byte 16, past byte 24 or in the last byte, and "
              "prefixes of each other, are distinct") {
        std::mt19937_64 rng(202);
        const std::vector<std::size_t> lengths = {17, 20, 23, 24,  25,  26,  31,  32,  33,  40,  41,
                                                  63, 64, 65, 100, 254, 255, 256, 257, 300, 1024};
        for (const std::size_t n : lengths) {
            CAPTURE(n);
            const std::string base = random_printable(rng, n);
            std::vector<std::string> variants;
            for (const std::size_t at :
                 {std::size_t{16}, std::size_t{17}, std::size_t{20}, std::size_t{23},
                  std::size_t{24}, std::size_t{25}, std::size_t{31}, std::size_t{32},
                  std::size_t{254}, std::size_t{255}, n - 2, n - 1}) {
                if (at >= n) continue;
                std::string v = base;
                v[at] = static_cast<char>(v[at] ^ 1);
                variants.push_back(v);
                v[at] = '\0';
                variants.push_back(v);
            }
            for (const std::size_t k : {16u, 17u, 23u, 24u, 25u, 254u, 255u, 256u})
                if (k < n) variants.push_back(base.substr(0, k));
            variants.push_back(cat(base, "\0"s));
            variants.push_back(cat(base, "x"));
            variants.push_back(cat(base, base));

            reference_table ref;
            ref.intern(base);
            for (const std::string& v : variants)
                ref.intern(v);
            id_table t;
            for (std::size_t k = 0; k < ref.ids.size(); ++k)
                CHECK(t.intern(ref.ids[k]) == k);
            CHECK(table_problem(t, ref.ids) == "");

            // Held alone, the base is never taken for a variant, nor a variant
            // for the base.
            for (const std::string& v : variants) {
                check_apart_when_alone(base, v);
                check_apart_when_alone(v, base);
            }
        }
    }

    TEST_CASE("equal tag bits in one probe chain: ids of equal length differing past byte 16 "
              "or in their last bytes") {
        // Equal tags mean equal lengths (below 255); the ids below share all
        // but a few bytes, so the slot words (short ids) or the stored bytes
        // (long ids) must be compared to the end.
        std::mt19937_64 rng(303);
        struct kind {
            std::size_t length;
            std::size_t varying; ///< bytes at the end that differ
        };
        for (const kind k : {kind{8, 4}, kind{18, 4}, kind{23, 4}, kind{24, 4}, kind{24, 8},
                             kind{25, 4}, kind{37, 4}, kind{40, 4}, kind{64, 8}, kind{200, 4},
                             kind{255, 4}, kind{256, 4}, kind{300, 4}}) {
            CAPTURE(k.length);
            const std::string common = random_printable(rng, k.length - k.varying);
            std::vector<std::string> pool;
            reference_table distinct;
            while (pool.size() < (1u << 15)) {
                const std::string id = cat(common, random_bytes(rng, k.varying));
                if (!distinct.contains(id)) {
                    distinct.intern(id);
                    pool.push_back(id);
                }
            }
            std::size_t chained = 0;
            for (const auto& [a, b] : equal_tag_pairs(pool))
                if (told_apart_in_one_chain(pool[a], pool[b])) ++chained;
            CHECK(chained >= 3);
        }
    }

    TEST_CASE("equal tag bits in one probe chain: ids of 255 bytes or more that are prefixes of "
              "each other need a real length compare") {
        // The tag keeps the length only up to 255, so two ids of 255+ bytes
        // with equal tag bits may differ in length alone: the shorter a prefix
        // of the longer (its bytes match the start of the longer id's), or the
        // longer looked up against the shorter one followed in the byte arena
        // by exactly the longer one's remaining bytes.
        std::size_t prefix_held = 0, prefix_probed = 0, pairs = 0;
        std::vector<std::string> family;
        std::mt19937_64 rng(404);
        for (int f = 0; f < 20000 && (prefix_held < 4 || prefix_probed < 4); ++f) {
            const std::string s = random_printable(rng, 255 + 256);
            family.clear();
            for (std::size_t n = 255; n <= s.size(); ++n)
                family.push_back(s.substr(0, n));
            for (auto [a, b] : equal_tag_pairs(family)) {
                ++pairs;
                if (family[a].size() > family[b].size()) std::swap(a, b);
                const std::string &shorter = family[a], &longer = family[b];
                // The longer held, the shorter (its prefix) looked up.
                if (told_apart_in_one_chain(longer, shorter)) ++prefix_held;
                // The shorter held and followed by the rest of the longer.
                if (told_apart_in_one_chain(shorter, longer,
                                            cat(longer.substr(shorter.size()), "~")))
                    ++prefix_probed;
            }
        }
        INFO("equal-tag pairs found: ", pairs);
        CHECK(prefix_held >= 4);
        CHECK(prefix_probed >= 4);

        // The shorter id exactly 255 bytes, the first length whose tag keeps
        // no exact length: pairs found by an offline search over seeds (2^24
        // hashes on average), as (seed, bytes added).
        for (const auto& [seed, added] : {std::pair<std::uint64_t, std::size_t>{953984, 31},
                                          std::pair<std::uint64_t, std::size_t>{1770952, 29},
                                          std::pair<std::uint64_t, std::size_t>{2335378, 16}}) {
            CAPTURE(seed);
            std::mt19937_64 seeded(seed);
            const std::string shorter = random_printable(seeded, 255);
            const std::string longer = cat(shorter, random_printable(seeded, 64).substr(0, added));
            // Should hash_bytes change, the pair no longer shares its tag and
            // the check below is an ordinary one.
            if (tag_bits(shorter) != tag_bits(longer))
                MESSAGE("hash_bytes changed: the 255-byte pair no longer shares its tag bits");
            if (!told_apart_in_one_chain(longer, shorter)) check_apart_when_alone(longer, shorter);
        }
    }

    TEST_CASE("ids sharing their low 16 hash bits (one home slot of a 64k-slot table) get "
              "distinct indices") {
        // ~100k ids grouped by home slot in a table of 65536 slots (which
        // holds up to 32768 ids); groups of 2 or more are interned together,
        // so every lookup passes ids of its own home slot.
        std::mt19937_64 rng(505);
        std::vector<std::string> candidates;
        for (unsigned j = 0; candidates.size() < 40'000; ++j)
            for (unsigned q = 0; q < 1000; q += 7)
                candidates.push_back(resident_number(resident_prefix(j), q));
        while (candidates.size() < 70'000)
            candidates.push_back(hex_id(rng));
        for (unsigned i = 0; candidates.size() < 100'000; ++i)
            candidates.push_back(cat("u", std::to_string(i)));
        std::vector<std::vector<std::size_t>> by_home(1 << 16);
        for (std::size_t i = 0; i < candidates.size(); ++i)
            by_home[ctrace::hash_bytes(candidates[i]) & 0xFFFF].push_back(i);

        std::vector<std::string> chosen, absent;
        std::size_t groups_of_three = 0;
        for (const auto& group : by_home) {
            if (group.size() < 2) continue;
            // Groups of three or more keep their last id out, to look up.
            const std::size_t keep = group.size() >= 3 ? group.size() - 1 : group.size();
            if (chosen.size() + keep > 32'000) break;
            for (std::size_t k = 0; k < keep; ++k)
                chosen.push_back(candidates[group[k]]);
            if (keep < group.size()) {
                absent.push_back(candidates[group.back()]);
                ++groups_of_three;
            }
        }
        CHECK(chosen.size() > 30'000);
        CHECK(groups_of_three > 3'000);
        std::shuffle(chosen.begin(), chosen.end(), rng);

        id_table t;
        std::size_t wrong = 0;
        for (std::size_t k = 0; k < chosen.size(); ++k)
            if (t.intern(chosen[k]) != k) ++wrong;
        CHECK(wrong == 0);
        CHECK(table_problem(t, chosen) == "");
        std::size_t found_absent = 0;
        for (const std::string& id : absent)
            if (t.find(id) != id_table::npos) ++found_absent;
        CHECK(found_absent == 0);

        id_table b;
        const auto got = intern_in_batches(b, chosen, rng, 300);
        std::vector<index_type> want(chosen.size());
        for (std::size_t k = 0; k < want.size(); ++k)
            want[k] = static_cast<index_type>(k);
        CHECK(index_problem(got, want, chosen) == "");
        CHECK(table_problem(b, chosen) == "");
    }

    TEST_CASE("200k 18-character resident numbers sharing 14-character prefixes match a "
              "reference map") {
        std::vector<std::string> residents;
        for (unsigned j = 0; j < 200; ++j)
            for (unsigned q = 0; q < 1000; ++q)
                residents.push_back(resident_number(resident_prefix(j), q));
        std::mt19937_64 rng(606);
        check_many_against_reference(residents, rng);
    }

    TEST_CASE("200k 64-character hex ids match a reference map") {
        std::mt19937_64 rng(607);
        std::vector<std::string> hex;
        for (int i = 0; i < 200'000; ++i)
            hex.push_back(hex_id(rng));
        check_many_against_reference(hex, rng);
    }

    TEST_CASE("UTF-8 ids are distinct byte-wise: Chinese names, combining marks, look-alikes") {
        const std::vector<std::string> surnames = {"王", "李", "张", "刘", "陈", "杨",  "黄",
                                                   "赵", "吴", "周", "徐", "孙", "马",  "朱",
                                                   "胡", "郭", "何", "高", "林", "欧阳"};
        const std::vector<std::string> given = {"伟", "芳", "娜", "秀", "英", "敏", "静",
                                                "丽", "强", "磊", "军", "洋", "勇", "艳",
                                                "杰", "娟", "涛", "明", "超", "兰"};
        std::vector<std::string> ids;
        for (const std::string& s : surnames) {
            for (const std::string& g1 : given) {
                ids.push_back(cat(s, g1));
                for (const std::string& g2 : given)
                    ids.push_back(cat(s, g1, g2));
                // The same name with a combining mark, a zero-width space, a
                // trailing ideographic space, and long enough to cross the
                // 16- and 24-byte boundaries inside a character.
                ids.push_back(cat(s, g1, "\xCC\x81"));
                ids.push_back(cat(s, "\xE2\x80\x8B", g1));
                ids.push_back(cat(s, g1, "\xE3\x80\x80"));
                ids.push_back(cat("x", s, g1, s, g1, s, g1, s, g1));
                ids.push_back(cat("xy", s, g1, s, g1, s, g1, s, g1));
            }
        }
        const std::vector<std::string> look_alikes = {
            "\xC3\xA9",                             // é precomposed
            "e\xCC\x81",                            // e + combining acute
            "\xC3\x85",                             // Å precomposed
            "A\xCC\x8A",                            // A + combining ring
            "\xE2\x84\xAB",                         // Angstrom sign
            "\xED\x95\x9C",                         // 한 precomposed
            "\xE1\x84\x92\xE1\x85\xA1\xE1\x86\xAB", // 한 as jamo
            "A",
            "\xEF\xBC\xA1",                 // fullwidth A
            "\xF0\x9F\x98\x80",             // 😀
            "\xF0\x9F\x98\x80\xEF\xB8\x8F", // 😀 + VS16
            "\xE5\xBC\xA0\xE4\xB8\x89",     // 张三
            "\xE5\xBC\xA0 \xE4\xB8\x89",    // 张 三
            "\xE5\xBC\xA0\xE4\xB8\x89\xCC\x81"};
        for (const std::string& s : look_alikes)
            ids.push_back(s);
        std::mt19937_64 rng(707);
        std::vector<std::string> stream = ids;
        for (std::size_t r = 0; r < ids.size(); ++r)
            stream.push_back(ids[rng() % ids.size()]);
        std::shuffle(stream.begin(), stream.end(), rng);

        reference_table ref;
        id_table t;
        std::size_t wrong = 0;
        for (const std::string& id : stream)
            if (t.intern(id) != ref.intern(id)) ++wrong;
        CHECK(wrong == 0);
        CHECK(t.size() == ids.size()); // all distinct byte-wise
        CHECK(table_problem(t, ref.ids) == "");
        for (const std::string& s : look_alikes) {
            const index_type i = t.find(s);
            REQUIRE(i < t.size());
            CHECK(t[i] == s);
        }
    }

    TEST_CASE("find_few finds what intern_few would intern, and adds nothing") {
        for (const bool indexed : {true, false}) {
            id_table t;
            for (const char* id : {"a", "bb", "a-much-longer-id-than-24-bytes", ""})
                t.intern(id);
            if (!indexed) t.release_index();
            const std::vector<std::string_view> ids = {
                "bb", "zz", "", "a-much-longer-id-than-24-bytes", "zz", "a"};
            const id_table& read_only = t;
            CHECK(read_only.find_few(ids) ==
                  std::vector<index_type>{1, id_table::npos, 3, 2, id_table::npos, 0});
            CHECK(t.size() == 4);
            CHECK(t.intern_few(ids) == std::vector<index_type>{1, 4, 3, 2, 4, 0});
            CHECK(t.size() == 5);
        }
    }

    TEST_CASE("the empty id is an ordinary id in intern, find, intern_batch and intern_few") {
        auto hashes_of = [](const std::vector<std::string_view>& ids) {
            std::vector<std::uint64_t> h;
            for (const std::string_view id : ids)
                h.push_back(ctrace::hash_bytes(id));
            return h;
        };
        SUBCASE("intern") {
            id_table t;
            CHECK(t.intern("") == 0);
            CHECK(t.find("") == 0);
            CHECK(t.find("\0"s) == id_table::npos);
            CHECK(t.intern("\0"s) == 1);
            CHECK(t.intern("") == 0);
            CHECK(t[0].empty());
            CHECK(t[1] == "\0"s);
        }
        SUBCASE("intern_batch, new and repeated in one batch") {
            id_table t;
            const std::vector<std::string_view> ids = {"x", "", "", "y", "", "x"};
            std::vector<index_type> got(ids.size());
            t.intern_batch(ids, hashes_of(ids), got);
            CHECK(got == std::vector<index_type>{0, 1, 1, 2, 1, 0});
            const std::vector<std::string_view> only = {"", "", ""};
            std::vector<index_type> again(only.size());
            t.intern_batch(only, hashes_of(only), again);
            CHECK(again == std::vector<index_type>{1, 1, 1});
            id_table fresh;
            fresh.intern_batch(only, hashes_of(only), again);
            CHECK(again == std::vector<index_type>{0, 0, 0});
            CHECK(fresh.size() == 1);
            CHECK(fresh.find("") == 0);
        }
        SUBCASE("intern_few with the index, and after release_index when new or known") {
            const std::vector<std::string_view> few = {"a", "", "b", ""};
            id_table indexed;
            indexed.intern("z");
            CHECK(indexed.intern_few(few) == std::vector<index_type>{1, 2, 3, 2});

            id_table released;
            released.intern("z");
            released.intern("\0"s);
            released.release_index();
            CHECK(released.intern_few(few) == std::vector<index_type>{2, 3, 4, 3});
            CHECK_FALSE(released.has_index());
            CHECK(released.find("") == 3);
            CHECK(released.intern_few(few) == std::vector<index_type>{2, 3, 4, 3});
            CHECK(released.size() == 5);
            CHECK(released.intern("") == 3);
            CHECK(released.find("\0"s) == 1);
        }
        SUBCASE("truncate keeps it") {
            id_table t;
            t.intern("");
            t.intern("a");
            t.truncate(1);
            CHECK(t.find("") == 0);
            CHECK(t.find("a") == id_table::npos);
            CHECK(t.intern("a") == 1);
        }
    }

    TEST_CASE("intern_batch gives the indices and table of intern one by one (random streams, "
              "batches of 1 to 300)") {
        std::size_t new_repeated = 0;
        for (int round = 0; round < 12; ++round) {
            CAPTURE(round);
            std::mt19937_64 rng(808 + static_cast<std::uint64_t>(round));
            // Pools of different kinds and sizes: a tiny one is almost all repeats.
            const std::size_t pool_size = round % 4 == 0 ? 12 : 50 + rng() % 20'000;
            std::vector<std::string> pool;
            reference_table distinct;
            while (pool.size() < pool_size) {
                std::string id;
                switch ((static_cast<std::uint64_t>(round) + rng() % 3) % 6) {
                case 0:
                    id = cat("P", std::to_string(rng() % 100'000));
                    break;
                case 1:
                    id = resident_number(resident_prefix(static_cast<unsigned>(rng() % 50)),
                                         static_cast<unsigned>(rng() % 1000));
                    break;
                case 2:
                    id = hex_id(rng);
                    break;
                case 3:
                    id = random_bytes(rng, rng() % 40);
                    break;
                case 4:
                    id = cat(std::string(rng() % 26, 'a'), std::string(rng() % 3, '\0'));
                    break;
                default:
                    id = random_printable(rng, 250 + rng() % 20);
                    break;
                }
                if (!distinct.contains(id)) {
                    distinct.intern(id);
                    pool.push_back(id);
                }
            }
            // Streams with many repeats, and bursts of a few new ids repeated
            // (so that new ids often appear several times in one batch).
            std::vector<std::string> stream;
            const std::size_t length = 2000 + rng() % 30'000;
            while (stream.size() < length) {
                if (rng() % 8 == 0) {
                    const std::string& a = pool[rng() % pool.size()];
                    const std::string& b = pool[rng() % pool.size()];
                    for (int k = 0; k < 4; ++k)
                        stream.push_back(k % 2 ? a : b);
                } else {
                    stream.push_back(pool[rng() % pool.size()]);
                }
            }
            reference_table ref;
            std::vector<index_type> want;
            for (const std::string& id : stream)
                want.push_back(ref.intern(id));

            id_table one;
            std::vector<index_type> by_one;
            for (const std::string& id : stream)
                by_one.push_back(one.intern(id));
            CHECK(index_problem(by_one, want, stream) == "");
            CHECK(table_problem(one, ref.ids) == "");

            id_table batched;
            const std::size_t max_batch = round % 3 == 0 ? 1 : round % 3 == 1 ? 300 : 64;
            CHECK(index_problem(intern_in_batches(batched, stream, rng, max_batch, &new_repeated),
                                want, stream) == "");
            CHECK(table_problem(batched, ref.ids) == "");

            // intern with the caller's hash, prefetched a few ids ahead.
            id_table hashed;
            std::vector<index_type> by_hash;
            for (std::size_t k = 0; k < stream.size(); ++k) {
                if (k + 4 < stream.size()) hashed.prefetch(ctrace::hash_bytes(stream[k + 4]));
                by_hash.push_back(hashed.intern(stream[k], ctrace::hash_bytes(stream[k])));
            }
            CHECK(index_problem(by_hash, want, stream) == "");

            // intern and intern_batch in turns on one table.
            id_table mixed;
            std::vector<index_type> by_turns;
            for (std::size_t first = 0; first < stream.size();) {
                const std::size_t n = std::min<std::size_t>(1 + rng() % 200, stream.size() - first);
                const std::vector<std::string> part(
                    stream.begin() + static_cast<std::ptrdiff_t>(first),
                    stream.begin() + static_cast<std::ptrdiff_t>(first + n));
                if (rng() % 2) {
                    for (const auto i : intern_in_batches(mixed, part, rng, n))
                        by_turns.push_back(i);
                } else {
                    for (const std::string& id : part)
                        by_turns.push_back(mixed.intern(id));
                }
                first += n;
            }
            CHECK(index_problem(by_turns, want, stream) == "");
            CHECK(table_problem(mixed, ref.ids) == "");
        }
        // The streams exercised new ids repeated within one batch.
        CHECK(new_repeated > 1000);

        // A batch where a new id comes several times, among known ones.
        id_table t;
        t.intern("old");
        const std::string long1(300, 'L'), long2 = cat(std::string(299, 'L'), "M");
        const std::vector<std::string_view> batch = {"n1",  "n1",  "old", "n2", "n1", "n2",
                                                     long1, long1, long2, "",   "",   long2};
        std::vector<std::uint64_t> hashes;
        for (const std::string_view id : batch)
            hashes.push_back(ctrace::hash_bytes(id));
        std::vector<index_type> got(batch.size());
        t.intern_batch(batch, hashes, got);
        CHECK(got == std::vector<index_type>{1, 1, 0, 2, 1, 2, 3, 3, 4, 5, 5, 4});
        CHECK(table_problem(t, {"old", "n1", "n2", long1, long2, ""}) == "");
        // An empty batch is fine.
        t.intern_batch({}, {}, {});
        CHECK(t.size() == 6);
    }

    TEST_CASE("release_index: find, intern_few, intern and intern_batch stay correct without "
              "the index") {
        std::mt19937_64 rng(909);
        std::vector<std::string> pool = {"",
                                         "\0"s,
                                         "a",
                                         "a\0"s,
                                         std::string(24, 'q'),
                                         cat(std::string(24, 'q'), "\0"s),
                                         std::string(300, 'r'),
                                         cat(std::string(300, 'r'), "s")};
        reference_table distinct;
        for (const std::string& id : pool)
            distinct.intern(id);
        while (pool.size() < 3000) {
            std::string id;
            switch (rng() % 4) {
            case 0:
                id = cat("P", std::to_string(rng() % 10'000));
                break;
            case 1:
                id = resident_number(resident_prefix(3), static_cast<unsigned>(rng() % 1000));
                break;
            case 2:
                id = hex_id(rng);
                break;
            default:
                id = random_printable(rng, 250 + rng() % 20);
                break;
            }
            if (!distinct.contains(id)) {
                distinct.intern(id);
                pool.push_back(id);
            }
        }
        std::shuffle(pool.begin(), pool.end(), rng);
        // The table holds the first 2000; the rest are new to it.
        reference_table ref;
        id_table t;
        for (std::size_t k = 0; k < 2000; ++k)
            REQUIRE(t.intern(pool[k]) == ref.intern(pool[k]));
        t.release_index();
        CHECK_FALSE(t.has_index());
        // find by a scan over all ids.
        CHECK(table_problem(t, ref.ids) == "");
        std::size_t found_new = 0;
        for (std::size_t k = 2000; k < pool.size(); ++k)
            if (t.find(pool[k]) != id_table::npos) ++found_new;
        CHECK(found_new == 0);
        // Hints only: they change nothing.
        for (std::size_t i = 0; i < t.size(); ++i) {
            t.prefetch_location(static_cast<index_type>(i));
            t.prefetch_bytes(static_cast<index_type>(i));
            t.prefetch(ctrace::hash_bytes(t[static_cast<index_type>(i)]));
        }
        id_table{}.prefetch(12345);

        auto pick = [&](bool known) -> const std::string& {
            return known ? pool[rng() % 2000] : pool[2000 + rng() % 1000];
        };

        SUBCASE("intern_few appends new ids in order, a repeated new one once, and does not "
                "rebuild the index") {
            for (int call = 0; call < 150; ++call) {
                CAPTURE(call);
                std::vector<std::string_view> few;
                const std::size_t n = rng() % 12;
                for (std::size_t k = 0; k < n; ++k) {
                    // Repeats inside the call, known and new.
                    if (k > 0 && rng() % 4 == 0)
                        few.push_back(few[rng() % k]);
                    else
                        few.emplace_back(pick(rng() % 3 != 0));
                }
                std::vector<index_type> want;
                for (const std::string_view id : few)
                    want.push_back(ref.intern(id));
                CHECK(t.intern_few(few) == want);
                CHECK_FALSE(t.has_index());
            }
            CHECK(t.size() > 2100);
            CHECK(table_problem(t, ref.ids) == "");
            CHECK_FALSE(t.has_index());
            // intern rebuilds the index, with the ids intern_few appended.
            const std::string& next = pool[2000 + rng() % 1000];
            CHECK(t.intern(next) == ref.intern(next));
            CHECK(t.has_index());
            CHECK(table_problem(t, ref.ids) == "");
        }
        SUBCASE("intern_few of nothing changes nothing") {
            CHECK(t.intern_few({}).empty());
            CHECK(t.size() == 2000);
            CHECK_FALSE(t.has_index());
        }
        SUBCASE("intern rebuilds the index") {
            for (int k = 0; k < 3000; ++k) {
                const std::string& id = pick(rng() % 2 != 0);
                if (t.intern(id) != ref.intern(id)) {
                    CAPTURE(k);
                    FAIL("wrong index");
                }
            }
            CHECK(t.has_index());
            CHECK(table_problem(t, ref.ids) == "");
        }
        SUBCASE("intern_batch rebuilds the index") {
            std::vector<std::string> stream;
            for (int k = 0; k < 5000; ++k)
                stream.push_back(pick(rng() % 2 != 0));
            std::vector<index_type> want;
            for (const std::string& id : stream)
                want.push_back(ref.intern(id));
            CHECK(index_problem(intern_in_batches(t, stream, rng, 300), want, stream) == "");
            CHECK(t.has_index());
            CHECK(table_problem(t, ref.ids) == "");
        }
        SUBCASE("intern_few with the index interns one by one") {
            CHECK(t.intern(pool[0]) == 0); // rebuilds
            REQUIRE(t.has_index());
            for (int call = 0; call < 100; ++call) {
                std::vector<std::string_view> few;
                for (std::size_t k = 0; k < 6; ++k)
                    few.emplace_back(pick(rng() % 2 != 0));
                few.push_back(few[0]);
                std::vector<index_type> want;
                for (const std::string_view id : few)
                    want.push_back(ref.intern(id));
                CHECK(t.intern_few(few) == want);
                CHECK(t.has_index());
            }
            CHECK(table_problem(t, ref.ids) == "");
        }
        SUBCASE("released twice, truncated while released") {
            t.intern(pool[2500]);
            ref.intern(pool[2500]);
            t.release_index();
            t.release_index();
            CHECK_FALSE(t.has_index());
            t.truncate(5000); // more than it holds: nothing changes
            CHECK(t.size() == 2001);
            CHECK(t.find(pool[2500]) == 2000);
            t.truncate(1500);
            ref.ids.resize(1500);
            CHECK(table_problem(t, ref.ids) == "");
            CHECK(t.find(pool[1700]) == id_table::npos);
            CHECK(t.find(pool[2500]) == id_table::npos);
            CHECK(t.intern(pool[2500]) == 1500);
        }
        SUBCASE("an empty released table") {
            id_table e;
            e.release_index();
            CHECK(e.has_index()); // nothing to index
            CHECK(e.find("") == id_table::npos);
            const std::vector<std::string_view> few = {"b", "a", "b"};
            CHECK(e.intern_few(few) == std::vector<index_type>{0, 1, 0});
            CHECK(e.find("a") == 1);
        }
    }

    TEST_CASE(
        "truncate forgets long ids and their bytes, and interning again matches a fresh table") {
        std::mt19937_64 rng(1010);
        std::vector<std::string> pool;
        reference_table distinct;
        while (pool.size() < 1000) {
            std::string id;
            switch (rng() % 5) {
            case 0:
                id = cat("P", std::to_string(rng() % 5000));
                break;
            case 1:
                id = random_printable(rng, 25 + rng() % 46);
                break;
            case 2:
                id = random_printable(rng, 255 + rng() % 3);
                break;
            case 3:
                id = cat(std::string(1 + rng() % 24, 'z'), std::string(rng() % 3, '\0'));
                break;
            default:
                id = hex_id(rng);
                break;
            }
            if (!distinct.contains(id)) {
                distinct.intern(id);
                pool.push_back(id);
            }
        }
        for (const std::size_t keep : {0u, 1u, 7u, 500u, 999u}) {
            for (const bool released : {false, true}) {
                CAPTURE(keep);
                CAPTURE(released);
                id_table t;
                for (const std::string& id : pool)
                    t.intern(id);
                if (released) t.release_index();
                t.truncate(keep);
                const std::vector<std::string> kept(
                    pool.begin(), pool.begin() + static_cast<std::ptrdiff_t>(keep));
                CHECK(table_problem(t, kept) == "");
                std::size_t still_found = 0;
                for (std::size_t k = keep; k < pool.size(); ++k)
                    if (t.find(pool[k]) != id_table::npos) ++still_found;
                CHECK(still_found == 0);

                // Forgotten ids (in another order) and new ones get the next
                // indices; kept ones keep theirs.
                reference_table ref;
                for (const std::string& id : kept)
                    ref.intern(id);
                std::vector<std::string> stream(pool.begin(), pool.end());
                std::shuffle(stream.begin(), stream.end(), rng);
                for (int k = 0; k < 300; ++k)
                    stream.push_back(cat("new", std::to_string(k),
                                         std::string(static_cast<std::size_t>(k % 30), '#')));
                std::vector<index_type> want;
                for (const std::string& id : stream)
                    want.push_back(ref.intern(id));
                std::vector<index_type> got;
                if (keep % 2 == 0) {
                    got = intern_in_batches(t, stream, rng, 100);
                } else {
                    for (const std::string& id : stream)
                        got.push_back(t.intern(id));
                }
                CHECK(index_problem(got, want, stream) == "");
                CHECK(table_problem(t, ref.ids) == "");
            }
        }
    }

    TEST_CASE("reserve for fewer ids than a released table holds keeps every id") {
        // reserve may ask for less than the table holds; after release_index
        // the index it rebuilds must still have room for every id. A rebuild
        // into too few slots never ends: CTest's TIMEOUT for this test
        // (tests/test_timeouts.cmake) makes that a failure, with no clock here.
        for (const std::size_t asked : {0u, 10u, 60u, 99u}) {
            CAPTURE(asked);
            id_table t;
            for (int i = 0; i < 100; ++i)
                t.intern(cat("id", std::to_string(i)));
            t.release_index();
            t.reserve(asked, 0);
            CHECK(t.size() == 100);
            for (int i = 0; i < 100; ++i)
                CHECK(t.find(cat("id", std::to_string(i))) == static_cast<index_type>(i));
            CHECK(t.intern("id100") == 100);
            CHECK(t.intern("id7") == 7);
        }
        // With the index kept, a small reserve changes nothing.
        id_table t;
        for (int i = 0; i < 100; ++i)
            t.intern(cat("id", std::to_string(i)));
        t.reserve(10, 0);
        CHECK(t.find("id99") == 99);
        CHECK(t.intern("id100") == 100);
    }

    TEST_CASE("growth moves slots as they are: inline, 25-byte and 255-byte ids, grown twofold "
              "and by a large reserve, keep every index") {
        // Growing walks the old slots (not the ids in index order) and moves
        // each slot whole; the hash of an inline id is taken from the slot's
        // words, of a long one from the stored bytes.
        std::mt19937_64 rng(2026);
        std::vector<std::string> ids;
        for (std::size_t i = 0; i < 3000; ++i) {
            const std::size_t length = std::array<std::size_t, 6>{0, 7, 24, 25, 255, 300}[i % 6];
            ids.push_back(random_bytes(rng, length));
        }
        for (const bool big_reserve : {false, true}) {
            CAPTURE(big_reserve);
            reference_table ref;
            id_table t;
            std::size_t wrong = 0;
            for (std::size_t i = 0; i < ids.size(); ++i) {
                if (big_reserve && i == ids.size() / 2) t.reserve(1'000'000, 0);
                if (t.intern(ids[i]) != ref.intern(ids[i])) ++wrong;
            }
            CHECK(wrong == 0);
            CHECK(table_problem(t, ref.ids) == "");
        }
    }

} // TEST_SUITE
