#pragma once
// Timing and progress lines for long work.

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ctrace::cli {

/// Wall-clock seconds since construction.
class stopwatch {
public:
    double seconds() const {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    }

private:
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

/// CPU seconds the process has used so far, every thread's, user and system.
double process_cpu_seconds();

/// "read 1.49, graph 1.80, ...": for each phase, the CPU seconds of all
/// threads over its wall seconds, from `marks` (wall, CPU) at the phases'
/// starts and the last one's end; a phase shorter than 10 ms shows "-".
std::string cpus_busy_text(const std::vector<std::string>& phases,
                           const std::vector<std::pair<double, double>>& marks);

/// "1.23 s".
std::string seconds_text(double seconds);

/// Progress lines on stderr, only when stderr is a terminal (batch logs stay clean).
class progress_reporter {
public:
    progress_reporter(const char* command_name, bool quiet);
    void bytes(const char* what, std::uint64_t done, std::uint64_t total);
    void done();

private:
    const char* command_name_;
    bool enabled_;
    bool dirty_ = false;
};

/// Size of a file in bytes, or 0 when unknown.
std::uint64_t file_size_or_zero(const std::string& path);

} // namespace ctrace::cli
