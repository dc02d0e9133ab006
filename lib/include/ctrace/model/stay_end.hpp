#pragma once
/// \file
/// How a scan without check-out ends (docs/semantics.md §9n, spec field.md
/// §9): after the place's dwell (`dwell`, §2.1), or at the person's next
/// scan at another place if that comes sooner (`next_scan`).
///
/// Few people check out, so a scan without `leave` lasts the full dwell
/// even when the person scanned somewhere else ten minutes later; every such
/// over-long stay can make a false close contact.
///
/// Under `next_scan`, a row without `leave` at place x at time t becomes
/// `[t, min(t + dwell, n))`, where n is the smallest `time` of the same
/// person's rows that is strictly greater than t and whose place (at the
/// contact level in force: a code's site at site level) is not x; without
/// one, n = +inf. Rows with `leave` keep `[time, leave)` but still count as
/// next scans of the others. A re-scan of the same place cuts nothing.

#include "ctrace/core/types.hpp"
#include "ctrace/io/scans.hpp"
#include "ctrace/model/stays.hpp"

#include <span>
#include <string_view>
#include <vector>

namespace ctrace {

enum class stay_end_rule : std::uint8_t { dwell, next_scan };

/// "dwell" or "next-scan"; throws `parameter_error` for "stay_end" otherwise.
stay_end_rule parse_stay_end(std::string_view text);
std::string_view stay_end_name(stay_end_rule rule) noexcept;

/// Cuts the visits without check-out at their person's next scan elsewhere
/// (the rule above). `checked_out[i]` says whether visit i had a `leave`
/// (the same size as `visits`). `group_of_place`, when not empty, maps each
/// place index to the place it counts as for "another place" (its site);
/// empty, each place is its own. Ends only get earlier; the visits come
/// back in (person, start) order (stays do not depend on the order). Throws
/// `error` when the sizes disagree or a place has no group, leaving `visits`
/// unchanged.
void cut_at_next_scan(std::vector<visit>& visits, const std::vector<bool>& checked_out,
                      std::span<const std::uint32_t> group_of_place = {});

/// `cut_at_next_scan(visits, checked_out, group_of_place)` followed by
/// `build_stays(visits, person_count, place_count)`: the same stays in the
/// same order, with two passes over the visits fewer (the cut writes the
/// keys the stays are sorted by) and the cut's rows in the visits' own
/// memory (one 16-byte buffer per visit beside them, not two). Throws as
/// those do.
stay_table build_stays_ending_at_next_scan(std::vector<visit> visits,
                                           const std::vector<bool>& checked_out,
                                           std::span<const std::uint32_t> group_of_place,
                                           std::size_t person_count, std::size_t place_count);

/// A visit with its check-out flag: the rows a next-scan store keeps, so
/// that a later dump can cut them again (`storage/store.hpp`).
struct flagged_visit {
    visit v;
    bool checked_out = false;
};

/// The same rule on rows that carry their flags: the rows come back in
/// (person, start) order (ties in no particular order), each with its flag
/// and its end cut. Rows whose end is already cut (by scans no longer among
/// them) are cut again only by the scans that are: ends only get earlier, so
/// cutting rows again with more scans equals cutting them once with all.
/// Throws like the function above, leaving `rows` unchanged.
void cut_at_next_scan(std::vector<flagged_visit>& rows,
                      std::span<const std::uint32_t> group_of_place = {});

} // namespace ctrace
