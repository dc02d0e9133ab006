#include "ctrace/io/column_table.hpp"

#include "ctrace/core/error.hpp"
#include "ctrace/io/csv.hpp"

#include <cmath>
#include <limits>
#include <utility>

namespace ctrace {

namespace {

const char* kind_name(column_kind kind) {
    switch (kind) {
    case column_kind::blank:
        return "blank";
    case column_kind::text:
        return "text";
    case column_kind::integer:
        return "integer";
    case column_kind::time:
        return "time";
    case column_kind::number:
        return "number";
    }
    return "unknown";
}

/// Checks that `column`'s vectors fit its kind and `rows`.
void check_column(const table_column& column, std::size_t rows) {
    const auto fail = [&](const std::string& why) {
        throw error("column table: column '" + column.name + "' (" + kind_name(column.kind) +
                    "): " + why);
    };
    if (column.blank.size() != rows)
        fail("has " + std::to_string(column.blank.size()) + " rows, not " + std::to_string(rows));
    const bool text = column.kind == column_kind::text;
    const bool integers = column.kind == column_kind::integer || column.kind == column_kind::time;
    const bool numbers = column.kind == column_kind::number;
    if (text ? column.text_offsets.size() != rows + 1 : !column.text_offsets.empty())
        fail("text offsets do not match");
    if (text && column.text_offsets.back() != column.text_bytes.size())
        fail("text offsets do not end at the bytes' end");
    if (integers ? column.integers.size() != rows : !column.integers.empty())
        fail("integers do not match");
    if (numbers ? column.numbers.size() != rows : !column.numbers.empty())
        fail("numbers do not match");
}

} // namespace

table_column& column_table::next_cell() {
    if (cell_ == columns_.size())
        throw error("column table: row " + std::to_string(rows_ + 1) + " has more cells than the " +
                    std::to_string(columns_.size()) + " columns");
    return columns_[cell_++];
}

void column_table::settle_kind(table_column& column, column_kind kind) {
    if (column.kind == kind) return;
    if (column.kind != column_kind::blank)
        throw error("column table: a " + std::string(kind_name(kind)) + " cell in the " +
                    kind_name(column.kind) + " column '" + column.name + "'");
    column.kind = kind;
    const std::size_t before = column.blank.size();
    switch (kind) {
    case column_kind::text:
        column.text_offsets.assign(before + 1, 0);
        break;
    case column_kind::integer:
    case column_kind::time:
        column.integers.assign(before, 0);
        break;
    case column_kind::number:
        column.numbers.assign(before, std::numeric_limits<double>::quiet_NaN());
        break;
    case column_kind::blank:
        break;
    }
}

column_table& column_table::field(std::string_view text) {
    if (!header_done_) {
        if (!header_.empty() || cell_ > 0) header_.push_back(',');
        header_.append(text);
        ++cell_;
        return *this;
    }
    table_column& column = next_cell();
    if (text.empty()) {
        column.blank.push_back(1);
        switch (column.kind) {
        case column_kind::text:
            column.text_offsets.push_back(column.text_bytes.size());
            break;
        case column_kind::integer:
        case column_kind::time:
            column.integers.push_back(0);
            break;
        case column_kind::number:
            column.numbers.push_back(std::numeric_limits<double>::quiet_NaN());
            break;
        case column_kind::blank:
            break;
        }
        return *this;
    }
    settle_kind(column, column_kind::text);
    column.blank.push_back(0);
    column.text_bytes.append(text);
    column.text_offsets.push_back(column.text_bytes.size());
    return *this;
}

column_table& column_table::field(std::int64_t value) {
    if (!header_done_) throw error("column table: a number in the header");
    table_column& column = next_cell();
    settle_kind(column, column_kind::integer);
    column.blank.push_back(0);
    column.integers.push_back(value);
    return *this;
}

column_table& column_table::field(std::uint64_t value) {
    if (value > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        throw error("column table: " + std::to_string(value) + " does not fit in 64 signed bits");
    return field(static_cast<std::int64_t>(value));
}

column_table& column_table::time(time_point t, utc_offset tz) {
    if (!header_done_) throw error("column table: a time in the header");
    table_column& column = next_cell();
    const bool first = column.kind != column_kind::time;
    settle_kind(column, column_kind::time);
    if (first) {
        column.tz = tz;
    } else if (column.tz.seconds != tz.seconds) {
        throw error("column table: times in two zones in the column '" + column.name + "'");
    }
    column.blank.push_back(0);
    column.integers.push_back(t);
    return *this;
}

column_table& column_table::number(double value) {
    if (!header_done_) throw error("column table: a number in the header");
    table_column& column = next_cell();
    settle_kind(column, column_kind::number);
    column.blank.push_back(0);
    column.numbers.push_back(value);
    return *this;
}

void column_table::end_row() {
    if (!header_done_) {
        // The header's text, split at commas (the lists' column names hold none).
        std::size_t begin = 0;
        for (;;) {
            const std::size_t comma = header_.find(',', begin);
            table_column column;
            column.name = header_.substr(begin, comma - begin);
            columns_.push_back(std::move(column));
            if (comma == std::string::npos) break;
            begin = comma + 1;
        }
        header_.clear();
        header_done_ = true;
        cell_ = 0;
        return;
    }
    if (cell_ != columns_.size())
        throw error("column table: row " + std::to_string(rows_ + 1) + " has " +
                    std::to_string(cell_) + " cells, not " + std::to_string(columns_.size()));
    ++rows_;
    cell_ = 0;
}

void column_table::add_column(table_column column) {
    if (cell_ != 0 || !header_.empty())
        throw error("column table: a column added in the middle of a row");
    if (!columns_.empty() && column.rows() != rows_)
        throw error("column table: column '" + column.name + "' has " +
                    std::to_string(column.rows()) + " rows, the table " + std::to_string(rows_));
    check_column(column, column.rows());
    header_done_ = true;
    rows_ = column.rows();
    columns_.push_back(std::move(column));
}

std::vector<table_column> column_table::release_columns() {
    std::vector<table_column> columns = std::move(columns_);
    *this = column_table();
    return columns;
}

void write_csv(std::ostream& out, const column_table& table, const std::string& what) {
    csv_writer csv(out, what);
    for (const table_column& column : table.columns())
        csv.field(column.name);
    csv.end_row();
    for (std::size_t r = 0; r < table.rows(); ++r) {
        for (const table_column& column : table.columns()) {
            if (column.blank[r]) {
                csv.raw({});
                continue;
            }
            switch (column.kind) {
            case column_kind::text:
                csv.field(column.text(r));
                break;
            case column_kind::integer:
                csv.field(column.integers[r]);
                break;
            case column_kind::time:
                csv.time(column.integers[r], column.tz);
                break;
            case column_kind::number:
                csv.number(column.numbers[r]);
                break;
            case column_kind::blank:
                csv.raw({});
                break;
            }
        }
        csv.end_row();
    }
    csv.finish();
}

} // namespace ctrace
