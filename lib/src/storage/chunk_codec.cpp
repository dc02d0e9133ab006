#include "storage/chunk_codec.hpp"

#include "core/radix_sort.hpp"

#include <cstring>
#include <libdeflate.h>
#include <memory>

namespace ctrace::detail {

namespace {

struct compressor_free {
    void operator()(libdeflate_compressor* c) const noexcept { libdeflate_free_compressor(c); }
};
struct decompressor_free {
    void operator()(libdeflate_decompressor* d) const noexcept { libdeflate_free_decompressor(d); }
};

void shuffle(const std::uint8_t* in, std::size_t elements, std::size_t element_bytes,
             std::uint8_t* out) {
    for (std::size_t j = 0; j < element_bytes; ++j) {
        std::uint8_t* lane = out + j * elements;
        const std::uint8_t* from = in + j;
        for (std::size_t i = 0; i < elements; ++i)
            lane[i] = from[i * element_bytes];
    }
}

void unshuffle(const std::uint8_t* in, std::size_t elements, std::size_t element_bytes,
               std::uint8_t* out) {
    for (std::size_t j = 0; j < element_bytes; ++j) {
        const std::uint8_t* lane = in + j * elements;
        std::uint8_t* to = out + j;
        for (std::size_t i = 0; i < elements; ++i)
            to[i * element_bytes] = lane[i];
    }
}

/// Chunks per thread: one thread for small columns.
unsigned threads_for(std::size_t chunks) {
    return chunks >= 4 ? std::min<unsigned>(hardware_threads(), static_cast<unsigned>(chunks)) : 1;
}

} // namespace

std::vector<std::vector<std::uint8_t>> filter_chunks(const void* data, std::size_t count,
                                                     std::size_t element_bytes,
                                                     std::size_t chunk_elements, int level) {
    const std::size_t chunks = (count + chunk_elements - 1) / chunk_elements;
    std::vector<std::vector<std::uint8_t>> out(chunks);
    const auto* bytes = static_cast<const std::uint8_t*>(data);
    const std::size_t chunk_bytes = chunk_elements * element_bytes;
    const unsigned threads = threads_for(chunks);
    run_on_threads(threads, [&](unsigned t) {
        std::unique_ptr<libdeflate_compressor, compressor_free> compressor(
            libdeflate_alloc_compressor(level));
        if (!compressor) return; // leaves the chunks empty: the caller reports it
        std::vector<std::uint8_t> padded(chunk_bytes), shuffled(chunk_bytes);
        for (std::size_t k = t; k < chunks; k += threads) {
            const std::size_t first = k * chunk_elements;
            const std::size_t n = std::min(chunk_elements, count - first);
            const std::uint8_t* source = bytes + first * element_bytes;
            if (n < chunk_elements) {
                std::memcpy(padded.data(), source, n * element_bytes);
                std::memset(padded.data() + n * element_bytes, 0, chunk_bytes - n * element_bytes);
                source = padded.data();
            }
            shuffle(source, chunk_elements, element_bytes, shuffled.data());
            std::vector<std::uint8_t>& stored = out[k];
            stored.resize(libdeflate_zlib_compress_bound(compressor.get(), chunk_bytes));
            const std::size_t size = libdeflate_zlib_compress(
                compressor.get(), shuffled.data(), chunk_bytes, stored.data(), stored.size());
            stored.resize(size);
        }
    });
    return out;
}

bool unfilter_chunk(std::span<const std::uint8_t> stored, std::size_t element_bytes,
                    std::size_t chunk_elements, void* out, std::size_t out_elements) {
    thread_local std::unique_ptr<libdeflate_decompressor, decompressor_free> decompressor(
        libdeflate_alloc_decompressor());
    thread_local std::vector<std::uint8_t> shuffled, whole;
    if (!decompressor) return false;
    const std::size_t chunk_bytes = chunk_elements * element_bytes;
    shuffled.resize(chunk_bytes);
    std::size_t got = 0;
    if (libdeflate_zlib_decompress(decompressor.get(), stored.data(), stored.size(),
                                   shuffled.data(), chunk_bytes, &got) != LIBDEFLATE_SUCCESS ||
        got != chunk_bytes)
        return false;
    if (out_elements == chunk_elements) {
        unshuffle(shuffled.data(), chunk_elements, element_bytes, static_cast<std::uint8_t*>(out));
    } else {
        whole.resize(chunk_bytes);
        unshuffle(shuffled.data(), chunk_elements, element_bytes, whole.data());
        std::memcpy(out, whole.data(), out_elements * element_bytes);
    }
    return true;
}

} // namespace ctrace::detail
