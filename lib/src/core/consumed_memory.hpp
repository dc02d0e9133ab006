#pragma once
// Giving back memory that a pass has finished reading (internal to ctrace).
//
// The big phases turn one large array into another (visits into sort keys,
// sorted keys into stays). Holding both whole doubles the peak; on a virtual
// machine every fresh page is also slow to fault in. A pass that reads its
// input front to back can instead return the pages behind it to the kernel as
// it goes, so the output reuses them and the peak stays near one array.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ctrace::detail {

/// Returns the whole pages inside [begin, end) to the kernel: they read as
/// zero if touched again. Partial pages at either end are kept, so heap
/// bookkeeping next to a buffer is never lost. Failure is harmless and ignored.
void release_pages(const void* begin, const void* end) noexcept;

/// Asks the kernel to back the whole pages inside [begin, end) with memory
/// now (MADV_POPULATE_WRITE), so that the thread that writes there later does
/// not stop for page faults. A hint: failure (an old kernel, an unmapped
/// range) is harmless and ignored.
void prefault(const void* begin, const void* end) noexcept;

/// Hands the free memory of the heap back to the kernel (glibc keeps freed
/// blocks of the reading phase for reuse that does not come).
void return_free_memory() noexcept;

/// Tracks a front-to-back pass over `items` and releases what it has passed,
/// a few megabytes at a time (one system call per step, not per item).
template <typename T>
class consumed_prefix {
public:
    explicit consumed_prefix(const std::vector<T>& items) noexcept
        : data_(items.data()), size_(items.size()) {}
    /// A pass over the `size` items from `data` (one thread's slice, say).
    consumed_prefix(const T* data, std::size_t size) noexcept : data_(data), size_(size) {}
    /// Items [0, done) will not be read again.
    void advance(std::size_t done) noexcept {
        if (done - released_ < step_items && done < size_) return;
        release_pages(data_ + released_, data_ + done);
        released_ = done;
    }

private:
    static constexpr std::size_t step_items = (std::size_t{8} << 20) / sizeof(T);
    const T* data_;
    std::size_t size_;
    std::size_t released_ = 0;
};

} // namespace ctrace::detail
