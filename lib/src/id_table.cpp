#include "ctrace/id_table.hpp"

#include "ctrace/error.hpp"

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

std::uint64_t id_table::prefix_of(std::string_view id) noexcept {
    std::uint64_t prefix = 0;
    std::memcpy(&prefix, id.data(), std::min<std::size_t>(id.size(), 8));
    return prefix;
}

std::uint32_t id_table::tag_of(std::uint64_t hash, std::size_t length) noexcept {
    // High hash bits above, the length (capped) in the low byte.
    return static_cast<std::uint32_t>((hash >> 40) << 8) |
           static_cast<std::uint32_t>(std::min<std::size_t>(length, 255));
}

std::size_t id_table::probe(std::string_view id, std::uint64_t hash, std::uint64_t prefix,
                            std::uint32_t tag) const noexcept {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t s = hash & mask;; s = (s + 1) & mask) {
        const slot& candidate = slots_[s];
        if (candidate.index_plus_one == 0) return s;
        if (candidate.tag == tag && candidate.prefix == prefix &&
            (id.size() <= 8 || (*this)[candidate.index_plus_one - 1] == id))
            return s;
    }
}

id_table::index_type id_table::find(std::string_view id) const noexcept {
    if (slots_.empty()) return npos;
    const std::uint64_t h = hash_bytes(id);
    const slot& found = slots_[probe(id, h, prefix_of(id), tag_of(h, id.size()))];
    return found.index_plus_one == 0 ? npos : found.index_plus_one - 1;
}

id_table::index_type id_table::intern(std::string_view id) {
    return intern(id, hash_bytes(id));
}

id_table::index_type id_table::intern(std::string_view id, std::uint64_t h) {
    if ((size() + 1) * 2 > slots_.size()) grow_slots();
    const std::uint64_t prefix = prefix_of(id);
    const std::uint32_t tag = tag_of(h, id.size());
    slot& found = slots_[probe(id, h, prefix, tag)];
    if (found.index_plus_one != 0) return found.index_plus_one - 1;
    if (size() >= npos - 1) throw error("more than 4294967294 distinct ids");
    const auto index = static_cast<index_type>(size());
    bytes_.insert(bytes_.end(), id.begin(), id.end());
    offsets_.push_back(bytes_.size());
    found = {prefix, index + 1, tag};
    return index;
}

void id_table::grow_slots() {
    const std::size_t capacity = std::max<std::size_t>(64, slots_.size() * 2);
    std::vector<slot> slots(capacity, slot{0, 0, 0});
    const std::size_t mask = capacity - 1;
    for (std::size_t i = 0; i < size(); ++i) {
        const std::string_view id = (*this)[static_cast<index_type>(i)];
        const std::uint64_t h = hash_bytes(id);
        std::size_t s = h & mask;
        while (slots[s].index_plus_one != 0)
            s = (s + 1) & mask;
        slots[s] = {prefix_of(id), static_cast<std::uint32_t>(i + 1), tag_of(h, id.size())};
    }
    slots_.swap(slots);
}

void id_table::truncate(std::size_t n) {
    if (n >= size()) return;
    bytes_.resize(offsets_[n]);
    offsets_.resize(n + 1);
    slots_.clear();
    if (n > 0) {
        // Rebuild at the size the remaining ids need.
        std::size_t capacity = 64;
        while (capacity < (n + 1) * 2)
            capacity *= 2;
        slots_.assign(capacity / 2, slot{0, 0, 0});
        grow_slots();
    }
}

void id_table::reserve(std::size_t ids, std::size_t bytes) {
    bytes_.reserve(bytes);
    offsets_.reserve(ids + 1);
    std::size_t capacity = 64;
    while (capacity < (ids + 1) * 2)
        capacity *= 2;
    if (capacity > slots_.size()) {
        slots_.assign(capacity / 2, slot{0, 0, 0});
        // grow_slots doubles and reinserts everything already present.
        grow_slots();
    }
}

std::vector<id_table::index_type> id_table::sorted_order() const {
    std::vector<index_type> order(size());
    for (std::size_t i = 0; i < order.size(); ++i)
        order[i] = static_cast<index_type>(i);
    std::sort(order.begin(), order.end(),
              [this](index_type a, index_type b) { return (*this)[a] < (*this)[b]; });
    return order;
}

} // namespace ctrace
