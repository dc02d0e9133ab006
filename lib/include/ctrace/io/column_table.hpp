#pragma once
/// \file
/// A list's rows as typed columns, for front ends that hand tables to another
/// language (the Python module builds DataFrames from them).
///
/// A `column_table` takes the calls a `csv_writer` takes, so that each list
/// is formatted by the one function that writes its CSV (a template on the
/// writer, as for `xlsx_sheet`). The first row written is the header: its
/// text, split at commas, names the columns (the lists write it with
/// `raw(header)`). Each later cell fills the next column:
///
/// - `field(text)` and `raw(text)`: text;
/// - the integer `field`s: integer;
/// - `time(t, tz)`: time, in epoch seconds, with the zone it is written in;
/// - `number(x)`: a real number.
///
/// An empty text is a blank cell, in a column of any kind. A column takes its
/// kind from its first cell that is not blank (`blank` when it has none); a
/// cell of another kind later is a logic error (`error`).
///
/// `write_csv` writes a table back as the list's CSV, byte for byte: the
/// header, then each cell as `csv_writer` writes it. A table built from the
/// columns of another language (`add_column`) is written the same way.

#include "ctrace/core/time.hpp"
#include "ctrace/core/types.hpp"

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace ctrace {

/// What the cells of a `column_table` column hold.
enum class column_kind : std::uint8_t {
    /// Every cell is blank (no cell told the kind).
    blank,
    text,
    integer,
    /// Epoch seconds, written in the column's zone.
    time,
    /// A real number, written as `std::to_chars` writes a double (shortest
    /// text that reads back the same).
    number,
};

/// One column: its name, kind and cells. Every vector of the column's kind
/// has one element per row; the others are empty.
struct table_column {
    std::string name;
    column_kind kind = column_kind::blank;
    /// 1 where the cell is blank (its value is then 0, NaN or empty).
    std::vector<std::uint8_t> blank;
    /// `text`: the cells' bytes, cell r at [text_offsets[r], text_offsets[r + 1]).
    std::string text_bytes;
    std::vector<std::uint64_t> text_offsets;
    /// `integer` and `time` (epoch seconds).
    std::vector<std::int64_t> integers;
    /// `number`.
    std::vector<double> numbers;
    /// `time`: the zone the times are written in.
    utc_offset tz{};

    std::size_t rows() const noexcept { return blank.size(); }
    /// The text of cell `r` of a `text` column.
    std::string_view text(std::size_t r) const noexcept {
        return {text_bytes.data() + text_offsets[r],
                static_cast<std::size_t>(text_offsets[r + 1] - text_offsets[r])};
    }
};

class column_table {
public:
    /// An empty table; the first row written is its header.
    column_table() = default;

    /// A text cell (blank when empty).
    column_table& field(std::string_view text);
    column_table& field(std::int64_t value);
    column_table& field(std::uint64_t value);
    column_table& field(std::uint32_t value) { return field(std::uint64_t{value}); }
    /// A time cell, written in zone `tz` (every time of a column is in one zone).
    column_table& time(time_point t, utc_offset tz);
    /// A real-number cell.
    column_table& number(double value);
    /// Text, as `field(text)`.
    column_table& raw(std::string_view text) { return field(text); }
    /// Ends the row: the header's, or a row with a cell for every column.
    /// Throws `error` for a row of another width.
    void end_row();

    /// Adds a column built elsewhere (every column must have as many rows).
    /// Throws `error` for a column whose vectors do not match its kind and
    /// rows, or a table that already has rows of another count.
    void add_column(table_column column);

    const std::vector<table_column>& columns() const noexcept { return columns_; }
    std::size_t rows() const noexcept { return rows_; }
    /// Hands the columns over, leaving the table empty.
    std::vector<table_column> release_columns();

private:
    table_column& next_cell();
    /// Makes `column` of `kind`, filling the rows before as blanks of that kind.
    void settle_kind(table_column& column, column_kind kind);

    std::vector<table_column> columns_;
    std::size_t rows_ = 0;
    bool header_done_ = false;
    std::string header_;   ///< the header row's text while it is written
    std::size_t cell_ = 0; ///< the next column of the row being written
};

/// Writes `table` as CSV: the column names joined by commas, then each row,
/// cells as `csv_writer` writes them (text quoted when needed, integers and
/// numbers in shortest form, times as `append_time` in the column's zone,
/// blanks empty), LF line ends. `what` names the output in the
/// `output_error` thrown when the stream fails.
void write_csv(std::ostream& out, const column_table& table, const std::string& what);

} // namespace ctrace
