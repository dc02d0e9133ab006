#include "storage/h5.hpp"

#include "core/radix_sort.hpp"
#include "storage/chunk_codec.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>

namespace ctrace::h5 {

namespace {

/// HDF5 prints its error stack to stderr by default; ctrace reports errors
/// itself, once, as exceptions.
void silence_automatic_error_printing() {
    static std::once_flag once;
    std::call_once(once, [] { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); });
}

herr_t collect_error(unsigned depth, const H5E_error2_t* entry, void* out) {
    auto& text = *static_cast<std::string*>(out);
    // The innermost two entries say what actually failed.
    if (depth < 2 && entry->desc != nullptr && entry->desc[0] != '\0') {
        if (!text.empty()) text += "; ";
        // Some HDF5 messages carry newlines (and timestamps); keep one line.
        std::string desc(entry->desc);
        for (char& c : desc)
            if (c == '\n' || c == '\r') c = ' ';
        while (!desc.empty() && desc.back() == ' ')
            desc.pop_back();
        text += desc;
    }
    return 0;
}

std::string error_stack_text() {
    std::string text;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, collect_error, &text);
    H5Eclear2(H5E_DEFAULT);
    return text;
}

[[noreturn]] void fail(const std::string& file, std::string_view what) {
    const int system_errno = errno;
    const std::string stack = error_stack_text();
    std::string message = file + ": " + std::string(what) + " failed";
    if (!stack.empty()) message += " (" + stack + ")";
    throw error(message, system_errno);
}

/// Chunk length for a column of `count` elements of `element_bytes` each:
/// about 1 MiB, never more than the column.
hsize_t chunk_length(std::size_t count, std::size_t element_bytes) {
    const std::size_t target = (std::size_t{1} << 20) / element_bytes;
    return static_cast<hsize_t>(std::max<std::size_t>(1, std::min(count, target)));
}

/// zlib level of the deflate filter HDF5 runs (string datasets). Numeric
/// columns are deflated by ctrace itself with libdeflate at
/// `fast_deflate_level`: on a 12-million-scan city level 1 wrote the stays in
/// half the time of level 3 for a file 0.2% larger (shuffled sorted columns
/// compress well at any level).
constexpr unsigned deflate_level = 4;
constexpr int fast_deflate_level = 1;

/// True when a dataset's chunks can be filtered by ctrace itself: 1-D,
/// chunked, with exactly the shuffle and deflate filters in that order.
bool filtered_as_ctrace_writes(hid_t creation) {
    if (H5Pget_layout(creation) != H5D_CHUNKED || H5Pget_nfilters(creation) != 2) return false;
    auto filter = [&](unsigned index) {
        unsigned flags = 0, config = 0;
        unsigned values[8];
        std::size_t value_count = 8;
        char name[64];
        return H5Pget_filter2(creation, index, &flags, &value_count, values, sizeof name, name,
                              &config);
    };
    return filter(0) == H5Z_FILTER_SHUFFLE && filter(1) == H5Z_FILTER_DEFLATE;
}

handle dataset_creation(std::size_t count, std::size_t element_bytes, const std::string& file,
                        std::string_view what) {
    handle plist(check_id(H5Pcreate(H5P_DATASET_CREATE), file, what), H5Pclose);
    if (count > 0) {
        const hsize_t chunk = chunk_length(count, element_bytes);
        check(H5Pset_chunk(plist.get(), 1, &chunk), file, what);
        check(H5Pset_shuffle(plist.get()), file, what);
        check(H5Pset_deflate(plist.get(), deflate_level), file, what);
    }
    return plist;
}

template <typename T>
hid_t file_type();
template <>
hid_t file_type<std::uint8_t>() {
    return H5T_STD_U8LE;
}
template <>
hid_t file_type<std::uint32_t>() {
    return H5T_STD_U32LE;
}
template <>
hid_t file_type<std::uint64_t>() {
    return H5T_STD_U64LE;
}
template <>
hid_t file_type<std::int32_t>() {
    return H5T_STD_I32LE;
}
template <>
hid_t file_type<std::int64_t>() {
    return H5T_STD_I64LE;
}
template <>
hid_t file_type<double>() {
    return H5T_IEEE_F64LE;
}

} // namespace

