#pragma once
// A small checked RAII layer over the HDF5 C library (internal to ctrace).
//
// Every call's result is checked; a failure throws `h5::error` whose message
// names the file, what was being done, and the innermost messages of HDF5's
// error stack. Handles close themselves. The snapshot code turns these errors
// into `snapshot_error` (reading) or `output_error` (writing).

#include "ctrace/core/error.hpp"

#include <cstdint>
#include <hdf5.h>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ctrace::h5 {

/// A failed HDF5 call, or a file whose layout is not what was asked for.
/// `what()` starts with the file's name.
class error : public ctrace::error {
public:
    /// `system_errno`: the errno left by the failing call (0 when none): a
    /// write that failed for a full disk says so through it.
    explicit error(const std::string& message, int system_errno = 0)
        : ctrace::error(message), system_errno_(system_errno) {}
    int system_errno() const noexcept { return system_errno_; }

private:
    int system_errno_;
};

/// An owned HDF5 identifier, closed with the matching H5?close function.
class handle {
public:
    using closer = herr_t (*)(hid_t);
    handle() = default;
    handle(hid_t id, closer close) : id_(id), close_(close) {}
    handle(handle&& other) noexcept : id_(other.id_), close_(other.close_) {
        other.id_ = H5I_INVALID_HID;
    }
    handle& operator=(handle&& other) noexcept;
    handle(const handle&) = delete;
    handle& operator=(const handle&) = delete;
    ~handle() { reset(); }

    hid_t get() const noexcept { return id_; }
    void reset() noexcept;
    /// Closes now, reporting failure (a close can flush data).
    void close(const std::string& file, std::string_view what);

private:
    hid_t id_ = H5I_INVALID_HID;
    closer close_ = nullptr;
};

/// Throws `h5::error` for `file` when `status` is negative.
void check(herr_t status, const std::string& file, std::string_view what);
hid_t check_id(hid_t id, const std::string& file, std::string_view what);

/// The HDF5 memory type of a C++ column type.
template <typename T>
hid_t native_type();

/// A file or group location with the file's name kept for messages.
class location {
public:
    location(handle h, std::string file) : handle_(std::move(h)), file_(std::move(file)) {}
    hid_t id() const noexcept { return handle_.get(); }
    const std::string& file() const noexcept { return file_; }
    handle& raw() noexcept { return handle_; }

    location create_group(std::string_view name) const;
    location open_group(std::string_view name) const;
    bool exists(std::string_view path) const;

    /// A 1-D column, chunked and compressed (shuffle + deflate).
    template <typename T>
    void write_column(std::string_view name, std::span<const T> values) const;
    /// A 1-D column stored contiguously and unfiltered, in the byte order of
    /// this machine's native type (little-endian), so that its bytes can be
    /// read in place at `dataset_offset` (indexed reads, snapshot_index.hpp).
    template <typename T>
    void write_contiguous_column(std::string_view name, std::span<const T> values) const;
    /// The byte offset, from the start of the file (user block included), of
    /// a contiguous dataset's data; 0 when it has no data (empty).
    std::uint64_t dataset_offset(std::string_view name) const;
    /// A 1-D column of variable-length UTF-8 strings; `at(i)` gives string i.
    template <typename Accessor>
    void write_strings(std::string_view name, std::size_t count, Accessor at) const;

    /// Reads a whole 1-D column, converting to T; throws when it is missing,
    /// not 1-D, or of a class T cannot hold.
    template <typename T>
    std::vector<T> read_column(std::string_view name) const;
    /// Reads a 1-D string column block by block, calling `sink(string_view)`.
    template <typename Sink>
    void read_strings(std::string_view name, Sink sink) const;
    /// Length of a 1-D dataset.
    std::uint64_t column_length(std::string_view name) const;

    void set_attribute(std::string_view name, std::int64_t value) const;
    void set_attribute(std::string_view name, double value) const;
    void set_attribute(std::string_view name, std::string_view value) const;
    void set_attribute(std::string_view name, std::span<const std::int64_t> values) const;
    void set_attribute(std::string_view name, std::span<const std::string> values) const;

    bool has_attribute(std::string_view name) const;
    std::int64_t int_attribute(std::string_view name) const;
    std::string string_attribute(std::string_view name) const;
    std::vector<std::int64_t> int_array_attribute(std::string_view name) const;
    std::vector<std::string> string_array_attribute(std::string_view name) const;

private:
    void write_raw(std::string_view name, hid_t file_type, hid_t memory_type, std::size_t count,
                   const void* data, bool contiguous = false) const;
    handle open_dataset(std::string_view name) const;
    /// Reads a column whose chunks ctrace can unfilter itself (shuffle +
    /// deflate, stored type = memory type) on every core; false (nothing
    /// read) for any other layout, which HDF5 then reads.
    bool read_chunks_here(hid_t dataset, std::string_view name, void* out,
                          std::size_t element_bytes, std::size_t count) const;
    void write_string_block(std::string_view name, std::size_t count,
                            const std::vector<const char*>& pointers, std::size_t offset,
                            std::size_t total) const;

