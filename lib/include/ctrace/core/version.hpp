#pragma once
#include <string_view>

namespace ctrace {
/// The library version, `MAJOR.MINOR.PATCH`.
std::string_view version() noexcept;
} // namespace ctrace
