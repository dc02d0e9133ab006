// Tests of the decoding input layer (ctrace/io/decoded_input.hpp): gzip and
// zstd files made here with the gzip and zstd commands, GB18030 text made
// here with glibc's iconv from known UTF-8.

#include "ctrace/core/error.hpp"
#include "ctrace/io/csv.hpp"
#include "ctrace/io/decoded_input.hpp"
#include "test_helpers.hpp"

#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <iconv.h>
#include <istream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

using namespace std::string_literals;
namespace fs = std::filesystem;
using ctrace::compression;
using ctrace::decoded_input;
using ctrace::input_encoding;
using ctrace::testing::cat;
using ctrace::testing::contains;
using ctrace::testing::starts_with;
using ctrace::testing::temp_dir;

namespace {

/// Everything left in `in`, read in pieces of an odd size so that they do
/// not line up with the decoder's buffers.
std::string read_all(std::istream& in) {
    std::string text;
    std::vector<char> piece(65537);
    while (in.read(piece.data(), static_cast<std::streamsize>(piece.size())) || in.gcount() > 0)
        text.append(piece.data(), static_cast<std::size_t>(in.gcount()));
    return text;
}

std::string decode(const fs::path& path, input_encoding encoding = input_encoding::utf8,
                   std::size_t buffer_bytes = decoded_input::default_buffer_bytes) {
    decoded_input in(path, encoding, buffer_bytes);
    return read_all(in);
}

std::string file_bytes(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in.is_open());
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string quoted(const fs::path& path) {
    return cat("'", path.string(), "'");
}

void run(const std::string& command) {
    INFO(command);
    REQUIRE(std::system(command.c_str()) == 0);
}

/// `plain` compressed with the gzip command (-n: no name or time stamp).
fs::path gzip_of(const fs::path& plain, const fs::path& compressed) {
    run(cat("gzip -c -n ", quoted(plain), " > ", quoted(compressed)));
    return compressed;
}

/// `plain` compressed with the zstd command (with its default content
/// checksum).
fs::path zstd_of(const fs::path& plain, const fs::path& compressed) {
    run(cat("zstd -q -c ", quoted(plain), " > ", quoted(compressed)));
    return compressed;
}

/// `utf8` encoded in GB18030 by glibc's iconv.
std::string to_gb18030(std::string_view utf8) {
    iconv_t converter = iconv_open("GB18030", "UTF-8");
    REQUIRE(converter != reinterpret_cast<iconv_t>(-1));
    std::string encoded(utf8.size() * 2 + 4, '\0');
    std::string input(utf8);
    char* in = input.data();
    std::size_t in_left = input.size();
    char* out = encoded.data();
    std::size_t out_left = encoded.size();
    const std::size_t result = iconv(converter, &in, &in_left, &out, &out_left);
    iconv_close(converter);
    REQUIRE(result != static_cast<std::size_t>(-1));
    REQUIRE(in_left == 0);
    encoded.resize(encoded.size() - out_left);
    return encoded;
}

/// A header and rows in UTF-8, with Chinese text and 4-byte characters, at
/// least `min_bytes` long.
std::string csv_text(std::size_t min_bytes) {
    std::string text = "身份证号,场所码,扫码时间,备注\n";
    for (std::uint64_t i = 0; text.size() < min_bytes; ++i) {
        const std::string number = std::to_string(i);
        text += cat("2102", std::string(10 - std::min<std::size_t>(number.size(), 10), '0'), number,
                    ",DL", std::to_string(i * 7919 % 1000003), ",2024-03-0",
                    std::to_string(1 + i % 9), "T08:", std::to_string(10 + i % 50), ":00+08:00,");
        // Vary the row length and the characters so the compressors do work.
        switch (i % 4) {
        case 0:
            text += "大连市中山区𠀀\n";
            break;
        case 1:
            text += "café 😀\n";
            break;
        case 2:
            text += "\"引号,逗号\"\n";
            break;
        default:
            text += std::string(i % 13, 'x') + "扫码\n";
            break;
        }
    }
    return text;
}

/// The `io_error` message thrown when `path` is read to its end.
std::string read_error(const fs::path& path, input_encoding encoding = input_encoding::utf8) {
    try {
        decode(path, encoding);
    } catch (const ctrace::io_error& e) {
        return e.what();
    }
    FAIL_CHECK("no io_error reading " << path);
    return {};
}

/// `compressed` (of `kind`) is recognised and reads back as `text`, with
/// the default buffers and with small ones (many refills, partly filled
/// outputs); the raw bytes read are the whole file.
void check_round_trip(const fs::path& compressed, const std::string& text, compression kind) {
    CHECK(ctrace::detect_compression(compressed) == kind);
    CHECK(ctrace::needs_decoding(compressed, input_encoding::utf8));
    decoded_input in(compressed, input_encoding::utf8);
    CHECK(in.detected_compression() == kind);
    CHECK(read_all(in) == text);
    CHECK(in.raw_bytes_read() == fs::file_size(compressed));
    CHECK(decode(compressed, input_encoding::utf8, 4099) == text);
}

/// The three `parts`, each compressed on its own by `compress` and the
/// results concatenated (`cat`), read back as `text`, also with small buffers.
void check_concatenated(const temp_dir& dir, const std::array<fs::path, 3>& parts,
                        const std::string& text,
                        fs::path (*compress)(const fs::path&, const fs::path&),
                        const std::string& extension) {
    std::string command = "cat";
    for (std::size_t k = 0; k < parts.size(); ++k)
        command += cat(" ", quoted(compress(parts[k], dir.path() / cat("part", std::to_string(k),
                                                                       ".", extension))));
    const fs::path joined = dir.path() / cat("joined.", extension);
    run(cat(command, " > ", quoted(joined)));
    CHECK(decode(joined) == text);
    CHECK(decode(joined, input_encoding::utf8, 7) == text);
}

} // namespace

