#include "ctrace/io/xlsx.hpp"

#include "ctrace/core/error.hpp"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <stdexcept>
#include <unistd.h>
#include <utility>
#include <xlsxwriter.h>

namespace ctrace {

namespace {

/// Excel's serial day of the Unix epoch (1970-01-01 is day 25569 counted
/// from 1899-12-30, Excel's day 0 for dates after February 1900).
constexpr double excel_day_of_epoch = 25569.0;
constexpr double seconds_per_day = 86400.0;
constexpr const char* time_number_format = "yyyy-mm-dd hh:mm:ss";
/// Characters `yyyy-mm-dd hh:mm:ss` shows.
constexpr std::size_t time_characters = 19;
/// Column widths, in characters: narrower columns hide their autofilter
/// button's label, wider ones (long id lists) would push the rest off screen.
constexpr std::size_t narrowest_column = 6;
constexpr std::size_t widest_column = 60;
/// Room for the autofilter's drop-down button beside a header name.
constexpr std::size_t filter_button_characters = 3;

/// Columns `text` takes on screen: CJK characters (three- and four-byte UTF-8
/// sequences) are about two columns wide, others one.
std::size_t display_width(std::string_view text) noexcept {
    std::size_t width = 0;
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x80 || (byte >= 0xC0 && byte < 0xE0))
            width += 1;
        else if (byte >= 0xE0)
            width += 2;
    }
    return width;
}

std::size_t digit_count(std::uint64_t value) noexcept {
    std::size_t digits = 1;
    for (; value >= 10; value /= 10)
        ++digits;
    return digits;
}

std::string_view kind_name(cell_kind kind) noexcept {
    switch (kind) {
    case cell_kind::text:
        return "text";
    case cell_kind::integer:
        return "integer";
    case cell_kind::time:
        return "time";
    }
    return "?";
}

/// libxlsxwriter reports its failures on stderr too ("[ERROR] workbook_close():
/// ..."), besides the status it returns: a command's failure is one line
/// naming the file, so stderr goes to /dev/null while it works. Only around
/// calls made once per workbook (never per cell), after the progress display.
class quiet_stderr {
public:
    quiet_stderr() : saved_(::dup(STDERR_FILENO)) {
        const int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (saved_ >= 0 && null >= 0) ::dup2(null, STDERR_FILENO);
        if (null >= 0) ::close(null);
    }
    ~quiet_stderr() {
        if (saved_ < 0) return;
        ::dup2(saved_, STDERR_FILENO);
        ::close(saved_);
    }
    quiet_stderr(const quiet_stderr&) = delete;
    quiet_stderr& operator=(const quiet_stderr&) = delete;

private:
    int saved_;
};

/// Runs `call` (a libxlsxwriter call) with stderr silenced; returns its result,
/// and in `errno_value` the errno it left (0 when it set none).
template <typename Call>
auto quietly(Call&& call, int& errno_value) {
    const quiet_stderr quiet;
    errno = 0;
    auto result = call();
    errno_value = errno;
    return result;
}

/// Why libxlsxwriter failed with `status`: the system's reason when it set
/// errno (a full disk), else libxlsxwriter's own.
std::string failure_reason(const char* what, lxw_error status, int errno_value) {
    if (errno_value != 0) return output_error::with_system_reason(what, errno_value);
    std::string reason = lxw_strerror(status);
    if (reason.ends_with('.')) reason.pop_back();
    return std::string(what) + ": " + reason;
}

/// The CSV header a layout's column names make.
std::string joined_names(std::span<const sheet_column> columns) {
    std::string header;
    for (const sheet_column& column : columns) {
        if (!header.empty()) header.push_back(',');
        header.append(column.name);
    }
    return header;
}

} // namespace

header_language parse_header_language(std::string_view text) {
    if (text == "en") return header_language::en;
    if (text == "zh") return header_language::zh;
    throw parameter_error("lang", "expected 'en' or 'zh', not '" + std::string(text) + "'");
}

// ---------------------------------------------------------------- sheet

xlsx_sheet::xlsx_sheet(xlsx_workbook& book, lxw_worksheet* sheet, const sheet_layout& layout)
    : book_(book), sheet_(sheet), layout_(layout), widths_(layout.columns.size()) {
    const bool zh = book.language() == header_language::zh;
    for (std::size_t c = 0; c < layout.columns.size(); ++c) {
        const sheet_column& column = layout.columns[c];
        const std::string name(zh ? column.name_zh : column.name);
        check(worksheet_write_string(sheet_, 0, static_cast<lxw_col_t>(c), name.c_str(),
                                     book.header_format_));
        widths_[c] = display_width(name) + filter_button_characters;
    }
}

void xlsx_sheet::check(int status) const {
    if (status == LXW_NO_ERROR) return;
    const std::string where = "sheet '" + std::string(layout_.name) + "', row " +
                              std::to_string(row_ + 1) + ", column " + std::to_string(column_);
    if (status == LXW_ERROR_MAX_STRING_LENGTH_EXCEEDED)
        book_.fail("a text longer than an Excel cell holds (" +
                   std::to_string(max_cell_characters) + " characters) at " + where);
    book_.fail(
        failure_reason(("cannot write " + where).c_str(), static_cast<lxw_error>(status), 0));
}

