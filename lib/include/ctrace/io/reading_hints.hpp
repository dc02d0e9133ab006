#pragma once
/// \file
/// What a file's bad rows have in common when one reading option, not the
/// data, is wrong: every row refused as invalid UTF-8 is valid GB18030, or
/// the first rows of a time column all fail to parse (a layout the default
/// forms do not read). Front ends turn a hint into advice naming their own
/// options (`--encoding gb18030`, `--time-format '%d.%m.%Y %H:%M'`).

#include "ctrace/core/error.hpp"

#include <optional>
#include <string>
#include <vector>

namespace ctrace {

struct reading_hint {
    enum class kind {
        /// The rows are GB18030 text: `encoding` is "gb18030".
        encoding,
        /// The time column `column` holds a layout of its own; `samples`
        /// are its first values (at most 3) and `layout`, when one fits every
        /// kept row, a `time_format` pattern that reads them.
        time_format,
    };
    kind what = kind::encoding;
    std::string encoding;
    std::string column;
    std::vector<std::string> samples;
    std::optional<std::string> layout;
};

/// The hint the kept rows of `e` give, if any:
/// - `encoding` when every kept row was refused as invalid UTF-8 and its raw
///   bytes are valid GB18030;
/// - `time_format` when the kept rows are the file's first data rows (lines
///   2, 3, ... in a row) and each failed to parse the same time column
///   (`time`, `leave`, `from`, `onset`, `to` or `last_negative`) with a
///   non-empty value.
/// Anything else (a few bad rows among good ones, mixed reasons) gives none:
/// the data, not the option, is at fault there.
std::optional<reading_hint> reading_hint_of(const bad_rows_error& e);

} // namespace ctrace
