#include "progress.hpp"

#include <filesystem>
#include <iostream>
#include <sstream>
#include <unistd.h>

namespace ctrace::cli {

std::string seconds_text(double seconds) {
    std::ostringstream out;
    out.precision(2);
    out << std::fixed << seconds << " s";
    return out.str();
}

progress_reporter::progress_reporter(const char* command_name, bool quiet)
    : command_name_(command_name), enabled_(!quiet && ::isatty(STDERR_FILENO) == 1) {}

void progress_reporter::bytes(const char* what, std::uint64_t done, std::uint64_t total) {
    if (!enabled_) return;
    std::cerr << "\rctrace " << command_name_ << ": " << what << ' ' << (done >> 20) << " MiB";
    if (total > 0) std::cerr << " of " << (total >> 20) << " MiB (" << done * 100 / total << "%)";
    std::cerr << "   " << std::flush;
    dirty_ = true;
}

void progress_reporter::done() {
    if (dirty_) std::cerr << "\r\033[K" << std::flush;
    dirty_ = false;
}

std::uint64_t file_size_or_zero(const std::string& path) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    return ec ? 0 : size;
}

} // namespace ctrace::cli
