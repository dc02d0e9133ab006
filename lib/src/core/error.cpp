#include "ctrace/core/error.hpp"

#include <cstring>

namespace ctrace {

namespace {
std::string summary(const std::string& file, std::uint64_t total) {
    return file + ": " + std::to_string(total) + (total == 1 ? " bad row" : " bad rows");
}
} // namespace

bad_rows_error::bad_rows_error(std::string file, std::vector<bad_row> rows, std::uint64_t total)
    : input_error(summary(file, total)), file_(std::move(file)), rows_(std::move(rows)),
      total_(total) {
    if (rows_.size() > max_kept_rows) rows_.resize(max_kept_rows);
}

std::string bad_rows_error::report() const {
    std::string out;
    for (const bad_row& row : rows_)
        out += file_ + ":" + std::to_string(row.line) + ": " + row.reason + "\n";
    if (total_ > rows_.size())
        out += file_ + ": " + std::to_string(total_ - rows_.size()) + " more bad rows (" +
               std::to_string(total_) + " in all)\n";
    return out;
}

output_error::output_error(std::string target, std::string reason)
    : error(target + ": " + reason), target_(std::move(target)), reason_(std::move(reason)) {}

std::string output_error::with_system_reason(std::string reason, int errno_value) {
    if (errno_value != 0) reason += std::string(": ") + std::strerror(errno_value);
    return reason;
}

} // namespace ctrace
