#pragma once
// Stays in person order, as sort keys (internal to ctrace).

#include "ctrace/stays.hpp"

#include <cstdint>
#include <vector>

namespace ctrace::detail {

/// `(person << 32) | row` for every row of `stays`, ascending: what
/// `stay_rows_by_person` returns, with each row's person beside it so callers
/// need not look it up (a random access per stay). Same errors.
std::vector<std::uint64_t> person_sorted_stay_keys(const stay_table& stays,
                                                   std::size_t person_count);

} // namespace ctrace::detail
