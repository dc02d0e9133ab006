// Atomic replacement of output files (ctrace/core/atomic_file.hpp).
//
// Test hook: CTRACE_TEST_PAUSE_BEFORE_COMMIT=FILE. When this environment
// variable names a file, every commit of a staged output (`atomic_path::commit`,
// so `atomic_file::commit` and the store's commits of its files and of
// store.json, its index) first creates FILE holding the target's path and a
// newline (written beside it and renamed, so it appears whole), then waits,
// polling every 10 ms, until FILE is removed; only then does it commit. A test
// waits for FILE instead of sleeping: the process is then known to be just
// before that commit, with its temporary output complete, and the test kills
// or interrupts it there, or removes FILE to let it go on to the next commit.
// When FILE cannot be created the commit goes on without a pause. Unset or
// empty: no effect. Outputs written in place (a device, a FIFO) have no
// commit and never pause.
#include "ctrace/core/atomic_file.hpp"

#include "core/file_descriptor.hpp"
#include "ctrace/core/error.hpp"

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace ctrace {

namespace {

/// Paths of live temporary files, fixed-size so the signal handler can read
/// them without allocating.
constexpr std::size_t max_live_temporaries = 64;
constexpr std::size_t max_temporary_path = 4096;
std::array<std::array<char, max_temporary_path>, max_live_temporaries> live_paths{};
std::array<std::atomic<bool>, max_live_temporaries> live_used{};

int register_temporary(const std::filesystem::path& path) {
    const std::string& s = path.native();
    if (s.size() >= max_temporary_path) return -1;
    for (std::size_t i = 0; i < max_live_temporaries; ++i) {
        bool expected = false;
        if (live_used[i].load() || !live_used[i].compare_exchange_strong(expected, true)) continue;
        std::memcpy(live_paths[i].data(), s.c_str(), s.size() + 1);
        return static_cast<int>(i);
    }
    return -1;
}

void unregister_temporary(int slot) {
    if (slot >= 0) live_used[static_cast<std::size_t>(slot)].store(false);
}

extern "C" void remove_temporaries_and_die(int signal_number) {
    for (std::size_t i = 0; i < max_live_temporaries; ++i)
        if (live_used[i].load()) ::unlink(live_paths[i].data());
    std::signal(signal_number, SIG_DFL);
    std::raise(signal_number);
}

/// An `output_error` for `target`: `what` failed, for the reason errno gives.
output_error failure(const std::filesystem::path& target, const char* what, int errno_value) {
    return output_error(target.string(), output_error::with_system_reason(what, errno_value));
}

void sync_folder(const std::filesystem::path& folder) {
    const detail::file_descriptor fd(folder.empty() ? "." : folder, O_RDONLY | O_DIRECTORY);
    if (fd.valid()) (void)fd.sync(); // best effort: some file systems refuse to sync folders
}

mode_t current_umask() {
    const mode_t mask = ::umask(0);
    ::umask(mask);
    return mask;
}

/// Creates `.NAME.tmp-XXXXXX` beside `target` and returns its path.
std::filesystem::path create_visible_temporary(const std::filesystem::path& target) {
    std::string name = target.filename().string();
    name.insert(name.begin(), '.');
    name += ".tmp-XXXXXX";
    std::string pattern = (target.parent_path() / name).string();
    const int fd = ::mkstemp(pattern.data());
    if (fd < 0) {
        const int why = errno;
        // The commonest slip (`--out nodir/risk.csv`): say which folder is
        // missing rather than how the file was to be made.
        if (why == ENOENT || why == ENOTDIR) {
            const std::filesystem::path folder =
                target.parent_path().empty() ? std::filesystem::path(".") : target.parent_path();
            throw io_error(target.string() + ": no folder '" + folder.string() +
                           "' to write it in" +
                           (why == ENOTDIR ? " (part of the path is a file)" : "") +
                           "; create the folder first");
        }
        throw_output_failure(target, "cannot create a temporary file beside it", why);
    }
    // mkstemp creates 0600; give the output the permissions a new file would get.
    ::fchmod(fd, 0666 & ~current_umask());
    ::close(fd);
    return pattern;
}

/// The test hook of this file's header: pauses before committing `target`
/// while the file CTRACE_TEST_PAUSE_BEFORE_COMMIT names exists.
void pause_before_commit_if_asked(const std::filesystem::path& target) {
    const char* const pause_file = std::getenv("CTRACE_TEST_PAUSE_BEFORE_COMMIT");
    if (pause_file == nullptr || *pause_file == '\0') return;
    const std::string writing = std::string(pause_file) + ".writing";
    {
        std::ofstream out(writing, std::ios::binary | std::ios::trunc);
        out << target.string() << '\n';
        if (!out.flush()) return;
    }
    if (::rename(writing.c_str(), pause_file) != 0) return;
    while (::access(pause_file, F_OK) == 0)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

} // namespace

void remove_temporaries_on_signal() {
    for (const int s : {SIGINT, SIGTERM, SIGHUP})
        std::signal(s, remove_temporaries_and_die);
}

atomic_path::atomic_path(std::filesystem::path target, temporary_name kind)
    : target_(std::move(target)) {
    struct stat status {};
    if (::stat(target_.c_str(), &status) == 0) {
        if (S_ISDIR(status.st_mode)) throw io_error(target_.string() + ": is a folder, not a file");
        if (!S_ISREG(status.st_mode)) {
            // Renaming over /dev/stdout would replace the device node itself.
            direct_ = true;
            temporary_ = target_;
            return;
        }
        std::error_code ec;
        if (std::filesystem::is_symlink(target_, ec)) {
            std::filesystem::path resolved = std::filesystem::canonical(target_, ec);
            if (!ec) target_ = std::move(resolved);
        }
    }
    const std::filesystem::path folder = target_.parent_path();
    if (kind == temporary_name::hidden) {
        hidden_fd_ = ::open(folder.empty() ? "." : folder.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC,
                            0666 & ~current_umask());
        if (hidden_fd_ >= 0) {
            // Writers reopen it by this name; the kernel follows it to the inode.
            temporary_ = "/proc/self/fd/" + std::to_string(hidden_fd_);
            if (::access(temporary_.c_str(), W_OK) == 0) return;
            ::close(hidden_fd_); // no /proc: fall back to a named file
            hidden_fd_ = -1;
        }
    }
    temporary_ = create_visible_temporary(target_);
    slot_ = register_temporary(temporary_);
}

atomic_path::~atomic_path() {
    if (direct_) return;
    if (hidden_fd_ >= 0)
        ::close(hidden_fd_); // uncommitted: the inode goes with it
    else if (!committed_)
        ::unlink(temporary_.c_str());
    unregister_temporary(slot_);
}

void atomic_path::commit() {
    if (direct_) {
        committed_ = true;
        return;
    }
    pause_before_commit_if_asked(target_);
    if (hidden_fd_ < 0) {
        sync_and_rename(temporary_, target_);
        committed_ = true;
        return;
    }
    if (::fsync(hidden_fd_) != 0) throw failure(target_, "cannot sync to disk", errno);
    // linkat cannot replace a file: give the inode a unique name, then rename
    // that over the target. Only a kill between the two leaves the name.
    std::string name = target_.filename().string();
    name.insert(name.begin(), '.');
    const std::filesystem::path linked =
        target_.parent_path() /
        (name + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(hidden_fd_));
    ::unlink(linked.c_str()); // a leftover of an earlier process with our pid
    if (::linkat(AT_FDCWD, temporary_.c_str(), AT_FDCWD, linked.c_str(), AT_SYMLINK_FOLLOW) != 0)
        throw failure(target_, "cannot give the new file a name", errno);
    if (::rename(linked.c_str(), target_.c_str()) != 0) {
        const int why = errno;
        ::unlink(linked.c_str());
        throw failure(target_, "cannot rename into place", why);
    }
    sync_folder(target_.parent_path());
    ::close(hidden_fd_);
    hidden_fd_ = -1;
    committed_ = true;
}

atomic_file::atomic_file(std::filesystem::path target, temporary_name kind)
    : path_(std::move(target), kind) {
    stream_.open(path_.temporary(), std::ios::binary | std::ios::trunc);
    if (!stream_) throw failure(path_.target(), "cannot write a temporary file beside it", errno);
}

void atomic_file::close() {
    if (!stream_.is_open()) return;
    // A write that failed earlier left its errno (nothing since touched the
    // file); else the flush's is the one.
    const bool failed_before = !stream_;
    const int errno_before = errno;
    errno = 0;
    stream_.flush();
    const bool written = static_cast<bool>(stream_);
    const int write_errno = failed_before ? errno_before : errno;
    stream_.close();
    if (!written || stream_.fail())
        throw failure(path_.target(), "cannot write", written ? errno : write_errno);
}

void atomic_file::commit() {
    close();
    path_.commit();
}

bool is_write_refusal(int errno_value) noexcept {
    switch (errno_value) {
    case EACCES:
    case EPERM:
    case EROFS:
    case ENOSPC:
    case EDQUOT:
    case EFBIG:
    case EIO:
        return true;
    default:
        return false;
    }
}

void throw_output_failure(const std::filesystem::path& target, const char* what, int errno_value) {
    // A folder that is not there, or a file where a folder must be, was
    // named wrongly: the caller's input, not a failing disk.
    if (!is_write_refusal(errno_value))
        throw io_error(target.string() + ": " + what + ": " + std::strerror(errno_value));
    throw failure(target, what, errno_value);
}

void create_output_folders(const std::filesystem::path& folder) {
    std::error_code ec;
    std::filesystem::create_directories(folder, ec);
    if (ec) throw_output_failure(folder, "cannot create the folder", ec.value());
}

void sync_and_rename(const std::filesystem::path& path, const std::filesystem::path& target) {
    const detail::file_descriptor written(path, O_RDONLY);
    if (!written.valid()) throw failure(target, "cannot reopen to sync", written.open_errno());
    if (const int why = written.sync(); why != 0) throw failure(target, "cannot sync to disk", why);
    if (::rename(path.c_str(), target.c_str()) != 0)
        throw failure(target, "cannot rename into place", errno);
    sync_folder(target.parent_path());
}

} // namespace ctrace
