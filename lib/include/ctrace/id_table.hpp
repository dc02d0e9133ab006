#pragma once
/// \file
/// Interning of opaque string ids into dense 32-bit indices.
///
/// Ids are compared byte-wise, never trimmed or case-folded. Indices are
/// assigned in order of first appearance, starting at 0. The bytes of all ids
/// live in one contiguous buffer, so a table of millions of ids costs about
/// (id length + 12) bytes per id plus the hash slots.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace ctrace {

class id_table {
public:
    using index_type = std::uint32_t;
    static constexpr index_type npos = ~index_type{0};

    /// Index of `id`, adding it when new. Throws `error` past 2^32 - 2 ids.
    index_type intern(std::string_view id);
    /// Index of `id`, or `npos` when absent.
    index_type find(std::string_view id) const noexcept;
    /// The id of index `i` (`i < size()`); valid until the next `intern`.
    std::string_view operator[](index_type i) const noexcept {
        return {bytes_.data() + offsets_[i],
                static_cast<std::size_t>(offsets_[i + 1] - offsets_[i])};
    }
    std::size_t size() const noexcept { return offsets_.size() - 1; }
    bool empty() const noexcept { return size() == 0; }

    /// Forgets every id with index >= `n` (used to undo a failed read).
    void truncate(std::size_t n);
    void reserve(std::size_t ids, std::size_t bytes);

    /// Indices sorted by id, byte-wise: `order[k]` is the k-th smallest id.
    std::vector<index_type> sorted_order() const;

private:
    void grow_slots();
    std::vector<char> bytes_;
    std::vector<std::uint64_t> offsets_{0};
    /// Open addressing, linear probing; each slot holds index + 1 (0 = empty)
    /// in the low 32 bits and the hash's high 32 bits above, so most probes
    /// that miss never touch the id bytes.
    std::vector<std::uint64_t> slots_;
};

/// A fast 64-bit hash of a byte string.
std::uint64_t hash_bytes(std::string_view bytes) noexcept;

} // namespace ctrace
