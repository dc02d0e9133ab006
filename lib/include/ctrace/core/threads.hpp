#pragma once
/// \file
/// How many threads ctrace's large passes use (sorting and merging stays,
/// building the graph, writing lists, HDF5 chunks): one per core unless
/// limited. A process that runs several ctrace workers on one machine (the
/// ranks of `ctrace-mpi`) limits each.

namespace ctrace {

/// Limits the large passes to `threads` threads; 0 lifts the limit (one per
/// core, the default). The scans reader's own `scan_read_options::threads`
/// is separate. Set it before starting work, not during.
void set_thread_limit(unsigned threads) noexcept;

/// The limit set, 0 when none.
unsigned thread_limit() noexcept;

} // namespace ctrace
