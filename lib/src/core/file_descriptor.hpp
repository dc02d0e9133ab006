#pragma once
// An owned POSIX file descriptor (internal to ctrace): the readers, the
// digests, the snapshot checksum and the atomic outputs open files through
// it, so no error path leaks a descriptor and interrupted calls are retried
// in one place.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <sys/types.h>

namespace ctrace::detail {

/// Reads up to `into.size()` bytes of `fd` at `offset`, retrying interrupted
/// reads; fewer only at the end of the file. -1 (errno set) on error.
ssize_t read_at(int fd, std::span<char> into, std::uint64_t offset) noexcept;

class file_descriptor {
public:
    file_descriptor() = default;
    /// Opens `path` with `flags` (O_CLOEXEC is added). `valid()` is false
    /// when that fails, and `open_errno()` says why.
    file_descriptor(const std::filesystem::path& path, int flags, mode_t mode = 0) noexcept;
    file_descriptor(file_descriptor&& other) noexcept;
    file_descriptor& operator=(file_descriptor&& other) noexcept;
    file_descriptor(const file_descriptor&) = delete;
    file_descriptor& operator=(const file_descriptor&) = delete;
    ~file_descriptor() { reset(); }

    bool valid() const noexcept { return fd_ >= 0; }
    int get() const noexcept { return fd_; }
    int open_errno() const noexcept { return open_errno_; }
    void reset() noexcept;

    /// `detail::read_at` on this descriptor.
    ssize_t read_at(std::span<char> into, std::uint64_t offset) const noexcept {
        return detail::read_at(fd_, into, offset);
    }
    /// Writes all of `bytes` at `offset`; false (errno set) on error.
    bool write_all_at(std::span<const char> bytes, std::uint64_t offset) const noexcept;
    /// fsync; 0, or the errno of the failure.
    int sync() const noexcept;

private:
    int fd_ = -1;
    int open_errno_ = 0;
};

/// SHA-256 (hex) of `file`'s bytes from `offset` to its end; throws
/// `io_error` naming `name` on a read error. (Defined with the digests.)
std::string sha256_from(const file_descriptor& file, std::uint64_t offset, const std::string& name);

} // namespace ctrace::detail
