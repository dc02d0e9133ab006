#pragma once
// "Did you mean": the known name nearest a misspelt one (an option, a
// command, a configuration key), for error messages that teach.

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace ctrace::cli {

/// The number of single-character edits (insert, delete, replace, or swap
/// of two neighbours) that turn `a` into `b` (optimal string alignment).
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate nearest `name`, when it is near enough to be a likely typo:
/// at most 2 edits away, or a third of `name`'s length for long names, and
/// never `name` itself. Ties go to the first candidate given.
std::optional<std::string> nearest_name(std::string_view name,
                                        std::span<const std::string> candidates);

/// "; did you mean 'PREFIX<nearest>'?" or "" when nothing is near.
std::string did_you_mean(std::string_view name, std::span<const std::string> candidates,
                         std::string_view prefix = "");

} // namespace ctrace::cli
