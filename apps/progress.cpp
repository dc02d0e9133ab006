#include "progress.hpp"

#include <filesystem>
#include <iostream>
#include <sstream>
#include <sys/resource.h>
#include <unistd.h>

namespace ctrace::cli {

double process_cpu_seconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    const auto seconds = [](const timeval& t) {
        return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6;
    };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

std::string cpus_busy_text(const std::vector<std::string>& phases,
                           const std::vector<std::pair<double, double>>& marks) {
    std::ostringstream out;
    out.precision(2);
    out << std::fixed;
    for (std::size_t k = 0; k < phases.size() && k + 1 < marks.size(); ++k) {
        const double wall = marks[k + 1].first - marks[k].first;
        const double cpu = marks[k + 1].second - marks[k].second;
        out << (k ? ", " : "") << phases[k] << ' ';
        if (wall < 0.01)
            out << '-';
        else
            out << cpu / wall;
    }
    return out.str();
}

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
