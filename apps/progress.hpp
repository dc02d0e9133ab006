#pragma once
// Timing and progress lines for long work.

#include <chrono>
#include <cstdint>
#include <string>

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
