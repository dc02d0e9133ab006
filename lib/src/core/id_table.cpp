#include "ctrace/core/id_table.hpp"

#include "ctrace/core/error.hpp"

#include <algorithm>
#include <cstring>

namespace ctrace {

namespace {

inline std::uint64_t mix(std::uint64_t a, std::uint64_t b) noexcept {
    const __uint128_t product = static_cast<__uint128_t>(a) * b;
    return static_cast<std::uint64_t>(product) ^ static_cast<std::uint64_t>(product >> 64);
}

constexpr std::uint64_t seed0 = 0xa0761d6478bd642fULL;
constexpr std::uint64_t seed1 = 0xe7037ed1a0b428dbULL;
constexpr std::uint64_t seed2 = 0x8ebc6af09c88c6e3ULL;

inline std::uint64_t load64(const char* p) noexcept {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
}

inline std::uint64_t load_tail(const char* p, std::size_t n) noexcept {
    std::uint64_t v = 0;
    std::memcpy(&v, p, n);
    return v;
}

/// `memcmp(a, b, n) == 0` for n > 8, a word at a time (ids are short; a
/// library call costs more than the compare).
inline bool same_bytes(const char* a, const char* b, std::size_t n) noexcept {
    std::uint64_t differ = 0;
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8)
        differ |= load64(a + i) ^ load64(b + i);
    if (i < n) differ |= load64(a + n - 8) ^ load64(b + n - 8);
    return differ == 0;
}

/// Calls `visit(k)` for every k in order while the home slot of id k + d is
/// already being loaded: the memory accesses of neighbouring ids overlap
/// instead of queueing (a software pipeline). `slots` must stay put.
template <typename Slot, typename Visit>
void for_each_prefetched(const Slot* slots, std::size_t mask, std::span<const std::uint64_t> hashes,
                         Visit visit) {
    constexpr std::size_t d = 16;
    const std::size_t n = hashes.size();
    for (std::size_t k = 0; k < std::min(n, d); ++k)
        __builtin_prefetch(&slots[hashes[k] & mask]);
    for (std::size_t k = 0; k < n; ++k) {
        if (k + d < n) __builtin_prefetch(&slots[hashes[k + d] & mask]);
        visit(k);
    }
}

} // namespace

std::uint64_t hash_bytes(std::string_view s) noexcept {
    // Multiply-mix over 8-byte words (the wyhash family's construction).
    std::uint64_t h = seed0 ^ (s.size() * seed1);
    const char* p = s.data();
    std::size_t n = s.size();
    while (n >= 16) {
        h = mix(load64(p) ^ seed1, load64(p + 8) ^ h);
        p += 16;
        n -= 16;
    }
    if (n >= 8) {
        h = mix(load64(p) ^ seed1, load64(p + n - 8) ^ h);
    } else if (n > 0) {
        h = mix(load_tail(p, n) ^ seed1, h ^ seed2);
    }
    return mix(h ^ seed2, s.size() ^ seed1);
}

id_table::key id_table::key_of(std::string_view id) noexcept {
    key k{{0, 0, 0}};
    std::memcpy(k.word, id.data(),
                std::min(id.size(), id.size() <= inline_length ? inline_length : 16));
    return k;
}

std::uint32_t id_table::tag_of(std::uint64_t hash, std::size_t length) noexcept {
    // High hash bits above (the low ones chose the slot), the length (capped)
    // in the low byte.
    return static_cast<std::uint32_t>((hash >> 40) << 8) |
           static_cast<std::uint32_t>(std::min<std::size_t>(length, 255));
}

bool id_table::holds(const slot& candidate, std::string_view id, const key& k,
                     std::uint32_t tag) const noexcept {
    if (candidate.tag != tag) return false;
    // Equal tags mean equal lengths (below 255), so zero padding is no
    // ambiguity.
    const std::uint64_t differ = (candidate.word[0] ^ k.word[0]) | (candidate.word[1] ^ k.word[1]);
    if (id.size() <= inline_length) return (differ | (candidate.word[2] ^ k.word[2])) == 0;
    if (differ != 0) return false;
    const std::uint64_t at = candidate.word[2];
    if (id.size() >= 255 && offsets_[candidate.index_plus_one] - at != id.size()) return false;
    return same_bytes(bytes_.data() + at, id.data(), id.size());
}

std::size_t id_table::probe(std::string_view id, std::uint64_t hash, const key& k,
                            std::uint32_t tag) const noexcept {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t s = hash & mask;; s = (s + 1) & mask) {
        const slot& candidate = slots_[s];
        if (candidate.index_plus_one == 0 || holds(candidate, id, k, tag)) return s;
    }
}

id_table::index_type id_table::find(std::string_view id) const noexcept {
    return find(id, hash_bytes(id));
}

