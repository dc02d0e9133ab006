#pragma once
// The index block of a snapshot (internal to ctrace; layout documented in
// docs/hdf5-schema.md, "Index block").
//
// A snapshot written since indexed reads has a 4096-byte user block. Its first
// 512 bytes are the checksum block (snapshot_checksum.hpp), whose SHA-256
// covers everything from byte 512 on, this block included. Bytes 512 to 4096
// hold the index block: a text directory of the columns an indexed read maps
// in place (each contiguous, unfiltered, little-endian), where their bytes
// and their checksum tables are in the file, and the few attributes a trace
// needs, closed by the SHA-256 of the directory's own text. So a reader finds
// every column without the HDF5 library parsing anything, trusts the
// directory by its own digest, and checks each 4096-byte block of a column
// (CRC-32) when it first reads it, instead of hashing the whole file first.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ctrace::detail {

/// The user block of a snapshot with an index block.
inline constexpr std::size_t indexed_userblock_bytes = 4096;
/// Where the index block starts (after the checksum block).
inline constexpr std::size_t index_block_offset = 512;
/// The bytes each CRC-32 of a column's checksum table covers (the last
/// block of a column covers what is left).
inline constexpr std::size_t checked_block_bytes = 4096;

/// One column mapped in place: `count` elements of `element_bytes` at byte
/// `offset` of the file, and its checksum table (`ceil(bytes / 4096)`
/// uint32 CRC-32 values) at `checksums_offset`. Offsets are 0 for an empty
/// column.
struct mapped_column_entry {
    std::string name;
    std::uint32_t element_bytes = 0;
    std::uint64_t count = 0;
    std::uint64_t offset = 0;
    std::uint64_t checksums_offset = 0;

    std::uint64_t bytes() const noexcept { return count * element_bytes; }
    std::uint64_t blocks() const noexcept {
        return (bytes() + checked_block_bytes - 1) / checked_block_bytes;
    }
};

struct index_directory {
    std::vector<mapped_column_entry> columns;
    /// Scalar facts a trace needs (counts, zone, level, pseudonym key), as text.
    std::map<std::string, std::string> attributes;

    const mapped_column_entry* column(std::string_view name) const noexcept;
};

/// The CRC-32 of each 4096-byte block of `bytes`.
std::vector<std::uint32_t> block_checksums(std::span<const unsigned char> bytes);
std::uint32_t block_checksum(std::span<const unsigned char> bytes) noexcept;

/// The index block's text, at most `indexed_userblock_bytes - index_block_offset`
/// bytes (throws `error` when the directory does not fit).
std::string format_index_directory(const index_directory& directory);

class file_descriptor;

/// Reads the index block of the open file `in` (`name` for messages).
/// Nothing when the file has none (an older snapshot, or no index block
/// written); throws `snapshot_error` when it has one that is damaged.
std::optional<index_directory> read_index_directory(const file_descriptor& in,
                                                    const std::string& name);

/// Writes `text` at the index block's place in `file`; throws `output_error`
/// naming `name`.
void write_index_directory(const std::filesystem::path& file, const std::string& name,
                           const std::string& text);

} // namespace ctrace::detail
