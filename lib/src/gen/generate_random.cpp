#include "gen/generate_random.hpp"

namespace ctrace::generation {

namespace {

std::uint64_t splitmix64(std::uint64_t& state) {
    return mix64(state += 0x9e3779b97f4a7c15ULL);
}

} // namespace

random_source::random_source(std::uint64_t seed, std::uint64_t stream) {
    std::uint64_t mix = seed ^ (stream * 0xd1b54a32d192ed03ULL);
    for (std::uint64_t& word : state_)
        word = splitmix64(mix);
}

alias_table::alias_table(std::span<const double> weights) {
    const std::size_t n = weights.size();
    threshold_.assign(n, full_scale);
    alias_.resize(n);
    for (std::size_t i = 0; i < n; ++i)
        alias_[i] = static_cast<std::uint32_t>(i);
    if (n == 0) return;
    double total = 0;
    for (const double w : weights)
        total += w;
    std::vector<double> scaled(n);
    std::vector<std::uint32_t> small, large;
    for (std::size_t i = 0; i < n; ++i) {
        scaled[i] = weights[i] * static_cast<double>(n) / total;
        (scaled[i] < 1.0 ? small : large).push_back(static_cast<std::uint32_t>(i));
    }
    while (!small.empty() && !large.empty()) {
        const std::uint32_t s = small.back();
        small.pop_back();
        const std::uint32_t l = large.back();
        threshold_[s] = static_cast<std::uint64_t>(scaled[s] * 0x1p32);
        alias_[s] = l;
        scaled[l] -= 1.0 - scaled[s];
        if (scaled[l] < 1.0) {
            large.pop_back();
            small.push_back(l);
        }
    }
    // Entries left over are 1 up to rounding: they keep their full threshold.
}

} // namespace ctrace::generation
