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
    /// Same, with `hash == hash_bytes(id)` computed by the caller (who may
    /// have called `prefetch(hash)` a while before, to hide the memory latency).
    index_type intern(std::string_view id, std::uint64_t hash);
    /// Starts loading the slot where an id with this hash would be.
    void prefetch(std::uint64_t hash) const noexcept {
        if (!slots_.empty()) __builtin_prefetch(&slots_[hash & (slots_.size() - 1)]);
    }
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
    /// Open addressing, linear probing. A slot holds the id's first 8 bytes
    /// (zero-padded), index + 1 (0 = empty) and a tag of hash bits and length:
    /// ids of up to 8 bytes — most ids — are found without touching `bytes_`.
    struct slot {
        std::uint64_t prefix;
        std::uint32_t index_plus_one;
        std::uint32_t tag;
    };
    static std::uint64_t prefix_of(std::string_view id) noexcept;
    static std::uint32_t tag_of(std::uint64_t hash, std::size_t length) noexcept;
    /// The slot where `id` is, or the empty slot where it would go.
    std::size_t probe(std::string_view id, std::uint64_t hash, std::uint64_t prefix,
                      std::uint32_t tag) const noexcept;
    std::vector<slot> slots_;
};

/// A fast 64-bit hash of a byte string.
std::uint64_t hash_bytes(std::string_view bytes) noexcept;

} // namespace ctrace
