#include "core/file_descriptor.hpp"

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>
#include <utility>

namespace ctrace::detail {

file_descriptor::file_descriptor(const std::filesystem::path& path, int flags, mode_t mode) noexcept
    : fd_(::open(path.c_str(), flags | O_CLOEXEC, mode)) {
    if (fd_ < 0) open_errno_ = errno;
}

file_descriptor::file_descriptor(file_descriptor&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), open_errno_(other.open_errno_) {}

file_descriptor& file_descriptor::operator=(file_descriptor&& other) noexcept {
    if (this != &other) {
        reset();
        fd_ = std::exchange(other.fd_, -1);
        open_errno_ = other.open_errno_;
    }
    return *this;
}

void file_descriptor::reset() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

ssize_t read_at(int fd, std::span<char> into, std::uint64_t offset) noexcept {
    std::size_t done = 0;
    while (done < into.size()) {
        const ssize_t got =
            ::pread(fd, into.data() + done, into.size() - done, static_cast<off_t>(offset + done));
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) return -1;
        if (got == 0) break;
        done += static_cast<std::size_t>(got);
    }
    return static_cast<ssize_t>(done);
}

bool file_descriptor::write_all_at(std::span<const char> bytes,
                                   std::uint64_t offset) const noexcept {
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t put = ::pwrite(fd_, bytes.data() + done, bytes.size() - done,
                                     static_cast<off_t>(offset + done));
        if (put < 0 && errno == EINTR) continue;
        if (put <= 0) {
            if (put == 0) errno = EIO;
            return false;
        }
        done += static_cast<std::size_t>(put);
    }
    return true;
}

int file_descriptor::sync() const noexcept {
    return ::fsync(fd_) == 0 ? 0 : errno;
}

} // namespace ctrace::detail