template <>
hid_t native_type<std::uint8_t>() {
    return H5T_NATIVE_UINT8;
}
template <>
hid_t native_type<std::uint32_t>() {
    return H5T_NATIVE_UINT32;
}
template <>
hid_t native_type<std::uint64_t>() {
    return H5T_NATIVE_UINT64;
}
template <>
hid_t native_type<std::int32_t>() {
    return H5T_NATIVE_INT32;
}
template <>
hid_t native_type<std::int64_t>() {
    return H5T_NATIVE_INT64;
}
template <>
hid_t native_type<double>() {
    return H5T_NATIVE_DOUBLE;
}

handle& handle::operator=(handle&& other) noexcept {
    if (this != &other) {
        reset();
        id_ = other.id_;
        close_ = other.close_;
        other.id_ = H5I_INVALID_HID;
    }
    return *this;
}

void handle::reset() noexcept {
    if (id_ >= 0 && close_ != nullptr) close_(id_);
    id_ = H5I_INVALID_HID;
}

void handle::close(const std::string& file, std::string_view what) {
    if (id_ < 0) return;
    const hid_t id = id_;
    id_ = H5I_INVALID_HID;
    check(close_(id), file, what);
}

void check(herr_t status, const std::string& file, std::string_view what) {
    if (status < 0) fail(file, what);
}

hid_t check_id(hid_t id, const std::string& file, std::string_view what) {
    if (id < 0) fail(file, what);
    return id;
}

handle string_type() {
    handle type(H5Tcopy(H5T_C_S1), H5Tclose);
    if (type.get() < 0 || H5Tset_size(type.get(), H5T_VARIABLE) < 0 ||
        H5Tset_cset(type.get(), H5T_CSET_UTF8) < 0)
        throw error("HDF5: cannot make the string type");
    return type;
}

handle string_arena::transfer_list(const std::string& file, std::string_view what) {
    handle list(check_id(H5Pcreate(H5P_DATASET_XFER), file, what), H5Pclose);
    check(H5Pset_vlen_mem_manager(list.get(), allocate, this, release, nullptr), file, what);
    return list;
}

void string_arena::clear() noexcept {
    if (blocks_.size() > 1) {
        // Keep the largest (last) block for the next round.
        blocks_.erase(blocks_.begin(), blocks_.end() - 1);
    }
    used_ = 0;
}

void* string_arena::allocate(std::size_t bytes, void* self) {
    auto& arena = *static_cast<string_arena*>(self);
    bytes = (bytes + 15) / 16 * 16;
    if (arena.blocks_.empty() || arena.used_ + bytes > arena.capacity_) {
        const std::size_t size = std::max<std::size_t>(bytes, std::size_t{16} << 20);
        arena.blocks_.push_back(std::unique_ptr<char[]>(new (std::nothrow) char[size]));
        if (!arena.blocks_.back()) return nullptr;
        arena.used_ = 0;
        arena.capacity_ = size;
    }
    void* at = arena.blocks_.back().get() + arena.used_;
    arena.used_ += bytes;
    return at;
}

/// The buffer of HDF5's in-memory driver, allocated through callbacks so
/// that ctrace can write the finished image from it: `H5Fget_file_image`
/// would copy it, and a snapshot's image is hundreds of megabytes.
struct image_buffer {
    void* data = nullptr;
};

namespace {

void* image_malloc(std::size_t size, H5FD_file_image_op_t, void* udata) {
    auto* image = static_cast<image_buffer*>(udata);
    image->data = std::malloc(size);
    return image->data;
}
void* image_memcpy(void* dest, const void* src, std::size_t size, H5FD_file_image_op_t, void*) {
    return std::memcpy(dest, src, size);
}
void* image_realloc(void* ptr, std::size_t size, H5FD_file_image_op_t, void* udata) {
    auto* image = static_cast<image_buffer*>(udata);
    void* grown = std::realloc(ptr, size);
    if (grown != nullptr) image->data = grown;
    return grown;
}
herr_t image_free(void* ptr, H5FD_file_image_op_t, void* udata) {
    auto* image = static_cast<image_buffer*>(udata);
    if (ptr == image->data) image->data = nullptr;
    std::free(ptr);
    return 0;
}
// The buffer record belongs to the `location`; copies of the access list
// share it.
void* image_udata_copy(void* udata) {
    return udata;
}
herr_t image_udata_free(void*) {
    return 0;
}

} // namespace

