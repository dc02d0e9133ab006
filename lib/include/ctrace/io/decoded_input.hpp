#pragma once
/// \file
/// Input files as health-code systems export them: compressed (`.csv.gz`,
/// `.csv.zst`) and encoded in GB18030 (or its subset GBK). `decoded_input`
/// opens such a file and is a `std::istream` of the plain UTF-8 text, made as
/// it is read: the file is never held in memory whole, only buffers of about
/// `decoded_input::default_buffer_bytes` each.
///
/// The compression is found by the file's first bytes, never its name, so a
/// renamed file reads the same. GB18030 bytes that are not a character (and
/// the bytes of a character cut off by the end of the file) are each replaced
/// by the byte 0xFF, which is never valid UTF-8: the read goes on, and the CSV
/// reader rejects exactly the rows that held them. A truncated or corrupt
/// compressed stream, or bytes after the last gzip member or zstd frame, are
/// an `io_error` naming the file.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace ctrace {

/// The character encoding of an input file.
enum class input_encoding {
    utf8,
    /// GB18030, read as UTF-8. GBK files are GB18030 too (a subset).
    gb18030,
};

/// `utf-8`, `utf8`, `gb18030` or `gbk` (read as GB18030), in any letter case.
/// Throws `parameter_error` for the parameter `encoding` otherwise.
input_encoding parse_input_encoding(std::string_view name);

/// The canonical name: `utf-8` or `gb18030`.
std::string_view input_encoding_name(input_encoding encoding) noexcept;

/// `bytes` as UTF-8 when every byte belongs to a GB18030 character, else
/// none: whether a text refused as UTF-8 was GB18030 (GBK) all along, for an
/// error message that names the encoding to give.
std::optional<std::string> gb18030_to_utf8(std::string_view bytes);

/// The reason a CSV reader gives a row whose text is not valid in
/// `encoding` ("invalid UTF-8", "bytes not valid in GB18030").
const char* invalid_text_reason(input_encoding encoding) noexcept;

enum class compression {
    none,
    /// gzip: one member or several concatenated (`gzip -c a b`).
    gzip,
    /// Zstandard: one frame or several concatenated.
    zstd,
};

/// The compression of the file at `path`, by its magic bytes (gzip `1f 8b`,
/// zstd `28 b5 2f fd`); a file shorter than its magic is uncompressed.
/// Throws `io_error` naming the file when it cannot be opened or read.
compression detect_compression(const std::filesystem::path& path);

/// True when the file at `path` is compressed or `encoding` is not UTF-8: it
/// must be read through `decoded_input` rather than as plain bytes.
bool needs_decoding(const std::filesystem::path& path, input_encoding encoding);

/// A file read as plain UTF-8 text: decompressed, then transcoded.
///
/// Read errors and truncated or corrupt compressed data throw `io_error` from
/// the stream's read functions (its exception mask includes `badbit`; clearing
/// that would turn them into a silent `badbit`). Seeking is not supported.
/// A UTF-8 byte-order mark at the start of the text is passed on.
class decoded_input : public std::istream {
public:
    /// The size of each buffer: the file's raw bytes, the decompressed bytes
    /// and the UTF-8 text.
    static constexpr std::size_t default_buffer_bytes = std::size_t{1} << 20;
    /// Buffers are at least this large: one character in either encoding.
    static constexpr std::size_t min_buffer_bytes = 4;

    /// Opens `path`; throws `io_error` naming it when that fails.
    /// `buffer_bytes` (at least `min_buffer_bytes`) exists for tests.
    decoded_input(const std::filesystem::path& path, input_encoding encoding,
                  std::size_t buffer_bytes = default_buffer_bytes);
    ~decoded_input() override;
    decoded_input(const decoded_input&) = delete;
    decoded_input& operator=(const decoded_input&) = delete;

    /// The compression found in the file.
    compression detected_compression() const noexcept;
    /// Bytes of the file itself (compressed, encoded) read so far, for
    /// progress against the file's size. Runs ahead of the text delivered by
    /// up to one buffer.
    std::uint64_t raw_bytes_read() const noexcept;
    /// Feeds the file's own bytes to `digest` as they are read (from the
    /// start: set it before reading), so that a caller hashing the file needs
    /// no second pass. Null stops it.
    void set_digest(class sha256* digest) noexcept;
    /// The file as named in error messages.
    const std::string& source_name() const noexcept;

private:
    class decoding_buffer;
    std::unique_ptr<decoding_buffer> buffer_;
};

} // namespace ctrace
