// One regression test per fixed bug, named after it.

#include "ctrace/cases.hpp"
#include "ctrace/csv.hpp"
#include "ctrace/error.hpp"
#include "ctrace/time.hpp"
#include "test_helpers.hpp"

#include <doctest/doctest.h>
#include <sstream>
#include <streambuf>

using namespace ctrace;

TEST_CASE("regression: an unterminated quote swallowed the rest of a small file") {
    std::istringstream in("h,i\n\"bc,d\ne,f\ng,h\n");
    csv_reader reader(in, "x.csv");
    csv_record record;
    REQUIRE(reader.next(record)); // header
    REQUIRE(reader.next(record));
    CHECK(record.error != nullptr);
    CHECK(record.line == 2);
    CHECK(record.raw == "\"bc,d");
    REQUIRE(reader.next(record));
    CHECK(record.error == nullptr);
    CHECK(record.line == 3);
    CHECK(record.fields == std::vector<std::string_view>{"e", "f"});
    REQUIRE(reader.next(record));
    CHECK(record.line == 4);
    CHECK_FALSE(reader.next(record));

    // Under skip-bad the good rows after it are kept.
    scan_read_options options;
    options.skip_bad = true;
    std::istringstream scans("person,place,time\n\"A,X,0\nB,X,60\nC,X,120\n");
    const scan_log log = read_scans(scans, "scans.csv", {}, options);
    CHECK(log.rows_read == 3);
    CHECK(log.visits.size() == 2);
    REQUIRE(log.rejects.size() == 1);
    CHECK(log.rejects[0].raw == "\"A,X,0");
}

TEST_CASE("regression: a huge duration overflowed instead of being rejected") {
    for (const char* text : {"36028797018963968d", "1000000000000000d", "34374141155870808d",
                             "100000000000000h", "100000000000000000s", "416999965498d"})
        CHECK_FALSE(try_parse_duration(text));
    // 416999965497 days is the largest whole number of days below 2^55 s.
    CHECK(try_parse_duration("416999965497d").value == 416999965497LL * 86400);
}

namespace {
/// A stream buffer that serves `good` bytes, then fails.
class failing_buffer : public std::streambuf {
public:
    explicit failing_buffer(std::string good) : good_(std::move(good)) {
        setg(good_.data(), good_.data(), good_.data() + good_.size());
    }

protected:
    int_type underflow() override { throw std::ios_base::failure("device error"); }

private:
    std::string good_;
};
} // namespace

TEST_CASE("regression: a read error in read_cases left new ids in persons") {
    std::string text = "person,from\n";
    for (int i = 0; i < 400000; ++i)
        text.append("P").append(std::to_string(i)).append(",0\n");
    failing_buffer buffer(text);
    std::istream in(&buffer);
    in.exceptions(std::ios::badbit);
    id_table persons;
    persons.intern("existing");
    CHECK_THROWS(read_cases(in, "cases.csv", persons, {}));
    CHECK(persons.size() == 1);
    CHECK(persons[0] == "existing");
}

// Found by fuzz_time: epoch seconds up to 2^55 are valid input, and are
// written with years past 9999; such a date must be refused by name when
// read back, not as a generic bad time.
TEST_CASE("regression: a year past 9999 was refused as 'bad time'") {
    const std::string written = format_time(6154165412802128, {});
    CHECK(written == "195019708-06-29T21:02:08Z");
    const auto back = try_parse_time(written, {});
    REQUIRE(!back);
    CHECK(std::string(back.error) == "year beyond 9999");
    CHECK(std::string(try_parse_time("10000-01-01", {}).error) == "year beyond 9999");
    CHECK(try_parse_time("9999-12-31T23:59:59Z", {}).value == 253402300799);
    CHECK(try_parse_time("12345", {}).value == 12345); // epoch seconds, no dash
    CHECK(!try_parse_time("-10000-01-01", {}));
}

// Found by fuzz_csv (9 inputs a second): every reader zero-filled a 4 MiB
// buffer, so reading a 100-byte cases file cost megabytes of page faults. The
// buffer now starts at 64 KiB and grows while reads fill it: records must
// still come out whole across the refills and growths of the small buffer.
TEST_CASE("regression: small files zero-filled a 4 MiB read buffer") {
    std::string big = "a,b\n";
    const std::string field(1000, 'x');
    for (int i = 0; i < 300; ++i)
        big += field + "," + std::to_string(i) + "\n";
    std::istringstream in(big);
    csv_reader reader(in, "big.csv");
    csv_record record;
    REQUIRE(reader.next(record));
    int rows = 0;
    while (reader.next(record)) {
        REQUIRE(record.error == nullptr);
        CHECK(record.fields[1] == std::to_string(rows));
        ++rows;
    }
    CHECK(rows == 300);
}
