// Tests of the CSV reader and writer helpers (ctrace/io/csv.hpp; docs/semantics.md
// §1, §6).

#include "ctrace/core/digest.hpp"
#include "ctrace/core/error.hpp"
#include "ctrace/io/csv.hpp"
#include "test_helpers.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <streambuf>
#include <string>
#include <vector>

using namespace std::string_literals;
namespace fs = std::filesystem;
using ctrace::csv_reader;
using ctrace::csv_record;
using ctrace::read_scans;
using ctrace::scan_log;
using ctrace::scan_read_options;
using ctrace::testing::contains;
using ctrace::testing::temp_dir;

namespace {

/// A record copied out of the reader (its views die at the next `next`).
struct rec {
    std::vector<std::string> fields;
    std::string raw;
    std::uint64_t line = 0;
    std::string error; // empty when well formed

    bool ok() const { return error.empty(); }
};

std::vector<rec> drain(ctrace::csv_reader& reader) {
    std::vector<rec> out;
    ctrace::csv_record record;
    while (reader.next(record)) {
        rec r;
        r.fields.assign(record.fields.begin(), record.fields.end());
        r.raw = std::string(record.raw);
        r.line = record.line;
        if (record.error != nullptr) {
            r.error = record.error;
            CHECK(!r.error.empty());
        }
        out.push_back(std::move(r));
    }
    // Stays at end of input.
    CHECK_FALSE(reader.next(record));
    return out;
}

std::vector<rec> read_stream(const std::string& text) {
    std::istringstream in(text);
    ctrace::csv_reader reader(in, "test.csv");
    CHECK(reader.source_name() == "test.csv");
    auto records = drain(reader);
    CHECK(reader.bytes_consumed() == text.size());
    return records;
}

bool same(const std::vector<rec>& a, const std::vector<rec>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i].fields != b[i].fields || a[i].raw != b[i].raw || a[i].line != b[i].line ||
            a[i].error != b[i].error)
            return false;
    return true;
}

/// Reads `text` from a string stream and from a file; both must agree.
std::vector<rec> read_all(const std::string& text) {
    auto from_stream = read_stream(text);
    temp_dir dir;
    const fs::path p = dir.write("in.csv", text);
    ctrace::csv_reader reader(p);
    CHECK(reader.source_name() == p.string());
    auto from_file = drain(reader);
    CHECK(reader.bytes_consumed() == text.size());
    CHECK(same(from_stream, from_file));
    return from_stream;
}

using fields_t = std::vector<std::string>;

} // namespace

