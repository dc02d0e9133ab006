// The synthetic city generator: same parameters, same bytes; the default
// output pinned; shuffled dumps hold the rows of the time-ordered ones;
// resident, hex and DL place ids are well formed and distinct.

#include "ctrace/core/digest.hpp"
#include "ctrace/core/error.hpp"
#include "ctrace/gen/generate.hpp"
#include "test_helpers.hpp"

#include <algorithm>
#include <cctype>
#include <doctest/doctest.h>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace {

using ctrace::city_parameters;
using ctrace::generate_city;
using ctrace::id_style;
using ctrace::row_order;
using ctrace::testing::temp_dir;

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in.good());
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::string> split(const std::string& text, char separator) {
    std::vector<std::string> parts;
    std::string part;
    std::istringstream in(text);
    while (std::getline(in, part, separator))
        parts.push_back(part);
    if (!text.empty() && text.back() == separator && separator != '\n') parts.emplace_back();
    return parts;
}

/// The lines of a CSV file without its header; checks the header.
std::vector<std::string> rows_of(const std::filesystem::path& path, const std::string& header) {
    std::vector<std::string> lines = split(read_file(path), '\n');
    REQUIRE_FALSE(lines.empty());
    CHECK(lines.front() == header);
    lines.erase(lines.begin());
    return lines;
}

/// Column `column` of each row.
std::vector<std::string> column(const std::vector<std::string>& rows, std::size_t column) {
    std::vector<std::string> values;
    values.reserve(rows.size());
    for (const std::string& row : rows) {
        const std::vector<std::string> fields = split(row, ',');
        REQUIRE(fields.size() > column);
        values.push_back(fields[column]);
    }
    return values;
}

constexpr const char* scans_header = "person,place,time,leave";
constexpr const char* places_header = "place,name,category,district,lat,lon,dwell";
constexpr const char* cases_header = "person,from,to,onset";

/// SHA-256 of a generated cases.csv as it was before the `onset` column:
/// without its last column, after checking that each onset is `from` plus
/// the default look-back.
std::string sha256_of_cases_before_onsets(const std::filesystem::path& path) {
    const std::vector<std::string> lines = split(read_file(path), '\n');
    REQUIRE_FALSE(lines.empty());
    CHECK(lines.front() == cases_header);
    ctrace::sha256 digest;
    digest.update("person,from,to\n");
    for (std::size_t i = 1; i < lines.size(); ++i) {
        const std::vector<std::string> fields = split(lines[i], ',');
        REQUIRE(fields.size() == 4);
        const ctrace::time_point from = ctrace::parse_time(fields[1], {});
        CHECK(ctrace::parse_time(fields[3], {}) == from + ctrace::defaults::lookback);
        digest.update(lines[i].substr(0, lines[i].rfind(',')));
        digest.update("\n");
    }
    return digest.hex_digest();
}

city_parameters small_city(id_style ids = id_style::short_ids, row_order order = row_order::time) {
    city_parameters p;
    p.persons = 400;
    p.places = 40;
    p.days = 3;
    p.seed = 11;
    p.cases = 6;
    p.ids = ids;
    p.order = order;
    return p;
}

/// Generates into a fresh folder of `dir`, named `name`.
std::filesystem::path generate(const temp_dir& dir, const std::string& name,
                               const city_parameters& parameters) {
    const std::filesystem::path folder = dir.path() / name;
    std::filesystem::create_directory(folder);
    const ctrace::city_summary summary = generate_city(parameters, folder);
    CHECK(summary.persons == parameters.persons);
    return folder;
}

/// Checks that `from[i] -> to[i]` is a consistent one-to-one map (each value
/// of `from` always maps to the same value of `to`, and no two values of
/// `from` share one), and returns it.
std::map<std::string, std::string> bijection(const std::vector<std::string>& from,
                                             const std::vector<std::string>& to) {
    REQUIRE(from.size() == to.size());
    std::map<std::string, std::string> forward, backward;
    bool consistent = true;
    for (std::size_t i = 0; i < from.size(); ++i) {
        const auto [f, new_f] = forward.emplace(from[i], to[i]);
        const auto [b, new_b] = backward.emplace(to[i], from[i]);
        if (f->second != to[i] || b->second != from[i]) consistent = false;
    }
    CHECK(consistent);
    CHECK(forward.size() == backward.size());
    return forward;
}

