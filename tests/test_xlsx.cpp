#include "ctrace/core/error.hpp"
#include "ctrace/io/xlsx.hpp"
#include "test_helpers.hpp"

#include <cstdint>
#include <cstdlib>
#include <doctest/doctest.h>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <unistd.h>
#include <zlib.h>

using namespace ctrace;
using ctrace::testing::temp_dir;

namespace {

// ------------------------------------------------------------------ reading
// A workbook is a zip of XML parts. The reader here (central directory,
// stored or deflated entries) is independent of libxlsxwriter, so the tests
// look at what Excel would read.

std::uint32_t little_endian(const std::string& bytes, std::size_t at, int size) {
    REQUIRE(at + static_cast<std::size_t>(size) <= bytes.size());
    std::uint32_t value = 0;
    for (int i = size - 1; i >= 0; --i)
        value = value << 8 | static_cast<unsigned char>(bytes[at + static_cast<std::size_t>(i)]);
    return value;
}

/// The text of the part `name` of the zip file `path`.
std::string zip_part(const std::filesystem::path& path, const std::string& name) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in);
    const std::string zip((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::size_t end_record = zip.rfind(std::string("PK\x05\x06", 4));
    REQUIRE(end_record != std::string::npos);
    const std::uint32_t entries = little_endian(zip, end_record + 10, 2);
    std::size_t at = little_endian(zip, end_record + 16, 4);
    for (std::uint32_t e = 0; e < entries; ++e) {
        REQUIRE(little_endian(zip, at, 4) == 0x02014b50u);
        const std::uint32_t method = little_endian(zip, at + 10, 2);
        const std::uint32_t packed = little_endian(zip, at + 20, 4);
        const std::uint32_t size = little_endian(zip, at + 24, 4);
        const std::uint32_t name_length = little_endian(zip, at + 28, 2);
        const std::uint32_t extra = little_endian(zip, at + 30, 2);
        const std::uint32_t comment = little_endian(zip, at + 32, 2);
        const std::uint32_t local = little_endian(zip, at + 42, 4);
        const std::string entry_name = zip.substr(at + 46, name_length);
        at += 46 + name_length + extra + comment;
        if (entry_name != name) continue;
        const std::size_t data =
            local + 30 + little_endian(zip, local + 26, 2) + little_endian(zip, local + 28, 2);
        if (method == 0) return zip.substr(data, size);
        REQUIRE(method == 8);
        std::string text(size, '\0');
        z_stream z{};
        REQUIRE(inflateInit2(&z, -MAX_WBITS) == Z_OK);
        z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(zip.data() + data));
        z.avail_in = packed;
        z.next_out = reinterpret_cast<Bytef*>(text.data());
        z.avail_out = size;
        const int status = inflate(&z, Z_FINISH);
        inflateEnd(&z);
        REQUIRE(status == Z_STREAM_END);
        return text;
    }
    FAIL("no part " << name << " in " << path);
    return {};
}

/// The XML element of cell `ref` (`B2`) in `sheet`, empty when there is none.
std::string cell_xml(const std::string& sheet, const std::string& ref) {
    const std::size_t start = sheet.find("<c r=\"" + ref + "\"");
    if (start == std::string::npos) return {};
    const std::size_t empty_end = sheet.find("/>", start);
    const std::size_t end = sheet.find("</c>", start);
    if (empty_end < end && sheet.find('>', start) == empty_end + 1) return sheet.substr(start);
    REQUIRE(end != std::string::npos);
    return sheet.substr(start, end + 4 - start);
}

/// The text of the element `tag` inside `xml` (the first one).
std::string inner(const std::string& xml, const std::string& tag) {
    const std::size_t open = xml.find("<" + tag + ">");
    const std::size_t close = xml.find("</" + tag + ">");
    REQUIRE(open != std::string::npos);
    REQUIRE(close != std::string::npos);
    return xml.substr(open + tag.size() + 2, close - open - tag.size() - 2);
}

// ------------------------------------------------------------------ a sheet

constexpr sheet_column test_columns[] = {
    {"person", "人员", cell_kind::text},
    {"hop", "风险层级", cell_kind::integer},
    {"first_exposure", "首次暴露", cell_kind::time},
    {"via_place", "传播场所", cell_kind::text},
};
constexpr sheet_layout test_sheet{"risk list", "风险人员", "person,hop,first_exposure,via_place",
                                  test_columns};

constexpr utc_offset beijing{8 * 3600};
/// 2022-04-19T10:00:00+08:00.
constexpr time_point april_19_10h = 1650333600;

/// Writes the test sheet's two rows into `book`.
void write_test_rows(xlsx_workbook& book) {
    xlsx_sheet& sheet = book.add_sheet(test_sheet);
    sheet.field("110101199003071234").field(std::uint32_t{1}).time(april_19_10h, beijing);
    sheet.field("M01").end_row();
    sheet.field("007").field(std::int64_t{0}).raw("").raw("").end_row();
    CHECK(sheet.rows() == 2);
}

/// The test rows as a committed workbook `risk.xlsx` in `dir`, headers in `language`.
std::filesystem::path write_test_workbook(const temp_dir& dir, header_language language) {
    const auto path = dir.path() / "risk.xlsx";
    xlsx_workbook book(path, language);
    write_test_rows(book);
    book.commit();
    return path;
}

std::size_t files_in(const std::filesystem::path& folder) {
    std::size_t count = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(folder))
        ++count;
    return count;
}

} // namespace