std::uint16_t xlsx_sheet::next_cell(cell_kind kind, bool blank) {
    if (column_ >= layout_.columns.size())
        throw std::logic_error("xlsx_sheet: more cells than columns in sheet '" +
                               std::string(layout_.name) + "'");
    const sheet_column& column = layout_.columns[column_];
    if (!blank && column.kind != kind)
        throw std::logic_error("xlsx_sheet: a " + std::string(kind_name(kind)) + " cell in the " +
                               std::string(kind_name(column.kind)) + " column '" +
                               std::string(column.name) + "'");
    if (row_ > max_sheet_rows)
        book_.fail("more rows than an Excel sheet holds (" + std::to_string(max_sheet_rows) +
                   " below the header) in sheet '" + std::string(layout_.name) + "'");
    return column_++;
}

xlsx_sheet& xlsx_sheet::field(std::string_view text) {
    const std::uint16_t column = next_cell(cell_kind::text, text.empty());
    if (text.empty()) return *this;
    const std::string value(text); // libxlsxwriter takes NUL-terminated strings
    check(worksheet_write_string(sheet_, row_, column, value.c_str(), nullptr));
    widths_[column] = std::max(widths_[column], display_width(text));
    return *this;
}

xlsx_sheet& xlsx_sheet::field(std::int64_t value) {
    const std::uint16_t column = next_cell(cell_kind::integer, false);
    check(worksheet_write_number(sheet_, row_, column, static_cast<double>(value), nullptr));
    const std::uint64_t magnitude =
        value < 0 ? 0 - static_cast<std::uint64_t>(value) : static_cast<std::uint64_t>(value);
    widths_[column] = std::max(widths_[column], digit_count(magnitude) + (value < 0 ? 1 : 0));
    return *this;
}

xlsx_sheet& xlsx_sheet::field(std::uint64_t value) {
    const std::uint16_t column = next_cell(cell_kind::integer, false);
    check(worksheet_write_number(sheet_, row_, column, static_cast<double>(value), nullptr));
    widths_[column] = std::max(widths_[column], digit_count(value));
    return *this;
}

xlsx_sheet& xlsx_sheet::time(time_point t, utc_offset tz) {
    const std::uint16_t column = next_cell(cell_kind::time, false);
    const double local_days =
        excel_day_of_epoch + static_cast<double>(t + tz.seconds) / seconds_per_day;
    check(worksheet_write_number(sheet_, row_, column, local_days, book_.time_format_));
    widths_[column] = std::max(widths_[column], time_characters);
    return *this;
}

void xlsx_sheet::end_row() {
    if (column_ != layout_.columns.size())
        throw std::logic_error("xlsx_sheet: a row of " + std::to_string(column_) +
                               " cells in sheet '" + std::string(layout_.name) + "' of " +
                               std::to_string(layout_.columns.size()) + " columns");
    ++row_;
    column_ = 0;
}

void xlsx_sheet::finish() {
    const auto last_column = static_cast<lxw_col_t>(layout_.columns.size() - 1);
    for (std::size_t c = 0; c < widths_.size(); ++c) {
        const std::size_t width = std::clamp(widths_[c] + 1, narrowest_column, widest_column);
        check(worksheet_set_column(sheet_, static_cast<lxw_col_t>(c), static_cast<lxw_col_t>(c),
                                   static_cast<double>(width), nullptr));
    }
    check(worksheet_autofilter(sheet_, 0, 0, row_ - 1, last_column));
    worksheet_freeze_panes(sheet_, 1, 0);
}

// ---------------------------------------------------------------- workbook

xlsx_workbook::xlsx_workbook(std::filesystem::path target, header_language language)
    : file_(std::move(target)), language_(language) {
    lxw_workbook_options options{};
    options.constant_memory = LXW_TRUE;
    int errno_value = 0;
    book_ =
        quietly([&] { return workbook_new_opt(file_.temporary().c_str(), &options); }, errno_value);
    if (!book_)
        fail(output_error::with_system_reason("cannot start an Excel workbook", errno_value));
    header_format_ = workbook_add_format(book_);
    time_format_ = workbook_add_format(book_);
    if (!header_format_ || !time_format_) fail("cannot start an Excel workbook: out of memory");
    format_set_bold(header_format_);
    format_set_num_format(time_format_, time_number_format);
}

xlsx_workbook::~xlsx_workbook() {
    if (book_) lxw_workbook_free(book_); // closed never: nothing was written
}

void xlsx_workbook::fail(const std::string& reason) const {
    throw output_error(target().string(), reason);
}

xlsx_sheet& xlsx_workbook::add_sheet(const sheet_layout& layout) {
    if (!book_) throw std::logic_error("xlsx_workbook: a sheet added after close");
    if (joined_names(layout.columns) != layout.csv_header)
        throw std::logic_error("xlsx_workbook: the columns of sheet '" + std::string(layout.name) +
                               "' are not its CSV header " + std::string(layout.csv_header));
    const std::string name(language_ == header_language::zh ? layout.name_zh : layout.name);
    int errno_value = 0;
    lxw_worksheet* sheet =
        quietly([&] { return workbook_add_worksheet(book_, name.c_str()); }, errno_value);
    if (!sheet) // constant-memory sheets keep their rows in a temporary file
        fail(output_error::with_system_reason("cannot add the sheet '" + name + "'", errno_value));
    sheets_.push_back(std::unique_ptr<xlsx_sheet>(new xlsx_sheet(*this, sheet, layout)));
    return *sheets_.back();
}

void xlsx_workbook::close() {
    if (!book_) return;
    for (const auto& sheet : sheets_)
        sheet->finish();
    int errno_value = 0;
    // workbook_close frees the workbook, also when it fails.
    const lxw_error status =
        quietly([&] { return workbook_close(std::exchange(book_, nullptr)); }, errno_value);
    if (status != LXW_NO_ERROR) fail(failure_reason("cannot write", status, errno_value));
}

void xlsx_workbook::commit() {
    close();
    file_.commit();
}

} // namespace ctrace