TEST_SUITE("csv") {

    TEST_CASE("plain records") {
        const auto r = read_all("person,place,time\nA,M01,100\nB,M02,200\n");
        REQUIRE(r.size() == 3);
        CHECK(r[0].fields == fields_t{"person", "place", "time"});
        CHECK(r[0].raw == "person,place,time");
        CHECK(r[0].line == 1);
        CHECK(r[1].fields == fields_t{"A", "M01", "100"});
        CHECK(r[1].line == 2);
        CHECK(r[2].fields == fields_t{"B", "M02", "200"});
        CHECK(r[2].raw == "B,M02,200");
        CHECK(r[2].line == 3);
        for (const auto& x : r)
            CHECK(x.ok());
    }

    TEST_CASE("empty input and input of blank lines only") {
        CHECK(read_all("").empty());
        CHECK(read_all("\n").empty());
        CHECK(read_all("\n\r\n\n").empty());
        CHECK(read_all("\r").empty());
        CHECK(read_all("\xEF\xBB\xBF").empty());
        CHECK(read_all("\xEF\xBB\xBF\r\n\n").empty());
    }

    TEST_CASE("empty fields") {
        const auto r = read_all(",\n,,x\n\"\"\n\"\",\"\"\n");
        REQUIRE(r.size() == 4);
        CHECK(r[0].fields == fields_t{"", ""});
        CHECK(r[1].fields == fields_t{"", "", "x"});
        // A quoted empty field is a record, not a blank line.
        CHECK(r[2].fields == fields_t{""});
        CHECK(r[2].raw == "\"\"");
        CHECK(r[3].fields == fields_t{"", ""});
        CHECK(r[3].line == 4);
        for (const auto& x : r)
            CHECK(x.ok());
    }

    TEST_CASE("quoted fields with commas") {
        const auto r = read_all("\"a,b\",c,\"d,,e\"\n\"K04,豪华KTV\",x\n");
        REQUIRE(r.size() == 2);
        CHECK(r[0].fields == fields_t{"a,b", "c", "d,,e"});
        CHECK(r[0].raw == "\"a,b\",c,\"d,,e\"");
        CHECK(r[1].fields == fields_t{"K04,豪华KTV", "x"});
        CHECK(r[1].ok());
    }

    TEST_CASE("doubled quotes") {
        const auto r = read_all("\"say \"\"hi\"\"\",x,\"\"\"\"\n"
                                "\"a\"\"b\",\"c\"\"\"\"d\",\"\"\"e\"\"\"\n");
        REQUIRE(r.size() == 2);
        CHECK(r[0].fields == fields_t{"say \"hi\"", "x", "\""});
        CHECK(r[0].raw == "\"say \"\"hi\"\"\",x,\"\"\"\"");
        // Several unescaped fields in one record keep their own values.
        CHECK(r[1].fields == fields_t{"a\"b", "c\"\"d", "\"e\""});
        CHECK(r[0].ok());
        CHECK(r[1].ok());
    }

    TEST_CASE("quoted newlines: the record is named by its first line") {
        const auto r = read_all("h1,h2\n"
                                "\"a\nb\",c\n"
                                "d,e\n"
                                "\"x\n\n\ny\",\"p\r\nq\"\r\n"
                                "\n"
                                "f,g\n");
        REQUIRE(r.size() == 5);
        CHECK(r[0].line == 1);
        CHECK(r[1].fields == fields_t{"a\nb", "c"});
        CHECK(r[1].raw == "\"a\nb\",c");
        CHECK(r[1].line == 2);
        CHECK(r[2].fields == fields_t{"d", "e"});
        CHECK(r[2].line == 4);
        CHECK(r[3].fields == fields_t{"x\n\n\ny", "p\r\nq"});
        CHECK(r[3].raw == "\"x\n\n\ny\",\"p\r\nq\"");
        CHECK(r[3].line == 5);
        CHECK(r[4].fields == fields_t{"f", "g"});
        CHECK(r[4].line == 11); // record 4 spans lines 5-9, line 10 is blank
        for (const auto& x : r)
            CHECK(x.ok());
    }

    TEST_CASE("UTF-8 ids are returned byte for byte") {
        const auto r = read_all("person,place\n张三,北京朝阳\n李四,\"上海,浦东\"\n😀,é\n");
        REQUIRE(r.size() == 4);
        CHECK(r[1].fields == fields_t{"张三", "北京朝阳"});
        CHECK(r[2].fields == fields_t{"李四", "上海,浦东"});
        CHECK(r[3].fields == fields_t{"😀", "é"});
        for (const auto& x : r)
            CHECK(x.ok());
    }

    TEST_CASE("byte-order mark") {
        SUBCASE("stripped at the start") {
            const auto r = read_all("\xEF\xBB\xBFperson,place\nA,B\n");
            REQUIRE(r.size() == 2);
            CHECK(r[0].fields == fields_t{"person", "place"});
            CHECK(r[0].raw == "person,place");
            CHECK(r[0].line == 1);
            CHECK(r[1].line == 2);
        }
        SUBCASE("stripped before a quoted first field") {
            const auto r = read_all("\xEF\xBB\xBF\"person\",place\n");
            REQUIRE(r.size() == 1);
            CHECK(r[0].fields == fields_t{"person", "place"});
            CHECK(r[0].ok());
        }
        SUBCASE("stripped before blank lines, which still count") {
            const auto r = read_all("\xEF\xBB\xBF\n\nperson\n");
            REQUIRE(r.size() == 1);
            CHECK(r[0].fields == fields_t{"person"});
            CHECK(r[0].line == 3);
        }
        SUBCASE("only one is stripped") {
            const auto r = read_all("\xEF\xBB\xBF\xEF\xBB\xBFx\n");
            REQUIRE(r.size() == 1);
            CHECK(r[0].fields == fields_t{"\xEF\xBB\xBFx"});
            CHECK(r[0].ok());
        }
        SUBCASE("not at the start it is data") {
            const auto r = read_all("a,b\n\xEF\xBB\xBF"
                                    "c,d\ne,\xEF\xBB\xBF\n");
            REQUIRE(r.size() == 3);
            CHECK(r[1].fields == fields_t{"\xEF\xBB\xBF"
                                          "c",
                                          "d"});
            CHECK(r[1].raw == "\xEF\xBB\xBF"
                              "c,d");
            CHECK(r[2].fields == fields_t{"e", "\xEF\xBB\xBF"});
            CHECK(r[1].ok());
            CHECK(r[2].ok());
        }
        SUBCASE("a short input without one") {
            const auto r = read_all("a");
            REQUIRE(r.size() == 1);
            CHECK(r[0].fields == fields_t{"a"});
        }
    }

    TEST_CASE("line ends: LF, CRLF and mixed") {
        const auto crlf = read_all("a,b\r\nc,d\r\n");
        REQUIRE(crlf.size() == 2);
        CHECK(crlf[0].fields == fields_t{"a", "b"});
        CHECK(crlf[0].raw == "a,b");
        CHECK(crlf[1].fields == fields_t{"c", "d"});
        CHECK(crlf[1].line == 2);

        const auto mixed = read_all("a,b\r\nc,d\ne,\"f\"\r\n\"g\"\nh,\r\n");
        REQUIRE(mixed.size() == 5);
        CHECK(mixed[0].fields == fields_t{"a", "b"});
        CHECK(mixed[1].fields == fields_t{"c", "d"});
        CHECK(mixed[2].fields == fields_t{"e", "f"});
        CHECK(mixed[2].raw == "e,\"f\"");
        CHECK(mixed[3].fields == fields_t{"g"});
        CHECK(mixed[4].fields == fields_t{"h", ""});
        CHECK(mixed[4].raw == "h,");
        for (std::size_t i = 0; i < mixed.size(); ++i)
            CHECK(mixed[i].line == i + 1);
    }

    TEST_CASE("a CR that does not end a line is data") {
        const auto r = read_all("a\rb,c\r,d\n");
        REQUIRE(r.size() == 1);
        CHECK(r[0].fields == fields_t{"a\rb", "c\r", "d"});
        CHECK(r[0].line == 1);
    }

    TEST_CASE("last line without a line end") {
        SUBCASE("LF file") {
            const auto r = read_all("a,b\nc,d");
            REQUIRE(r.size() == 2);
            CHECK(r[1].fields == fields_t{"c", "d"});
            CHECK(r[1].raw == "c,d");
            CHECK(r[1].line == 2);
        }
        SUBCASE("CRLF file") {
            const auto r = read_all("a,b\r\nc,d");
            REQUIRE(r.size() == 2);
            CHECK(r[1].fields == fields_t{"c", "d"});
        }
        SUBCASE("quoted last field") {
            const auto r = read_all("a,b\n\"c\",\"d\"");
            REQUIRE(r.size() == 2);
            CHECK(r[1].fields == fields_t{"c", "d"});
            CHECK(r[1].raw == "\"c\",\"d\"");
            CHECK(r[1].ok());
        }
        SUBCASE("empty last field") {
            const auto r = read_all("a,");
            REQUIRE(r.size() == 1);
            CHECK(r[0].fields == fields_t{"a", ""});
        }
    }

    TEST_CASE("blank lines are skipped and counted") {
        const auto r = read_all("\n\nh\n\n\r\n\nx,y\n\n\"q\"\n\n\n");
        REQUIRE(r.size() == 3);
        CHECK(r[0].fields == fields_t{"h"});
        CHECK(r[0].line == 3);
        CHECK(r[1].fields == fields_t{"x", "y"});
        CHECK(r[1].line == 7);
        CHECK(r[2].fields == fields_t{"q"});
        CHECK(r[2].line == 9);
    }

    TEST_CASE("a lone CR at the end of input") {
        SUBCASE("after an unquoted field") {
            const auto r = read_all("a,b\r");
            REQUIRE(r.size() == 1);
            CHECK(r[0].fields == fields_t{"a", "b"});
            CHECK(r[0].raw == "a,b");
            CHECK(r[0].ok());
        }
        SUBCASE("after a quoted field") {
            const auto r = read_all("a,\"b\"\r");
            REQUIRE(r.size() == 1);
            CHECK(r[0].fields == fields_t{"a", "b"});
            CHECK(r[0].raw == "a,\"b\"");
            CHECK(r[0].ok());
        }
        SUBCASE("on a line of its own") {
            const auto r = read_all("a,b\n\r");
            REQUIRE(r.size() == 1);
            CHECK(r[0].fields == fields_t{"a", "b"});
        }
    }

    TEST_CASE("malformed records are returned with an error and the reader resyncs") {
        SUBCASE("text after a closing quote") {
            const auto r = read_all("h\n\"ab\"c,d\nx,y\n");
            REQUIRE(r.size() == 3);
            CHECK_FALSE(r[1].ok());
            CHECK(contains(r[1].error, "after a closing quote"));
            CHECK(r[1].raw == "\"ab\"c,d");
            CHECK(r[1].line == 2);
            CHECK(r[2].ok());
            CHECK(r[2].fields == fields_t{"x", "y"});
            CHECK(r[2].line == 3);
        }
        SUBCASE("text after a closing quote in a multi-line record") {
            const auto r = read_all("h\n\"a\nb\"c,d\nx,y\n");
            REQUIRE(r.size() == 3);
            CHECK_FALSE(r[1].ok());
            CHECK(r[1].raw == "\"a\nb\"c,d");
            CHECK(r[1].line == 2);
            CHECK(r[2].fields == fields_t{"x", "y"});
            CHECK(r[2].line == 4);
        }
        SUBCASE("a quote inside an unquoted field") {
            const auto r = read_all("h\nab\"c,d\nx,y\n");
            REQUIRE(r.size() == 3);
            CHECK_FALSE(r[1].ok());
            CHECK(contains(r[1].error, "quote inside an unquoted field"));
            CHECK(r[1].raw == "ab\"c,d");
            CHECK(r[1].line == 2);
            CHECK(r[2].ok());
            CHECK(r[2].fields == fields_t{"x", "y"});
            CHECK(r[2].line == 3);
        }
        SUBCASE("a NUL byte") {
            const auto r = read_all("h\na\0b,c\nx,y\n"s);
            REQUIRE(r.size() == 3);
            CHECK_FALSE(r[1].ok());
            CHECK(contains(r[1].error, "NUL"));
            CHECK(r[1].raw == "a\0b,c"s);
            CHECK(r[1].line == 2);
            CHECK(r[2].ok());
            CHECK(r[2].fields == fields_t{"x", "y"});
        }
        SUBCASE("a NUL byte inside quotes") {
            const auto r = read_all("\"a\0b\",c\nx\n"s);
            REQUIRE(r.size() == 2);
            CHECK_FALSE(r[0].ok());
            CHECK(contains(r[0].error, "NUL"));
            CHECK(r[1].ok());
        }
        SUBCASE("invalid UTF-8") {
            const std::vector<std::string> bad = {
                "\xC0\xAF",         // overlong '/'
                "\xE0\x80\xAF",     // overlong, 3 bytes
                "\xF0\x80\x80\xAF", // overlong, 4 bytes
                "\xED\xA0\x80",     // surrogate U+D800
                "\xED\xBF\xBF",     // surrogate U+DFFF
                "\xE4\xB8",         // truncated 3-byte sequence
                "\xF0\x9F\x98",     // truncated 4-byte sequence
                "\xF4\x90\x80\x80", // beyond U+10FFFF
                "\xFF",             // never valid
                "\x80",             // lone continuation byte
            };
            for (const std::string& b : bad) {
                CAPTURE(b);
                // In the middle of a field, at the end of a record, and quoted.
                const std::string text = "h\nx" + b + "y,z\nq," + b + "\n\"" + b + "\"\nok,1\n";
                const auto r = read_all(text);
                REQUIRE(r.size() == 5);
                for (std::size_t i = 1; i <= 3; ++i) {
                    CHECK_FALSE(r[i].ok());
                    CHECK(contains(r[i].error, "UTF-8"));
                    CHECK(r[i].line == i + 1);
                }
                CHECK(r[1].raw == "x" + b + "y,z");
                CHECK(r[2].raw == "q," + b);
                CHECK(r[3].raw == "\"" + b + "\"");
                CHECK(r[4].ok());
                CHECK(r[4].fields == fields_t{"ok", "1"});
                CHECK(r[4].line == 5);
            }
        }
        SUBCASE("a field longer than 1024 bytes") {
            const std::string ok(1024, 'x');
            const std::string too_long(1025, 'y');
            const auto r =
                read_all("h\n" + ok + ",a\n" + too_long + ",b\n\"" + too_long + "\"\nz\n");
            REQUIRE(r.size() == 5);
            CHECK(r[1].ok());
            CHECK(r[1].fields == fields_t{ok, "a"});
            CHECK_FALSE(r[2].ok());
            CHECK(contains(r[2].error, "1024"));
            CHECK(r[2].raw == too_long + ",b");
            CHECK_FALSE(r[3].ok());
            CHECK(r[4].ok());
            CHECK(r[4].line == 5);
        }
        SUBCASE("the 1024-byte limit counts unescaped bytes") {
            // 1024 bytes once doubled quotes are undone, 1034 as written.
            std::string value(1014, 'v');
            std::string written = value;
            for (int i = 0; i < 10; ++i) {
                value += '"';
                written += "\"\"";
            }
            const auto r = read_all("\"" + written + "\"\n");
            REQUIRE(r.size() == 1);
            CHECK(r[0].ok());
            REQUIRE(r[0].fields.size() == 1);
            CHECK(r[0].fields[0] == value);
            CHECK(r[0].fields[0].size() == 1024);
        }
        SUBCASE("an unterminated quote on the last line") {
            const auto r = read_all("h\nx,y\n\"bc,d");
            REQUIRE(r.size() == 3);
            CHECK(r[1].ok());
            CHECK_FALSE(r[2].ok());
            CHECK(contains(r[2].error, "unterminated quote"));
            CHECK(r[2].raw == "\"bc,d");
            CHECK(r[2].line == 3);
        }
        SUBCASE("an unterminated quote followed by more lines") {
            // The record is cut at its first line end and reading goes on with
            // the next line (csv.hpp: the reader resynchronises at the next line
            // end; the same as for a long unterminated record, tested below).
            const auto r = read_all("h\n\"bc,d\ne,f\ng,h\n");
            REQUIRE(r.size() == 4);
            CHECK_FALSE(r[1].ok());
            CHECK(contains(r[1].error, "quote"));
            CHECK(r[1].raw == "\"bc,d");
            CHECK(r[1].line == 2);
            CHECK(r[2].ok());
            CHECK(r[2].fields == fields_t{"e", "f"});
            CHECK(r[2].line == 3);
            CHECK(r[3].fields == fields_t{"g", "h"});
            CHECK(r[3].line == 4);
        }
    }

    TEST_CASE("fixture files") {
        SUBCASE("UTF-8 with a byte-order mark and CRLF line ends") {
            ctrace::csv_reader reader(ctrace::testing::fixture("csv/bom_crlf.csv"));
            const auto r = drain(reader);
            CHECK(reader.bytes_consumed() ==
                  fs::file_size(ctrace::testing::fixture("csv/bom_crlf.csv")));
            REQUIRE(r.size() == 5);
            CHECK(r[0].fields == fields_t{"person", "place", "time"});
            CHECK(r[0].raw == "person,place,time");
            CHECK(r[0].line == 1);
            CHECK(r[1].fields == fields_t{"张三", "北京,朝阳", "2022-04-19 10:00"});
            CHECK(r[1].line == 2);
            CHECK(r[2].fields == fields_t{"say \"hi\"", "K04", "1650342600"});
            CHECK(r[2].line == 4);
            CHECK(r[3].fields == fields_t{"multi\r\nline", "李四", "2022-04-19T11:00:00+08:00"});
            CHECK(r[3].raw == "\"multi\r\nline\",李四,2022-04-19T11:00:00+08:00");
            CHECK(r[3].line == 5);
            CHECK(r[4].fields == fields_t{"last", "row", "0"});
            CHECK(r[4].raw == "last,row,0");
            CHECK(r[4].line == 7);
            for (const auto& x : r)
                CHECK(x.ok());
        }
        SUBCASE("plain LF") {
            ctrace::csv_reader reader(ctrace::testing::fixture("csv/plain_lf.csv"));
            const auto r = drain(reader);
            REQUIRE(r.size() == 4);
            CHECK(r[0].fields == fields_t{"person", "place", "time"});
            CHECK(r[1].fields == fields_t{"A", "M01", "2022-04-19 10:00"});
            CHECK(r[1].line == 2);
            CHECK(r[2].fields == fields_t{"B", "M,02", "1650342600"});
            CHECK(r[2].line == 4);
            CHECK(r[3].fields == fields_t{"C", "M03", ""});
            CHECK(r[3].line == 5);
        }
        SUBCASE("a missing file throws io_error naming it") {
            const fs::path missing = ctrace::testing::fixture("csv/no_such_file.csv");
            try {
                ctrace::csv_reader reader(missing);
                FAIL("no exception");
            } catch (const ctrace::io_error& e) {
                CHECK(contains(e.what(), missing.string()));
            }
        }
        SUBCASE("a directory cannot be read") {
            temp_dir dir;
            ctrace::csv_reader reader(dir.path());
            ctrace::csv_record record;
            CHECK_THROWS_AS(reader.next(record), ctrace::io_error);
        }
    }

    namespace {

    /// The j-th field of record i in the big-file test: 1000 bytes (once
    /// unescaped) that name i and j, some with commas, quotes and newlines.
    std::string big_field(std::size_t i, std::size_t j) {
        std::string s = "r" + std::to_string(i) + "f" + std::to_string(j) + ":";
        const std::size_t kind = (i + j) % 7;
        while (s.size() < 1000) {
            if (kind == 3 && s.size() % 97 == 0)
                s += ',';
            else if (kind == 4 && s.size() % 89 == 0)
                s += '"';
            else if (kind == 5 && s.size() % 331 == 0)
                s += '\n';
            else if (kind == 6 && s.size() % 5 == 0)
                s += "\xE4\xB8\xAD"; // 中
            else
                s += static_cast<char>('a' + (i * 31 + j * 7 + s.size()) % 26);
        }
        s.resize(1000);
        // Never cut a UTF-8 sequence: drop a trailing partial one and pad.
        while (!ctrace::is_valid_utf8(s)) {
            s.pop_back();
        }
        s.resize(1000, '.');
        return s;
    }

    struct expected_record {
        std::size_t fields = 0;
        std::uint64_t line = 0;
        std::size_t raw_size = 0;
    };

    /// Builds a CSV text of records of 1000-byte fields; records are 1 to 40
    /// fields, with one record of 5000 fields (5 MB, larger than the reader's
    /// initial 4 MiB buffer). Line ends alternate LF/CRLF, with blank lines.
    std::string make_big_csv(std::vector<expected_record>& expected, std::size_t target_bytes) {
        std::string text;
        std::uint64_t line = 1;
        for (std::size_t i = 0; text.size() < target_bytes; ++i) {
            std::size_t n = 1 + (i * 7) % 40;
            if (i == 300) n = 5000;
            expected_record e;
            e.fields = n;
            e.line = line;
            const std::size_t record_start = text.size();
            for (std::size_t j = 0; j < n; ++j) {
                if (j > 0) text += ',';
                const std::string f = big_field(i, j);
                const bool quote =
                    f.find_first_of(",\"\n") != std::string::npos || (i + j) % 3 == 0;
                if (quote) {
                    text += '"';
                    for (const char c : f) {
                        if (c == '"') text += '"';
                        text += c;
                    }
                    text += '"';
                } else {
                    text += f;
                }
                for (const char c : f)
                    if (c == '\n') ++line;
            }
            e.raw_size = text.size() - record_start;
            expected.push_back(e);
            text += i % 2 == 0 ? "\n" : "\r\n";
            ++line;
            if (i % 11 == 0) {
                text += i % 2 == 0 ? "\r\n" : "\n"; // a blank line
                ++line;
            }
        }
        return text;
    }

    void check_big(ctrace::csv_reader& reader, const std::vector<expected_record>& expected,
                   std::uint64_t total_bytes) {
        ctrace::csv_record record;
        std::size_t i = 0;
        std::size_t mismatches = 0;
        while (reader.next(record)) {
            REQUIRE(i < expected.size());
            const expected_record& e = expected[i];
            bool good = record.error == nullptr && record.line == e.line &&
                        record.fields.size() == e.fields && record.raw.size() == e.raw_size;
            if (good) {
                for (std::size_t j = 0; j < e.fields; ++j) {
                    if (record.fields[j] != big_field(i, j)) {
                        good = false;
                        break;
                    }
                }
            }
            if (!good && ++mismatches <= 5) {
                CAPTURE(i);
                CAPTURE(e.line);
                CAPTURE(record.line);
                CAPTURE(e.fields);
                CAPTURE(record.fields.size());
                CHECK(record.error == nullptr);
                CHECK(record.line == e.line);
                CHECK(record.fields.size() == e.fields);
                CHECK(record.raw.size() == e.raw_size);
                CHECK(good);
            }
            ++i;
        }
        CHECK(mismatches == 0);
        CHECK(i == expected.size());
        CHECK(reader.bytes_consumed() == total_bytes);
    }

    } // namespace

    TEST_CASE("records across buffer refills (a 10 MB file)") {
        std::vector<expected_record> expected;
        const std::string text = make_big_csv(expected, 10'000'000);
        REQUIRE(text.size() > 10'000'000);
        REQUIRE(expected.size() > 300);

        // Records of up to a few megabytes: above the default maximum row.
        constexpr std::size_t max_row = std::size_t{64} << 20;
        SUBCASE("from a file") {
            temp_dir dir;
            const fs::path p = dir.write("big.csv", text);
            ctrace::csv_reader reader(p);
            reader.set_max_row_bytes(max_row);
            check_big(reader, expected, text.size());
        }
        SUBCASE("from a stream") {
            std::istringstream in(text);
            ctrace::csv_reader reader(in, "big.csv");
            reader.set_max_row_bytes(max_row);
            check_big(reader, expected, text.size());
        }
    }

    TEST_CASE("a refill boundary at each delicate place of a record") {
        // The first block the reader takes is 4 MiB; `split` bytes of `special`
        // fall before that boundary and the rest after it.
        constexpr std::size_t block = std::size_t{4} << 20;
        struct split_case {
            std::string special;
            std::size_t split;
            std::vector<fields_t> fields;     // of the records in `special`
            std::vector<std::uint64_t> lines; // relative to the first line of `special`
        };
        const std::vector<split_case> cases = {
            {"a,b\r\nc,d\n", 4, {{"a", "b"}, {"c", "d"}}, {0, 1}},      // CR | LF
            {"a,b\r\nc,d\n", 3, {{"a", "b"}, {"c", "d"}}, {0, 1}},      // b | CR LF
            {"\"x\"\"y\",z\n", 3, {{"x\"y", "z"}}, {0}},                // " | " (doubled)
            {"\"x\"\"y\",z\n", 2, {{"x\"y", "z"}}, {0}},                // x | ""
            {"\"xy\",z\n", 4, {{"xy", "z"}}, {0}},                      // closing " | ,
            {"\"xy\",z\n", 3, {{"xy", "z"}}, {0}},                      // y | closing "
            {"z,\"xy\"\r\nq\n", 6, {{"z", "xy"}, {"q"}}, {0, 1}},       // closing " | CR LF
            {"z,\"xy\"\r\nq\n", 7, {{"z", "xy"}, {"q"}}, {0, 1}},       // " CR | LF
            {"\"a\nb\",c\nq\n", 3, {{"a\nb", "c"}, {"q"}}, {0, 2}},     // quoted LF | b
            {"\"a\r\nb\",c\nq\n", 3, {{"a\r\nb", "c"}, {"q"}}, {0, 2}}, // quoted CR | LF
            {"ab\n\r\nnext\n", 4, {{"ab"}, {"next"}}, {0, 2}},          // blank line CR | LF
            {"ab\n\n\nnext\n", 4, {{"ab"}, {"next"}}, {0, 3}},          // between blank lines
            {"ab,\xE4\xB8\xAD\n", 4, {{"ab", "\xE4\xB8\xAD"}}, {0}},    // inside a UTF-8 char
            {"a,\"\"\n", 3, {{"a", ""}}, {0}},                          // empty quoted "|"
        };
        for (const split_case& c : cases) {
            CAPTURE(c.special);
            CAPTURE(c.split);
            // "h\n", then 64-byte filler rows and one shorter row, up to the split.
            std::string text = "h\n";
            std::uint64_t line = 2;
            const std::size_t target = block - c.split;
            while (target - text.size() >= 128) {
                text += "f,";
                text.append(61, 'f');
                text += '\n';
                ++line;
            }
            const std::size_t last = target - text.size(); // 64 .. 127
            text += "g,";
            text.append(last - 3, 'g');
            text += '\n';
            ++line;
            REQUIRE(text.size() == target);
            const std::uint64_t special_line = line;
            text += c.special;
            text += "end,1\n";

            const auto r = read_all(text);
            const std::size_t fillers = special_line - 2;
            REQUIRE(r.size() == 1 + fillers + c.fields.size() + 1);
            bool fillers_ok = true;
            for (std::size_t i = 1; i <= fillers; ++i)
                fillers_ok =
                    fillers_ok && r[i].ok() && r[i].fields.size() == 2 && r[i].line == i + 1;
            CHECK(fillers_ok);
            for (std::size_t k = 0; k < c.fields.size(); ++k) {
                const rec& x = r[1 + fillers + k];
                CHECK(x.ok());
                CHECK(x.fields == c.fields[k]);
                CHECK(x.line == special_line + c.lines[k]);
            }
            CHECK(r.back().fields == fields_t{"end", "1"});
            CHECK(r.back().line == special_line + static_cast<std::uint64_t>(std::count(
                                                      c.special.begin(), c.special.end(), '\n')));
        }
    }

    TEST_CASE("a single record larger than the buffer, at the start of input") {
        std::string text = "\xEF\xBB\xBF";
        const std::size_t n = 6000; // ~6 MB of fields in one record
        for (std::size_t j = 0; j < n; ++j) {
            if (j > 0) text += ',';
            text += '"' + std::string(999, static_cast<char>('a' + j % 26)) + "\n\"";
        }
        text += "\r\nend\n";
        temp_dir dir;
        const fs::path p = dir.write("one.csv", text);
        ctrace::csv_reader reader(p);
        reader.set_max_row_bytes(std::size_t{16} << 20); // above the default
        ctrace::csv_record record;
        REQUIRE(reader.next(record));
        CHECK(record.error == nullptr);
        CHECK(record.line == 1);
        REQUIRE(record.fields.size() == n);
        bool all = true;
        for (std::size_t j = 0; j < n; ++j)
            all =
                all && record.fields[j] == std::string(999, static_cast<char>('a' + j % 26)) + "\n";
        CHECK(all);
        REQUIRE(reader.next(record));
        CHECK(record.fields == std::vector<std::string_view>{"end"});
        CHECK(record.line == n + 2); // the first record spans lines 1 .. n + 1
        CHECK_FALSE(reader.next(record));
    }

    TEST_CASE(
        "an unterminated quote in a file larger than the maximum row is cut at its line end") {
        // Memory stays bounded: the reader reads past the record to the end
        // of the file, finds the quote never closes, and reads the file again
        // from the line after the record's first line.
        std::string text = "h\n\"open,x\n";
        std::uint64_t rows = 0;
        while (text.size() < (std::size_t{17} << 20)) {
            text += "row" + std::to_string(rows) + "," + std::string(90, 'z') + "\n";
            ++rows;
        }
        temp_dir dir;
        const fs::path p = dir.write("open.csv", text);
        ctrace::csv_reader reader(p);
        const auto r = drain(reader);
        REQUIRE(r.size() == rows + 2);
        CHECK_FALSE(r[1].ok());
        CHECK(r[1].raw == "\"open,x");
        CHECK(r[1].line == 2);
        CHECK(r[2].ok());
        CHECK(r[2].fields == fields_t{"row0", std::string(90, 'z')});
        CHECK(r[2].line == 3);
        CHECK(r.back().fields[0] == "row" + std::to_string(rows - 1));
        CHECK(r.back().line == rows + 2);
    }

    TEST_CASE("csv_header") {
        const auto header_of = [](const std::string& text) {
            std::istringstream in(text);
            ctrace::csv_reader reader(in, "f.csv");
            ctrace::csv_record record;
            REQUIRE(reader.next(record));
            return ctrace::csv_header(record, "f.csv");
        };

        SUBCASE("find and require") {
            const auto h = header_of("time,person,\"place\",,Person\n");
            CHECK(h.size() == 5);
            CHECK(h.find("time") == 0);
            CHECK(h.find("person") == 1);
            CHECK(h.find("place") == 2);
            CHECK(h.find("") == 3);
            CHECK(h.find("Person") == 4);
            CHECK(h.find("leave") == -1);
            CHECK(h.find("PLACE") == -1);
            CHECK(h.find("person ") == -1);
            CHECK(h.require("place", "f.csv") == 2);
            try {
                (void)h.require("leave", "scans.csv");
                FAIL("no exception");
            } catch (const ctrace::input_error& e) {
                CHECK(contains(e.what(), "scans.csv"));
                CHECK(contains(e.what(), "leave"));
                // The header as read, so a misspelt name is seen at once.
                CHECK(contains(e.what(), "the header has 5 columns: 'time', 'person', 'place', "
                                         "'', 'Person'"));
            }
        }
        SUBCASE("a header in GB18030 read as UTF-8, and the other way round") {
            // 身份证号,time in GB18030.
            std::istringstream in("\xC9\xED\xB7\xDD\xD6\xA4\xBA\xC5,time\n");
            ctrace::csv_reader reader(in, "gb.csv");
            ctrace::csv_record record;
            REQUIRE(reader.next(record));
            try {
                const ctrace::csv_header h(record, "gb.csv");
                FAIL("no exception");
            } catch (const ctrace::encoding_error& e) {
                CHECK(e.suggested_encoding() == "gb18030");
                CHECK(contains(e.what(), "gb.csv:1: the header is not valid UTF-8 but reads as "
                                         "GB18030: '\xE8\xBA\xAB\xE4\xBB\xBD\xE8\xAF\x81"
                                         "\xE5\x8F\xB7,time'"));
            }
            // Bytes that are neither: no encoding to suggest.
            std::istringstream neither("a\xFF\xFF,b\n");
            ctrace::csv_reader neither_reader(neither, "x.csv");
            REQUIRE(neither_reader.next(record));
            try {
                const ctrace::csv_header h(record, "x.csv");
                FAIL("no exception");
            } catch (const ctrace::encoding_error&) {
                FAIL("suggested an encoding for bytes valid in none");
            } catch (const ctrace::input_error& e) {
                CHECK(contains(e.what(), "x.csv:1: malformed header: invalid UTF-8"));
            }
        }
        SUBCASE("a default header has no columns") {
            const ctrace::csv_header h;
            CHECK(h.size() == 0);
            CHECK(h.find("x") == -1);
            CHECK_THROWS_AS((void)h.require("x", "f.csv"), ctrace::input_error);
        }
        SUBCASE("a column twice") {
            std::istringstream in("\n\nperson,place,person\n");
            ctrace::csv_reader reader(in, "dup.csv");
            ctrace::csv_record record;
            REQUIRE(reader.next(record));
            try {
                const ctrace::csv_header h(record, "dup.csv");
                FAIL("no exception");
            } catch (const ctrace::input_error& e) {
                CHECK(contains(e.what(), "dup.csv:3"));
                CHECK(contains(e.what(), "person"));
            }
        }
        SUBCASE("a malformed header") {
            std::istringstream in("person,pl\"ace\n");
            ctrace::csv_reader reader(in, "bad.csv");
            ctrace::csv_record record;
            REQUIRE(reader.next(record));
            REQUIRE(record.error != nullptr);
            try {
                const ctrace::csv_header h(record, "bad.csv");
                FAIL("no exception");
            } catch (const ctrace::input_error& e) {
                CHECK(contains(e.what(), "bad.csv:1"));
            }
        }
    }

    TEST_CASE("append_csv_field quotes only when needed") {
        const auto field = [](std::string_view f) {
            std::string out = "<";
            ctrace::append_csv_field(out, f);
            return out;
        };
        CHECK(field("") == "<");
        CHECK(field("abc") == "<abc");
        CHECK(field("a b") == "<a b");
        CHECK(field(" lead") == "< lead");
        CHECK(field("tab\there") == "<tab\there");
        CHECK(field("张三") == "<张三");
        CHECK(field("semi;colon") == "<semi;colon");
        CHECK(field("a,b") == "<\"a,b\"");
        CHECK(field(",") == "<\",\"");
        CHECK(field("say \"hi\"") == "<\"say \"\"hi\"\"\"");
        CHECK(field("\"") == "<\"\"\"\"");
        CHECK(field("a\rb") == "<\"a\rb\"");
        CHECK(field("a\nb") == "<\"a\nb\"");
        CHECK(field("a\r\nb") == "<\"a\r\nb\"");
        CHECK(field("K04,豪华KTV") == "<\"K04,豪华KTV\"");
        CHECK(field("a\0b"s) == "<a\0b"s);

        // What is written reads back as the same field.
        const std::vector<std::string> values = {
            "", "x", "a,b", "\"", "a\"\"b", "l1\nl2", "l1\r\nl2", "\"quoted\"", "end\r"};
        std::string line;
        for (std::size_t i = 0; i < values.size(); ++i) {
            if (i > 0) line += ',';
            ctrace::append_csv_field(line, values[i]);
        }
        line += '\n';
        const auto r = read_stream(line);
        REQUIRE(r.size() == 1);
        CHECK(r[0].ok());
        CHECK(r[0].fields == values);
    }

    TEST_CASE("is_valid_utf8") {
        CHECK(ctrace::is_valid_utf8(""));
        CHECK(ctrace::is_valid_utf8("plain ASCII, 123"));
        CHECK(ctrace::is_valid_utf8("\0"s));
        CHECK(ctrace::is_valid_utf8("\x7F"));
        CHECK(ctrace::is_valid_utf8("\xC2\x80"));         // U+0080
        CHECK(ctrace::is_valid_utf8("\xDF\xBF"));         // U+07FF
        CHECK(ctrace::is_valid_utf8("\xE0\xA0\x80"));     // U+0800
        CHECK(ctrace::is_valid_utf8("\xED\x9F\xBF"));     // U+D7FF
        CHECK(ctrace::is_valid_utf8("\xEE\x80\x80"));     // U+E000
        CHECK(ctrace::is_valid_utf8("\xEF\xBB\xBF"));     // U+FEFF
        CHECK(ctrace::is_valid_utf8("\xEF\xBF\xBF"));     // U+FFFF
        CHECK(ctrace::is_valid_utf8("\xF0\x90\x80\x80")); // U+10000
        CHECK(ctrace::is_valid_utf8("\xF4\x8F\xBF\xBF")); // U+10FFFF
        CHECK(ctrace::is_valid_utf8("张三 李四 😀 é"));

        CHECK_FALSE(ctrace::is_valid_utf8("\x80"));
        CHECK_FALSE(ctrace::is_valid_utf8("\xBF"));
        CHECK_FALSE(ctrace::is_valid_utf8("\xC0\x80"));         // overlong NUL
        CHECK_FALSE(ctrace::is_valid_utf8("\xC1\xBF"));         // overlong
        CHECK_FALSE(ctrace::is_valid_utf8("\xE0\x9F\xBF"));     // overlong
        CHECK_FALSE(ctrace::is_valid_utf8("\xF0\x8F\xBF\xBF")); // overlong
        CHECK_FALSE(ctrace::is_valid_utf8("\xED\xA0\x80"));     // U+D800
        CHECK_FALSE(ctrace::is_valid_utf8("\xED\xBF\xBF"));     // U+DFFF
        CHECK_FALSE(ctrace::is_valid_utf8("\xF4\x90\x80\x80")); // U+110000
        CHECK_FALSE(ctrace::is_valid_utf8("\xF5\x80\x80\x80"));
        CHECK_FALSE(ctrace::is_valid_utf8("\xF8\x88\x80\x80\x80"));
        CHECK_FALSE(ctrace::is_valid_utf8("\xFE"));
        CHECK_FALSE(ctrace::is_valid_utf8("\xFF"));
        CHECK_FALSE(ctrace::is_valid_utf8("\xC2"));          // truncated at the end
        CHECK_FALSE(ctrace::is_valid_utf8("\xE4\xB8"));      // truncated at the end
        CHECK_FALSE(ctrace::is_valid_utf8("\xF0\x9F\x98"));  // truncated at the end
        CHECK_FALSE(ctrace::is_valid_utf8("\xE4\xB8x"));     // truncated before ASCII
        CHECK_FALSE(ctrace::is_valid_utf8("a\xE4\x41\x42")); // bad continuation
        CHECK_FALSE(ctrace::is_valid_utf8("\xC2\xC2\x80"));  // bad continuation
        CHECK_FALSE(ctrace::is_valid_utf8("ok\xC0\xAF"));
    }

    // ---------------------------------------------------------------------------
    // regressions

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

    TEST_CASE("column_names: parsing NAME=HEADER pairs") {
        using ctrace::column_names;
        constexpr std::string_view known[] = {"person", "place", "time", "leave"};
        const column_names names = column_names::parse("person=身份证号,place=场所码,time=扫码时间",
                                                       known, "scan columns");
        REQUIRE(names.pairs().size() == 3);
        CHECK(names.pairs()[0] == std::pair<std::string, std::string>{"person", "身份证号"});
        CHECK(names.pairs()[2] == std::pair<std::string, std::string>{"time", "扫码时间"});
        CHECK(column_names::parse("", known, "x").empty());
        // A header name may hold '=' and spaces: only the first '=' splits.
        CHECK(column_names::parse("time=scan time=UTC", known, "x").pairs()[0].second ==
              "scan time=UTC");
        for (const char* bad : {"person", "=x", "person=", "persons=x", "person=a,person=b",
                                "person=a,,place=b", "Person=a", "person=X,place=X"}) {
            CAPTURE(bad);
            try {
                (void)column_names::parse(bad, known, "scan columns");
                FAIL("accepted");
            } catch (const ctrace::parameter_error& e) {
                CHECK(e.parameter() == "scan columns");
                CHECK_FALSE(contains(e.what(), "--"));
            }
        }
    }

    TEST_CASE("csv_header with column names: mapped, swapped, shadowed and missing columns") {
        using ctrace::column_names;
        const auto header_of = [](const std::string& text, const column_names& names) {
            std::istringstream in(text);
            ctrace::csv_reader reader(in, "f.csv");
            ctrace::csv_record record;
            REQUIRE(reader.next(record));
            return ctrace::csv_header(record, "f.csv", names);
        };
        column_names chinese;
        chinese.set("person", "身份证号");
        chinese.set("place", "场所码");
        SUBCASE("mapped columns are found by ctrace's names, after a BOM too") {
            const auto h = header_of("\xEF\xBB\xBF身份证号,场所码,time\r\n", chinese);
            CHECK(h.find("person") == 0);
            CHECK(h.find("place") == 1);
            CHECK(h.find("time") == 2);
            CHECK(h.find("身份证号") == -1);
        }
        SUBCASE("the file's own column of a mapped name is no longer found") {
            const auto h = header_of("person,身份证号,场所码\n", chinese);
            CHECK(h.find("person") == 1);
            CHECK(h.find("place") == 2);
        }
        SUBCASE("two names swapped") {
            column_names swap;
            swap.set("person", "place");
            swap.set("place", "person");
            const auto h = header_of("person,place\n", swap);
            CHECK(h.find("person") == 1);
            CHECK(h.find("place") == 0);
        }
        SUBCASE("a mapped column the header lacks: one error naming the file and both names") {
            try {
                (void)header_of("身份证号,场所,time\n", chinese);
                FAIL("accepted");
            } catch (const ctrace::input_error& e) {
                const std::string m = e.what();
                CHECK(contains(m, "f.csv"));
                CHECK(contains(m, "场所码"));
                CHECK(contains(m, "'place'"));
                CHECK(m.find('\n') == std::string::npos);
            }
        }
        SUBCASE("names compare byte-wise: no case folding, no trimming") {
            column_names upper;
            upper.set("person", "ID");
            CHECK_THROWS_AS((void)header_of("id,place\n", upper), ctrace::input_error);
            CHECK_THROWS_AS((void)header_of(" ID,place\n", upper), ctrace::input_error);
            CHECK(header_of("ID,place\n", upper).find("person") == 0);
        }
    }

    TEST_CASE("read_scans with column names reads an export's header as the canonical one") {
        const std::string canonical = "person,place,time,leave\nA,M1,100,200\nB,M1,150,\n";
        const std::string exported =
            "扫码时间,离开时间,身份证号,场所码\r\n100,200,A,M1\r\n150,,B,M1\r\n";
        scan_read_options options;
        options.columns =
            ctrace::column_names::parse("person=身份证号,place=场所码,time=扫码时间,leave=离开时间",
                                        ctrace::scans_file_columns, "scan columns");
        std::istringstream a(canonical), b(exported);
        const scan_log want = read_scans(a, "a.csv", {}, {});
        const scan_log got = read_scans(b, "b.csv", {}, options);
        REQUIRE(got.visits.size() == want.visits.size());
        for (std::size_t i = 0; i < want.visits.size(); ++i) {
            CHECK(got.visits[i].start == want.visits[i].start);
            CHECK(got.visits[i].end == want.visits[i].end);
            CHECK(got.persons[got.visits[i].person] == want.persons[want.visits[i].person]);
        }
    }

} // TEST_SUITE

