#pragma once
// The JSON lines of --log files (for job schedulers and log collectors).

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace ctrace::cli {

/// One JSON object on one line, built field by field in order (nlohmann-json).
class json_line {
public:
    json_line();
    ~json_line();
    json_line& add(std::string_view key, std::string_view value);
    json_line& add(std::string_view key, std::int64_t value);
    json_line& add(std::string_view key, std::uint64_t value);
    /// Rounded to milliseconds (the values are seconds).
    json_line& add(std::string_view key, double value);
    /// The object with a final newline. Invalid UTF-8 in values is replaced
    /// by U+FFFD rather than failing the job log.
    std::string finish() const;

private:
    struct fields;
    std::unique_ptr<fields> fields_;
};

/// Appends `line` to `path` in one write (O_APPEND), so lines of concurrent
/// jobs never interleave. Throws `output_error` naming the file.
void append_line(const std::string& path, const std::string& line);

} // namespace ctrace::cli