location create_file(const std::string& path, const std::string& name_for_messages,
                     std::size_t userblock_bytes) {
    silence_automatic_error_printing();
    handle creation(check_id(H5Pcreate(H5P_FILE_CREATE), name_for_messages, "creating the file"),
                    H5Pclose);
    if (userblock_bytes > 0)
        check(H5Pset_userblock(creation.get(), userblock_bytes), name_for_messages,
              "reserving the user block");
    // A device or FIFO as the target (/dev/stdout, /dev/full) is written as
    // a finished image too: HDF5 leaks when its own writes there fail.
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    const bool in_memory =
        path.starts_with("/proc/self/fd/") ||
        (!ec && std::filesystem::exists(status) && !std::filesystem::is_regular_file(status));
    handle access(check_id(H5Pcreate(H5P_FILE_ACCESS), name_for_messages, "creating the file"),
                  H5Pclose);
    std::shared_ptr<image_buffer> image;
    if (in_memory) {
        check(H5Pset_fapl_core(access.get(), std::size_t{64} << 20, false), name_for_messages,
              "choosing the in-memory driver");
        image = std::make_shared<image_buffer>();
        H5FD_file_image_callbacks_t callbacks{image_malloc, image_memcpy,     image_realloc,
                                              image_free,   image_udata_copy, image_udata_free,
                                              image.get()};
        check(H5Pset_file_image_callbacks(access.get(), &callbacks), name_for_messages,
              "choosing the in-memory driver");
    }
    // Every object at a multiple of 8 bytes (after the user block, itself a
    // power of two): the contiguous columns are then read in place as arrays.
    check(H5Pset_alignment(access.get(), 1, 8), name_for_messages, "setting the alignment");
    handle file(check_id(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, creation.get(), access.get()),
                         name_for_messages, "creating the HDF5 file"),
                H5Fclose);
    location created{std::move(file), name_for_messages};
    created.image_ = std::move(image);
    if (in_memory) {
        created.image_path_ = path;
        created.image_offset_ = userblock_bytes;
    }
    return created;
}

location open_file(const std::string& path) {
    silence_automatic_error_printing();
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) throw error(path + ": no such file");
    const htri_t is_hdf5 = H5Fis_hdf5(path.c_str());
    if (is_hdf5 == 0) throw error(path + ": not an HDF5 file");
    if (is_hdf5 < 0) fail(path, "opening the file");
    handle file(
        check_id(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), path, "opening the HDF5 file"),
        H5Fclose);
    return {std::move(file), path};
}

void close_file(location& file) {
    if (!file.image_path_.empty()) {
        check(H5Fflush(file.id(), H5F_SCOPE_GLOBAL), file.file(), "flushing the file");
        const ssize_t size = H5Fget_file_image(file.id(), nullptr, 0);
        if (size < 0) fail(file.file(), "measuring the file image");
        // Written from the driver's own buffer while the file is open (its
        // image is complete after the flush), else from a copy.
        // The driver's buffer holds the user block's place too (addresses
        // in it are absolute); HDF5 never writes there.
        std::vector<char> copy;
        const char* image = file.image_ && file.image_->data != nullptr
                                ? static_cast<const char*>(file.image_->data) + file.image_offset_
                                : nullptr;
        if (image == nullptr && size > 0) {
            copy.resize(static_cast<std::size_t>(size));
            if (H5Fget_file_image(file.id(), copy.data(), copy.size()) != size)
                fail(file.file(), "copying the file image");
            image = copy.data();
        }
        std::ofstream out(file.image_path_, std::ios::binary | std::ios::trunc);
        const std::string user_block(file.image_offset_, '\0');
        out.write(user_block.data(), static_cast<std::streamsize>(user_block.size()));
        out.write(image, size);
        out.flush();
        if (!out) throw error(file.file() + ": cannot write the file", errno);
        file.raw().close(file.file(), "closing the HDF5 file");
        return;
    }
    file.raw().close(file.file(), "closing the HDF5 file");
}

location location::create_group(std::string_view name) const {
    const std::string n(name);
    handle group(check_id(H5Gcreate2(id(), n.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), file_,
                          "creating group '" + n + "'"),
                 H5Gclose);
    return {std::move(group), file_};
}

location location::open_group(std::string_view name) const {
    const std::string n(name);
    if (!exists(n)) throw error(file_ + ": missing group '" + n + "'");
    handle group(
        check_id(H5Gopen2(id(), n.c_str(), H5P_DEFAULT), file_, "opening group '" + n + "'"),
        H5Gclose);
    return {std::move(group), file_};
}