namespace {

/// An input stream of `size` bytes made as they are read, never held: a
/// header, then `"` + `fill` repeated + `"` (a quoted field of about `size`
/// bytes, closed unless `closed` is false), then `tail`.
class generated_buffer : public std::streambuf {
public:
    generated_buffer(std::string head, char fill, std::uint64_t size, std::string tail)
        : head_(std::move(head)), tail_(std::move(tail)), fill_(fill), size_(size) {}

protected:
    int_type underflow() override {
        if (part_ == 0) {
            part_ = 1;
            set(head_);
        } else if (part_ == 1 && made_ < size_) {
            const std::size_t n =
                static_cast<std::size_t>(std::min<std::uint64_t>(block_.size(), size_ - made_));
            if (block_.empty() || block_[0] != fill_) block_.assign(std::size_t{1} << 16, fill_);
            made_ += n;
            setg(block_.data(), block_.data(), block_.data() + n);
        } else if (part_ <= 1) {
            part_ = 2;
            set(tail_);
        } else {
            return traits_type::eof();
        }
        return gptr() == egptr() ? underflow() : traits_type::to_int_type(*gptr());
    }

private:
    void set(std::string& s) { setg(s.data(), s.data(), s.data() + s.size()); }
    std::string head_, tail_, block_ = std::string(std::size_t{1} << 16, '\0');
    char fill_;
    std::uint64_t size_, made_ = 0;
    int part_ = 0;
};

std::string marked(std::string_view first_bytes) {
    return std::string(first_bytes) + std::string(ctrace::overlong_row_marker);
}

} // namespace

