#include "suggestions.hpp"

#include <algorithm>
#include <vector>

namespace ctrace::cli {

std::size_t edit_distance(std::string_view a, std::string_view b) {
    // Three rows of the dynamic programme: the swap of two neighbours looks
    // two rows back.
    std::vector<std::size_t> before(b.size() + 1), previous(b.size() + 1), current(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j)
        previous[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        current[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t replace = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
            current[j] = std::min({previous[j] + 1, current[j - 1] + 1, replace});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                current[j] = std::min(current[j], before[j - 2] + 1);
        }
        std::swap(before, previous);
        std::swap(previous, current);
    }
    return previous[b.size()];
}

std::optional<std::string> nearest_name(std::string_view name,
                                        std::span<const std::string> candidates) {
    const std::size_t allowed = std::max<std::size_t>(2, name.size() / 3);
    std::optional<std::string> best;
    std::size_t best_distance = allowed + 1;
    for (const std::string& candidate : candidates) {
        if (candidate == name) continue;
        const std::size_t distance = edit_distance(name, candidate);
        // A name that is a prefix of the candidate (`--contact` for
        // `--contact-level`) is as good as a typo.
        const std::size_t effective = candidate.starts_with(name) && name.size() >= 3
                                          ? std::min<std::size_t>(distance, 1)
                                          : distance;
        if (effective < best_distance) {
            best_distance = effective;
            best = candidate;
        }
    }
    return best;
}

std::string did_you_mean(std::string_view name, std::span<const std::string> candidates,
                         std::string_view prefix) {
    const std::optional<std::string> nearest = nearest_name(name, candidates);
    if (!nearest) return {};
    return "; did you mean '" + std::string(prefix) + *nearest + "'?";
}

} // namespace ctrace::cli
