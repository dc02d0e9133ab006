// Fuzz target: any bytes as a snapshot file. read_snapshot must either return
// or throw a ctrace::error naming the file; never crash, hang or leak.

#include "ctrace/core/error.hpp"
#include "ctrace/storage/snapshot.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <sys/mman.h>
#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // An in-memory file, reached by path like any snapshot.
    const int fd = ::memfd_create("fuzz-snapshot", MFD_CLOEXEC);
    if (fd < 0) std::abort();
    std::size_t written = 0;
    while (written < size) {
        const ssize_t n = ::write(fd, data + written, size - written);
        if (n <= 0) std::abort();
        written += static_cast<std::size_t>(n);
    }
    const std::string path = "/proc/self/fd/" + std::to_string(fd);
    try {
        ctrace::read_snapshot(path);
    } catch (const ctrace::error& e) {
        if (std::string(e.what()).find(path) == std::string::npos) std::abort();
    }
    ::close(fd);
    return 0;
}