TEST_SUITE("csv row limit") {
    TEST_CASE("a row longer than the maximum is a bad row, read past without holding it") {
        // Rows of every kind that end past the maximum, each followed by good
        // rows that must be read with their own line numbers.
        const std::string long_unquoted = "A," + std::string(300'000, 'u') + ",1";
        const std::string long_quoted = "B,\"" + std::string(100'000, 'q') + "\n,\"\"x\"\"" +
                                        std::string(150'000, 'r') + "\n\",2";
        const std::string after_quote = "C,\"x\"junk" + std::string(200'000, 'j');
        const std::string text = "h1,h2,h3\n" + long_unquoted + "\nok,1,2\n" + long_quoted +
                                 "\r\nok,3,4\n" + after_quote + "\nok,5,6";
        temp_dir dir;
        const fs::path p = dir.write("long.csv", text);
        for (const bool from_file : {true, false}) {
            CAPTURE(from_file);
            std::istringstream in(text);
            std::optional<csv_reader> reader;
            if (from_file)
                reader.emplace(p);
            else
                reader.emplace(in, "long.csv");
            reader->set_max_row_bytes(100'000);
            const auto r = drain(*reader);
            CHECK(reader->bytes_consumed() == text.size());
            REQUIRE(r.size() == 7);
            CHECK(r[0].fields == fields_t{"h1", "h2", "h3"});
            const std::string reason = "row longer than 100000 bytes";
            CHECK(r[1].error == reason);
            CHECK(r[1].line == 2);
            CHECK(r[1].raw == marked(long_unquoted.substr(0, 1024)));
            CHECK(r[2].fields == fields_t{"ok", "1", "2"});
            CHECK(r[2].line == 3);
            CHECK(r[3].error == reason);
            CHECK(r[3].line == 4);
            CHECK(r[3].raw == marked(long_quoted.substr(0, 1024)));
            CHECK(r[4].fields == fields_t{"ok", "3", "4"});
            CHECK(r[4].line == 7); // the quoted field held two line breaks
            CHECK(r[5].error == reason);
            CHECK(r[5].line == 8);
            CHECK(r[6].fields == fields_t{"ok", "5", "6"});
            CHECK(r[6].line == 9);
        }
    }

    TEST_CASE("the maximum is inclusive, whether or not the row fits the read buffer") {
        for (const std::size_t max : {std::size_t{1024}, std::size_t{200'000}}) {
            CAPTURE(max);
            // Short fields: a field over 1 KiB is bad for its own reason.
            const auto row_of = [](std::size_t bytes, char c) {
                std::string row;
                while (row.size() < bytes)
                    row += row.size() % 10 == 9 ? ',' : c;
                return row;
            };
            const std::string at_max = row_of(max, 'x');
            const std::string over = row_of(max + 1, 'y');
            const std::string text = at_max + "\r\n" + over + "\r\nc,d\r\n";
            std::istringstream in(text);
            csv_reader reader(in, "t.csv");
            reader.set_max_row_bytes(max);
            const auto r = drain(reader);
            REQUIRE(r.size() == 3);
            CHECK(r[0].error == ""); // its CR LF is not counted
            CHECK(r[0].raw.size() == max);
            CHECK(r[1].error == "row longer than " + std::to_string(max) + " bytes");
            CHECK(r[1].line == 2);
            CHECK(r[2].fields == fields_t{"c", "d"});
            CHECK(r[2].line == 3);
        }
    }

    TEST_CASE("the kept bytes of an overlong row do not end inside a UTF-8 character") {
        std::string row = "x";
        while (row.size() < 5000)
            row += "\xE5\xAF\x86"; // 密, 3 bytes: byte 1024 falls inside one
        std::istringstream in(row + "\nok\n");
        csv_reader reader(in, "t.csv");
        reader.set_max_row_bytes(4096);
        const auto r = drain(reader);
        REQUIRE(r.size() == 2);
        REQUIRE_FALSE(r[0].ok());
        CHECK(r[0].raw == marked(row.substr(0, 1 + 3 * 341))); // 1024 bytes end mid-character
        CHECK(ctrace::is_valid_utf8(r[0].raw));
        CHECK(r[1].fields == fields_t{"ok"});
    }

    TEST_CASE("an unterminated quote past the maximum") {
        const std::string text = "h,i\n\"open,x\n" + std::string(3'000, 'z') + "\n" +
                                 std::string(3'000, 'w') + "\nlast,1\n";
        SUBCASE("in a file: the lines after its first are read again, and hashed once") {
            temp_dir dir;
            const fs::path p = dir.write("open.csv", text);
            csv_reader reader(p);
            reader.set_max_row_bytes(2048);
            ctrace::sha256 digest;
            reader.set_digest(&digest);
            const auto r = drain(reader);
            REQUIRE(r.size() == 5);
            CHECK(r[1].error == "unterminated quote");
            CHECK(r[1].raw == "\"open,x");
            CHECK(r[1].line == 2);
            CHECK(r[2].error == "row longer than 2048 bytes"); // 3000 z
            CHECK(r[2].line == 3);
            CHECK(r[3].line == 4);
            CHECK(r[4].fields == fields_t{"last", "1"});
            CHECK(r[4].line == 5);
            CHECK(reader.bytes_consumed() == text.size());
            ctrace::sha256 whole;
            whole.update(text);
            CHECK(digest.hex_digest() == whole.hex_digest());
        }
        SUBCASE("in a stream, which cannot be read again: the rest is the one bad row") {
            std::istringstream in(text);
            csv_reader reader(in, "open.csv");
            reader.set_max_row_bytes(2048);
            const auto r = drain(reader);
            REQUIRE(r.size() == 2);
            CHECK(r[1].error == "row longer than 2048 bytes");
            CHECK(r[1].line == 2);
            CHECK(r[1].raw == marked(text.substr(4, 1024)));
            CHECK(reader.ended_inside_quotes());
            CHECK(reader.bytes_consumed() == text.size());
        }
    }

    TEST_CASE("a 2 GiB quoted field in a stream: read past in bounded memory") {
        // What a hostile gzip holds (a 2 GiB field compresses to ~2 MB): the
        // reader never buffers more than a few megabytes of it, and the rows
        // after it are read with their line numbers.
        const std::uint64_t size = std::uint64_t{2} << 30;
        generated_buffer source("person,place,time\nP1,X,0\nP2,\"", 'z', size, "\",0\nP3,Y,60\n");
        std::istream in(&source);
        csv_reader reader(in, "huge.csv");
        const auto r = drain(reader);
        REQUIRE(r.size() == 4);
        CHECK(r[1].fields == fields_t{"P1", "X", "0"});
        CHECK(r[2].error == "row longer than 1048576 bytes");
        CHECK(r[2].line == 3);
        CHECK(r[2].raw == marked("P2,\"" + std::string(1020, 'z')));
        CHECK(r[3].fields == fields_t{"P3", "Y", "60"});
        CHECK(r[3].line == 4);
    }

    TEST_CASE("set_max_row_bytes takes 1 KiB to 1 GiB") {
        std::istringstream in("a\n");
        csv_reader reader(in, "t.csv");
        CHECK(reader.max_row_bytes() == ctrace::default_max_row_bytes);
        CHECK_THROWS_AS(reader.set_max_row_bytes(1023), ctrace::parameter_error);
        CHECK_THROWS_AS(reader.set_max_row_bytes((std::size_t{1} << 30) + 1),
                        ctrace::parameter_error);
        reader.set_max_row_bytes(1024);
        CHECK(reader.max_row_bytes() == 1024);
    }

    TEST_CASE("property: a row past the maximum is the only record that changes") {
        // Random texts of rows of every shape (quoted fields with commas, line
        // breaks and doubled quotes, stray quotes, text after a closing quote,
        // CR LF) and lengths around the maximum, every quote closed. Read
        // with the maximum, a row no longer than it must come out exactly as
        // with no maximum; a longer one as an overlong row on the same line,
        // keeping its first bytes; and the records after it must not change.
        std::mt19937_64 rng(20261206);
        const auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
        const auto random_text = [&](std::size_t length, bool quoted) {
            static constexpr char plain[] = "abcxyz01 ";
            static constexpr char inside[] = "ab,\n\r c";
            std::string out;
            for (std::size_t i = 0; i < length; ++i)
                out += quoted
                           ? (pick(40) == 0 ? std::string("\"\"") : std::string(1, inside[pick(7)]))
                           : std::string(1, plain[pick(9)]);
            return out;
        };
        temp_dir dir;
        constexpr std::size_t max = 2048;
        std::size_t overlong = 0, compared = 0;
        for (int round = 0; round < 150; ++round) {
            std::string text;
            // Over the 64 KiB of the reader's first read, so that long rows
            // straddle the ends of what is buffered: those are read past
            // without being held (the rest are judged whole).
            const std::size_t rows = 20 + pick(100);
            for (std::size_t r = 0; r < rows; ++r) {
                const std::size_t fields = 1 + pick(4);
                for (std::size_t f = 0; f < fields; ++f) {
                    if (f > 0) text += ',';
                    // Mostly short fields; now and then one long enough to
                    // carry the row past the maximum.
                    const std::size_t length = pick(5) == 0 ? pick(8 * max) : pick(30);
                    switch (pick(6)) {
                    case 0:
                        text += '"' + random_text(length, true) + '"';
                        break;
                    case 1:
                        text += "ab\"c" + random_text(length, false); // a stray quote
                        break;
                    case 2:
                        text += "\"q\"" + random_text(length, false); // text after the close
                        break;
                    default:
                        text += random_text(length, false);
                    }
                }
                text += pick(3) == 0 ? "\r\n" : "\n";
                if (pick(8) == 0) text += "\n"; // a blank line
            }
            if (pick(4) == 0 && !text.empty()) text.pop_back(); // no line end at the end
            const fs::path path = dir.write("p.csv", text);
            for (const bool from_file : {true, false}) {
                std::istringstream in_a(text), in_b(text);
                std::optional<csv_reader> limited, unlimited;
                if (from_file) {
                    limited.emplace(path);
                    unlimited.emplace(path);
                } else {
                    limited.emplace(in_a, "p.csv");
                    unlimited.emplace(in_b, "p.csv");
                }
                limited->set_max_row_bytes(max);
                unlimited->set_max_row_bytes(ctrace::max_max_row_bytes);
                const std::vector<rec> a = drain(*limited), b = drain(*unlimited);
                CAPTURE(round);
                CAPTURE(from_file);
                REQUIRE(a.size() == b.size());
                bool same_records = true;
                for (std::size_t i = 0; i < a.size(); ++i) {
                    if (b[i].raw.size() <= max) {
                        same_records = same_records && a[i].fields == b[i].fields &&
                                       a[i].raw == b[i].raw && a[i].line == b[i].line &&
                                       a[i].error == b[i].error;
                        ++compared;
                    } else {
                        ++overlong;
                        same_records =
                            same_records && a[i].error == "row longer than 2048 bytes" &&
                            a[i].line == b[i].line && a[i].fields.empty() &&
                            a[i].raw.ends_with(ctrace::overlong_row_marker) &&
                            b[i].raw.starts_with(a[i].raw.substr(
                                0, a[i].raw.size() - ctrace::overlong_row_marker.size()));
                    }
                }
                CHECK(same_records);
                CHECK(limited->bytes_consumed() == unlimited->bytes_consumed());
            }
        }
        // Both kinds of row were met, many times.
        CHECK(overlong > 100);
        CHECK(compared > 1000);
    }
}