TEST_SUITE("decoded_input") {

    TEST_CASE("encoding names") {
        using ctrace::parse_input_encoding;
        CHECK(parse_input_encoding("utf-8") == input_encoding::utf8);
        CHECK(parse_input_encoding("UTF8") == input_encoding::utf8);
        CHECK(parse_input_encoding("Utf-8") == input_encoding::utf8);
        CHECK(parse_input_encoding("gb18030") == input_encoding::gb18030);
        CHECK(parse_input_encoding("GB18030") == input_encoding::gb18030);
        CHECK(parse_input_encoding("gbk") == input_encoding::gb18030);
        CHECK(parse_input_encoding("GBK") == input_encoding::gb18030);
        CHECK(ctrace::input_encoding_name(input_encoding::utf8) == "utf-8");
        CHECK(ctrace::input_encoding_name(input_encoding::gb18030) == "gb18030");
        for (const char* wrong : {"", "latin1", "gb2312", "utf-16", "utf-8 "}) {
            INFO(wrong);
            try {
                parse_input_encoding(wrong);
                FAIL_CHECK("accepted");
            } catch (const ctrace::parameter_error& e) {
                CHECK(e.parameter() == "encoding");
                CHECK(contains(e.what(), cat("'", wrong, "'")));
                CHECK_FALSE(contains(e.what(), "--"));
            }
        }
    }

    TEST_CASE("plain UTF-8 passes through byte for byte, byte-order mark included") {
        temp_dir dir;
        const std::string text = cat("\xEF\xBB\xBF", csv_text(3 << 20));
        const fs::path path = dir.write("scans.csv", text);
        CHECK(ctrace::detect_compression(path) == compression::none);
        CHECK_FALSE(ctrace::needs_decoding(path, input_encoding::utf8));
        CHECK(ctrace::needs_decoding(path, input_encoding::gb18030));
        decoded_input in(path, input_encoding::utf8);
        CHECK(in.detected_compression() == compression::none);
        CHECK(in.source_name() == path.string());
        CHECK(in.raw_bytes_read() == 0);
        CHECK(read_all(in) == text);
        CHECK(in.raw_bytes_read() == text.size());
        // Invalid UTF-8 is not this layer's business: it is passed on.
        const fs::path invalid = dir.write("invalid.csv", "a,\xFF\xC0\n");
        CHECK(decode(invalid) == "a,\xFF\xC0\n");
    }

    TEST_CASE("gzip round trip of several MiB") {
        temp_dir dir;
        const std::string text = cat("\xEF\xBB\xBF", csv_text(6 << 20));
        check_round_trip(gzip_of(dir.write("scans.csv", text), dir.path() / "s.csv.gz"), text,
                         compression::gzip);
    }

    TEST_CASE("zstd round trip of several MiB") {
        temp_dir dir;
        const std::string text = csv_text(6 << 20);
        check_round_trip(zstd_of(dir.write("scans.csv", text), dir.path() / "s.csv.zst"), text,
                         compression::zstd);
    }

    TEST_CASE("raw bytes read grow as the text is read") {
        temp_dir dir;
        const std::string text = csv_text(4 << 20);
        const fs::path compressed = gzip_of(dir.write("scans.csv", text), dir.path() / "s.gz");
        decoded_input in(compressed, input_encoding::utf8, 64 << 10);
        std::vector<char> piece(1000);
        in.read(piece.data(), static_cast<std::streamsize>(piece.size()));
        const std::uint64_t early = in.raw_bytes_read();
        CHECK(early > 0);
        CHECK(early < fs::file_size(compressed));
        CHECK(read_all(in).size() == text.size() - piece.size());
        CHECK(in.raw_bytes_read() == fs::file_size(compressed));
    }

    TEST_CASE("concatenated gzip members are read as one text") {
        temp_dir dir;
        const std::string first = csv_text(1 << 20);
        const std::string second = "最后一行,DL1,2024-03-01T08:00:00+08:00,𠀀\n";
        const fs::path a = dir.write("a.csv", first);
        const fs::path b = dir.write("b.csv", second);
        const fs::path empty = dir.write("empty.csv", "");
        // gzip -c a b: one member per file.
        const fs::path both = dir.path() / "ab.gz";
        run(cat("gzip -c -n ", quoted(a), " ", quoted(b), " > ", quoted(both)));
        CHECK(decode(both) == first + second);
        // An empty member between two others, and small buffers.
        check_concatenated(dir, {a, empty, b}, first + second, gzip_of, "gz");
    }

    TEST_CASE("concatenated zstd frames are read as one text") {
        temp_dir dir;
        const std::string first = csv_text(1 << 20);
        const std::string second = "最后一行,DL1,2024-03-01T08:00:00+08:00,𠀀\n";
        const fs::path a = dir.write("a.csv", first);
        const fs::path b = dir.write("b.csv", second);
        const fs::path empty = dir.write("empty.csv", "");
        check_concatenated(dir, {a, empty, b}, first + second, zstd_of, "zst");
    }

    TEST_CASE("compression is found by the magic bytes, not the name") {
        temp_dir dir;
        const std::string text = csv_text(100 << 10);
        const fs::path plain = dir.write("scans.csv", text);
        const fs::path gzip_named_csv = gzip_of(plain, dir.path() / "gzip.csv");
        const fs::path zstd_named_gz = zstd_of(plain, dir.path() / "zstd.csv.gz");
        const fs::path plain_named_zst = dir.write("plain.csv.zst", text);
        CHECK(ctrace::detect_compression(gzip_named_csv) == compression::gzip);
        CHECK(ctrace::detect_compression(zstd_named_gz) == compression::zstd);
        CHECK(ctrace::detect_compression(plain_named_zst) == compression::none);
        CHECK(decode(gzip_named_csv) == text);
        CHECK(decode(zstd_named_gz) == text);
        CHECK(decode(plain_named_zst) == text);
        CHECK_FALSE(ctrace::needs_decoding(plain_named_zst, input_encoding::utf8));
        // Shorter than a magic: plain text.
        CHECK(ctrace::detect_compression(dir.write("one.gz", "\x1f")) == compression::none);
        CHECK(ctrace::detect_compression(dir.write("three.zst", "\x28\xb5\x2f")) ==
              compression::none);
        CHECK(decode(dir.path() / "three.zst") == "\x28\xb5\x2f");
    }

    TEST_CASE("empty files, compressed and not") {
        temp_dir dir;
        const fs::path empty = dir.write("empty.csv", "");
        const fs::path empty_named_gz = dir.write("empty.csv.gz", "");
        for (const input_encoding encoding : {input_encoding::utf8, input_encoding::gb18030}) {
            CHECK(decode(empty, encoding).empty());
            CHECK(decode(empty_named_gz, encoding).empty());
        }
        CHECK(ctrace::detect_compression(empty_named_gz) == compression::none);

        const fs::path gzip_empty = gzip_of(empty, dir.path() / "e.gz");
        const fs::path zstd_empty = zstd_of(empty, dir.path() / "e.zst");
        CHECK(fs::file_size(gzip_empty) > 0);
        CHECK(fs::file_size(zstd_empty) > 0);
        for (const input_encoding encoding : {input_encoding::utf8, input_encoding::gb18030}) {
            decoded_input gzip_in(gzip_empty, encoding);
            CHECK(gzip_in.detected_compression() == compression::gzip);
            CHECK(read_all(gzip_in).empty());
            CHECK(gzip_in.raw_bytes_read() == fs::file_size(gzip_empty));
            decoded_input zstd_in(zstd_empty, encoding);
            CHECK(zstd_in.detected_compression() == compression::zstd);
            CHECK(read_all(zstd_in).empty());
        }
    }

    TEST_CASE("GB18030 text decodes to the exact UTF-8") {
        temp_dir dir;
        const std::string utf8 = "身份证号,场所码,扫码时间\n"
                                 "210202199001011234,DL0000000001,2024-03-01T08:00:00+08:00\n"
                                 "𠀀,€é😀,〇\n";
        const std::string gb = to_gb18030(utf8);
        // Known GB18030 codes, independent of iconv: 身 C9 ED, 𠀀 U+20000 is
        // the four bytes 95 32 82 36.
        CHECK(gb.starts_with("\xC9\xED"));
        CHECK(contains(gb, "\x95\x32\x82\x36"));
        const fs::path path = dir.write("gb.csv", gb);
        CHECK(decode(path, input_encoding::gb18030) == utf8);
        CHECK(decode(path, ctrace::parse_input_encoding("gbk")) == utf8);
        // Several MiB, past the default buffers.
        const std::string big = csv_text(3 << 20);
        const fs::path big_path = dir.write("big.csv", to_gb18030(big));
        CHECK(decode(big_path, input_encoding::gb18030) == big);
    }

    TEST_CASE("a GB18030 byte-order mark becomes a UTF-8 one, left in place") {
        temp_dir dir;
        const fs::path path = dir.write("bom.csv", cat("\x84\x31\x95\x33", to_gb18030("a,身\n")));
        CHECK(decode(path, input_encoding::gb18030) == "\xEF\xBB\xBF"
                                                       "a,身\n");
    }

    TEST_CASE("a file that starts with a UTF-8 byte-order mark is read as UTF-8 even when "
              "GB18030 is asked for") {
        // A cases file typed by hand and saved by Excel as "CSV UTF-8" beside
        // a GB18030 export: its Chinese must not be garbled.
        temp_dir dir;
        const std::string utf8 = "\xEF\xBB\xBF身份证号,开始时间\n张三,2022/4/20 10:00\n";
        CHECK(decode(dir.write("utf8-bom.csv", utf8), input_encoding::gb18030) == utf8);
        const fs::path packed =
            gzip_of(dir.write("plain.csv", utf8), dir.path() / "utf8-bom.csv.gz");
        CHECK(decode(packed, input_encoding::gb18030) == utf8);
        const std::string big = "\xEF\xBB\xBF" + csv_text(3 << 20);
        CHECK(decode(dir.write("big-bom.csv", big), input_encoding::gb18030, 7) == big);
    }

    TEST_CASE("characters straddling a buffer boundary") {
        temp_dir dir;
        // Two- and four-byte GB18030 characters at every offset relative to
        // buffers of 4 to 9 bytes.
        const std::string unit = "a𠀀b身,é😀\n";
        std::string utf8;
        for (int i = 0; i < 8; ++i)
            utf8 += std::string(static_cast<std::size_t>(i), 'x') + unit;
        const fs::path plain = dir.write("gb.csv", to_gb18030(utf8));
        const fs::path compressed = gzip_of(plain, dir.path() / "gb.csv.gz");
        for (std::size_t buffer_bytes = decoded_input::min_buffer_bytes; buffer_bytes <= 9;
             ++buffer_bytes) {
            INFO(buffer_bytes);
            CHECK(decode(plain, input_encoding::gb18030, buffer_bytes) == utf8);
            CHECK(decode(compressed, input_encoding::gb18030, buffer_bytes) == utf8);
        }
        // Smaller buffers are raised to the minimum.
        CHECK(decode(plain, input_encoding::gb18030, 1) == utf8);
    }

    TEST_CASE("invalid GB18030 bytes become 0xFF where they were") {
        temp_dir dir;
        const std::string gb = cat(to_gb18030("身份证号,场所码\n"), "A\xFF"s, "B,",
                                   to_gb18030("扫码"), "\x80\n"s, // lone bytes
                                   "\x81\n"s,                     // a lead byte cut by a line end
                                   to_gb18030("正常,行\n"),
                                   "\x81\x30\x81\x29\n"s,             // a bad fourth byte
                                   to_gb18030("末行,"), "\x81\x30"s); // cut off by the end
        const std::string expected =
            cat("身份证号,场所码\n"s, "A\xFF"s, "B,", "扫码"s, "\xFF\n"s, "\xFF\n"s, "正常,行\n"s,
                "\xFF"
                "0\xFF)\n"s,
                "末行,"s, "\xFF\xFF"s);
        const fs::path path = dir.write("bad.csv", gb);
        CHECK(decode(path, input_encoding::gb18030) == expected);
        for (std::size_t buffer_bytes = 4; buffer_bytes <= 9; ++buffer_bytes) {
            INFO(buffer_bytes);
            CHECK(decode(path, input_encoding::gb18030, buffer_bytes) == expected);
        }
    }

    TEST_CASE("the CSV reader refuses exactly the rows that held invalid GB18030") {
        temp_dir dir;
        const std::string gb = cat(to_gb18030("身份证号,场所码\n甲,乙\n"), to_gb18030("丙"),
                                   "\x80"s, to_gb18030(",丁\n戊,己\n"));
        const fs::path compressed = gzip_of(dir.write("bad.csv", gb), dir.path() / "bad.csv.gz");
        decoded_input in(compressed, input_encoding::gb18030);
        ctrace::csv_reader reader(in, in.source_name());
        ctrace::csv_record record;
        std::vector<std::uint64_t> good_lines;
        std::vector<std::uint64_t> bad_lines;
        while (reader.next(record)) {
            if (record.error == nullptr) {
                good_lines.push_back(record.line);
            } else {
                bad_lines.push_back(record.line);
                CHECK(std::string(record.error) == "invalid UTF-8");
            }
        }
        CHECK(good_lines == std::vector<std::uint64_t>{1, 2, 4});
        CHECK(bad_lines == std::vector<std::uint64_t>{3});
    }

    TEST_CASE("gzip and zstd with GB18030 together") {
        temp_dir dir;
        const std::string utf8 = csv_text(2 << 20);
        const fs::path plain = dir.write("gb.csv", to_gb18030(utf8));
        const fs::path gzipped = gzip_of(plain, dir.path() / "gb.csv.gz");
        const fs::path zstded = zstd_of(plain, dir.path() / "gb.csv.zst");
        CHECK(ctrace::needs_decoding(gzipped, input_encoding::gb18030));
        CHECK(decode(gzipped, input_encoding::gb18030) == utf8);
        CHECK(decode(zstded, input_encoding::gb18030) == utf8);
        CHECK(decode(gzipped, input_encoding::gb18030, 4097) == utf8);
    }

    TEST_CASE("truncated gzip: io_error naming the file") {
        temp_dir dir;
        const std::string compressed =
            file_bytes(gzip_of(dir.write("scans.csv", csv_text(2 << 20)), dir.path() / "s.gz"));
        // In the header, in the data, in the trailer, one byte short.
        for (const std::size_t kept : {std::size_t{2}, std::size_t{10}, compressed.size() / 2,
                                       compressed.size() - 5, compressed.size() - 1}) {
            INFO(kept);
            const fs::path cut = dir.write("cut.csv.gz", compressed.substr(0, kept));
            const std::string message = read_error(cut);
            CHECK(message == cut.string() + ": truncated gzip stream");
            CHECK(starts_with(read_error(cut, input_encoding::gb18030), cut.string() + ": "));
        }
    }

    TEST_CASE("truncated zstd: io_error naming the file") {
        temp_dir dir;
        const std::string compressed =
            file_bytes(zstd_of(dir.write("scans.csv", csv_text(2 << 20)), dir.path() / "s.zst"));
        // The magic alone, in the frame header, in the data, in the checksum.
        for (const std::size_t kept :
             {std::size_t{4}, std::size_t{6}, compressed.size() / 2, compressed.size() - 1}) {
            INFO(kept);
            const fs::path cut = dir.write("cut.csv.zst", compressed.substr(0, kept));
            CHECK(read_error(cut) == cut.string() + ": truncated zstd stream");
        }
    }

    TEST_CASE("corrupt bytes in the middle: io_error naming the file") {
        temp_dir dir;
        const fs::path plain = dir.write("scans.csv", csv_text(2 << 20));
        std::string gzip_bytes = file_bytes(gzip_of(plain, dir.path() / "s.gz"));
        std::string zstd_bytes = file_bytes(zstd_of(plain, dir.path() / "s.zst"));
        for (std::size_t i = 0; i < 64; ++i) {
            gzip_bytes[gzip_bytes.size() / 2 + i] ^= '\x5a';
            zstd_bytes[zstd_bytes.size() / 2 + i] ^= '\x5a';
        }
        const fs::path bad_gzip = dir.write("bad.gz", gzip_bytes);
        const fs::path bad_zstd = dir.write("bad.zst", zstd_bytes);
        CHECK(starts_with(read_error(bad_gzip), bad_gzip.string() + ": corrupt gzip data: "));
        CHECK(starts_with(read_error(bad_zstd), bad_zstd.string() + ": corrupt zstd data: "));
        // One line each.
        CHECK_FALSE(contains(read_error(bad_gzip), "\n"));
        CHECK_FALSE(contains(read_error(bad_zstd), "\n"));
    }

    TEST_CASE("bytes after the last gzip member or zstd frame are corrupt data") {
        temp_dir dir;
        const fs::path plain = dir.write("scans.csv", "a,b\n");
        const std::string gzip_bytes = file_bytes(gzip_of(plain, dir.path() / "s.gz"));
        const std::string zstd_bytes = file_bytes(zstd_of(plain, dir.path() / "s.zst"));
        const fs::path gzip_trailing = dir.write("trailing.gz", gzip_bytes + "garbage");
        const fs::path zstd_trailing = dir.write("trailing.zst", zstd_bytes + "garbage");
        CHECK(starts_with(read_error(gzip_trailing),
                          gzip_trailing.string() + ": corrupt gzip data: "));
        CHECK(starts_with(read_error(zstd_trailing),
                          zstd_trailing.string() + ": corrupt zstd data: "));
    }

    TEST_CASE("the error reaches the caller through every way of reading") {
        temp_dir dir;
        const std::string compressed =
            file_bytes(gzip_of(dir.write("scans.csv", csv_text(2 << 20)), dir.path() / "s.gz"));
        const fs::path cut = dir.write("cut.gz", compressed.substr(0, compressed.size() / 2));
        const std::string expected = cut.string() + ": truncated gzip stream";
        {
            decoded_input in(cut, input_encoding::utf8);
            std::string line;
            try {
                while (std::getline(in, line)) {
                }
                FAIL_CHECK("getline ended without an error");
            } catch (const ctrace::io_error& e) {
                CHECK(e.what() == expected);
            }
            CHECK(in.bad());
        }
        {
            decoded_input in(cut, input_encoding::utf8);
            ctrace::csv_reader reader(in, in.source_name());
            ctrace::csv_record record;
            try {
                while (reader.next(record)) {
                }
                FAIL_CHECK("the CSV reader ended without an error");
            } catch (const ctrace::io_error& e) {
                CHECK(e.what() == expected);
            }
        }
    }

    TEST_CASE("a file that cannot be opened") {
        temp_dir dir;
        const fs::path missing = dir.path() / "missing.csv.gz";
        const std::string message = ctrace::testing::input_error_message(
            [&] { decoded_input in(missing, input_encoding::utf8); });
        CHECK(starts_with(message, missing.string() + ": cannot open: "));
        CHECK_THROWS_AS(ctrace::detect_compression(missing), ctrace::io_error);
        CHECK_THROWS_AS(ctrace::needs_decoding(missing, input_encoding::utf8), ctrace::io_error);
    }
}
