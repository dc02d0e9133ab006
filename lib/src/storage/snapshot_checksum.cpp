#include "storage/snapshot_checksum.hpp"

#include "core/file_descriptor.hpp"
#include "ctrace/core/digest.hpp"
#include "ctrace/core/error.hpp"

#include <cerrno>
#include <fcntl.h>
#include <string_view>

namespace ctrace::detail {

namespace {
constexpr std::string_view checksum_magic = "CTRACE-SNAPSHOT-CHECKSUM 1\nsha256 ";
constexpr std::size_t hex_digest_length = 64;
} // namespace

void write_checksum_block(const std::filesystem::path& file, const std::string& name) {
    std::string block(checksum_magic);
    try {
        block += sha256_file(file, checksum_block_bytes);
    } catch (const io_error& e) {
        throw output_error(name, std::string("cannot read back to checksum (") + e.what() + ")");
    }
    block += '\n';
    block.resize(checksum_block_bytes, '\0');
    const file_descriptor out(file, O_WRONLY);
    if (!out.valid())
        throw output_error(
            name, output_error::with_system_reason("cannot reopen to checksum", out.open_errno()));
    if (!out.write_all_at(block, 0))
        throw output_error(
            name, output_error::with_system_reason("cannot write the checksum block", errno));
}

std::string recorded_checksum(const std::filesystem::path& file) {
    std::string block(checksum_block_bytes, '\0');
    const file_descriptor in(file, O_RDONLY);
    if (!in.valid() || in.read_at(block, 0) != static_cast<ssize_t>(block.size()) ||
        !block.starts_with(checksum_magic))
        return {};
    return block.substr(checksum_magic.size(), hex_digest_length);
}

checksum_state verify_checksum(const std::filesystem::path& file) {
    std::string block(checksum_block_bytes, '\0');
    // One descriptor for the block and the hash: a snapshot renamed into
    // place meanwhile (a nightly ingest) is not mistaken for a corrupt one.
    const file_descriptor in(file, O_RDONLY);
    if (!in.valid()) return checksum_state::absent; // the HDF5 layer reports why
    if (in.read_at(block, 0) != static_cast<ssize_t>(block.size()) ||
        !block.starts_with(checksum_magic))
        return checksum_state::absent;
    const std::string actual = sha256_from(in, checksum_block_bytes, file.string());
    const std::string_view recorded =
        std::string_view(block).substr(checksum_magic.size(), hex_digest_length);
    return recorded == actual ? checksum_state::verified : checksum_state::mismatch;
}

} // namespace ctrace::detail