id_table::index_type id_table::find(std::string_view id, std::uint64_t h) const noexcept {
    if (slots_.empty()) {
        // No index (never built, or released): look at every id.
        for (std::size_t i = 0; i < size(); ++i)
            if ((*this)[static_cast<index_type>(i)] == id) return static_cast<index_type>(i);
        return npos;
    }
    return index_in(slots_[probe(id, h, key_of(id), tag_of(h, id.size()))]);
}

id_table::index_type id_table::intern(std::string_view id) {
    return intern(id, hash_bytes(id));
}

id_table::index_type id_table::intern(std::string_view id, std::uint64_t h) {
    make_room(1);
    const key k = key_of(id);
    const std::uint32_t tag = tag_of(h, id.size());
    return insert_at(probe(id, h, k, tag), id, k, tag);
}

id_table::index_type id_table::insert_at(std::size_t at, std::string_view id, const key& k,
                                         std::uint32_t tag) {
    slot& found = slots_[at];
    if (found.index_plus_one != 0) return found.index_plus_one - 1;
    const index_type index = push_bytes(id);
    found = slot_of(id, k, index, tag);
    return index;
}

id_table::index_type id_table::push_bytes(std::string_view id) {
    if (size() >= npos - 1) throw error("more than 4294967294 distinct ids");
    const auto index = static_cast<index_type>(size());
    bytes_.insert(bytes_.end(), id.begin(), id.end());
    offsets_.push_back(bytes_.size());
    return index;
}

id_table::slot id_table::slot_of(std::string_view id, const key& k, index_type index,
                                 std::uint32_t tag) const noexcept {
    return {{k.word[0], k.word[1], id.size() <= inline_length ? k.word[2] : offsets_[index]},
            index + 1,
            tag};
}

void id_table::intern_batch(std::span<const std::string_view> ids,
                            std::span<const std::uint64_t> hashes, std::span<index_type> indices) {
    make_room(ids.size()); // the slots stay where they are for the whole batch
    for_each_prefetched(slots_.data(), slots_.size() - 1, hashes, [&](std::size_t k) {
        const key key = key_of(ids[k]);
        const std::uint32_t tag = tag_of(hashes[k], ids[k].size());
        indices[k] = insert_at(probe(ids[k], hashes[k], key, tag), ids[k], key, tag);
    });
}

std::vector<id_table::index_type> id_table::find_few(std::span<const std::string_view> ids) const {
    std::vector<index_type> indices(ids.size(), npos);
    if (!slots_.empty()) {
        for (std::size_t k = 0; k < ids.size(); ++k)
            indices[k] = find(ids[k]);
        return indices;
    }
    // One pass over all ids, each looked up among the few by hash.
    std::vector<std::pair<std::uint64_t, std::size_t>> wanted(ids.size());
    for (std::size_t k = 0; k < ids.size(); ++k)
        wanted[k] = {hash_bytes(ids[k]), k};
    std::sort(wanted.begin(), wanted.end());
    std::size_t found = 0;
    for (std::size_t i = 0; i < size() && found < ids.size(); ++i) {
        const std::string_view id = (*this)[static_cast<index_type>(i)];
        const std::uint64_t h = hash_bytes(id);
        auto it = std::lower_bound(wanted.begin(), wanted.end(), std::make_pair(h, std::size_t{0}));
        for (; it != wanted.end() && it->first == h; ++it)
            if (indices[it->second] == npos && ids[it->second] == id) {
                indices[it->second] = static_cast<index_type>(i);
                ++found;
            }
    }
    return indices;
}

std::vector<id_table::index_type> id_table::intern_few(std::span<const std::string_view> ids) {
    if (has_index()) {
        std::vector<index_type> indices(ids.size(), npos);
        for (std::size_t k = 0; k < ids.size(); ++k)
            indices[k] = intern(ids[k]);
        return indices;
    }
    std::vector<index_type> indices = find_few(ids);
    // The rest are new: appended in order, a repeated one once.
    for (std::size_t k = 0; k < ids.size(); ++k) {
        if (indices[k] != npos) continue;
        indices[k] = push_bytes(ids[k]);
        for (std::size_t later = k + 1; later < ids.size(); ++later)
            if (indices[later] == npos && ids[later] == ids[k]) indices[later] = indices[k];
    }
    return indices;
}

void id_table::append_unchecked(std::string_view id) {
    push_bytes(id);
    slots_ = {};
}

id_table::index_type id_table::find_repeat() const {
    // Equal ids have equal hashes: sort (hash, index) and compare the bytes
    // of neighbours with equal hashes only.
    std::vector<std::pair<std::uint64_t, index_type>> keyed(size());
    for (std::size_t i = 0; i < size(); ++i)
        keyed[i] = {hash_bytes((*this)[static_cast<index_type>(i)]), static_cast<index_type>(i)};
    std::sort(keyed.begin(), keyed.end());
    index_type repeat = npos;
    for (std::size_t k = 1; k < keyed.size(); ++k) {
        if (keyed[k].first != keyed[k - 1].first) continue;
        // Within a run of equal hashes, compare each with the earlier ones.
        for (std::size_t j = k; j-- > 0 && keyed[j].first == keyed[k].first;)
            if ((*this)[keyed[j].second] == (*this)[keyed[k].second])
                repeat = std::min(repeat, std::max(keyed[j].second, keyed[k].second));
    }
    return repeat;
}

