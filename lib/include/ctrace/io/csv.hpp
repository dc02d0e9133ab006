#pragma once
/// \file
/// A streaming RFC 4180 CSV reader and the matching field writer.
///
/// Input is UTF-8 with an optional byte-order mark, LF or CRLF line ends and
/// optionally quoted fields (`"a,b"`, `"say ""hi"""`). Blank lines are skipped.
/// The reader works on large blocks and hands out `std::string_view`s into its
/// buffer, so reading a row allocates nothing once the buffers have grown.
///
/// A malformed record (unterminated quote, a quote inside an unquoted field,
/// text after a closing quote, a NUL byte, invalid UTF-8, an overlong field) is
/// still returned, with `csv_record::error` set, so the caller can reject that
/// row and go on; the reader resynchronises at the next line end outside quotes.
///
/// Memory is bounded whatever the input: a record longer than the reader's
/// maximum row size (`set_max_row_bytes`, `default_max_row_bytes`) is never
/// held whole. It is returned as malformed ("row longer than N bytes") with
/// only its first `overlong_row_kept_bytes` as `raw`, marked as cut; the
/// bytes after them are read past, following quotes, to the record's end.

#include "ctrace/core/error.hpp"
#include "ctrace/core/time.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ctrace {

/// Fields longer than this are an error (ids are at most this long).
inline constexpr std::size_t max_field_bytes = 1024;

/// Rows longer than this (bytes of the record without its line terminator)
/// are bad rows unless a reader is told otherwise (`--max-row-bytes`).
inline constexpr std::size_t default_max_row_bytes = std::size_t{1} << 20;
/// The bytes of an overlong row that `csv_record::raw` keeps (then the
/// marker `overlong_row_marker`).
inline constexpr std::size_t overlong_row_kept_bytes = 1024;
/// Ends the `raw` of an overlong row: the row was cut there.
inline constexpr std::string_view overlong_row_marker = "...[cut]";
/// The smallest and largest maximum row sizes a reader takes.
inline constexpr std::size_t min_max_row_bytes = max_field_bytes;
inline constexpr std::size_t max_max_row_bytes = std::size_t{1} << 30;

/// One record. Views stay valid until the next call to `csv_reader::next`.
struct csv_record {
    std::vector<std::string_view> fields;
    /// The record's text as it was in the file, without its line terminator.
    std::string_view raw;
    /// 1-based line of the record's first line (the header is line 1).
    std::uint64_t line = 0;
    /// Null for a well-formed record, else why it is malformed.
    const char* error = nullptr;
};

/// Reads CSV records from a file or a stream.
class csv_reader {
public:
    /// Reads from `in`; `source_name` is used in error messages.
    csv_reader(std::istream& in, std::string source_name);
    /// Opens `path` for reading; throws `io_error` naming it when that fails.
    explicit csv_reader(const std::filesystem::path& path);
    /// Reads bytes [begin, end) of `path` as if they were the whole input
    /// (for parallel parsing of pieces split at line ends). Line numbers
    /// count from 1 at `begin`.
    csv_reader(const std::filesystem::path& path, std::uint64_t begin, std::uint64_t end);
    ~csv_reader();
    /// Reads bytes [begin, end) of the same file next, as the constructor
    /// with a range does, keeping the open file and the buffer.
    void restart(std::uint64_t begin, std::uint64_t end);
    /// The open file of a reader made from a path (for reads beside it), else -1.
    int file_descriptor() const noexcept;
    csv_reader(const csv_reader&) = delete;
    csv_reader& operator=(const csv_reader&) = delete;

    /// Reads the next non-blank record into `record`; false at end of input.
    /// Throws `io_error` on a read failure.
    bool next(csv_record& record);
    /// Records longer than `bytes` (without their line terminator) are
    /// malformed from now on. Throws `parameter_error` for `max-row-bytes`
    /// outside [`min_max_row_bytes`, `max_max_row_bytes`].
    void set_max_row_bytes(std::size_t bytes);
    std::size_t max_row_bytes() const noexcept { return max_row_bytes_; }

    const std::string& source_name() const noexcept { return source_name_; }
    /// Feeds every byte read from now on (BOM included) to `digest`; null stops.
    void set_digest(class sha256* digest) noexcept { digest_ = digest; }
    /// The reason a record with invalid UTF-8 is refused with ("invalid
    /// UTF-8"): a reader of text decoded from another encoding names that.
    void set_invalid_text_reason(const char* reason) noexcept { invalid_text_reason_ = reason; }
    /// Bytes consumed so far (for progress reports).
    std::uint64_t bytes_consumed() const noexcept { return consumed_; }
    /// Line ends consumed so far.
    std::uint64_t line_ends_consumed() const noexcept { return line_ - 1; }
    /// True once the input ended inside a quoted field: a piece of a file
    /// split there was not split at a record boundary.
    bool ended_inside_quotes() const noexcept { return ended_inside_quotes_; }

private:
    struct source;
    std::size_t fill(); // reads more input after the unconsumed tail; returns bytes read
    bool parse_record(csv_record& record, bool at_eof);
    /// Reads past the record at `begin_`, which holds more than the maximum
    /// row size, without buffering it; see the file comment.
    void skip_overlong_record(csv_record& record);
    /// Makes `record` the overlong record that starts with `first_bytes`.
    void mark_overlong(csv_record& record, std::string_view first_bytes);

