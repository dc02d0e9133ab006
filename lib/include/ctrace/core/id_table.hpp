#pragma once
/// \file
/// Interning of opaque string ids into dense 32-bit indices.
///
/// Ids are compared byte-wise, never trimmed or case-folded. Indices are
/// assigned in order of first appearance, starting at 0. The bytes of all ids
/// live in one contiguous buffer, so a table of millions of ids costs about
/// (id length + 8) bytes per id plus 64 to 128 bytes of hash slots.
///
/// Lookups are built for tables far larger than the cache (millions of ids
/// met in random order): a slot holds an id of up to 24 bytes itself, so
/// such an id is found with one memory access; `intern_batch` overlaps those
/// accesses across many ids.

#include <cstddef>
#include <cstdint>
#include <span>
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
    /// Interns `ids[k]` (with `hashes[k] == hash_bytes(ids[k])`) into
    /// `indices[k]` for every k, in order: the same indices as calling
    /// `intern` one id after another, but the memory accesses of neighbouring
    /// ids overlap (a software pipeline). Any batch size works; the larger,
    /// the less the pipeline's start costs.
    void intern_batch(std::span<const std::string_view> ids, std::span<const std::uint64_t> hashes,
                      std::span<index_type> indices);
    /// Starts loading where the bytes of id `i` are (`i < size()`).
    void prefetch_location(index_type i) const noexcept { __builtin_prefetch(&offsets_[i]); }
    /// Starts loading the bytes of id `i` (best after `prefetch_location(i)`).
    void prefetch_bytes(index_type i) const noexcept {
        __builtin_prefetch(bytes_.data() + offsets_[i]);
    }
    /// Index of `id`, or `npos` when absent.
    index_type find(std::string_view id) const noexcept;
    /// Same, with `hash == hash_bytes(id)` computed by the caller. Safe to
    /// call from several threads at once while nobody interns.
    index_type find(std::string_view id, std::uint64_t hash) const noexcept;
    /// `find` for every `ids[k]` into `indices[k]`, the memory accesses of
    /// neighbouring ids overlapping (as in `intern_batch`). Same thread safety.
    void find_batch(std::span<const std::string_view> ids, std::span<const std::uint64_t> hashes,
                    std::span<index_type> indices) const noexcept;
    /// The id of index `i` (`i < size()`); valid until the next `intern`.
    std::string_view operator[](index_type i) const noexcept {
        return {bytes_.data() + offsets_[i],
                static_cast<std::size_t>(offsets_[i + 1] - offsets_[i])};
    }
    std::size_t size() const noexcept { return offsets_.size() - 1; }
    bool empty() const noexcept { return size() == 0; }

    /// Interns a handful of ids, in order, like `intern` one after another.
    /// Without an index (after `release_index`) it finds them in one pass
    /// over all ids instead of rebuilding the index.
    std::vector<index_type> intern_few(std::span<const std::string_view> ids);
    /// The indices of a handful of ids (`npos` for those absent), found as
    /// `intern_few` finds them but adding nothing: several threads may look
    /// up one table at once while nobody interns.
    std::vector<index_type> find_few(std::span<const std::string_view> ids) const;
    /// Frees the hash index (most of the table's memory once the ids are
    /// read). The ids stay; the next `intern` or `intern_batch` rebuilds the
    /// index, `intern_few` does without it and `find` looks at every id.
    void release_index() noexcept { slots_ = {}; }
    bool has_index() const noexcept { return !slots_.empty() || empty(); }
    /// Appends `id` as the next index without looking for it: for ids known
    /// to be distinct, or checked afterwards with `find_repeat`. Drops the
    /// index (rebuilt when next needed).
    void append_unchecked(std::string_view id);
    /// The index of an id that appears twice (its second appearance), or
    /// `npos` when all ids are distinct. Costs a sort of the ids' hashes.
    index_type find_repeat() const;

    /// Forgets every id with index >= `n` (used to undo a failed read).
    void truncate(std::size_t n);
    void reserve(std::size_t ids, std::size_t bytes);

    /// The bytes of every id, in index order, and where each starts: id `i`
    /// is `bytes()[offsets()[i] .. offsets()[i + 1])` (`offsets()` has
    /// `size() + 1` entries). For writers that store the table as columns.
    std::span<const char> bytes() const noexcept { return {bytes_.data(), offsets_.back()}; }
    std::span<const std::uint64_t> offsets() const noexcept { return offsets_; }

    /// Indices sorted by id, byte-wise: `order[k]` is the k-th smallest id.
    std::vector<index_type> sorted_order() const;

private:
    /// Rebuilds the slots for at least `ids` ids (load at most one half).
    void grow_slots(std::size_t ids);
    std::vector<char> bytes_;
    std::vector<std::uint64_t> offsets_{0};
    /// Open addressing, linear probing. A slot holds index + 1 (0 = empty),
    /// a tag of 24 hash bits and the length (capped at 255), and three words:
    /// an id of up to 24 bytes itself, zero-padded; a longer id's first 16
    /// bytes and the offset of all its bytes in `bytes_`. Most ids (resident
    /// numbers, place codes, short pseudonyms) are thus compared in three
    /// word compares within the one cache line of their slot, and `bytes_` is
    /// only read for longer ids whose first 16 bytes match.
    struct alignas(32) slot {
        std::uint64_t word[3];
        std::uint32_t index_plus_one;
        std::uint32_t tag;
    };
    static constexpr std::size_t inline_length = 24;
    /// The words a slot holds for `id` (the offset word left 0 for long ids).
    struct key {
        std::uint64_t word[3];
    };
    static key key_of(std::string_view id) noexcept;
    static std::uint32_t tag_of(std::uint64_t hash, std::size_t length) noexcept;
    bool holds(const slot& candidate, std::string_view id, const key& k,
               std::uint32_t tag) const noexcept;
    /// The slot where `id` is, or the empty slot where it would go.
    std::size_t probe(std::string_view id, std::uint64_t hash, const key& k,
                      std::uint32_t tag) const noexcept;
    /// Interns `id` whose probe ended at `at`.
    index_type insert_at(std::size_t at, std::string_view id, const key& k, std::uint32_t tag);
    /// Appends the bytes of `id` as the next index, which it returns.
    index_type push_bytes(std::string_view id);
    /// The slot of id `index`, whose bytes are pushed already.
    slot slot_of(std::string_view id, const key& k, index_type index,
                 std::uint32_t tag) const noexcept;
    /// The index a probe's slot holds, or `npos` for an empty slot.
    static index_type index_in(const slot& s) noexcept {
        return s.index_plus_one == 0 ? npos : s.index_plus_one - 1;
    }
    /// Makes room for `more` new ids without regrowing in between.
    void make_room(std::size_t more) {
        if ((size() + more) * 2 > slots_.size()) grow_slots(size() + more);
    }
    std::vector<slot> slots_;
};

/// A fast 64-bit hash of a byte string.
std::uint64_t hash_bytes(std::string_view bytes) noexcept;

} // namespace ctrace
