#pragma once
// Small helpers around MPI calls shared by the distributed stages (internal
// to ctrace::distributed): sizes, counts, packed strings, collective
// agreement on failures.

#include "ctrace/core/error.hpp"
#include "ctrace/distributed/agreement.hpp"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <exception>
#include <mpi.h>
#include <new>
#include <numeric>
#include <string>
#include <string_view>
#include <vector>

namespace ctrace::distributed::detail {

using distributed::rank_of;
using distributed::size_of;

/// MPI counts are ints: a message of 2 GiB or more to one rank is refused
/// rather than truncated.
inline int count_of(std::size_t n) {
    if (n > static_cast<std::size_t>(INT_MAX))
        throw error("distributed read: a message of 2^31 elements or more between two ranks");
    return static_cast<int>(n);
}

/// Bytes this process (rank) has sent to other ranks through the helpers
/// here and the stages' own calls: for the traffic each phase reports.
inline std::uint64_t& bytes_sent() noexcept {
    static std::uint64_t total = 0;
    return total;
}

/// Counts `counts[r]` records of `size` bytes sent to each rank r other
/// than this one.
inline void count_sent(MPI_Comm comm, const std::vector<int>& counts, std::size_t size) {
    const auto me = static_cast<std::size_t>(rank_of(comm));
    for (std::size_t r = 0; r < counts.size(); ++r)
        if (r != me) bytes_sent() += static_cast<std::uint64_t>(counts[r]) * size;
}

/// Counts `bytes` sent to each of the other ranks (an all-gather).
inline void count_sent_to_all(MPI_Comm comm, std::size_t bytes) {
    bytes_sent() +=
        static_cast<std::uint64_t>(bytes) * static_cast<std::uint64_t>(size_of(comm) - 1);
}

/// Where each rank's records start in a buffer of all of them; throws when
/// the buffer would pass what an MPI `int` displacement can say.
inline std::vector<int> displacements(const std::vector<int>& counts) {
    std::vector<int> at(counts.size(), 0);
    std::int64_t total = 0;
    for (std::size_t i = 1; i < counts.size(); ++i) {
        total += counts[i - 1];
        at[i] = count_of(static_cast<std::size_t>(total));
    }
    return at;
}

/// The library's description of a failure, for `on_every_rank`: the kind
/// of exception (so that every rank throws the same type) and its message.
enum failure_kind : int { input_failure = 1, out_of_memory_failure = 2, internal_failure = 3 };
inline agreed_failure library_failure(std::exception_ptr failure) {
    try {
        std::rethrow_exception(failure);
    } catch (const input_error& e) {
        return {input_failure, e.what()};
    } catch (const std::bad_alloc&) {
        return {out_of_memory_failure, "out of memory"};
    } catch (const std::exception& e) {
        return {internal_failure, e.what()};
    }
}

/// Runs `step` (this rank's own work, no collective calls) and agrees on
/// its failure with every rank (agreement.hpp): when any rank failed, every
/// rank throws what the lowest such rank's failure was, an `input_error`, a
/// `std::bad_alloc` or an `error` with its message. So a failure of one
/// rank's own work never leaves the others waiting in a collective.
template <class Step>
void local_step(MPI_Comm comm, Step&& step) {
    try {
        on_every_rank(comm, std::forward<Step>(step), library_failure);
    } catch (const agreed_failure& agreed) {
        if (agreed.code() == input_failure) throw input_error(agreed.text());
        if (agreed.code() == out_of_memory_failure) throw std::bad_alloc();
        throw error(agreed.text());
    }
}

/// Ids as lengths and concatenated bytes, for sending.
struct packed_ids {
    std::vector<std::uint32_t> lengths;
    std::string bytes;

