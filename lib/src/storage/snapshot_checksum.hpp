#pragma once
// The checksum block at the start of a snapshot (internal to ctrace).
//
// The first 512 bytes of a snapshot, left alone by HDF5 (its "user block"),
// hold "CTRACE-SNAPSHOT-CHECKSUM 1\nsha256 " and the hex SHA-256 of every
// byte after the block, then a newline and NULs: HDF5 1.10 checksums neither
// raw data nor the heap of variable-length strings, and a damaged heap can
// hang it. Layout documented in docs/hdf5-schema.md.

#include <cstddef>
#include <filesystem>
#include <string>

namespace ctrace::detail {

inline constexpr std::size_t checksum_block_bytes = 512;

/// Hashes everything after the block of `file` and writes the block. Throws
/// `output_error` naming `name` when the file cannot be reopened, read back
/// or written.
void write_checksum_block(const std::filesystem::path& file, const std::string& name);

/// The SHA-256 `file`'s checksum block records (of every byte after its
/// first 512), as 64 hex digits; empty when it has no checksum block.
/// Not verified: a name for the file's content, read in microseconds.
std::string recorded_checksum(const std::filesystem::path& file);

enum class checksum_state { verified, mismatch, absent };

/// Whether `file`'s block matches its content; `absent` for a file that
/// cannot be opened or does not start with a checksum block. Throws
/// `io_error` on a read error after the block was found (the snapshot
/// reader reports it as `snapshot_error`).
checksum_state verify_checksum(const std::filesystem::path& file);

} // namespace ctrace::detail
