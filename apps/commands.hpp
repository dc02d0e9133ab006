#pragma once
#include "cli_common.hpp"

namespace ctrace::cli {
command gen_command();
command trace_command();
command snapshot_command();
command ingest_command();
command daily_command();
command places_command();
command rank_command();
command clusters_command();
command reveal_command();
} // namespace ctrace::cli
