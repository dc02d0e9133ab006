#pragma once
// Exit statuses and the one place where errors become messages on stderr.

#include <exception>
#include <functional>
#include <string>
#include <string_view>

namespace ctrace::cli {

/// Exit statuses (documented in `ctrace help`, the README and SECURITY.md).
inline constexpr int exit_ok = 0;
inline constexpr int exit_internal = 1;
inline constexpr int exit_bad_input = 2;
/// An output could not be written: a full disk, a permission, an I/O error
/// (EX_IOERR from sysexits.h).
inline constexpr int exit_output_failed = 74;
/// Another job holds the store (EX_TEMPFAIL from sysexits.h: try again later).
inline constexpr int exit_busy = 75;

/// Runs `body`, turning exceptions into one message on stderr (naming the
/// flag of a `parameter_error`) and an exit status.
/// The executable's name in messages: "ctrace" unless set ("ctrace-mpi").
const char* program_name() noexcept;
void set_program_name(const char* name) noexcept;

int guarded(const char* command_name, const std::function<int()>& body);
/// The exit status `guarded` gives for `e`.
int exit_status_for(const std::exception& e) noexcept;
/// The command-line flag that sets a library parameter ("--tz" for "tz"),
/// or empty when no flag does.
std::string flag_of(std::string_view parameter);
/// `e.what()`, with the command-line flag in front when `e` is a
/// `parameter_error` (the library names parameters, not flags).
std::string message_for(const std::exception& e);

} // namespace ctrace::cli
