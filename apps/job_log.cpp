#include "job_log.hpp"

#include "ctrace/core/error.hpp"

#include <cerrno>
#include <cmath>
#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

namespace ctrace::cli {

struct json_line::fields {
    nlohmann::ordered_json object = nlohmann::ordered_json::object();
};

json_line::json_line() : fields_(std::make_unique<fields>()) {}
json_line::~json_line() = default;

json_line& json_line::add(std::string_view key, std::string_view value) {
    fields_->object[std::string(key)] = std::string(value);
    return *this;
}

json_line& json_line::add(std::string_view key, std::int64_t value) {
    fields_->object[std::string(key)] = value;
    return *this;
}

json_line& json_line::add(std::string_view key, std::uint64_t value) {
    fields_->object[std::string(key)] = value;
    return *this;
}

json_line& json_line::add(std::string_view key, double value) {
    fields_->object[std::string(key)] = std::round(value * 1000) / 1000;
    return *this;
}

std::string json_line::finish() const {
    return fields_->object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

void append_line(const std::string& path, const std::string& line) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0)
        throw output_error(path, output_error::with_system_reason("cannot open the log", errno));
    const ssize_t written = ::write(fd, line.data(), line.size());
    const int write_errno = errno;
    ::close(fd);
    if (written != static_cast<ssize_t>(line.size()))
        throw output_error(
            path, output_error::with_system_reason("cannot append to the log", write_errno));
}

} // namespace ctrace::cli