bool all_digits(const std::string& text) {
    return std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// The ISO 7064 MOD 11-2 check character of 17 digits, computed from the
/// definition: the check digit c makes sum(d_i * 2^(18 - i)) + c = 1 mod 11
/// (positions i = 1..18 from the left, c at position 18 with weight 1).
char iso7064_check(const std::string& digits) {
    long sum = 0;
    for (std::size_t i = 0; i < 17; ++i) {
        long weight = 1;
        for (std::size_t k = 0; k < 17 - i; ++k)
            weight = weight * 2 % 11;
        sum += (digits[i] - '0') * weight;
    }
    for (int c = 0; c <= 10; ++c)
        if ((sum + c) % 11 == 1) return c == 10 ? 'X' : static_cast<char>('0' + c);
    return '?';
}

bool valid_date(int year, int month, int day) {
    if (month < 1 || month > 12 || day < 1) return false;
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    constexpr int lengths[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return day <= lengths[month - 1] + (month == 2 && leap ? 1 : 0);
}

bool valid_resident_id(const std::string& id) {
    if (id.size() != 18 || !all_digits(id.substr(0, 17))) return false;
    if (id.substr(0, 4) != "2102") return false;
    static const std::set<std::string> regions = {"210202", "210203", "210204",
                                                  "210211", "210212", "210213"};
    if (!regions.count(id.substr(0, 6))) return false;
    const int year = std::stoi(id.substr(6, 4));
    if (year < 1940 || year > 2021) return false;
    if (!valid_date(year, std::stoi(id.substr(10, 2)), std::stoi(id.substr(12, 2)))) return false;
    return iso7064_check(id) == id[17];
}

bool valid_hex_id(const std::string& id) {
    return id.size() == 64 && std::all_of(id.begin(), id.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

bool valid_place_id(const std::string& id) {
    return id.size() == 12 && id.substr(0, 2) == "DL" && all_digits(id.substr(2));
}

/// Share of adjacent scan rows whose times are in order.
double ordered_pairs(const std::vector<std::string>& rows) {
    const std::vector<std::string> times = column(rows, 2);
    std::size_t ordered = 0;
    for (std::size_t i = 1; i < times.size(); ++i)
        ordered += std::stoll(times[i - 1]) <= std::stoll(times[i]);
    return static_cast<double>(ordered) / static_cast<double>(times.size() - 1);
}

std::vector<std::string> sorted(std::vector<std::string> rows) {
    std::sort(rows.begin(), rows.end());
    return rows;
}

} // namespace

TEST_SUITE("generate") {

    TEST_CASE("the default output is pinned, byte for byte") {
        // Hashes of the generator before row orders and id styles existed, for
        // `ctrace gen --persons 300 --places 30 --days 3 --seed 5 --cases 3`.
        city_parameters p;
        p.persons = 300;
        p.places = 30;
        p.days = 3;
        p.seed = 5;
        p.cases = 3;
        temp_dir dir;
        const auto folder = generate(dir, "city", p);
        CHECK(ctrace::sha256_file(folder / "scans.csv") ==
              "fc635bd0349237d1df36c9afc7864d81dc851eacf5c912c75da4ade82c0211ea");
        CHECK(ctrace::sha256_file(folder / "places.csv") ==
              "deedf7664c0780f107ae1363e06ef3a4cf0293e515d054c1d3d6348fe0f03f61");
        CHECK(sha256_of_cases_before_onsets(folder / "cases.csv") ==
              "548e7a296452ba8d2df4c5c2b71f0ea017f1c3ef71b3dd490e9305bc241617d8");
    }

    TEST_CASE("every id style and row order is pinned, byte for byte") {
        // Hashes of small_city() in each id style and row order, and of a
        // shuffle over about twenty buckets, taken with the generator before
        // it was split into generate_*.cpp: a changed draw, a changed order
        // of draws or a changed format shows here, not only in the default city.
        // places.csv and cases.csv depend on the id style alone (resident and
        // hex ids give places the same DL ids); cases.csv is pinned as it
        // was before it had onsets.
        const std::map<id_style, std::pair<std::string, std::string>> places_and_cases = {
            {id_style::short_ids,
             {"d05034b5076e3206e81349a0ec89ff154a277d5e33e6e2dc9f1272a3f48b8149",
              "073ea4dc17b6dea9b76092a58bc991d93c1417537285826907de53d2769993b5"}},
            {id_style::resident,
             {"14e859c0c945f42a582216ebd405e428b6d07d2428c0b8c05594c12064e0066e",
              "e2a18fa897c06b051f4e7bd5dbc120edbdc520baaaf93d8220496284f11610b0"}},
            {id_style::hex,
             {"14e859c0c945f42a582216ebd405e428b6d07d2428c0b8c05594c12064e0066e",
              "6b4ff5609aa6b2371b2f5ae5bb25c1a51a6fd0eaf99a83b5c25236a9fec8c0ea"}},
        };
        struct pinned_scans {
            id_style ids;
            row_order order;
            std::uint64_t bucket_rows;
            const char* sha256;
        };
        constexpr std::uint64_t one_bucket = city_parameters{}.shuffle_bucket_rows;
        const pinned_scans pins[] = {
            {id_style::short_ids, row_order::time, one_bucket,
             "3f6aed8c49aa2a59098a335f8d42dd7e03922bb535a79addf45873888d9db91a"},
            {id_style::resident, row_order::time, one_bucket,
             "113ac44cf1f97600f98047de857b05344d3ff1d2fd79ea9eb521674ad2e40f29"},
            {id_style::hex, row_order::time, one_bucket,
             "19b969d57aae742c6d082f5eccfc136b2282e6e9a7e76b0fd8078c4391fde528"},
            {id_style::short_ids, row_order::shuffled, one_bucket,
             "cc0d5ef3eeb08aa054cade6bc36b3b7fb957a1ad18b13c3628fdc38e77d678b6"},
            {id_style::resident, row_order::shuffled, one_bucket,
             "fc6a413204708868d62c5ae81a3fd58dbf2541ea152c6935565ee2f23eff1308"},
            {id_style::hex, row_order::shuffled, one_bucket,
             "67568ff28f103a4639e4789a56f9d7c568283a3e34c62c8d587a885fa89395f8"},
            {id_style::short_ids, row_order::shuffled, 300,
             "082924fd84bb85e6c995489344bad9ec2fbc74f7e0c436183b5a56f04b150f8a"},
        };
        temp_dir dir;
        for (const pinned_scans& pin : pins) {
            city_parameters p = small_city(pin.ids, pin.order);
            p.shuffle_bucket_rows = pin.bucket_rows;
            const std::string name = std::to_string(static_cast<int>(pin.order)) + "-" +
                                     std::to_string(static_cast<int>(pin.ids)) + "-" +
                                     std::to_string(pin.bucket_rows);
            CAPTURE(name);
            const auto folder = generate(dir, name, p);
            CHECK(ctrace::sha256_file(folder / "scans.csv") == pin.sha256);
            const auto& [places, cases] = places_and_cases.at(pin.ids);
            CHECK(ctrace::sha256_file(folder / "places.csv") == places);
            CHECK(sha256_of_cases_before_onsets(folder / "cases.csv") == cases);
            std::filesystem::remove_all(folder);
        }
    }

    TEST_CASE("the same parameters give the same files") {
        temp_dir dir;
        for (const row_order order : {row_order::time, row_order::shuffled})
            for (const id_style ids : {id_style::short_ids, id_style::resident, id_style::hex}) {
                const city_parameters p = small_city(ids, order);
                const std::string name = std::to_string(static_cast<int>(order)) + "-" +
                                         std::to_string(static_cast<int>(ids));
                CAPTURE(name);
                const auto a = generate(dir, name + "-a", p);
                const auto b = generate(dir, name + "-b", p);
                for (const char* file : {"scans.csv", "places.csv", "cases.csv"}) {
                    CAPTURE(file);
                    CHECK(read_file(a / file) == read_file(b / file));
                }
                // Nothing but the three files: the shuffle's temporaries are gone.
                std::size_t entries = 0;
                for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(a))
                    ++entries;
                CHECK(entries == 3);
                // Another seed, other ids and rows.
                city_parameters other = p;
                other.seed = p.seed + 1;
                const auto c = generate(dir, name + "-c", other);
                CHECK(read_file(a / "scans.csv") != read_file(c / "scans.csv"));
            }
    }

    TEST_CASE("shuffled rows are the time-ordered rows, in another order") {
        temp_dir dir;
        for (const id_style ids : {id_style::short_ids, id_style::resident, id_style::hex}) {
            CAPTURE(static_cast<int>(ids));
            const auto time_folder = generate(dir, "time", small_city(ids, row_order::time));
            const auto shuffled_folder =
                generate(dir, "shuffled", small_city(ids, row_order::shuffled));
            const auto time_rows = rows_of(time_folder / "scans.csv", scans_header);
            const auto shuffled_rows = rows_of(shuffled_folder / "scans.csv", scans_header);
            CHECK(time_rows.size() > 1000);
            CHECK(time_rows != shuffled_rows);
            CHECK(sorted(time_rows) == sorted(shuffled_rows));
            CHECK(ordered_pairs(time_rows) == 1.0);
            // About half of the adjacent pairs of a random order are in order.
            const double share = ordered_pairs(shuffled_rows);
            CHECK(share > 0.45);
            CHECK(share < 0.55);
            // The order of the rows is all that differs.
            CHECK(read_file(time_folder / "places.csv") ==
                  read_file(shuffled_folder / "places.csv"));
            CHECK(read_file(time_folder / "cases.csv") == read_file(shuffled_folder / "cases.csv"));
            std::filesystem::remove_all(time_folder);
            std::filesystem::remove_all(shuffled_folder);
        }
    }

    TEST_CASE("a shuffle over many buckets keeps every row") {
        temp_dir dir;
        city_parameters p = small_city(id_style::short_ids, row_order::shuffled);
        const auto one = generate(dir, "one-bucket", p);
        p.shuffle_bucket_rows = 300; // about twenty buckets
        const auto many = generate(dir, "many-buckets", p);
        const auto time_rows =
            rows_of(generate(dir, "time", small_city()) / "scans.csv", scans_header);
        const auto many_rows = rows_of(many / "scans.csv", scans_header);
        CHECK(sorted(many_rows) == sorted(time_rows));
        CHECK(many_rows != rows_of(one / "scans.csv", scans_header));
        const double share = ordered_pairs(many_rows);
        CHECK(share > 0.45);
        CHECK(share < 0.55);
        // Rows of the first and the last day are spread over the whole file.
        const std::vector<std::string> times = column(many_rows, 2);
        const long long first_day_end = p.start + 86400;
        std::size_t first_day_in_second_half = 0, first_day_rows = 0;
        for (std::size_t i = 0; i < times.size(); ++i)
            if (std::stoll(times[i]) < first_day_end) {
                ++first_day_rows;
                first_day_in_second_half += i >= times.size() / 2;
            }
        CHECK(first_day_in_second_half > first_day_rows / 3);
        CHECK(first_day_in_second_half < first_day_rows * 2 / 3);
    }

    TEST_CASE("resident ids are valid, distinct identity numbers") {
        temp_dir dir;
        const auto short_folder = generate(dir, "short", small_city());
        const auto folder = generate(dir, "resident", small_city(id_style::resident));
        const auto short_rows = rows_of(short_folder / "scans.csv", scans_header);
        const auto rows = rows_of(folder / "scans.csv", scans_header);
        const std::vector<std::string> persons = column(rows, 0);
        std::size_t invalid = 0;
        for (const std::string& id : persons)
            invalid += !valid_resident_id(id);
        CHECK(invalid == 0);
        // Row for row the same scans: the short and the resident ids of a person
        // correspond one to one, so distinct persons have distinct ids.
        const auto persons_map = bijection(column(short_rows, 0), persons);
        CHECK(persons_map.size() > 300);
        bijection(column(short_rows, 1), column(rows, 1));
        for (std::size_t c = 2; c < 4; ++c)
            CHECK(column(short_rows, c) == column(rows, c));
        // Not all of one district or decade: the ids are spread.
        std::set<std::string> regions, decades;
        for (const std::string& id : persons) {
            regions.insert(id.substr(0, 6));
            decades.insert(id.substr(6, 3));
        }
        CHECK(regions.size() == 6);
        CHECK(decades.size() >= 7);
    }

    TEST_CASE("the ISO 7064 check of the test itself") {
        // A published sample number of GB 11643: 11010519491231002X.
        CHECK(iso7064_check("11010519491231002") == 'X');
        CHECK(valid_date(2000, 2, 29));
        CHECK_FALSE(valid_date(1900, 2, 29));
        const std::string digits = "21020319900101001";
        const char check = iso7064_check(digits);
        CHECK(valid_resident_id(digits + check));
        CHECK_FALSE(valid_resident_id(digits + (check == '0' ? '1' : '0')));
        for (const std::string other : {"21030319900101001",  // not a Dalian district
                                        "21020319900230001",  // 30 February
                                        "21020319391231001"}) // born before 1940
            CHECK_FALSE(valid_resident_id(other + iso7064_check(other)));
    }

    TEST_CASE("hex ids are 64 lowercase hex digits, distinct") {
        temp_dir dir;
        const auto short_rows =
            rows_of(generate(dir, "short", small_city()) / "scans.csv", scans_header);
        const auto rows =
            rows_of(generate(dir, "hex", small_city(id_style::hex)) / "scans.csv", scans_header);
        const std::vector<std::string> persons = column(rows, 0);
        std::size_t invalid = 0;
        for (const std::string& id : persons)
            invalid += !valid_hex_id(id);
        CHECK(invalid == 0);
        CHECK(bijection(column(short_rows, 0), persons).size() > 300);
        // The leading 16 digits alone tell persons apart.
        std::vector<std::string> heads;
        for (const std::string& id : persons)
            heads.push_back(id.substr(0, 16));
        bijection(column(short_rows, 0), heads);
    }

    TEST_CASE("DL place ids are 12 characters, distinct, the same in both files") {
        temp_dir dir;
        for (const id_style ids : {id_style::resident, id_style::hex}) {
            CAPTURE(static_cast<int>(ids));
            const auto folder = generate(dir, "city", small_city(ids));
            const auto places = column(rows_of(folder / "places.csv", places_header), 0);
            CHECK(places.size() == 40);
            std::size_t invalid = 0;
            for (const std::string& id : places)
                invalid += !valid_place_id(id);
            CHECK(invalid == 0);
            CHECK(std::set<std::string>(places.begin(), places.end()).size() == places.size());
            const std::set<std::string> known(places.begin(), places.end());
            std::size_t unknown = 0;
            for (const std::string& id : column(rows_of(folder / "scans.csv", scans_header), 1))
                unknown += !known.count(id);
            CHECK(unknown == 0);
            // Place names and the rest are those of the short-id city.
            const auto short_places =
                rows_of(generate(dir, "short", small_city()) / "places.csv", places_header);
            const auto styled_places = rows_of(folder / "places.csv", places_header);
            REQUIRE(short_places.size() == styled_places.size());
            for (std::size_t i = 0; i < short_places.size(); ++i)
                CHECK(short_places[i].substr(short_places[i].find(',')) ==
                      styled_places[i].substr(styled_places[i].find(',')));
            std::filesystem::remove_all(folder);
            std::filesystem::remove_all(dir.path() / "short");
        }
    }

    TEST_CASE("cases use the persons' ids of the scans") {
        temp_dir dir;
        const auto short_folder = generate(dir, "short", small_city());
        const auto short_scans = rows_of(short_folder / "scans.csv", scans_header);
        const auto short_cases = rows_of(short_folder / "cases.csv", cases_header);
        for (const id_style ids : {id_style::resident, id_style::hex}) {
            CAPTURE(static_cast<int>(ids));
            const auto folder = generate(dir, "styled", small_city(ids, row_order::shuffled));
            const auto scans = rows_of(folder / "scans.csv", scans_header);
            const auto cases = rows_of(folder / "cases.csv", cases_header);
            REQUIRE(cases.size() == 6);
            const std::set<std::string> scan_persons = [&] {
                const auto persons = column(scans, 0);
                return std::set<std::string>(persons.begin(), persons.end());
            }();
            // Same cases as with short ids, the person column in the new style.
            const auto time_scans =
                rows_of(generate(dir, "styled-time", small_city(ids)) / "scans.csv", scans_header);
            const auto persons_map = bijection(column(short_scans, 0), column(time_scans, 0));
            for (std::size_t i = 0; i < cases.size(); ++i) {
                const std::string person = column(cases, 0)[i];
                CHECK(
                    (ids == id_style::resident ? valid_resident_id(person) : valid_hex_id(person)));
                const std::string short_person = column(short_cases, 0)[i];
                if (persons_map.count(short_person)) {
                    CHECK(persons_map.at(short_person) == person);
                    CHECK(scan_persons.count(person) == 1);
                }
                CHECK(cases[i].substr(cases[i].find(',')) ==
                      short_cases[i].substr(short_cases[i].find(',')));
            }
            std::filesystem::remove_all(folder);
            std::filesystem::remove_all(dir.path() / "styled-time");
        }
    }

    TEST_CASE("unusable parameters are refused") {
        temp_dir dir;
        city_parameters p = small_city(id_style::resident);
        p.persons = ctrace::max_resident_persons + 1;
        CHECK_THROWS_WITH_AS(generate_city(p, dir.path()), doctest::Contains("resident ids"),
                             ctrace::input_error);
        p = small_city(id_style::short_ids, row_order::shuffled);
        p.shuffle_bucket_rows = 0;
        CHECK_THROWS_AS(generate_city(p, dir.path()), ctrace::input_error);
        CHECK(std::filesystem::is_empty(dir.path()));
    }

} // TEST_SUITE
