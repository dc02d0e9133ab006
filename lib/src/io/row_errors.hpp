#pragma once
// Row-level error reporting shared by the CSV readers (internal to ctrace):
// the collection of bad rows and the wording of their reasons.

#include "ctrace/core/error.hpp"
#include "ctrace/io/csv.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ctrace::detail {

/// Collects bad rows: keeps them all under skip-bad (they go to the rejects
/// file), else the first few for the error message and a count.
class bad_row_sink {
public:
    explicit bad_row_sink(bool keep_all) : keep_all_(keep_all) {}

    void add(const csv_record& record, std::string reason) {
        ++total_;
        if (keep_all_ || rows_.size() < bad_rows_error::max_kept_rows)
            rows_.push_back({record.line, std::move(reason), std::string(record.raw), {}});
    }
    std::uint64_t total() const noexcept { return total_; }
    std::vector<bad_row>& rows() noexcept { return rows_; }

    /// Adds `offset` to the line numbers kept so far.
    void shift_lines(std::uint64_t offset) {
        for (bad_row& row : rows_)
            row.line += offset;
    }
    /// Takes `later`'s rows (from further down the file) after these.
    void append(bad_row_sink&& later) {
        total_ += later.total_;
        for (bad_row& row : later.rows_)
            if (keep_all_ || rows_.size() < bad_rows_error::max_kept_rows)
                rows_.push_back(std::move(row));
    }

    /// In strict mode, throws when any row was bad.
    void throw_if_strict(const std::string& source_name) {
        if (!keep_all_ && total_ > 0) throw bad_rows_error(source_name, std::move(rows_), total_);
    }

private:
    bool keep_all_;
    std::vector<bad_row> rows_;
    std::uint64_t total_ = 0;
};

/// `column: problem ('value')`, with the value cut to a readable length.
inline std::string field_problem(std::string_view column, std::string_view problem,
                                 std::string_view value) {
    constexpr std::size_t max_shown = 64;
    std::string out(column);
    out += ": ";
    out += problem;
    out += " ('";
    out += value.substr(0, max_shown);
    if (value.size() > max_shown) out += "...";
    out += "')";
    return out;
}

/// The parts of a reason `field_problem` wrote: column, problem and the
/// whole value (none when the value was cut, or the reason is another).
struct field_problem_parts {
    std::string_view column, problem, value;
};
inline std::optional<field_problem_parts> split_field_problem(std::string_view reason) {
    const std::size_t colon = reason.find(": ");
    const std::size_t open = reason.rfind(" ('");
    if (colon == std::string_view::npos || open == std::string_view::npos || open < colon ||
        !reason.ends_with("')"))
        return std::nullopt;
    const std::string_view value = reason.substr(open + 3, reason.size() - open - 5);
    if (value.size() > 64) return std::nullopt; // cut: "...", never the whole
    return field_problem_parts{reason.substr(0, colon), reason.substr(colon + 2, open - colon - 2),
                               value};
}

inline std::string field_count_problem(std::size_t expected, std::size_t found) {
    return "expected " + std::to_string(expected) + " fields, found " + std::to_string(found);
}

/// Adds `record` to `bad` when it is malformed or does not have `fields`
/// fields, and says so: the first check of every row a reader takes.
inline bool rejected_record(bad_row_sink& bad, const csv_record& record, std::size_t fields) {
    if (record.error != nullptr) {
        bad.add(record, record.error);
        return true;
    }
    if (record.fields.size() != fields) {
        bad.add(record, field_count_problem(fields, record.fields.size()));
        return true;
    }
    return false;
}

/// Reads the header record; throws when the file is empty or the header bad.
/// `columns` gives ctrace's names to columns the file names otherwise.
inline csv_header read_header(csv_reader& reader, csv_record& record,
                              const column_names& columns = {}) {
    if (!reader.next(record)) throw input_error(reader.source_name() + ": empty file (no header)");
    return csv_header(record, reader.source_name(), columns);
}

} // namespace ctrace::detail
