#pragma once
// Random numbers of the city generator (internal to ctrace). Our own
// generator and integer-only draws, so that a seed gives the same city with
// every compiler and standard library (the std::*_distribution outputs are
// implementation-defined). The draws are inline: the day model makes a few
// dozen per person and day.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace ctrace::generation {

/// The splitmix64 finalizer: a bijection of 64-bit words.
constexpr std::uint64_t mix64(std::uint64_t z) noexcept {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/// xoshiro256** (Blackman and Vigna), seeded through splitmix64. `stream`
/// separates independent sequences of one seed (places, persons, each day),
/// so that changing one part of the model does not reshuffle the others.
class random_source {
public:
    random_source(std::uint64_t seed, std::uint64_t stream);

    std::uint64_t next() noexcept {
        const std::uint64_t result = rotate_left(state_[1] * 5, 7) * 9;
        const std::uint64_t t = state_[1] << 17;
        state_[2] ^= state_[0];
        state_[3] ^= state_[1];
        state_[1] ^= state_[2];
        state_[0] ^= state_[3];
        state_[2] ^= t;
        state_[3] = rotate_left(state_[3], 45);
        return result;
    }

    /// Uniform in [0, n) by Lemire's multiply-shift (bias below n / 2^64).
    std::uint64_t below(std::uint64_t n) noexcept {
        return static_cast<std::uint64_t>((static_cast<unsigned __int128>(next()) * n) >> 64);
    }
    std::uint32_t below32(std::uint32_t n) noexcept { return static_cast<std::uint32_t>(below(n)); }

    /// Uniform in [low, high].
    std::int32_t between(std::int32_t low, std::int32_t high) noexcept {
        return low + static_cast<std::int32_t>(below(static_cast<std::uint64_t>(high - low) + 1));
    }

    /// True with probability p. The 53-bit draw and the power-of-two scale
    /// are exact in double, so the comparison is the same everywhere.
    bool chance(double p) noexcept { return static_cast<double>(next() >> 11) * 0x1p-53 < p; }

    /// A bell-shaped draw with the given mean and standard deviation, within
    /// mean ± 3 sd: the Irwin–Hall sum of three 21-bit uniforms, in integers.
    std::int32_t around(std::int32_t mean, std::int32_t sd) noexcept {
        constexpr std::uint64_t mask = (std::uint64_t{1} << 21) - 1;
        const std::uint64_t x = next();
        const auto sum =
            static_cast<std::int64_t>((x & mask) + ((x >> 21) & mask) + ((x >> 42) & mask));
        const std::int64_t centred = sum - 3 * (std::int64_t{1} << 20);
        return mean + static_cast<std::int32_t>((centred * 2 * sd) >> 21);
    }

private:
    static std::uint64_t rotate_left(std::uint64_t x, int k) noexcept {
        return (x << k) | (x >> (64 - k));
    }
    std::array<std::uint64_t, 4> state_{};
};

/// Walker's alias method (Vose's construction): O(1) weighted draws, so a
/// heavy-tailed choice among many places costs two memory reads.
class alias_table {
public:
    alias_table() = default;
    explicit alias_table(std::span<const double> weights);

    bool empty() const noexcept { return alias_.empty(); }

    /// An index in [0, size); the table must not be empty.
    std::uint32_t pick(random_source& random) const noexcept {
        const std::uint64_t x = random.next();
        const auto slot = static_cast<std::uint32_t>(
            ((x >> 32) * static_cast<std::uint64_t>(alias_.size())) >> 32);
        return (x & 0xffffffffULL) < threshold_[slot] ? slot : alias_[slot];
    }

private:
    static constexpr std::uint64_t full_scale = std::uint64_t{1} << 32;
    std::vector<std::uint64_t> threshold_;
    std::vector<std::uint32_t> alias_;
};

/// Fisher–Yates with our own draws (std::shuffle's order is
/// implementation-defined).
template <typename T>
void shuffle(std::vector<T>& items, random_source& random) {
    for (std::size_t i = items.size(); i > 1; --i)
        std::swap(items[i - 1], items[random.below(i)]);
}

} // namespace ctrace::generation
