#pragma once
#include "cli_common.hpp"

namespace ctrace::cli {
command trace_command();
} // namespace ctrace::cli
