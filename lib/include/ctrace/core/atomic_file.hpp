#pragma once
/// \file
/// Atomic replacement of an output file.
///
/// The content goes to a temporary file in the target's folder (so the final
/// rename never crosses a file system); `commit()` flushes it to disk and
/// renames it over the target. Until then readers see the old file, or none;
/// a failed or interrupted run never leaves a partial output. Without a
/// commit the destructor removes the temporary file, and so does the
/// SIGINT/SIGTERM handler installed by `remove_temporaries_on_signal()`.

#include <filesystem>
#include <fstream>

namespace ctrace {

/// How a temporary file is made.
enum class temporary_name {
    /// `.NAME.tmp-XXXXXX` beside the target, removed on failure and on
    /// SIGINT/SIGTERM/SIGHUP, but left behind by SIGKILL or a power cut.
    visible,
    /// No name at all until the commit (Linux O_TMPFILE, reached through
    /// /proc/self/fd): nothing is left behind even by SIGKILL. Falls back to
    /// `visible` where the file system cannot do it.
    hidden,
};

/// A temporary path beside `target`, for writers that open files themselves
/// (such as the HDF5 library). The file is created empty; `commit()` syncs it
/// and renames it over the target. Without a commit the destructor removes it.
///
/// A symbolic link as target is followed: the file it points to is replaced
/// and the link kept. A target that exists but is not a regular file (a
/// device such as /dev/stdout, a FIFO) cannot be replaced: it is written in
/// place (then `temporary()` is the target and nothing is atomic).
class atomic_path {
public:
    /// Throws `io_error` naming the target when it is a folder or its folder
    /// is missing (the path was named wrongly), `output_error` when the folder
    /// cannot be written to.
    explicit atomic_path(std::filesystem::path target,
                         temporary_name kind = temporary_name::visible);
    ~atomic_path();
    atomic_path(const atomic_path&) = delete;
    atomic_path& operator=(const atomic_path&) = delete;

    const std::filesystem::path& target() const noexcept { return target_; }
    const std::filesystem::path& temporary() const noexcept { return temporary_; }

    /// Syncs the temporary file and renames it into place; throws `output_error`
    /// on failure (the target is then untouched).
    void commit();

private:
    std::filesystem::path target_;
    std::filesystem::path temporary_;
    int hidden_fd_ = -1; ///< the unnamed file, when `temporary_name::hidden`
    int slot_ = -1;
    bool committed_ = false;
    /// The target is a device or a FIFO: written in place, never replaced.
    bool direct_ = false;
};

/// An output stream that replaces `target` atomically on `commit()`.
class atomic_file {
public:
    explicit atomic_file(std::filesystem::path target,
                         temporary_name kind = temporary_name::visible);
    atomic_file(const atomic_file&) = delete;
    atomic_file& operator=(const atomic_file&) = delete;

    std::ostream& stream() noexcept { return stream_; }
    const std::filesystem::path& target() const noexcept { return path_.target(); }
    const std::filesystem::path& temporary() const noexcept { return path_.temporary(); }

    /// Flushes and closes the temporary file, throwing `output_error` when any
    /// write failed: after it only the rename of `commit()` remains.
    void close();
    /// Closes (if not done), syncs and renames into place; throws `output_error`
    /// on failure (the target is then untouched and the temporary removed).
    void commit();

private:
    atomic_path path_;
    std::ofstream stream_;
};

/// Installs SIGINT, SIGTERM and SIGHUP handlers that remove the temporary
/// files of live `atomic_file`s, then die of the signal as usual.
void remove_temporaries_on_signal();

/// Creates `folder` and its missing parents for outputs. Throws `io_error`
/// when the path is named wrongly (a file stands where a folder must be) and
/// `output_error` when the disk refuses (permission, read-only, full).
void create_output_folders(const std::filesystem::path& folder);

/// Whether `errno_value` says the disk or the system refused a write
/// (permission, read-only file system, no space, quota, I/O error) rather than
/// that a path was named wrongly.
bool is_write_refusal(int errno_value) noexcept;

/// Throws for an output `target` whose `what` (creating it, its folder, its
/// lock) failed with `errno_value`: `output_error` when the disk or the
/// system refused (`is_write_refusal`), else `io_error` (the path was named
/// wrongly). Both say `TARGET: WHAT: REASON`.
[[noreturn]] void throw_output_failure(const std::filesystem::path& target, const char* what,
                                       int errno_value);

/// Syncs `path`'s content to disk and renames it to `target`, then syncs the
/// folder.
void sync_and_rename(const std::filesystem::path& path, const std::filesystem::path& target);

} // namespace ctrace
