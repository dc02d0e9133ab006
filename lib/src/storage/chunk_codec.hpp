#pragma once
// The bytes of HDF5 chunks filtered by shuffle + deflate (internal to ctrace).
//
// HDF5 runs a dataset's filters chunk by chunk on one thread. ctrace filters
// the chunks of its large columns itself, on every core, and hands HDF5 the
// finished bytes (H5Dwrite_chunk / H5Dread_chunk). The bytes are exactly
// what HDF5's own shuffle and deflate filters write and read, so any HDF5
// reader (h5py, the C library) reads the files as usual.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace ctrace::detail {

/// Shuffles (element byte j of element i goes to position j * n + i, as
/// HDF5's shuffle filter does) and deflates each chunk of `data`: chunk k
/// holds elements [k * chunk_elements, (k + 1) * chunk_elements), the last
/// one zero-padded to full length (HDF5 stores edge chunks whole). Returns
/// the filtered chunks, in order. `level` is the zlib level (1 to 12).
std::vector<std::vector<std::uint8_t>> filter_chunks(const void* data, std::size_t count,
                                                     std::size_t element_bytes,
                                                     std::size_t chunk_elements, int level);

/// Inverts `filter_chunks` for one chunk: inflates `stored` and unshuffles
/// it into `out` (the chunk's first `out_elements` elements; the rest of a
/// padded edge chunk is dropped). Returns false when `stored` is not a valid
/// zlib stream of exactly the chunk's length.
bool unfilter_chunk(std::span<const std::uint8_t> stored, std::size_t element_bytes,
                    std::size_t chunk_elements, void* out, std::size_t out_elements);

} // namespace ctrace::detail