    friend location create_file(const std::string&, const std::string&, std::size_t);
    friend void close_file(location&);

    /// The in-memory driver's buffer, kept by its callbacks so that
    /// `close_file` writes it out without a copy (declared before the file's
    /// handle: it outlives the file).
    std::shared_ptr<struct image_buffer> image_;
    handle handle_;
    std::string file_;
    /// Set for a file built in memory: where `close_file` writes its image.
    std::string image_path_;
    std::size_t image_offset_ = 0; ///< the user block, which the image leaves out
};

/// Creates (truncates) an HDF5 file, reserving `userblock_bytes` (0, or a
/// power of two >= 512) at its start that HDF5 leaves alone. A path under
/// /proc/self/fd (an unnamed temporary file) is built in memory and written
/// out by `close_file`: HDF5 1.10 insists on resolving symbolic links, and an
/// unnamed file has no real path. So is a target that is a device or a FIFO.
location create_file(const std::string& path, const std::string& name_for_messages,
                     std::size_t userblock_bytes = 0);
/// Opens an HDF5 file read-only; throws `h5::error` when the file is
/// missing, unreadable or not HDF5.
location open_file(const std::string& path);
/// Closes the file, flushing everything; throws on failure.
void close_file(location& file);

/// Variable-length UTF-8 string type.
handle string_type();

/// Memory for the variable-length strings HDF5 reads: handed out from large
/// blocks and freed all at once by `clear` (HDF5's own frees do nothing).
class string_arena {
public:
    string_arena() = default;
    string_arena(const string_arena&) = delete;
    string_arena& operator=(const string_arena&) = delete;
    /// A dataset transfer property list that makes HDF5 allocate here.
    handle transfer_list(const std::string& file, std::string_view what);
    void clear() noexcept;

private:
    static void* allocate(std::size_t bytes, void* arena);
    static void release(void*, void*) {}
    std::vector<std::unique_ptr<char[]>> blocks_;
    std::size_t used_ = 0;     ///< in the last block
    std::size_t capacity_ = 0; ///< of the last block
};

// --- templates -------------------------------------------------------------

template <typename Accessor>
void location::write_strings(std::string_view name, std::size_t count, Accessor at) const {
    // HDF5 wants NUL-terminated strings: copy a block at a time into one buffer.
    constexpr std::size_t block = 1 << 20;
    std::vector<char> bytes;
    std::vector<const char*> pointers;
    std::vector<std::size_t> offsets;
    std::size_t written = 0;
    do {
        const std::size_t n = std::min(block, count - written);
        bytes.clear();
        offsets.clear();
        for (std::size_t i = 0; i < n; ++i) {
            const std::string_view s = at(written + i);
            offsets.push_back(bytes.size());
            bytes.insert(bytes.end(), s.begin(), s.end());
            bytes.push_back('\0');
        }
        pointers.resize(n);
        for (std::size_t i = 0; i < n; ++i)
            pointers[i] = bytes.data() + offsets[i];
        write_string_block(name, n, pointers, written, count);
        written += n;
    } while (written < count);
}

template <typename Sink>
void location::read_strings(std::string_view name, Sink sink) const {
    handle dataset = open_dataset(name);
    const std::string what = "reading strings '" + std::string(name) + "'";
    handle space(check_id(H5Dget_space(dataset.get()), file_, what), H5Sclose);
    if (H5Sget_simple_extent_ndims(space.get()) != 1)
        throw error(file_ + ": '" + std::string(name) + "' is not a 1-D dataset");
    hsize_t total = 0;
    check(H5Sget_simple_extent_dims(space.get(), &total, nullptr), file_, what);
    handle stored_type(check_id(H5Dget_type(dataset.get()), file_, what), H5Tclose);
    if (H5Tget_class(stored_type.get()) != H5T_STRING || H5Tis_variable_str(stored_type.get()) <= 0)
        throw error(file_ + ": '" + std::string(name) +
                    "' is not a variable-length string dataset");
    handle memory_type = string_type();
    // HDF5 allocates every string it reads; a bump allocator over one arena
    // per block replaces a million malloc/free pairs.
    string_arena arena;
    handle transfer = arena.transfer_list(file_, what);
    constexpr hsize_t block = 1 << 20;
    std::vector<char*> pointers;
    for (hsize_t start = 0; start < total; start += block) {
        const hsize_t n = std::min<hsize_t>(block, total - start);
        pointers.assign(n, nullptr);
        arena.clear();
        check(H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, &start, nullptr, &n, nullptr), file_,
              what);
        handle memory_space(check_id(H5Screate_simple(1, &n, nullptr), file_, what), H5Sclose);
        check(H5Dread(dataset.get(), memory_type.get(), memory_space.get(), space.get(),
                      transfer.get(), pointers.data()),
              file_, what);
        for (const char* p : pointers)
            sink(std::string_view(p == nullptr ? "" : p));
    }
}

} // namespace ctrace::h5