    std::unique_ptr<source> source_;
    std::string source_name_;
    std::vector<char> buffer_;
    std::size_t begin_ = 0; // first unconsumed byte in buffer_
    std::size_t end_ = 0;   // one past the last valid byte in buffer_
    bool eof_ = false;
    bool last_fill_full_ = false; // the last read filled the buffer: the input is large
    bool at_start_ = true;        // a byte-order mark is only skipped at the very start
    bool ended_inside_quotes_ = false;
    std::uint64_t line_ = 1;
    std::uint64_t consumed_ = 0;
    std::size_t max_row_bytes_ = default_max_row_bytes;
    std::string overlong_reason_; // "row longer than N bytes"
    std::string overlong_raw_;    // the first bytes of the last overlong row, marked
    class sha256* digest_ = nullptr;
    const char* invalid_text_reason_ = "invalid UTF-8";
    std::string unescaped_;                   // storage for fields with doubled quotes
    std::vector<std::size_t> doubled_fields_; // of the record being parsed
};

/// The names a file's header gives the columns ctrace reads, where they are
/// not ctrace's own (`person` is `身份证号` in a health-code export). Names
/// are compared byte for byte, after the byte-order mark.
class column_names {
public:
    column_names() = default;
    /// Parses `person=身份证号,place=场所码`: comma-separated `NAME=HEADER`
    /// pairs, NAME one of `known`. Throws `parameter_error` for `parameter`
    /// on a malformed pair, an unknown or repeated NAME, or an empty HEADER.
    static column_names parse(std::string_view text, std::span<const std::string_view> known,
                              const std::string& parameter);
    /// Maps `name` to the header's `header_name`.
    void set(std::string name, std::string header_name);
    bool empty() const noexcept { return pairs_.empty(); }
    /// The (name, header name) pairs in the order given.
    const std::vector<std::pair<std::string, std::string>>& pairs() const noexcept {
        return pairs_;
    }

private:
    std::vector<std::pair<std::string, std::string>> pairs_;
};

/// The header of a CSV file: maps column names to positions.
class csv_header {
public:
    csv_header() = default;
    /// Takes the names from a header record. Throws `input_error` naming the
    /// file when the record is malformed or a name appears twice.
    csv_header(const csv_record& record, const std::string& source_name);
    /// Same, then gives the columns of `names` ctrace's names: a column the
    /// header calls `身份证号` is then found as `person` (and a column the
    /// header itself calls `person` is no longer found). Throws `input_error`
    /// naming the file and both names when the header has no such column.
    csv_header(const csv_record& record, const std::string& source_name, const column_names& names);

    /// Position of `name`, or -1 when absent.
    int find(std::string_view name) const noexcept;
    /// Position of `name`; throws `input_error` naming file and column when absent.
    int require(std::string_view name, const std::string& source_name) const;
    std::size_t size() const noexcept { return names_.size(); }
    /// "the header has N columns: 'a', 'b', ..." as the file names them
    /// (before any mapping): what an error about a missing column shows, so
    /// that a misspelt name or a wrong encoding is seen at once.
    std::string columns_as_read() const;

private:
    std::vector<std::string> names_;
    std::vector<std::string> as_read_;
};

/// Appends `field` to `out`, quoted only when it holds a comma, a double
/// quote, CR or LF (RFC 4180).
void append_csv_field(std::string& out, std::string_view field);

/// Writes to a stream and keeps the errno of the first write that failed
/// (later calls may change errno), for the `output_error` naming the output.
class checked_output {
public:
    /// `what` names the output in the `output_error` `finish` throws.
    checked_output(std::ostream& out, std::string what);
    void write(std::string_view bytes);
    /// Flushes; throws `output_error` ("cannot write" and the system's
    /// reason) when a write or the flush failed.
    void finish();

private:
    std::ostream& out_;
    std::string what_;
    int failure_errno_ = 0;
};

/// Writes CSV rows to a stream through a buffer of about a megabyte: fields
/// are quoted as `append_csv_field` does, rows end with LF.
class csv_writer {
public:
    /// `what` names the output in the `output_error` thrown when writing fails.
    csv_writer(std::ostream& out, std::string what);
    /// Formats rows into `into` (appended), for writing elsewhere later.
    explicit csv_writer(std::string& into);
    /// A field (quoted when needed), preceded by a comma unless it is the
    /// first of its row.
    csv_writer& field(std::string_view text);
    csv_writer& field(std::int64_t value);
    csv_writer& field(std::uint64_t value);
    csv_writer& field(std::uint32_t value) { return field(std::uint64_t{value}); }
    /// A time as `append_time` writes it.
    csv_writer& time(time_point t, utc_offset tz);
    /// A real number in the shortest text that reads back the same
    /// (`std::to_chars`).
    csv_writer& number(double value);
    /// A field written as is: the caller guarantees it needs no quoting.
    csv_writer& raw(std::string_view text);
    /// Ends the row.
    void end_row();
    /// Writes what is buffered and flushes; throws `output_error` when the stream
    /// has failed.
    void finish();

private:
    void separate();
    /// Writes `buffer_` out and empties it.
    void write_buffer();
    std::optional<checked_output> out_; ///< none: rows stay in `buffer_`
    std::string own_buffer_;
    std::string& buffer_;
    bool row_started_ = false;
};

/// Rows left out under --skip-bad as CSV (docs/semantics.md §6): header
/// `line,reason,raw`, or `file,line,reason,raw` with `with_file` (rows of
/// several files).
std::string rejects_csv(const std::vector<bad_row>& rows, bool with_file);

/// True when `bytes` hold no byte >= 0x80 and no NUL (8 bytes at a time): the
/// common case, valid UTF-8 without a check of each byte.
bool is_plain_ascii_without_nul(std::string_view bytes) noexcept;
/// True when `bytes` is valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool is_valid_utf8(std::string_view bytes) noexcept;

} // namespace ctrace
