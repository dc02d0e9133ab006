#include "gen/generate_row_order.hpp"

#include "ctrace/core/error.hpp"
#include "gen/generate_units.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <unistd.h>

namespace ctrace::generation {

namespace {

[[noreturn]] void throw_temporary_error(const std::filesystem::path& folder, const char* what,
                                        int error) {
    throw output_error(folder.string(),
                       output_error::with_system_reason(
                           std::string(what) + " a temporary file for the shuffle", error));
}

} // namespace

void sort_by_time(const std::vector<scan_record>& records, std::vector<scan_record>& sorted,
                  std::vector<std::uint32_t>& counts) {
    counts.assign(seconds_per_day + 1, 0);
    for (const scan_record& r : records)
        ++counts[static_cast<std::size_t>(r.time) + 1];
    for (std::size_t i = 1; i < counts.size(); ++i)
        counts[i] += counts[i - 1];
    // A day with more rows than the last: the old buffer goes first, so that
    // the two never take memory together.
    if (sorted.capacity() < records.size()) std::vector<scan_record>().swap(sorted);
    sorted.resize(records.size());
    for (const scan_record& r : records)
        sorted[counts[static_cast<std::size_t>(r.time)]++] = r;
}

unnamed_file::unnamed_file(const std::filesystem::path& folder) : folder_(folder) {
    const std::string where = folder.empty() ? std::string(".") : folder.string();
#ifdef O_TMPFILE
    fd_ = ::open(where.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd_ >= 0) return;
#endif
    std::string pattern = where + "/.scans.csv.tmp-XXXXXX";
    fd_ = ::mkostemp(pattern.data(), O_CLOEXEC);
    if (fd_ < 0) throw_temporary_error(folder_, "cannot create", errno);
    ::unlink(pattern.c_str());
}

unnamed_file::~unnamed_file() {
    close();
}

void unnamed_file::append(const void* data, std::size_t size) {
    const char* p = static_cast<const char*>(data);
    while (size > 0) {
        const ssize_t n = ::write(fd_, p, size);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_temporary_error(folder_, "cannot write", errno);
        }
        p += n;
        size -= static_cast<std::size_t>(n);
    }
}

void unnamed_file::read_at(void* data, std::size_t size, std::uint64_t offset) const {
    char* p = static_cast<char*>(data);
    while (size > 0) {
        const ssize_t n = ::pread(fd_, p, size, static_cast<off_t>(offset));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw_temporary_error(folder_, "cannot read", n < 0 ? errno : EIO);
        p += n;
        size -= static_cast<std::size_t>(n);
        offset += static_cast<std::uint64_t>(n);
    }
}

void unnamed_file::close() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

row_shuffler::row_shuffler(const std::filesystem::path& folder, std::uint64_t expected_rows,
                           std::uint64_t bucket_rows, std::uint64_t seed)
    : scatter_random_(seed, 7), shuffle_random_(seed, 8) {
    const std::uint64_t count = std::clamp<std::uint64_t>(
        expected_rows / bucket_rows + (expected_rows % bucket_rows != 0), 1, max_buckets);
    // Write buffers of 1 MiB each, less with many buckets: 64 MiB in all at most.
    buffer_rows_ = std::clamp<std::size_t>((std::size_t{64} << 20) / count / sizeof(scan_row),
                                           (std::size_t{64} << 10) / sizeof(scan_row),
                                           (std::size_t{1} << 20) / sizeof(scan_row));
    buckets_.reserve(count);
    for (std::uint64_t b = 0; b < count; ++b)
        buckets_.push_back(bucket{unnamed_file(folder), {}, 0});
}

void row_shuffler::flush(bucket& b) {
    b.file.append(b.buffer.data(), b.buffer.size() * sizeof(scan_row));
    b.rows += b.buffer.size();
    b.buffer.clear();
}

} // namespace ctrace::generation
