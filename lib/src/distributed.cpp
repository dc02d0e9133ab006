#include "ctrace/distributed.hpp"

#include <algorithm>
#include <climits>
#include <numeric>
#include <string_view>

namespace ctrace::distributed {

namespace {

int rank_of(MPI_Comm comm) {
    int rank = 0;
    MPI_Comm_rank(comm, &rank);
    return rank;
}

int size_of(MPI_Comm comm) {
    int size = 1;
    MPI_Comm_size(comm, &size);
    return size;
}

/// MPI counts are ints: a message of 2 GiB or more to one rank is refused
/// rather than truncated.
int count_of(std::size_t n) {
    if (n > static_cast<std::size_t>(INT_MAX))
        throw error("distributed read: a message of 2^31 elements or more between two ranks");
    return static_cast<int>(n);
}

std::vector<int> displacements(const std::vector<int>& counts) {
    std::vector<int> at(counts.size(), 0);
    for (std::size_t i = 1; i < counts.size(); ++i)
        at[i] = at[i - 1] + counts[i - 1];
    return at;
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
packed_ids all_gather(MPI_Comm comm, const packed_ids& mine) {
    const int size = size_of(comm);
    std::vector<int> id_counts(static_cast<std::size_t>(size)), byte_counts(id_counts.size());
    const int my_ids = count_of(mine.lengths.size()), my_bytes = count_of(mine.bytes.size());
    MPI_Allgather(&my_ids, 1, MPI_INT, id_counts.data(), 1, MPI_INT, comm);
    MPI_Allgather(&my_bytes, 1, MPI_INT, byte_counts.data(), 1, MPI_INT, comm);
    packed_ids all;
    all.lengths.resize(static_cast<std::size_t>(
        std::accumulate(id_counts.begin(), id_counts.end(), std::int64_t{0})));
    all.bytes.resize(static_cast<std::size_t>(
        std::accumulate(byte_counts.begin(), byte_counts.end(), std::int64_t{0})));
    MPI_Allgatherv(mine.lengths.data(), my_ids, MPI_UINT32_T, all.lengths.data(), id_counts.data(),
                   displacements(id_counts).data(), MPI_UINT32_T, comm);
    MPI_Allgatherv(mine.bytes.data(), my_bytes, MPI_CHAR, all.bytes.data(), byte_counts.data(),
                   displacements(byte_counts).data(), MPI_CHAR, comm);
    return all;
}

/// The global numbering of the ids of every rank (see the file comment).
struct numbering {
    /// Global index of each of this rank's ids, in the order given.
    std::vector<std::uint64_t> index;
    std::uint64_t total = 0;
    std::uint64_t first = 0;
    std::vector<std::string> owned;
};

/// Numbers the distinct ids of all ranks in byte order. `ids` are this
/// rank's, without repeats. A sample sort: splitters from evenly spaced
/// samples of every rank, each id sent to the rank of its range, which
/// sorts and removes repeats and answers each sender with global indices.
numbering number_in_byte_order(MPI_Comm comm, const std::vector<std::string_view>& ids) {
    const int size = size_of(comm);
    const auto ranks = static_cast<std::size_t>(size);
    std::vector<std::uint32_t> order(ids.size());
    std::iota(order.begin(), order.end(), 0u);
    std::sort(order.begin(), order.end(),
              [&](std::uint32_t a, std::uint32_t b) { return ids[a] < ids[b]; });

    // Splitters: 4 samples a rank, evenly spaced in each rank's sorted ids.
    packed_ids samples;
    constexpr std::size_t samples_per_rank = 4;
    if (!order.empty())
        for (std::size_t k = 0; k < samples_per_rank * ranks; ++k)
            samples.add(ids[order[k * order.size() / (samples_per_rank * ranks)]]);
    const packed_ids gathered = all_gather(comm, samples);
    std::vector<std::string_view> all_samples = gathered.views();
    std::sort(all_samples.begin(), all_samples.end());
    std::vector<std::string_view> splitters;
    for (std::size_t r = 1; r < ranks; ++r)
        if (!all_samples.empty()) splitters.push_back(all_samples[r * all_samples.size() / ranks]);
    const auto destination = [&](std::string_view id) {
        return static_cast<std::size_t>(std::upper_bound(splitters.begin(), splitters.end(), id) -
                                        splitters.begin());
    };

    // Send each id to the rank of its range (sorted ids: contiguous runs).
    packed_ids out;
    std::vector<int> send_ids(ranks, 0), send_bytes(ranks, 0);
    for (const std::uint32_t i : order) {
        const std::size_t to = destination(ids[i]);
        out.add(ids[i]);
        ++send_ids[to];
        send_bytes[to] += count_of(ids[i].size());
    }
    std::vector<int> recv_ids(ranks), recv_bytes(ranks);
    MPI_Alltoall(send_ids.data(), 1, MPI_INT, recv_ids.data(), 1, MPI_INT, comm);
    MPI_Alltoall(send_bytes.data(), 1, MPI_INT, recv_bytes.data(), 1, MPI_INT, comm);
    packed_ids in;
    in.lengths.resize(static_cast<std::size_t>(
        std::accumulate(recv_ids.begin(), recv_ids.end(), std::int64_t{0})));
    in.bytes.resize(static_cast<std::size_t>(
        std::accumulate(recv_bytes.begin(), recv_bytes.end(), std::int64_t{0})));
    MPI_Alltoallv(out.lengths.data(), send_ids.data(), displacements(send_ids).data(), MPI_UINT32_T,
                  in.lengths.data(), recv_ids.data(), displacements(recv_ids).data(), MPI_UINT32_T,
                  comm);
    MPI_Alltoallv(out.bytes.data(), send_bytes.data(), displacements(send_bytes).data(), MPI_CHAR,
                  in.bytes.data(), recv_bytes.data(), displacements(recv_bytes).data(), MPI_CHAR,
                  comm);

    // This rank's range: the distinct ids received, in byte order.
    const std::vector<std::string_view> received = in.views();
    std::vector<std::string_view> distinct = received;
    std::sort(distinct.begin(), distinct.end());
    distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
    numbering result;
    const std::uint64_t owned = distinct.size();
    MPI_Exscan(&owned, &result.first, 1, MPI_UINT64_T, MPI_SUM, comm);
    if (rank_of(comm) == 0) result.first = 0; // MPI_Exscan leaves rank 0's undefined
    MPI_Allreduce(&owned, &result.total, 1, MPI_UINT64_T, MPI_SUM, comm);

    // Answer every sender with the global index of each id it sent.
    std::vector<std::uint64_t> answers(received.size());
    for (std::size_t k = 0; k < received.size(); ++k)
        answers[k] =
            result.first +
            static_cast<std::uint64_t>(
                std::lower_bound(distinct.begin(), distinct.end(), received[k]) - distinct.begin());
    std::vector<std::uint64_t> sorted_index(ids.size());
    MPI_Alltoallv(answers.data(), recv_ids.data(), displacements(recv_ids).data(), MPI_UINT64_T,
                  sorted_index.data(), send_ids.data(), displacements(send_ids).data(),
                  MPI_UINT64_T, comm);
    result.index.resize(ids.size());
    for (std::size_t k = 0; k < order.size(); ++k)
        result.index[order[k]] = sorted_index[k];
    result.owned.assign(distinct.begin(), distinct.end());
    return result;
}

std::vector<std::string_view> views_of(const id_table& table) {
    std::vector<std::string_view> out;
    out.reserve(table.size());
    for (std::size_t i = 0; i < table.size(); ++i)
        out.push_back(table[static_cast<id_table::index_type>(i)]);
    return out;
}

/// Bad rows as line numbers and (reason, raw) pairs of text, for sending.
void pack_rows(const std::vector<bad_row>& rows, std::vector<std::uint64_t>& lines,
               packed_ids& text) {
    for (const bad_row& row : rows) {
        text.add(row.reason);
        text.add(row.raw);
        lines.push_back(row.line);
    }
}

std::vector<bad_row> unpack_rows(const std::vector<std::uint64_t>& lines, const packed_ids& text) {
    const std::vector<std::string_view> strings = text.views();
    std::vector<bad_row> rows;
    rows.reserve(lines.size());
    for (std::size_t k = 0; k < lines.size(); ++k)
        rows.push_back(
            {lines[k], std::string(strings[2 * k]), std::string(strings[2 * k + 1]), {}});
    return rows;
}

/// Rows of `rows` (this rank's) gathered on rank 0 in rank order.
std::vector<bad_row> gather_rows(MPI_Comm comm, const std::vector<bad_row>& rows) {
    packed_ids text;
    std::vector<std::uint64_t> lines;
    pack_rows(rows, lines, text);
    const int size = size_of(comm);
    const auto ranks = static_cast<std::size_t>(size);
    std::vector<int> line_counts(ranks), id_counts(ranks), byte_counts(ranks);
    const int my_lines = count_of(lines.size()), my_ids = count_of(text.lengths.size()),
              my_bytes = count_of(text.bytes.size());
    MPI_Gather(&my_lines, 1, MPI_INT, line_counts.data(), 1, MPI_INT, 0, comm);
    MPI_Gather(&my_ids, 1, MPI_INT, id_counts.data(), 1, MPI_INT, 0, comm);
    MPI_Gather(&my_bytes, 1, MPI_INT, byte_counts.data(), 1, MPI_INT, 0, comm);
    const bool root = rank_of(comm) == 0;
    std::vector<std::uint64_t> all_lines(
        root ? static_cast<std::size_t>(std::accumulate(line_counts.begin(), line_counts.end(), 0))
             : 0);
    packed_ids all;
    if (root) {
        all.lengths.resize(
            static_cast<std::size_t>(std::accumulate(id_counts.begin(), id_counts.end(), 0)));
        all.bytes.resize(static_cast<std::size_t>(
            std::accumulate(byte_counts.begin(), byte_counts.end(), std::int64_t{0})));
    }
    MPI_Gatherv(lines.data(), my_lines, MPI_UINT64_T, all_lines.data(), line_counts.data(),
                displacements(line_counts).data(), MPI_UINT64_T, 0, comm);
    MPI_Gatherv(text.lengths.data(), my_ids, MPI_UINT32_T, all.lengths.data(), id_counts.data(),
                displacements(id_counts).data(), MPI_UINT32_T, 0, comm);
    MPI_Gatherv(text.bytes.data(), my_bytes, MPI_CHAR, all.bytes.data(), byte_counts.data(),
                displacements(byte_counts).data(), MPI_CHAR, 0, comm);
    if (!root) return {};
    return unpack_rows(all_lines, all);
}

/// Rank 0's `rows` on every rank.
std::vector<bad_row> broadcast_rows(MPI_Comm comm, std::vector<bad_row> rows) {
    packed_ids text;
    std::vector<std::uint64_t> lines;
    pack_rows(rows, lines, text);
    std::uint64_t sizes[3] = {lines.size(), text.lengths.size(), text.bytes.size()};
    MPI_Bcast(sizes, 3, MPI_UINT64_T, 0, comm);
    lines.resize(static_cast<std::size_t>(sizes[0]));
    text.lengths.resize(static_cast<std::size_t>(sizes[1]));
    text.bytes.resize(static_cast<std::size_t>(sizes[2]));
    MPI_Bcast(lines.data(), count_of(lines.size()), MPI_UINT64_T, 0, comm);
    MPI_Bcast(text.lengths.data(), count_of(text.lengths.size()), MPI_UINT32_T, 0, comm);
    MPI_Bcast(text.bytes.data(), count_of(text.bytes.size()), MPI_CHAR, 0, comm);
    return unpack_rows(lines, text);
}

/// A failure on any rank, made the same on every rank: rank `from`'s message
/// is broadcast and thrown everywhere as an `input_error`.
[[noreturn]] void throw_everywhere(MPI_Comm comm, int from, const std::string& message) {
    std::uint64_t length = message.size();
    MPI_Bcast(&length, 1, MPI_UINT64_T, from, comm);
    std::string text = message;
    text.resize(static_cast<std::size_t>(length));
    MPI_Bcast(text.data(), count_of(text.size()), MPI_CHAR, from, comm);
    throw input_error(text);
}

/// Checks, collectively, whether any rank failed (`failure` not empty on
/// it); if so every rank throws the message of the lowest such rank.
void agree_on_failure(MPI_Comm comm, const std::string& failure) {
    const int mine = failure.empty() ? INT_MAX : rank_of(comm);
    int first = INT_MAX;
    MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm);
    if (first != INT_MAX) throw_everywhere(comm, first, failure);
}

} // namespace

rank_scans read_scans(MPI_Comm comm, const std::vector<std::filesystem::path>& scans,
                      const place_table& places, const scan_read_options& options) {
    const int rank = rank_of(comm);
    const int size = size_of(comm);
    rank_scans out;
    scan_log log;
    std::uint64_t rows_read = 0;
    for (std::size_t f = 0; f < scans.size(); ++f) {
        const std::string name = scans[f].string();
        scan_slice slice;
        std::string failure;
        try {
            slice = read_scans_slice(scans[f], places, options, static_cast<std::size_t>(rank),
                                     static_cast<std::size_t>(size));
            if (slice.ended_inside_quotes)
                failure = name + ": a quoted line break sits where the file is cut between "
                                 "ranks; distributed reading cannot take it yet";
        } catch (const std::exception& e) {
            failure = e.what();
        }
        agree_on_failure(comm, failure);

        // The file's line numbers: the line ends of the slices before.
        std::uint64_t lines_before = 0;
        MPI_Exscan(&slice.line_ends, &lines_before, 1, MPI_UINT64_T, MPI_SUM, comm);
        if (rank == 0) lines_before = 0;
        for (bad_row& row : slice.log.rejects)
            row.line += lines_before;
        std::uint64_t bad_total = 0;
        MPI_Allreduce(&slice.bad_rows, &bad_total, 1, MPI_UINT64_T, MPI_SUM, comm);
        std::uint64_t file_rows = 0;
        MPI_Allreduce(&slice.log.rows_read, &file_rows, 1, MPI_UINT64_T, MPI_SUM, comm);
        rows_read += file_rows;
        if (bad_total > 0) {
            std::vector<bad_row> rows = gather_rows(comm, slice.log.rejects);
            if (!options.skip_bad) {
                // As one process: the first rows of the first file with any,
                // and their count; every rank throws the same.
                if (rows.size() > bad_rows_error::max_kept_rows)
                    rows.resize(bad_rows_error::max_kept_rows);
                throw bad_rows_error(name, broadcast_rows(comm, std::move(rows)), bad_total);
            }
            for (bad_row& row : rows) {
                row.file = name;
                out.rejects.push_back(std::move(row));
            }
        }
        if (f == 0)
            log = std::move(slice.log);
        else
            append_scan_log(log, slice.log);
    }
    out.rows_read = rows_read;

    const numbering persons = number_in_byte_order(comm, views_of(log.persons));
    const numbering place_ids = number_in_byte_order(comm, views_of(log.places));
    out.person_count = persons.total;
    out.first_person = persons.first;
    out.persons = persons.owned;
    out.place_count = place_ids.total;
    out.first_place = place_ids.first;
    out.places = place_ids.owned;
    if (out.person_count > no_person || out.place_count > no_place)
        throw error("distributed read: 2^32 distinct persons or places or more");
    out.visits = std::move(log.visits);
    for (visit& v : out.visits) {
        v.person = static_cast<person_index>(persons.index[v.person]);
        v.place = static_cast<place_index>(place_ids.index[v.place]);
    }
    return out;
}

rank_stays build_stays(MPI_Comm comm, rank_scans&& scans) {
    const int size = size_of(comm);
    const int rank = rank_of(comm);
    const auto ranks = static_cast<std::size_t>(size);
    // Visits ordered in place by the rank of their place, and sent as whole
    // records so that counts are in visits, not bytes. (Their order within a
    // rank does not matter: the stays are sorted and merged there.)
    std::vector<visit>& visits = scans.visits;
    std::sort(visits.begin(), visits.end(), [ranks](const visit& a, const visit& b) {
        return a.place % ranks < b.place % ranks;
    });
    std::vector<int> send(ranks, 0);
    for (const visit& v : visits)
        ++send[v.place % ranks];
    const std::vector<int> send_at = displacements(send);
    std::vector<int> receive(ranks, 0);
    MPI_Alltoall(send.data(), 1, MPI_INT, receive.data(), 1, MPI_INT, comm);
    std::vector<visit> mine(
        static_cast<std::size_t>(std::accumulate(receive.begin(), receive.end(), std::int64_t{0})));
    MPI_Datatype visit_type;
    MPI_Type_contiguous(static_cast<int>(sizeof(visit)), MPI_BYTE, &visit_type);
    MPI_Type_commit(&visit_type);
    MPI_Alltoallv(visits.data(), send.data(), send_at.data(), visit_type, mine.data(),
                  receive.data(), displacements(receive).data(), visit_type, comm);
    MPI_Type_free(&visit_type);
    visits = {};
    for (visit& v : mine)
        v.place = static_cast<place_index>(v.place / ranks);
    rank_stays out;
    out.person_count = scans.person_count;
    out.place_count = scans.place_count;
    const std::uint64_t owned_places =
        scans.place_count / ranks + (static_cast<std::uint64_t>(rank) < scans.place_count % ranks);
    out.stays = ctrace::build_stays(std::move(mine), static_cast<std::size_t>(scans.person_count),
                                    static_cast<std::size_t>(owned_places));
    return out;
}

} // namespace ctrace::distributed
