#pragma once
/// \file
/// Exception types. Every error raised by the library derives from
/// `ctrace::error`; the CLI maps `input_error` (and its subclasses) to exit
/// status 2 and anything else to 1.

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
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

/// A file could not be opened, read or written.
class io_error : public input_error {
public:
    using input_error::input_error;
};

} // namespace ctrace
