#pragma once
/// \file
/// Excel workbooks (.xlsx) of the lists ctrace writes as CSV, for offices that
/// open them in Excel: one sheet per list, written with libxlsxwriter.
///
/// A sheet holds exactly the rows and fields of its CSV, typed by the
/// column's kind (`cell_kind`):
///
/// - text (ids, codes, id lists): a text cell, never a number, so that an
///   18-digit resident id keeps every digit and its leading zeros;
/// - integer (hops, seconds, counts): a number cell;
/// - time: an Excel date-time (serial days since 1899-12-30) of the wall-clock
///   time in the zone the CSV writes (the run's `tz`), shown as
///   `yyyy-mm-dd hh:mm:ss`. Excel has no zones: the zone is the one of the
///   CSV's `±HH:MM` suffix, and the cell holds the local time;
/// - an empty CSV field is a blank cell (no cell at all).
///
/// The first row is the header (the CSV's column names, or their Chinese
/// names), frozen, with an autofilter over the rows written; columns are as
/// wide as their widest value (within bounds). A sheet holds at most
/// `max_sheet_rows` rows below the header and a text cell at most
/// `max_cell_characters` characters: more is an `output_error`.
///
/// The workbook is written to a temporary file beside the target and renamed
/// over it on `commit()` (as `atomic_path` does), so a failure leaves neither
/// a partial workbook nor a temporary file. Workbooks are written in
/// libxlsxwriter's constant-memory mode: rows go to disk as they are written.

#include "ctrace/core/atomic_file.hpp"
#include "ctrace/core/time.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

// libxlsxwriter's types, kept out of the users of this header.
struct lxw_workbook;
struct lxw_worksheet;
struct lxw_format;

namespace ctrace {

/// The language of the header row and of the sheet names.
enum class header_language {
    /// The CSV's column names (`person`, `first_exposure`) and English sheet names.
    en,
    /// Chinese names (`人员`, `首次暴露`), as a district office's staff reads them.
    zh,
};

/// `en` or `zh`; throws `parameter_error` for `lang` otherwise.
header_language parse_header_language(std::string_view text);

/// What the cells of a column hold.
enum class cell_kind { text, integer, time };

/// A column: its CSV name, its Chinese name and its kind.
struct sheet_column {
    std::string_view name;
    std::string_view name_zh;
    cell_kind kind;
};

/// A sheet: its names (at most 31 characters, none of `[]:*?/\`), the CSV
/// header it stands for and its columns, whose names joined by commas must
/// be that header.
struct sheet_layout {
    std::string_view name;
    std::string_view name_zh;
    std::string_view csv_header;
    std::span<const sheet_column> columns;
};

/// Rows below the header that one sheet holds (Excel's 1,048,576 rows, less the header).
inline constexpr std::uint32_t max_sheet_rows = 1048575;
/// Characters (UTF-8 code points) of the longest text Excel keeps in a cell.
inline constexpr std::size_t max_cell_characters = 32767;

class xlsx_workbook;

/// One sheet, written row by row with the calls `csv_writer` takes, so that a
/// list's rows are formatted by one function for both (a template on the
/// writer). Each call fills the next cell of the row; its kind must be the
/// column's (a logic error otherwise): `field(text)` and `raw(text)` a text
/// column, the integers an integer column, `time` a time column. An empty
/// text is a blank cell in any column. Throws `output_error` naming the
/// workbook when the sheet is full or libxlsxwriter refuses a cell.
class xlsx_sheet {
public:
    xlsx_sheet(const xlsx_sheet&) = delete;
    xlsx_sheet& operator=(const xlsx_sheet&) = delete;

    xlsx_sheet& field(std::string_view text);
    xlsx_sheet& field(std::int64_t value);
    xlsx_sheet& field(std::uint64_t value);
    xlsx_sheet& field(std::uint32_t value) { return field(std::uint64_t{value}); }
    /// The wall-clock time of `t` in zone `tz`, as an Excel date-time.
    xlsx_sheet& time(time_point t, utc_offset tz);
    /// Text as `field(text)` (in a CSV, text that needs no quoting).
    xlsx_sheet& raw(std::string_view text) { return field(text); }
    /// Ends the row; it must have had a call for every column.
    void end_row();

    /// Data rows written so far.
    std::uint32_t rows() const noexcept { return row_ - 1; }

private:
    friend class xlsx_workbook;
    xlsx_sheet(xlsx_workbook& book, lxw_worksheet* sheet, const sheet_layout& layout);
    /// Checks that the next cell is in a column of kind `kind` (or blank) and
    /// that the sheet has room; returns its column.
    std::uint16_t next_cell(cell_kind kind, bool blank);
    /// Throws `output_error` for libxlsxwriter's `status` (when not success).
    void check(int status) const;
    /// Column widths, the autofilter and the frozen header, once the rows are in.
    void finish();

    xlsx_workbook& book_;
    lxw_worksheet* sheet_;
    sheet_layout layout_;
    std::uint32_t row_ = 1; ///< the row being written (0 is the header)
    std::uint16_t column_ = 0;
    std::vector<std::size_t> widths_; ///< widest value of each column, in characters
};

/// An Excel workbook replacing `target` atomically: add sheets, fill them in
/// order, `close()`, then `commit()` with the command's other outputs.
/// Without a commit nothing is left behind.
class xlsx_workbook {
public:
    /// Throws like `atomic_path` when the target's folder cannot be written
    /// (`output_error`) or is missing (`io_error`), and `output_error` when
    /// libxlsxwriter cannot start the workbook.
    xlsx_workbook(std::filesystem::path target, header_language language);
    ~xlsx_workbook();
    xlsx_workbook(const xlsx_workbook&) = delete;
    xlsx_workbook& operator=(const xlsx_workbook&) = delete;

    /// A new sheet after the others, its header row written; its rows must be
    /// written before the next sheet is added (constant-memory mode). The
    /// reference lives as long as the workbook. A `layout` whose column names
    /// are not its CSV header is a logic error.
    xlsx_sheet& add_sheet(const sheet_layout& layout);

    /// Writes the workbook into the temporary file; throws `output_error`
    /// naming the target when that fails (disk full, permission).
    void close();
    /// Closes (if not done), syncs and renames into place; throws `output_error`.
    void commit();

    const std::filesystem::path& target() const noexcept { return file_.target(); }
    header_language language() const noexcept { return language_; }

private:
    friend class xlsx_sheet;
    /// The `output_error` for `reason`, naming the target.
    [[noreturn]] void fail(const std::string& reason) const;

    atomic_path file_;
    header_language language_;
    lxw_workbook* book_ = nullptr; ///< null once closed
    lxw_format* header_format_ = nullptr;
    lxw_format* time_format_ = nullptr;
    std::vector<std::unique_ptr<xlsx_sheet>> sheets_;
};

} // namespace ctrace