bool location::exists(std::string_view path) const {
    // H5Lexists needs each parent to exist: walk the path.
    std::string prefix;
    std::size_t start = 0;
    while (start <= path.size()) {
        const std::size_t slash = path.find('/', start);
        const std::size_t end = slash == std::string_view::npos ? path.size() : slash;
        if (!prefix.empty()) prefix += '/';
        prefix += path.substr(start, end - start);
        const htri_t here = H5Lexists(id(), prefix.c_str(), H5P_DEFAULT);
        if (here <= 0) {
            H5Eclear2(H5E_DEFAULT);
            return false;
        }
        if (slash == std::string_view::npos) break;
        start = slash + 1;
    }
    return true;
}

void location::write_raw(std::string_view name, hid_t type_in_file, hid_t memory_type,
                         std::size_t count, const void* data, bool contiguous) const {
    const std::string n(name);
    const std::string what = "writing '" + n + "'";
    const hsize_t dims = count;
    handle space(check_id(H5Screate_simple(1, &dims, nullptr), file_, what), H5Sclose);
    handle plist = contiguous
                       ? handle(check_id(H5Pcreate(H5P_DATASET_CREATE), file_, what), H5Pclose)
                       : dataset_creation(count, H5Tget_size(type_in_file), file_, what);
    if (contiguous) {
        // Allocated at creation, so that even a column written later has its
        // place (and offset) now.
        check(H5Pset_layout(plist.get(), H5D_CONTIGUOUS), file_, what);
        check(H5Pset_alloc_time(plist.get(), H5D_ALLOC_TIME_EARLY), file_, what);
    }
    handle dataset(check_id(H5Dcreate2(id(), n.c_str(), type_in_file, space.get(), H5P_DEFAULT,
                                       plist.get(), H5P_DEFAULT),
                            file_, what),
                   H5Dclose);
    if (contiguous && count > 0) {
        check(H5Dwrite(dataset.get(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), file_,
              what);
    } else if (count > 0 && H5Tequal(type_in_file, memory_type) > 0) {
        // Filtered here on every core, written as finished chunks.
        const std::size_t element_bytes = H5Tget_size(type_in_file);
        const auto chunk = static_cast<std::size_t>(chunk_length(count, element_bytes));
        const std::vector<std::vector<std::uint8_t>> chunks =
            detail::filter_chunks(data, count, element_bytes, chunk, fast_deflate_level);
        for (std::size_t k = 0; k < chunks.size(); ++k) {
            if (chunks[k].empty()) throw error(file_ + ": " + what + ": out of memory");
            const hsize_t offset = k * chunk;
            check(H5Dwrite_chunk(dataset.get(), H5P_DEFAULT, 0, &offset, chunks[k].size(),
                                 chunks[k].data()),
                  file_, what);
        }
    } else if (count > 0) {
        check(H5Dwrite(dataset.get(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), file_,
              what);
    }
    dataset.close(file_, what);
}

template <typename T>
void location::write_column(std::string_view name, std::span<const T> values) const {
    write_raw(name, file_type<T>(), native_type<T>(), values.size(), values.data());
}

template <typename T>
void location::write_contiguous_column(std::string_view name, std::span<const T> values) const {
    write_raw(name, file_type<T>(), native_type<T>(), values.size(), values.data(), true);
}

template void location::write_contiguous_column<std::uint8_t>(std::string_view,
                                                              std::span<const std::uint8_t>) const;
template void
    location::write_contiguous_column<std::uint32_t>(std::string_view,
                                                     std::span<const std::uint32_t>) const;
template void
    location::write_contiguous_column<std::uint64_t>(std::string_view,
                                                     std::span<const std::uint64_t>) const;
template void location::write_contiguous_column<std::int64_t>(std::string_view,
                                                              std::span<const std::int64_t>) const;

std::uint64_t location::dataset_offset(std::string_view name) const {
    handle dataset = open_dataset(name);
    const haddr_t offset = H5Dget_offset(dataset.get());
    H5Eclear2(H5E_DEFAULT); // an empty dataset has no offset: not an error
    if (offset == HADDR_UNDEF) return 0;
    // Absolute: HDF5 adds the user block (also for an image built in memory,
    // which `close_file` writes after a user block of that size).
    return static_cast<std::uint64_t>(offset);
}

template void location::write_column<std::uint8_t>(std::string_view,
                                                   std::span<const std::uint8_t>) const;
template void location::write_column<std::uint32_t>(std::string_view,
                                                    std::span<const std::uint32_t>) const;
template void location::write_column<std::int32_t>(std::string_view,
                                                   std::span<const std::int32_t>) const;
template void location::write_column<std::int64_t>(std::string_view,
                                                   std::span<const std::int64_t>) const;
template void location::write_column<double>(std::string_view, std::span<const double>) const;

void location::write_string_block(std::string_view name, std::size_t count,
                                  const std::vector<const char*>& pointers, std::size_t offset,
                                  std::size_t total) const {
    const std::string n(name);
    const std::string what = "writing strings '" + n + "'";
    handle type = string_type();
    handle dataset;
    if (offset == 0) {
        const hsize_t dims = total;
        handle space(check_id(H5Screate_simple(1, &dims, nullptr), file_, what), H5Sclose);
        handle plist = dataset_creation(total, 64, file_, what);
        dataset = handle(check_id(H5Dcreate2(id(), n.c_str(), type.get(), space.get(), H5P_DEFAULT,
                                             plist.get(), H5P_DEFAULT),
                                  file_, what),
                         H5Dclose);
    } else {
        dataset = open_dataset(name);
    }
    if (count > 0) {
        handle space(check_id(H5Dget_space(dataset.get()), file_, what), H5Sclose);
        const hsize_t start = offset, n_rows = count;
        check(H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, &start, nullptr, &n_rows, nullptr),
              file_, what);
        handle memory_space(check_id(H5Screate_simple(1, &n_rows, nullptr), file_, what), H5Sclose);
        check(H5Dwrite(dataset.get(), type.get(), memory_space.get(), space.get(), H5P_DEFAULT,
                       pointers.data()),
              file_, what);
    }
    dataset.close(file_, what);
}

handle location::open_dataset(std::string_view name) const {
    const std::string n(name);
    if (!exists(n)) throw error(file_ + ": missing dataset '" + n + "'");
    return handle(check_id(H5Dopen2(id(), n.c_str(), H5P_DEFAULT), file_, "opening '" + n + "'"),
                  H5Dclose);
}

std::uint64_t location::column_length(std::string_view name) const {
    handle dataset = open_dataset(name);
    const std::string what = "reading the shape of '" + std::string(name) + "'";
    handle space(check_id(H5Dget_space(dataset.get()), file_, what), H5Sclose);
    if (H5Sget_simple_extent_ndims(space.get()) != 1)
        throw error(file_ + ": '" + std::string(name) + "' is not a 1-D dataset");
    hsize_t length = 0;
    check(H5Sget_simple_extent_dims(space.get(), &length, nullptr), file_, what);
    return length;
}

template <typename T>
std::vector<T> location::read_column(std::string_view name) const {
    const std::uint64_t length = column_length(name);
    handle dataset = open_dataset(name);
    const std::string what = "reading '" + std::string(name) + "'";
    handle stored(check_id(H5Dget_type(dataset.get()), file_, what), H5Tclose);
    const H5T_class_t stored_class = H5Tget_class(stored.get());
    const bool want_float = std::is_floating_point_v<T>;
    if (stored_class != H5T_INTEGER && !(want_float && stored_class == H5T_FLOAT))
        throw error(file_ + ": '" + std::string(name) + "' has the wrong type");
    std::vector<T> values(static_cast<std::size_t>(length));
    if (length == 0) return values;
    if (H5Tequal(stored.get(), native_type<T>()) > 0 &&
        read_chunks_here(dataset.get(), name, values.data(), sizeof(T), values.size()))
        return values;
    check(H5Dread(dataset.get(), native_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
          file_, what);
    return values;
}

bool location::read_chunks_here(hid_t dataset, std::string_view name, void* out,
                                std::size_t element_bytes, std::size_t count) const {
    const std::string what = "reading '" + std::string(name) + "'";
    handle creation(check_id(H5Dget_create_plist(dataset), file_, what), H5Pclose);
    if (!filtered_as_ctrace_writes(creation.get())) return false;
    hsize_t chunk = 0;
    if (H5Pget_chunk(creation.get(), 1, &chunk) != 1 || chunk == 0) return false;
    const std::size_t chunk_elements = static_cast<std::size_t>(chunk);
    const std::size_t chunks = (count + chunk_elements - 1) / chunk_elements;
    // Stored bytes are read here in order (HDF5 is not thread-safe), a batch
    // at a time, and unfiltered on every core.
    constexpr std::size_t batch = 64;
    std::vector<std::vector<std::uint8_t>> stored(std::min(batch, chunks));
    std::vector<char> failed(stored.size());
    for (std::size_t first = 0; first < chunks; first += batch) {
        const std::size_t n = std::min(batch, chunks - first);
        for (std::size_t k = 0; k < n; ++k) {
            const hsize_t offset = (first + k) * chunk;
            hsize_t size = 0;
            if (H5Dget_chunk_storage_size(dataset, &offset, &size) < 0 || size == 0) {
                // A chunk never written (fill value) or unreadable: HDF5 decides.
                H5Eclear2(H5E_DEFAULT);
                return false;
            }
            stored[k].resize(static_cast<std::size_t>(size));
            std::uint32_t filter_mask = 0;
            check(H5Dread_chunk(dataset, H5P_DEFAULT, &offset, &filter_mask, stored[k].data()),
                  file_, what);
            if (filter_mask != 0) return false; // a filter was skipped for this chunk
        }
        const unsigned threads = n >= 4 ? detail::hardware_threads() : 1;
        detail::run_on_threads(threads, [&](unsigned t) {
            for (std::size_t k = t; k < n; k += threads) {
                const std::size_t index = first + k;
                const std::size_t elements =
                    std::min(chunk_elements, count - index * chunk_elements);
                failed[k] = !detail::unfilter_chunk(stored[k], element_bytes, chunk_elements,
                                                    static_cast<std::uint8_t*>(out) +
                                                        index * chunk_elements * element_bytes,
                                                    elements);
            }
        });
        for (std::size_t k = 0; k < n; ++k)
            if (failed[k])
                throw error(file_ + ": corrupt snapshot: chunk " + std::to_string(first + k) +
                            " of '" + std::string(name) + "' does not inflate");
    }
    return true;
}

template std::vector<std::uint8_t> location::read_column<std::uint8_t>(std::string_view) const;
template std::vector<std::uint32_t> location::read_column<std::uint32_t>(std::string_view) const;
template std::vector<std::int32_t> location::read_column<std::int32_t>(std::string_view) const;
template std::vector<std::uint64_t> location::read_column<std::uint64_t>(std::string_view) const;
template std::vector<std::int64_t> location::read_column<std::int64_t>(std::string_view) const;
template std::vector<double> location::read_column<double>(std::string_view) const;

// --- attributes --------------------------------------------------------------

namespace {

void write_attribute(hid_t owner, const std::string& file, std::string_view name,
                     hid_t file_type_id, hid_t memory_type, hid_t space, const void* data) {
    const std::string n(name);
    const std::string what = "writing attribute '" + n + "'";
    if (H5Aexists(owner, n.c_str()) > 0) check(H5Adelete(owner, n.c_str()), file, what);
    handle attribute(
        check_id(H5Acreate2(owner, n.c_str(), file_type_id, space, H5P_DEFAULT, H5P_DEFAULT), file,
                 what),
        H5Aclose);
    check(H5Awrite(attribute.get(), memory_type, data), file, what);
    attribute.close(file, what);
}

handle scalar_space(const std::string& file) {
    return handle(check_id(H5Screate(H5S_SCALAR), file, "making a scalar space"), H5Sclose);
}

handle vector_space(std::size_t n, const std::string& file) {
    const hsize_t dims = n;
    return handle(check_id(H5Screate_simple(1, &dims, nullptr), file, "making a space"), H5Sclose);
}

} // namespace

void location::set_attribute(std::string_view name, std::int64_t value) const {
    write_attribute(id(), file_, name, H5T_STD_I64LE, H5T_NATIVE_INT64, scalar_space(file_).get(),
                    &value);
}

void location::set_attribute(std::string_view name, double value) const {
    write_attribute(id(), file_, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, scalar_space(file_).get(),
                    &value);
}

void location::set_attribute(std::string_view name, std::string_view value) const {
    const std::string copy(value);
    const char* pointer = copy.c_str();
    handle type = string_type();
    write_attribute(id(), file_, name, type.get(), type.get(), scalar_space(file_).get(), &pointer);
}

void location::set_attribute(std::string_view name, std::span<const std::int64_t> values) const {
    write_attribute(id(), file_, name, H5T_STD_I64LE, H5T_NATIVE_INT64,
                    vector_space(values.size(), file_).get(), values.data());
}

void location::set_attribute(std::string_view name, std::span<const std::string> values) const {
    std::vector<const char*> pointers;
    for (const std::string& v : values)
        pointers.push_back(v.c_str());
    handle type = string_type();
    write_attribute(id(), file_, name, type.get(), type.get(),
                    vector_space(values.size(), file_).get(), pointers.data());
}

bool location::has_attribute(std::string_view name) const {
    const htri_t exists = H5Aexists(id(), std::string(name).c_str());
    if (exists < 0) H5Eclear2(H5E_DEFAULT);
    return exists > 0;
}

namespace {

struct opened_attribute {
    handle attribute;
    handle space;
    handle type;
    hssize_t count;
};

opened_attribute open_attribute(hid_t owner, const std::string& file, std::string_view name) {
    const std::string n(name);
    const std::string what = "reading attribute '" + n + "'";
    if (H5Aexists(owner, n.c_str()) <= 0) throw error(file + ": missing attribute '" + n + "'");
    opened_attribute a;
    a.attribute = handle(check_id(H5Aopen(owner, n.c_str(), H5P_DEFAULT), file, what), H5Aclose);
    a.space = handle(check_id(H5Aget_space(a.attribute.get()), file, what), H5Sclose);
    a.type = handle(check_id(H5Aget_type(a.attribute.get()), file, what), H5Tclose);
    a.count = H5Sget_simple_extent_npoints(a.space.get());
    if (a.count < 0) fail(file, what);
    return a;
}

std::vector<std::string> read_string_attribute(hid_t owner, const std::string& file,
                                               std::string_view name) {
    opened_attribute a = open_attribute(owner, file, name);
    const std::string what = "reading attribute '" + std::string(name) + "'";
    if (H5Tget_class(a.type.get()) != H5T_STRING)
        throw error(file + ": attribute '" + std::string(name) + "' is not a string");
    std::vector<std::string> out;
    const auto n = static_cast<std::size_t>(a.count);
    if (H5Tis_variable_str(a.type.get()) > 0) {
        handle memory = string_type();
        std::vector<char*> pointers(n, nullptr);
        check(H5Aread(a.attribute.get(), memory.get(), pointers.data()), file, what);
        for (char* p : pointers)
            out.emplace_back(p == nullptr ? "" : p);
        H5Dvlen_reclaim(memory.get(), a.space.get(), H5P_DEFAULT, pointers.data());
    } else {
        const std::size_t size = H5Tget_size(a.type.get());
        std::vector<char> bytes(size * n + 1, '\0');
        check(H5Aread(a.attribute.get(), a.type.get(), bytes.data()), file, what);
        for (std::size_t i = 0; i < n; ++i) {
            const char* p = bytes.data() + i * size;
            out.emplace_back(p, strnlen(p, size));
        }
    }
    return out;
}

} // namespace

std::int64_t location::int_attribute(std::string_view name) const {
    const std::vector<std::int64_t> values = int_array_attribute(name);
    if (values.size() != 1)
        throw error(file_ + ": attribute '" + std::string(name) + "' is not a scalar");
    return values[0];
}

std::vector<std::int64_t> location::int_array_attribute(std::string_view name) const {
    opened_attribute a = open_attribute(id(), file_, name);
    if (H5Tget_class(a.type.get()) != H5T_INTEGER)
        throw error(file_ + ": attribute '" + std::string(name) + "' is not an integer");
    std::vector<std::int64_t> values(static_cast<std::size_t>(a.count));
    check(H5Aread(a.attribute.get(), H5T_NATIVE_INT64, values.data()), file_,
          "reading attribute '" + std::string(name) + "'");
    return values;
}

std::string location::string_attribute(std::string_view name) const {
    std::vector<std::string> values = read_string_attribute(id(), file_, name);
    if (values.size() != 1)
        throw error(file_ + ": attribute '" + std::string(name) + "' is not a scalar");
    return std::move(values[0]);
}

std::vector<std::string> location::string_array_attribute(std::string_view name) const {
    return read_string_attribute(id(), file_, name);
}

} // namespace ctrace::h5
