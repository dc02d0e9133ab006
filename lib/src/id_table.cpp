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

id_table::index_type id_table::find(std::string_view id) const noexcept {
    if (slots_.empty()) return npos;
    const std::uint64_t h = hash_bytes(id);
    const std::uint64_t tag = h >> 32;
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t s = h & mask;; s = (s + 1) & mask) {
        const std::uint64_t slot = slots_[s];
        if (slot == 0) return npos;
        if ((slot >> 32) == tag) {
            const auto i = static_cast<index_type>((slot & 0xffffffffu) - 1);
            if ((*this)[i] == id) return i;
        }
    }
}

id_table::index_type id_table::intern(std::string_view id) {
    if ((size() + 1) * 2 > slots_.size()) grow_slots();
    const std::uint64_t h = hash_bytes(id);
    const std::uint64_t tag = h >> 32;
    const std::size_t mask = slots_.size() - 1;
    std::size_t s = h & mask;
    for (;; s = (s + 1) & mask) {
        const std::uint64_t slot = slots_[s];
        if (slot == 0) break;
        if ((slot >> 32) == tag) {
            const auto i = static_cast<index_type>((slot & 0xffffffffu) - 1);
            if ((*this)[i] == id) return i;
        }
    }
    if (size() >= npos - 1) throw error("more than 4294967294 distinct ids");
    const auto index = static_cast<index_type>(size());
    bytes_.insert(bytes_.end(), id.begin(), id.end());
    offsets_.push_back(bytes_.size());
    slots_[s] = (tag << 32) | (std::uint64_t{index} + 1);
    return index;
}

void id_table::grow_slots() {
    const std::size_t capacity = std::max<std::size_t>(64, slots_.size() * 2);
    std::vector<std::uint64_t> slots(capacity, 0);
    const std::size_t mask = capacity - 1;
    for (std::size_t i = 0; i < size(); ++i) {
        const std::uint64_t h = hash_bytes((*this)[static_cast<index_type>(i)]);
        std::size_t s = h & mask;
        while (slots[s] != 0)
            s = (s + 1) & mask;
        slots[s] = ((h >> 32) << 32) | (i + 1);
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
        slots_.assign(capacity / 2, 0);
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
        slots_.assign(capacity / 2, 0);
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
