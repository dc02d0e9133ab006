#pragma once
/// \file
/// Exception types. Every error raised by the library derives from
/// `ctrace::error`. Two families say whose problem it is: `input_error` (the
/// data or a parameter is wrong, or an input cannot be read: the CLI exits 2)
/// and `output_error` (an output cannot be written: a full disk, a
/// permission, an I/O error; the CLI exits 74, EX_IOERR). Messages name
/// parameters as the library calls them, never command-line flags.

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace ctrace {

/// Base class of all ctrace errors.
class error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// The user's input (a file, a value, an option) is wrong. `what()` is a
/// complete one-line message, naming the file (and line) where there is one.
class input_error : public error {
public:
    using error::error;
};

/// A parameter's value cannot be used. `parameter()` is the library's name
/// for it (the field of the options struct: `tz`, `default_dwell`,
/// `pseudonyms`), so that a front end can put its own spelling (a
/// command-line flag) in front of `what()`.
class parameter_error : public input_error {
public:
    parameter_error(std::string parameter, const std::string& message)
        : input_error(message), parameter_(std::move(parameter)) {}
    const std::string& parameter() const noexcept { return parameter_; }

private:
    std::string parameter_;
};

/// A time or duration string that does not parse. Carries no location; readers
/// turn it into a row-level error.
class parse_error : public input_error {
public:
    using input_error::input_error;
};

/// One rejected input row: its first line (the header is line 1), why it was
/// rejected, and its raw text without the line terminator.
struct bad_row {
    std::uint64_t line = 0;
    std::string reason;
    std::string raw;
    /// The file, when rows of several files are gathered (else empty).
    std::string file;
};

/// One or more rows of a file are bad and the read was strict. `rows()` holds
/// at most `max_kept_rows` of them; `total()` counts them all.
class bad_rows_error : public input_error {
public:
    static constexpr std::size_t max_kept_rows = 20;

    bad_rows_error(std::string file, std::vector<bad_row> rows, std::uint64_t total);

    const std::string& file() const noexcept { return file_; }
    const std::vector<bad_row>& rows() const noexcept { return rows_; }
    std::uint64_t total() const noexcept { return total_; }

    /// `FILE:LINE: reason` lines for the kept rows, then a count of the rest.
    std::string report() const;

private:
    std::string file_;
    std::vector<bad_row> rows_;
    std::uint64_t total_;
};

/// A file's text is not valid in the encoding it was read in, and is valid
/// in `suggested_encoding()` (`gb18030`): the reading option is wrong, not
/// the file.
class encoding_error : public input_error {
public:
    encoding_error(const std::string& message, std::string suggested_encoding)
        : input_error(message), suggested_encoding_(std::move(suggested_encoding)) {}
    const std::string& suggested_encoding() const noexcept { return suggested_encoding_; }

private:
    std::string suggested_encoding_;
};

/// A file named by the caller could not be opened or read, or an output path
/// names a folder, or a folder that does not exist: the caller's input.
class io_error : public input_error {
public:
    using input_error::input_error;
};

/// An output (a file, a stream, a folder, the store) could not be created,
/// written, synced or renamed into place. `what()` is `TARGET: REASON`, with
/// the system's reason ("No space left on device") where there is one.
class output_error : public error {
public:
    output_error(std::string target, std::string reason);

    /// The file or stream, as the caller named it.
    const std::string& target() const noexcept { return target_; }
    const std::string& reason() const noexcept { return reason_; }

    /// `reason` followed by the system's text for `errno_value` (when not 0).
    static std::string with_system_reason(std::string reason, int errno_value);

private:
    std::string target_;
    std::string reason_;
};

} // namespace ctrace