    void add(std::string_view id) {
        lengths.push_back(static_cast<std::uint32_t>(id.size()));
        bytes.append(id);
    }
    std::vector<std::string_view> views() const {
        std::vector<std::string_view> out;
        out.reserve(lengths.size());
        std::size_t at = 0;
        for (const std::uint32_t n : lengths) {
            out.emplace_back(bytes.data() + at, n);
            at += n;
        }
        return out;
    }
};

/// Every rank's `mine`, concatenated in rank order, on every rank.
inline packed_ids all_gather(MPI_Comm comm, const packed_ids& mine) {
    const auto ranks = static_cast<std::size_t>(size_of(comm));
    std::vector<int> id_counts, byte_counts, id_at, byte_at;
    int my_ids = 0, my_bytes = 0;
    local_step(comm, [&] {
        my_ids = count_of(mine.lengths.size());
        my_bytes = count_of(mine.bytes.size());
        id_counts.resize(ranks);
        byte_counts.resize(ranks);
    });
    count_sent_to_all(comm, mine.lengths.size() * sizeof(std::uint32_t) + mine.bytes.size());
    MPI_Allgather(&my_ids, 1, MPI_INT, id_counts.data(), 1, MPI_INT, comm);
    MPI_Allgather(&my_bytes, 1, MPI_INT, byte_counts.data(), 1, MPI_INT, comm);
    packed_ids all;
    local_step(comm, [&] {
        all.lengths.resize(static_cast<std::size_t>(
            std::accumulate(id_counts.begin(), id_counts.end(), std::int64_t{0})));
        all.bytes.resize(static_cast<std::size_t>(
            std::accumulate(byte_counts.begin(), byte_counts.end(), std::int64_t{0})));
        id_at = displacements(id_counts);
        byte_at = displacements(byte_counts);
    });
    MPI_Allgatherv(mine.lengths.data(), my_ids, MPI_UINT32_T, all.lengths.data(), id_counts.data(),
                   id_at.data(), MPI_UINT32_T, comm);
    MPI_Allgatherv(mine.bytes.data(), my_bytes, MPI_CHAR, all.bytes.data(), byte_counts.data(),
                   byte_at.data(), MPI_CHAR, comm);
    return all;
}

/// The bytes of `n` trivially copyable records of `size` bytes each as one
/// MPI datatype, freed with the object.
class record_type {
public:
    explicit record_type(std::size_t size) {
        MPI_Type_contiguous(static_cast<int>(size), MPI_BYTE, &type_);
        MPI_Type_commit(&type_);
    }
    ~record_type() { MPI_Type_free(&type_); }
    record_type(const record_type&) = delete;
    record_type& operator=(const record_type&) = delete;
    operator MPI_Datatype() const noexcept { return type_; } // NOLINT: used as the MPI type

private:
    MPI_Datatype type_ = MPI_DATATYPE_NULL;
};

/// Sends `out[k]` (ordered by destination rank, `counts[r]` records to rank
/// r) to every rank and returns what this rank received, in rank order.
template <class Record>
std::vector<Record> exchange(MPI_Comm comm, const std::vector<Record>& out,
                             const std::vector<int>& counts) {
    const auto ranks = counts.size();
    std::vector<int> send_at, receive, receive_at;
    local_step(comm, [&] {
        send_at = displacements(counts);
        receive.resize(ranks);
    });
    MPI_Alltoall(counts.data(), 1, MPI_INT, receive.data(), 1, MPI_INT, comm);
    std::vector<Record> in;
    local_step(comm, [&] {
        in.resize(static_cast<std::size_t>(
            std::accumulate(receive.begin(), receive.end(), std::int64_t{0})));
        receive_at = displacements(receive);
    });
    const record_type type(sizeof(Record));
    count_sent(comm, counts, sizeof(Record));
    MPI_Alltoallv(out.data(), counts.data(), send_at.data(), type, in.data(), receive.data(),
                  receive_at.data(), type, comm);
    return in;
}

/// Every rank's `mine`, concatenated in rank order, on every rank.
template <class Record>
std::vector<Record> all_gather_records(MPI_Comm comm, const std::vector<Record>& mine) {
    std::vector<int> counts, at;
    int my_count = 0;
    local_step(comm, [&] {
        my_count = count_of(mine.size());
        counts.resize(static_cast<std::size_t>(size_of(comm)));
    });
    count_sent_to_all(comm, mine.size() * sizeof(Record));
    MPI_Allgather(&my_count, 1, MPI_INT, counts.data(), 1, MPI_INT, comm);
    std::vector<Record> all;
    local_step(comm, [&] {
        all.resize(static_cast<std::size_t>(
            std::accumulate(counts.begin(), counts.end(), std::int64_t{0})));
        at = displacements(counts);
    });
    const record_type type(sizeof(Record));
    MPI_Allgatherv(mine.data(), my_count, type, all.data(), counts.data(), at.data(), type, comm);
    return all;
}

/// Every rank's `mine` on rank 0, in rank order (empty elsewhere).
template <class Record>
std::vector<Record> gather_records(MPI_Comm comm, const std::vector<Record>& mine) {
    std::vector<int> counts, at;
    int my_count = 0;
    const bool root = rank_of(comm) == 0;
    local_step(comm, [&] {
        my_count = count_of(mine.size());
        if (root) counts.resize(static_cast<std::size_t>(size_of(comm)));
    });
    MPI_Gather(&my_count, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, comm);
    if (!root) bytes_sent() += mine.size() * sizeof(Record);
    std::vector<Record> all;
    local_step(comm, [&] {
        if (!root) return;
        all.resize(static_cast<std::size_t>(
            std::accumulate(counts.begin(), counts.end(), std::int64_t{0})));
        at = displacements(counts);
    });
    const record_type type(sizeof(Record));
    MPI_Gatherv(mine.data(), my_count, type, all.data(), counts.data(), at.data(), type, 0, comm);
    return all;
}

/// Every rank's `mine`, concatenated in rank order, on rank 0 (empty
/// elsewhere).
inline packed_ids gather_ids(MPI_Comm comm, const packed_ids& mine) {
    packed_ids all;
    std::vector<char> my_bytes;
    local_step(comm, [&] { my_bytes.assign(mine.bytes.begin(), mine.bytes.end()); });
    all.lengths = gather_records(comm, mine.lengths);
    const std::vector<char> bytes = gather_records(comm, my_bytes);
    local_step(comm, [&] { all.bytes.assign(bytes.begin(), bytes.end()); });
    return all;
}

} // namespace ctrace::distributed::detail