TEST_CASE("xlsx: ids are text with every digit, integers numbers, times local date-times") {
    temp_dir dir;
    const auto path = write_test_workbook(dir, header_language::en);
    CHECK(files_in(dir.path()) == 1); // no temporary left beside it

    const std::string sheet = zip_part(path, "xl/worksheets/sheet1.xml");
    // An 18-digit id and an id with a leading zero stay text, not numbers.
    CHECK(cell_xml(sheet, "A2").find("t=\"inlineStr\"") != std::string::npos);
    CHECK(inner(cell_xml(sheet, "A2"), "t") == "110101199003071234");
    CHECK(inner(cell_xml(sheet, "A3"), "t") == "007");
    CHECK(inner(cell_xml(sheet, "D2"), "t") == "M01");
    // Integers are numbers.
    CHECK(cell_xml(sheet, "B2").find("t=\"") == std::string::npos);
    CHECK(inner(cell_xml(sheet, "B2"), "v") == "1");
    CHECK(inner(cell_xml(sheet, "B3"), "v") == "0");
    // 2022-04-19 10:00:00 local time is Excel day 44670 and 10/24 of a day.
    const double serial = std::strtod(inner(cell_xml(sheet, "C2"), "v").c_str(), nullptr);
    CHECK(serial == doctest::Approx(44670.0 + 10.0 / 24.0).epsilon(1e-12));
    CHECK(std::abs(serial - (44670.0 + 10.0 / 24.0)) * 86400.0 < 1e-3);
    CHECK(cell_xml(sheet, "C2").find(" s=\"") != std::string::npos); // the date-time format
    // Empty fields are blank cells: no cell at all.
    CHECK(cell_xml(sheet, "C3").empty());
    CHECK(cell_xml(sheet, "D3").empty());

    // Header, frozen first row, autofilter over the rows written, widths.
    CHECK(inner(cell_xml(sheet, "A1"), "t") == "person");
    CHECK(inner(cell_xml(sheet, "C1"), "t") == "first_exposure");
    CHECK(sheet.find("ySplit=\"1\"") != std::string::npos);
    CHECK(sheet.find("state=\"frozen\"") != std::string::npos);
    CHECK(sheet.find("<autoFilter ref=\"A1:D3\"/>") != std::string::npos);
    CHECK(sheet.find("<col min=\"1\" max=\"1\" width=\"19") != std::string::npos); // 18 digits + 1
    const std::string styles = zip_part(path, "xl/styles.xml");
    CHECK(styles.find("formatCode=\"yyyy-mm-dd hh:mm:ss\"") != std::string::npos);
    CHECK(zip_part(path, "xl/workbook.xml").find("name=\"risk list\"") != std::string::npos);
}

TEST_CASE("xlsx: Chinese headers and sheet names with --lang zh, values unchanged") {
    temp_dir dir;
    const auto path = write_test_workbook(dir, header_language::zh);
    const std::string sheet = zip_part(path, "xl/worksheets/sheet1.xml");
    CHECK(inner(cell_xml(sheet, "A1"), "t") == "人员");
    CHECK(inner(cell_xml(sheet, "C1"), "t") == "首次暴露");
    CHECK(inner(cell_xml(sheet, "A2"), "t") == "110101199003071234");
    CHECK(zip_part(path, "xl/workbook.xml").find("name=\"风险人员\"") != std::string::npos);
    CHECK(parse_header_language("zh") == header_language::zh);
    CHECK(parse_header_language("en") == header_language::en);
    CHECK_THROWS_AS(parse_header_language("fr"), parameter_error);
}

TEST_CASE("xlsx: a workbook never committed or failing leaves no file and no temporary") {
    temp_dir dir;
    const auto path = dir.path() / "risk.xlsx";
    {
        xlsx_workbook book(path, header_language::en);
        write_test_rows(book);
        book.close(); // written, but the run failed later: never committed
    }
    CHECK(files_in(dir.path()) == 0);

    {
        xlsx_workbook book(path, header_language::en);
        xlsx_sheet& sheet = book.add_sheet(test_sheet);
        const std::string too_long(max_cell_characters + 1, 'x');
        try {
            sheet.field(too_long);
            FAIL("a text longer than a cell holds was written");
        } catch (const output_error& e) {
            CHECK(e.target() == path.string());
            CHECK(std::string(e.what()).find("32767") != std::string::npos);
        }
    }
    CHECK(files_in(dir.path()) == 0);

    CHECK_THROWS_AS(xlsx_workbook(dir.path() / "missing" / "risk.xlsx", header_language::en),
                    io_error);
    if (::access("/dev/full", W_OK) == 0) {
        xlsx_workbook book("/dev/full", header_language::en);
        write_test_rows(book);
        CHECK_THROWS_AS(book.close(), output_error);
    }
}

TEST_CASE("xlsx: cells must be of their column's kind, layouts must be their CSV header") {
    temp_dir dir;
    xlsx_workbook book(dir.path() / "risk.xlsx", header_language::en);
    constexpr sheet_layout wrong{"wrong", "错误", "person,hop", test_columns};
    CHECK_THROWS_AS(book.add_sheet(wrong), std::logic_error);
    xlsx_sheet& sheet = book.add_sheet(test_sheet);
    CHECK_THROWS_AS(sheet.time(april_19_10h, beijing), std::logic_error); // person is text
    xlsx_sheet& other = book.add_sheet({"other", "其他", test_sheet.csv_header, test_columns});
    other.field("A").field(std::uint64_t{2});
    CHECK_THROWS_AS(other.end_row(), std::logic_error); // two cells of four
}
