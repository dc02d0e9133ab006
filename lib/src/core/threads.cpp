#include "ctrace/core/threads.hpp"

#include <atomic>

namespace ctrace {

namespace {
std::atomic<unsigned> limit{0};
} // namespace

void set_thread_limit(unsigned threads) noexcept {
    limit.store(threads);
}

unsigned thread_limit() noexcept {
    return limit.load();
}

} // namespace ctrace
