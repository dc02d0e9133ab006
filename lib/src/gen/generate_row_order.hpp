#pragma once
// The row orders of scans.csv (internal to ctrace): each day's rows by time,
// or all rows of all days shuffled out of core through temporary bucket
// files.

#include "gen/generate_day.hpp"
#include "gen/generate_output.hpp"
#include "gen/generate_random.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <utility>
#include <vector>

namespace ctrace::generation {

/// Sorts a day's records by time with a stable counting sort (times are
/// seconds of the day), so a duplicate row stays next to its original.
/// `counts` is scratch space, kept by the caller from day to day.
void sort_by_time(const std::vector<scan_record>& records, std::vector<scan_record>& sorted,
                  std::vector<std::uint32_t>& counts);

/// An unnamed temporary file in `folder`: O_TMPFILE where the file system
/// has it, else mkstemp and an immediate unlink. Closed by the destructor.
class unnamed_file {
public:
    explicit unnamed_file(const std::filesystem::path& folder);
    ~unnamed_file();
    unnamed_file(unnamed_file&& other) noexcept
        : folder_(std::move(other.folder_)), fd_(std::exchange(other.fd_, -1)) {}
    unnamed_file(const unnamed_file&) = delete;
    unnamed_file& operator=(const unnamed_file&) = delete;
    unnamed_file& operator=(unnamed_file&&) = delete;

    void append(const void* data, std::size_t size);
    void read_at(void* data, std::size_t size, std::uint64_t offset) const;

    /// Closes the file, which frees its space.
    void close() noexcept;

private:
    std::filesystem::path folder_;
    int fd_ = -1;
};

/// An out-of-core uniform shuffle (Rao's method): each row goes to one of B
/// bucket files chosen at random; then each bucket in turn is read back,
/// shuffled by Fisher–Yates and written. Every order of the rows is equally
/// likely, and at most one bucket is in memory.
class row_shuffler {
public:
    /// At most this many buckets (file descriptors); beyond 4 billion rows
    /// buckets grow instead.
    static constexpr std::uint64_t max_buckets = 512;

    /// `bucket_rows`: rows per bucket aimed at, for the expected row count.
    row_shuffler(const std::filesystem::path& folder, std::uint64_t expected_rows,
                 std::uint64_t bucket_rows, std::uint64_t seed);

    void add(const scan_row& row) {
        bucket& b = buckets_[buckets_.size() == 1 ? 0 : scatter_random_.below(buckets_.size())];
        if (b.buffer.capacity() == 0) b.buffer.reserve(buffer_rows_);
        b.buffer.push_back(row);
        if (b.buffer.size() == buffer_rows_) flush(b);
    }

    /// Writes every row, in shuffled order, through `emit`.
    template <typename Emit>
    void drain(Emit emit) {
        std::vector<scan_row> rows;
        for (bucket& b : buckets_) {
            flush(b);
            std::vector<scan_row>().swap(b.buffer);
        }
        for (bucket& b : buckets_) {
            rows.resize(b.rows);
            b.file.read_at(rows.data(), rows.size() * sizeof(scan_row), 0);
            shuffle(rows, shuffle_random_);
            for (const scan_row& row : rows)
                emit(row);
            b.file.close(); // frees its disk space at once
        }
    }

private:
    struct bucket {
        unnamed_file file;
        std::vector<scan_row> buffer;
        std::uint64_t rows;
    };

    void flush(bucket& b);

    random_source scatter_random_;
    random_source shuffle_random_;
    std::size_t buffer_rows_ = 0;
    std::vector<bucket> buckets_;
};

} // namespace ctrace::generation
