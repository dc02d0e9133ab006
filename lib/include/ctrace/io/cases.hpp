#pragma once
/// \file
/// Reading index cases (docs/semantics.md §1, §4).
///
/// Case `c` is infectious during `[a_c, b_c)`: `a_c = from`, or
/// `onset - lookback` when `from` is absent or empty, or
/// `max(onset - lookback, last_negative)` when `last_negative` (a negative
/// test found by screening, §8.5) is given too; `b_c = to`, or `until` when
/// `to` is empty. `b_c <= a_c` is an error, and so are a `last_negative`
/// later than the onset and a person listed twice. An `onset` given beside
/// `from` is kept (`index_case::onset`) when it reads; when it does not and
/// nothing needs it (no `last_negative`, not `require_onset`) it is left
/// out, as it always was. Every bad row of a cases file is fatal.

#include "ctrace/core/defaults.hpp"
#include "ctrace/core/id_table.hpp"
#include "ctrace/core/time.hpp"
#include "ctrace/core/types.hpp"
#include "ctrace/io/csv.hpp"
#include "ctrace/io/decoded_input.hpp"

#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

namespace ctrace {

struct index_case {
    person_index person = 0;
    time_point from = 0;           ///< a_c, inclusive
    time_point to = time_infinity; ///< b_c, exclusive; `time_infinity` = no end
    std::uint64_t line = 0;        ///< line in the cases file, for messages
    /// Symptom onset (or, for an asymptomatic case, the positive sample's
    /// time); `time_infinity` when the cases file gives none. Backward
    /// tracing (`sources.hpp`) needs it; the forward trace only uses it
    /// through `from`.
    time_point onset = time_infinity;
};

/// The columns a cases file may have, as ctrace names them.
inline constexpr std::string_view cases_file_columns[] = {"person", "from", "onset", "to",
                                                          "last_negative"};

struct case_read_options {
    utc_offset tz{};
    /// The header's names for `person`, `from`, `onset`, `to` and
    /// `last_negative`, where they differ.
    column_names columns;
    /// The file's text encoding (gzip and zstd files are recognised by their
    /// first bytes and read decompressed).
    input_encoding encoding = input_encoding::utf8;
    /// The layout of `from`, `onset`, `to` and `last_negative` when they are neither epoch
    /// seconds nor ISO 8601: tried first, then the default forms.
    std::optional<time_format> time_layout;
    duration lookback = defaults::lookback;
    time_point until = time_infinity;
    /// Every case must have an `onset` (backward tracing): a row without one
    /// is a bad row, a file without the column an `input_error`.
    bool require_onset = false;
};

/// Reads a cases file (columns `person`, and `from` or `onset`; optional `to`
/// and `last_negative`),
/// interning case ids into `persons`. Throws `bad_rows_error` when any row is
/// bad and `input_error` for a missing column or unreadable file; on any throw
/// `persons` is left as it was.
std::vector<index_case> read_cases(std::istream& in, const std::string& source_name,
                                   id_table& persons, const case_read_options& options);
std::vector<index_case> read_cases(const std::filesystem::path& path, id_table& persons,
                                   const case_read_options& options);

} // namespace ctrace
