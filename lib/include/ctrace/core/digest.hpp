#pragma once
/// \file
/// SHA-256 digests of input files, recorded in snapshots as provenance.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace ctrace {

/// An incremental SHA-256 (OpenSSL's implementation).
class sha256 {
public:
    sha256();
    ~sha256();
    sha256(const sha256&) = delete;
    sha256& operator=(const sha256&) = delete;

    void update(std::string_view bytes);
    /// The digest as 64 lowercase hex digits; the object is spent afterwards.
    std::string hex_digest();

private:
    struct state;
    std::unique_ptr<state> state_;
};

/// SHA-256 of a file's bytes from `from` (0: the whole file) to its end,
/// hex; throws `io_error` naming the file.
std::string sha256_file(const std::filesystem::path& path, std::uint64_t from = 0);

} // namespace ctrace
