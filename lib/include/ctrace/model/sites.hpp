#pragma once
/// \file
/// Sites (docs/semantics.md §8.1): place codes are issued one per door, floor
/// or zone of a venue; the places file's `site` column names the venue a code
/// belongs to. At site level every stay's place is its code's site (a code
/// without a site is its own site) and stays merge per (person, site), as the
/// scan rows' intervals would have: merging is a union, so merging the
/// code-level stays gives what merging the rows per site gives.

#include "ctrace/model/dataset.hpp"

#include <string_view>

namespace ctrace {

/// The site of a place code (docs/semantics.md §8.1): the places file's
/// `site` in the code's row `row` when it gives one, else the code itself.
/// `row` is `id_table::npos` for a code the places file does not list.
std::string_view site_of(const place_table& places, place_index row,
                         std::string_view code) noexcept;

/// Throws `parameter_error` for "contact_level" when `places` gives no sites
/// (no places were read, or the places file has no `site` column): tracing
/// "at sites" would then silently trace at the codes.
void require_sites(const place_table& places);

/// The sites of place codes: `sites` interned in the order their first code
/// appears in `places` (so the sites of the places file's codes come first),
/// and `site_of[x]` the site index of code `x`. `codes` is the places file
/// (its first `codes.size()` entries are `places`' first).
struct code_sites {
    id_table sites;
    std::vector<std::uint32_t> site_of;
    /// Sites of the places file's codes (they come first).
    std::size_t listed_sites = 0;
};
code_sites site_of_codes(const place_table& codes, const id_table& places);

/// Rolls `data` (at code level) up to sites: places become the sites (in the
/// order their first code appears), stays are re-merged per (person, site),
/// and the place metadata becomes the sites': a site listed as a place in
/// the places file keeps that row's metadata; its minimum overlap is the
/// smallest among its own row and its codes' rows (§8.2). The sites of the
/// places file's codes come first. Records the level in `data.parameters`.
/// Throws as `require_sites` does, leaving `data` unchanged, when there are
/// no sites.
void roll_up_to_sites(dataset& data);

} // namespace ctrace