void id_table::find_batch(std::span<const std::string_view> ids,
                          std::span<const std::uint64_t> hashes,
                          std::span<index_type> indices) const noexcept {
    if (slots_.empty()) {
        for (std::size_t k = 0; k < ids.size(); ++k)
            indices[k] = find(ids[k], hashes[k]);
        return;
    }
    for_each_prefetched(slots_.data(), slots_.size() - 1, hashes, [&](std::size_t k) {
        indices[k] = index_in(
            slots_[probe(ids[k], hashes[k], key_of(ids[k]), tag_of(hashes[k], ids[k].size()))]);
    });
}

void id_table::grow_slots(std::size_t ids) {
    std::size_t capacity = 64;
    while (capacity < ids * 2)
        capacity *= 2;
    if (capacity <= slots_.size()) return;
    std::vector<slot> slots(capacity, slot{{0, 0, 0}, 0, 0});
    const std::size_t mask = capacity - 1;
    const auto place = [&](const slot& moved, std::uint64_t h) {
        std::size_t s = h & mask;
        while (slots[s].index_plus_one != 0)
            s = (s + 1) & mask;
        slots[s] = moved;
    };
    if (!slots_.empty()) {
        // Every id is in the old slots. Walking them in order, the homes in
        // the new slots rise too (a home is the old one or that plus a power
        // of two): the writes stream instead of landing at random, which in
        // id order cost a cache miss per id. A slot moves as it is.
        for (const slot& old : slots_) {
            if (old.index_plus_one == 0) continue;
            const std::size_t length = old.tag & 0xff;
            if (length <= inline_length) {
                const std::string_view id(reinterpret_cast<const char*>(old.word), length);
                place(old, hash_bytes(id));
            } else {
                place(old, hash_bytes((*this)[old.index_plus_one - 1]));
            }
        }
        slots_.swap(slots);
        return;
    }
    for (std::size_t i = 0; i < size(); ++i) {
        const std::string_view id = (*this)[static_cast<index_type>(i)];
        const std::uint64_t h = hash_bytes(id);
        place(slot_of(id, key_of(id), static_cast<index_type>(i), tag_of(h, id.size())), h);
    }
    slots_.swap(slots);
}

void id_table::truncate(std::size_t n) {
    if (n >= size()) return;
    bytes_.resize(offsets_[n]);
    offsets_.resize(n + 1);
    slots_.clear();
    if (n > 0) grow_slots(n + 1);
}

void id_table::reserve(std::size_t ids, std::size_t bytes) {
    bytes_.reserve(bytes);
    offsets_.reserve(ids + 1);
    // The index must hold the ids already there too (a released table may
    // hold more than asked for).
    grow_slots(std::max(ids, size()) + 1);
}

std::vector<id_table::index_type> id_table::sorted_order() const {
    // Sorted by the ids' first 16 bytes held in the keys themselves (no
    // pointer chasing for most compares), then ties by the whole ids: ids
    // sharing 16 bytes, and ids that are a prefix of another.
    struct key {
        std::uint64_t high, low;
        index_type index;
    };
    auto word = [](std::string_view id, std::size_t from) {
        std::uint64_t w = 0;
        for (std::size_t k = 0; k < 8; ++k)
            w = (w << 8) | (from + k < id.size() ? static_cast<unsigned char>(id[from + k]) : 0U);
        return w;
    };
    std::vector<key> keys(size());
    for (std::size_t i = 0; i < keys.size(); ++i) {
        const std::string_view id = (*this)[static_cast<index_type>(i)];
        keys[i] = {word(id, 0), word(id, 8), static_cast<index_type>(i)};
    }
    std::sort(keys.begin(), keys.end(), [](const key& a, const key& b) {
        return a.high != b.high ? a.high < b.high : a.low < b.low;
    });
    for (std::size_t first = 0; first < keys.size();) {
        std::size_t last = first + 1;
        while (last < keys.size() && keys[last].high == keys[first].high &&
               keys[last].low == keys[first].low)
            ++last;
        if (last - first > 1)
            std::sort(
                keys.begin() + static_cast<std::ptrdiff_t>(first),
                keys.begin() + static_cast<std::ptrdiff_t>(last),
                [this](const key& a, const key& b) { return (*this)[a.index] < (*this)[b.index]; });
        first = last;
    }
    std::vector<index_type> order(keys.size());
    for (std::size_t k = 0; k < keys.size(); ++k)
        order[k] = keys[k].index;
    return order;
}

} // namespace ctrace
