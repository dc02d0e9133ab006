#include "ctrace/atomic_file.hpp"

#include "ctrace/error.hpp"

#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
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

std::string errno_text() {
    return std::strerror(errno);
}

void sync_folder(const std::filesystem::path& folder) {
    const int fd =
        ::open(folder.empty() ? "." : folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd); // best effort: some file systems refuse to sync folders
        ::close(fd);
    }
}

} // namespace

void remove_temporaries_on_signal() {
    for (const int s : {SIGINT, SIGTERM, SIGHUP})
        std::signal(s, remove_temporaries_and_die);
}

atomic_path::atomic_path(std::filesystem::path target) : target_(std::move(target)) {
    const std::filesystem::path folder = target_.parent_path();
    std::string name = target_.filename().string();
    name.insert(name.begin(), '.');
    name += ".tmp-XXXXXX";
    std::string pattern = (folder / name).string();
    const int fd = ::mkstemp(pattern.data());
    if (fd < 0)
        throw io_error(target_.string() +
                       ": cannot create a temporary file beside it: " + errno_text());
    // mkstemp creates 0600; give the output the permissions a new file would get.
    const mode_t mask = ::umask(0);
    ::umask(mask);
    ::fchmod(fd, 0666 & ~mask);
    ::close(fd);
    temporary_ = pattern;
    slot_ = register_temporary(temporary_);
}

atomic_path::~atomic_path() {
    if (!committed_) ::unlink(temporary_.c_str());
    unregister_temporary(slot_);
}

void atomic_path::commit() {
    sync_and_rename(temporary_, target_);
    committed_ = true;
}

atomic_file::atomic_file(std::filesystem::path target) : path_(std::move(target)) {
    stream_.open(path_.temporary(), std::ios::binary | std::ios::trunc);
    if (!stream_)
        throw io_error(path_.target().string() + ": cannot write a temporary file beside it");
}

void atomic_file::close() {
    if (!stream_.is_open()) return;
    stream_.flush();
    const bool written = static_cast<bool>(stream_);
    stream_.close();
    if (!written || stream_.fail())
        throw io_error(path_.target().string() + ": write failed: " + errno_text());
}

void atomic_file::commit() {
    close();
    path_.commit();
}

void sync_and_rename(const std::filesystem::path& path, const std::filesystem::path& target) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw io_error(path.string() + ": cannot reopen to sync: " + errno_text());
    const int synced = ::fsync(fd);
    ::close(fd);
    if (synced != 0) throw io_error(target.string() + ": fsync failed: " + errno_text());
    if (::rename(path.c_str(), target.c_str()) != 0)
        throw io_error(target.string() + ": cannot rename into place: " + errno_text());
    sync_folder(target.parent_path());
}

} // namespace ctrace
