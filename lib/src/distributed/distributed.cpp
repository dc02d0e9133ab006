#include "ctrace/distributed/distributed.hpp"

#include "core/consumed_memory.hpp"
#include "ctrace/model/ingest.hpp"
#include "ctrace/model/sites.hpp"
#include "distributed/mpi_helpers.hpp"

#include <algorithm>
#include <climits>
#include <numeric>
#include <string_view>
#include <unordered_map>

namespace ctrace::distributed {

namespace {

using namespace detail;

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
    // Each stretch of this rank's own work is a `local_step`: a failure in
    // one (out of memory, say) is agreed on before the next collective.
    std::vector<std::uint32_t> order;
    packed_ids samples;
    local_step(comm, [&] {
        order.resize(ids.size());
        std::iota(order.begin(), order.end(), 0u);
        std::sort(order.begin(), order.end(),
                  [&](std::uint32_t a, std::uint32_t b) { return ids[a] < ids[b]; });
        // Splitters from evenly spaced samples of each rank's sorted ids:
        // about 4096 samples in all, at least 4 a rank.
        const std::size_t samples_per_rank = std::max<std::size_t>(4, 4096 / ranks);
        if (!order.empty())
            for (std::size_t k = 0; k < samples_per_rank; ++k)
                samples.add(ids[order[k * order.size() / samples_per_rank]]);
    });
    const packed_ids gathered = all_gather(comm, samples);

    // Send each id to the rank of its range (sorted ids: contiguous runs).
    packed_ids out;
    std::vector<int> send_ids, send_bytes, send_ids_at, send_bytes_at;
    std::vector<int> recv_ids, recv_bytes, recv_ids_at, recv_bytes_at;
    local_step(comm, [&] {
        send_ids.assign(ranks, 0);
        send_bytes.assign(ranks, 0);
        std::vector<std::string_view> all_samples = gathered.views();
        std::sort(all_samples.begin(), all_samples.end());
        std::vector<std::string_view> splitters;
        for (std::size_t r = 1; r < ranks; ++r)
            if (!all_samples.empty())
                splitters.push_back(all_samples[r * all_samples.size() / ranks]);
        std::vector<std::uint64_t> bytes(ranks, 0);
        for (const std::uint32_t i : order) {
            const auto to = static_cast<std::size_t>(
                std::upper_bound(splitters.begin(), splitters.end(), ids[i]) - splitters.begin());
            out.add(ids[i]);
            ++send_ids[to];
            bytes[to] += ids[i].size();
        }
        for (std::size_t r = 0; r < ranks; ++r)
            send_bytes[r] = count_of(bytes[r]);
        send_ids_at = displacements(send_ids);
        send_bytes_at = displacements(send_bytes);
        recv_ids.resize(ranks);
        recv_bytes.resize(ranks);
    });
    MPI_Alltoall(send_ids.data(), 1, MPI_INT, recv_ids.data(), 1, MPI_INT, comm);
    MPI_Alltoall(send_bytes.data(), 1, MPI_INT, recv_bytes.data(), 1, MPI_INT, comm);
    packed_ids in;
    local_step(comm, [&] {
        in.lengths.resize(static_cast<std::size_t>(
            std::accumulate(recv_ids.begin(), recv_ids.end(), std::int64_t{0})));
        in.bytes.resize(static_cast<std::size_t>(
            std::accumulate(recv_bytes.begin(), recv_bytes.end(), std::int64_t{0})));
        recv_ids_at = displacements(recv_ids);
        recv_bytes_at = displacements(recv_bytes);
    });
    count_sent(comm, send_ids, sizeof(std::uint32_t));
    count_sent(comm, send_bytes, 1);
    MPI_Alltoallv(out.lengths.data(), send_ids.data(), send_ids_at.data(), MPI_UINT32_T,
                  in.lengths.data(), recv_ids.data(), recv_ids_at.data(), MPI_UINT32_T, comm);
    MPI_Alltoallv(out.bytes.data(), send_bytes.data(), send_bytes_at.data(), MPI_CHAR,
                  in.bytes.data(), recv_bytes.data(), recv_bytes_at.data(), MPI_CHAR, comm);
    out = {};

    // This rank's range: the distinct ids received, in byte order.
    std::vector<std::string_view> received, distinct;
    local_step(comm, [&] {
        received = in.views();
        distinct = received;
        std::sort(distinct.begin(), distinct.end());
        distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
    });
    numbering result;
    const std::uint64_t owned = distinct.size();
    MPI_Exscan(&owned, &result.first, 1, MPI_UINT64_T, MPI_SUM, comm);
    if (rank_of(comm) == 0) result.first = 0; // MPI_Exscan leaves rank 0's undefined
    MPI_Allreduce(&owned, &result.total, 1, MPI_UINT64_T, MPI_SUM, comm);

    // Answer every sender with the global index of each id it sent.
    std::vector<std::uint64_t> answers, sorted_index;
    local_step(comm, [&] {
        answers.resize(received.size());
        for (std::size_t k = 0; k < received.size(); ++k)
            answers[k] =
                result.first + static_cast<std::uint64_t>(
                                   std::lower_bound(distinct.begin(), distinct.end(), received[k]) -
                                   distinct.begin());
        sorted_index.resize(ids.size());
    });
    count_sent(comm, recv_ids, sizeof(std::uint64_t));
    MPI_Alltoallv(answers.data(), recv_ids.data(), recv_ids_at.data(), MPI_UINT64_T,
                  sorted_index.data(), send_ids.data(), send_ids_at.data(), MPI_UINT64_T, comm);
    local_step(comm, [&] {
        answers = {};
        result.index.resize(ids.size());
        for (std::size_t k = 0; k < order.size(); ++k)
            result.index[order[k]] = sorted_index[k];
        result.owned.assign(distinct.begin(), distinct.end());
    });
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
    local_step(comm, [&] { pack_rows(rows, lines, text); });
    const std::vector<std::uint64_t> all_lines = gather_records(comm, lines);
    const packed_ids all = gather_ids(comm, text);
    std::vector<bad_row> out;
    local_step(comm, [&] { out = unpack_rows(all_lines, all); });
    return out;
}

/// Rank 0's `rows` on every rank.
std::vector<bad_row> broadcast_rows(MPI_Comm comm, std::vector<bad_row> rows) {
    packed_ids text;
    std::vector<std::uint64_t> lines;
    local_step(comm, [&] { pack_rows(rows, lines, text); });
    std::uint64_t sizes[3] = {lines.size(), text.lengths.size(), text.bytes.size()};
    MPI_Bcast(sizes, 3, MPI_UINT64_T, 0, comm);
    local_step(comm, [&] {
        lines.resize(static_cast<std::size_t>(sizes[0]));
        text.lengths.resize(static_cast<std::size_t>(sizes[1]));
        text.bytes.resize(static_cast<std::size_t>(sizes[2]));
    });
    MPI_Bcast(lines.data(), count_of(lines.size()), MPI_UINT64_T, 0, comm);
    MPI_Bcast(text.lengths.data(), count_of(text.lengths.size()), MPI_UINT32_T, 0, comm);
    MPI_Bcast(text.bytes.data(), count_of(text.bytes.size()), MPI_CHAR, 0, comm);
    return unpack_rows(lines, text);
}

/// Replaces every place code of `log` by its site (docs/semantics.md §8.1):
/// the places file's `site` where it gives one, else the code itself.
void to_sites(scan_log& log, const place_table& places) {
    id_table sites;
    std::vector<place_index> site_of(log.places.size());
    for (std::size_t x = 0; x < log.places.size(); ++x) {
        const std::string_view code = log.places[static_cast<place_index>(x)];
        const place_index listed = places.has_site ? places.ids.find(code) : id_table::npos;
        site_of[x] = sites.intern(ctrace::site_of(places, listed, code));
    }
    for (visit& v : log.visits)
        v.place = site_of[v.place];
    log.places = std::move(sites);
}

} // namespace

rank_scans read_scans(MPI_Comm comm, const std::vector<std::filesystem::path>& scans,
                      const place_table& places, const scan_read_options& options,
                      const id_options& ids) {
    const std::uint64_t sent_before = bytes_sent();
    const int rank = rank_of(comm);
    const int size = size_of(comm);
    rank_scans out;
    scan_log log;
    std::uint64_t rows_read = 0;
    for (std::size_t f = 0; f < scans.size(); ++f) {
        const std::string name = scans[f].string();
        scan_slice slice;
        const auto read = [&](slice_mode mode) {
            local_step(comm, [&] {
                slice = read_scans_slice(scans[f], places, options, static_cast<std::size_t>(rank),
                                         static_cast<std::size_t>(size), mode);
            });
        };
        read(slice_mode::byte_ranges);
        // A quoted line break at a cut: the byte ranges split a row, so every
        // rank reads the file again by blocks of rows, as a stream.
        int cut_in_quotes = slice.ended_inside_quotes ? 1 : 0;
        MPI_Allreduce(MPI_IN_PLACE, &cut_in_quotes, 1, MPI_INT, MPI_MAX, comm);
        if (cut_in_quotes != 0) {
            slice = {};
            read(slice_mode::row_blocks);
        }

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
            // In file order: the slices of a decoded file interleave blocks of
            // rows (and every slice kept its own first rows in strict mode,
            // so the file's first rows are among them).
            std::stable_sort(rows.begin(), rows.end(),
                             [](const bad_row& a, const bad_row& b) { return a.line < b.line; });
            if (!options.skip_bad) {
                // As one process: the first rows of the first file with any,
                // and their count; every rank throws the same.
                if (rows.size() > bad_rows_error::max_kept_rows)
                    rows.resize(bad_rows_error::max_kept_rows);
                throw bad_rows_error(name, broadcast_rows(comm, std::move(rows)), bad_total);
            }
            local_step(comm, [&] {
                for (bad_row& row : rows) {
                    row.file = name;
                    out.rejects.push_back(std::move(row));
                }
            });
        }
        local_step(comm, [&] {
            out.rows_per_file.push_back(file_rows);
            if (f == 0)
                log = std::move(slice.log);
            else
                append_scan_log(log, slice.log);
        });
    }
    out.rows_read = rows_read;
    std::vector<std::string_view> person_ids, place_ids;
    local_step(comm, [&] {
        if (ids.pseudonyms) {
            ids.pseudonyms->apply(log.persons);
            strip_identifying_text(out.rejects);
        }
        if (ids.level == contact_level::site) {
            require_sites(places);
            to_sites(log, places);
        }
        person_ids = views_of(log.persons);
        place_ids = views_of(log.places);
    });

    numbering persons = number_in_byte_order(comm, person_ids);
    numbering place_numbers = number_in_byte_order(comm, place_ids);
    out.person_count = persons.total;
    out.first_person = persons.first;
    out.persons = std::move(persons.owned);
    out.place_count = place_numbers.total;
    out.first_place = place_numbers.first;
    out.places = std::move(place_numbers.owned);
    if (out.person_count > no_person || out.place_count > no_place)
        throw error("distributed read: 2^32 distinct persons or places or more");
    out.bytes_sent = bytes_sent() - sent_before;
    local_step(comm, [&] {
        out.visits = std::move(log.visits);
        out.checked_out = std::move(log.checked_out);
        for (visit& v : out.visits) {
            v.person = static_cast<person_index>(persons.index[v.person]);
            v.place = static_cast<place_index>(place_numbers.index[v.place]);
        }
    });
    return out;
}

void cut_at_next_scan(MPI_Comm comm, rank_scans& scans) {
    // A visit with its flag, as it travels.
    struct flagged {
        visit v;
        std::uint32_t checked_out;
        std::uint32_t unused;
    };
    const auto ranks = static_cast<std::size_t>(size_of(comm));
    std::vector<flagged> outgoing;
    std::vector<int> counts;
    local_step(comm, [&] {
        if (scans.checked_out.size() != scans.visits.size())
            throw error("distributed cut at the next scan: the visits were read without their "
                        "check-out flags");
        std::vector<std::uint64_t> at(ranks + 1, 0);
        for (const visit& v : scans.visits)
            ++at[v.person % ranks + 1];
        counts.resize(ranks);
        for (std::size_t r = 0; r < ranks; ++r) {
            counts[r] = count_of(at[r + 1]);
            at[r + 1] += at[r];
        }
        outgoing.resize(scans.visits.size());
        for (std::size_t i = 0; i < scans.visits.size(); ++i) {
            const visit& v = scans.visits[i];
            outgoing[at[v.person % ranks]++] = {v, scans.checked_out[i] ? 1u : 0u, 0u};
        }
        scans.visits = {};
        scans.checked_out = {};
    });
    std::vector<flagged> mine = exchange(comm, outgoing, counts);
    local_step(comm, [&] {
        outgoing = {};
        std::vector<visit> visits;
        std::vector<bool> checked_out;
        visits.reserve(mine.size());
        checked_out.reserve(mine.size());
        for (const flagged& f : mine) {
            visits.push_back(f.v);
            checked_out.push_back(f.checked_out != 0);
        }
        mine = {};
        ctrace::cut_at_next_scan(visits, checked_out);
        scans.visits = std::move(visits);
    });
}

rank_stays build_stays(MPI_Comm comm, rank_scans& scans) {
    const std::uint64_t sent_before = bytes_sent();
    const int size = size_of(comm);
    const int rank = rank_of(comm);
    const auto ranks = static_cast<std::size_t>(size);
    // Visits ordered in place by the rank of their place (their order within
    // a rank does not matter: the stays are sorted and merged there).
    std::vector<visit>& visits = scans.visits;
    const auto owner = [ranks](const visit& v) {
        return static_cast<std::size_t>(v.place % ranks);
    };
    std::vector<std::uint64_t> block_begin, total_send, total_receive;
    local_step(comm, [&] {
        block_begin.assign(ranks + 1, 0);
        total_send.resize(ranks);
        total_receive.resize(ranks);
        for (const visit& v : visits)
            ++block_begin[owner(v) + 1];
        for (std::size_t r = 0; r < ranks; ++r)
            block_begin[r + 1] += block_begin[r];
        std::vector<std::uint64_t> next(block_begin.begin(), block_begin.end() - 1);
        for (std::size_t r = 0; r < ranks; ++r)
            while (next[r] < block_begin[r + 1]) {
                const std::size_t to = owner(visits[next[r]]);
                if (to == r)
                    ++next[r];
                else
                    std::swap(visits[next[r]], visits[next[to]++]);
            }
    });

    // Sent in rounds of at most `round_visits` a rank (6 MB), each round's pieces
    // copied into one small buffer (so MPI's int displacements never see a
    // rank's whole array). The pages of each piece go back to the kernel as
    // soon as it is copied, and the visits received are appended to a buffer
    // reserved (not touched) up front: a rank holds about one copy of its
    // visits while they move, not two.
    constexpr std::uint64_t round_visits = std::uint64_t{1} << 18;
    std::uint64_t rounds = (visits.size() + round_visits - 1) / round_visits;
    MPI_Allreduce(MPI_IN_PLACE, &rounds, 1, MPI_UINT64_T, MPI_MAX, comm);
    for (std::size_t r = 0; r < ranks; ++r)
        total_send[r] = block_begin[r + 1] - block_begin[r];
    MPI_Alltoall(total_send.data(), 1, MPI_UINT64_T, total_receive.data(), 1, MPI_UINT64_T, comm);
    std::vector<visit> mine;
    local_step(comm, [&] {
        mine.reserve(static_cast<std::size_t>(
            std::accumulate(total_receive.begin(), total_receive.end(), std::uint64_t{0})));
    });
    const record_type visit_type(sizeof(visit));
    std::vector<visit> outgoing;
    std::vector<int> send, send_at, receive, receive_at;
    for (std::uint64_t round = 0; round < rounds; ++round) {
        local_step(comm, [&] {
            send.resize(ranks);
            receive.resize(ranks);
            outgoing.clear();
            for (std::size_t r = 0; r < ranks; ++r) {
                const std::uint64_t length = total_send[r];
                const std::uint64_t from = block_begin[r] + length * round / rounds;
                const std::uint64_t to = block_begin[r] + length * (round + 1) / rounds;
                send[r] = count_of(to - from);
                outgoing.insert(outgoing.end(), visits.begin() + static_cast<std::ptrdiff_t>(from),
                                visits.begin() + static_cast<std::ptrdiff_t>(to));
                ctrace::detail::release_pages(visits.data() + from, visits.data() + to);
            }
            send_at = displacements(send);
        });
        MPI_Alltoall(send.data(), 1, MPI_INT, receive.data(), 1, MPI_INT, comm);
        std::size_t old = 0;
        local_step(comm, [&] {
            receive_at = displacements(receive);
            old = mine.size();
            mine.resize(old + static_cast<std::size_t>(std::accumulate(
                                  receive.begin(), receive.end(), std::int64_t{0})));
        });
        count_sent(comm, send, sizeof(visit));
        MPI_Alltoallv(outgoing.data(), send.data(), send_at.data(), visit_type, mine.data() + old,
                      receive.data(), receive_at.data(), visit_type, comm);
    }
    rank_stays out;
    out.bytes_sent = bytes_sent() - sent_before;
    out.person_count = scans.person_count;
    out.place_count = scans.place_count;
    const std::uint64_t owned_places =
        scans.place_count / ranks + (static_cast<std::uint64_t>(rank) < scans.place_count % ranks);
    local_step(comm, [&] {
        outgoing = {};
        visits = {};
        for (visit& v : mine)
            v.place = static_cast<place_index>(v.place / ranks);
        // Merging keeps 8 bytes per person index. When all the persons
        // cost more than listing those seen here (4 bytes a visit: many
        // ranks, many persons), the persons seen are numbered densely; the
        // order is kept, so ties sort as with global indices.
        const std::uint64_t all_persons_bytes = 8 * scans.person_count;
        if (all_persons_bytes <= 4 * static_cast<std::uint64_t>(mine.size())) {
            out.stays =
                ctrace::build_stays(std::move(mine), static_cast<std::size_t>(scans.person_count),
                                    static_cast<std::size_t>(owned_places));
            return;
        }
        std::vector<person_index> seen;
        seen.reserve(mine.size());
        for (const visit& v : mine)
            seen.push_back(v.person);
        std::sort(seen.begin(), seen.end());
        seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
        seen.shrink_to_fit();
        for (visit& v : mine)
            v.person = static_cast<person_index>(
                std::lower_bound(seen.begin(), seen.end(), v.person) - seen.begin());
        out.stays = ctrace::build_stays(std::move(mine), seen.size(),
                                        static_cast<std::size_t>(owned_places));
        for (person_index& p : out.stays.person)
            p = seen[p];
    });
    return out;
}

namespace {

/// The byte-order index of every id of `ids`, and the ids of rank `rank`'s
/// share of that order.
struct byte_order {
    std::vector<std::uint32_t> index_of;
    std::uint64_t first = 0;
    std::vector<std::string> owned;
};

byte_order order_by_bytes(const id_table& ids, std::size_t rank, std::size_t ranks) {
    std::vector<std::uint32_t> order(ids.size());
    std::iota(order.begin(), order.end(), 0u);
    std::sort(order.begin(), order.end(),
              [&ids](std::uint32_t a, std::uint32_t b) { return ids[a] < ids[b]; });
    byte_order out;
    out.index_of.resize(ids.size());
    for (std::size_t k = 0; k < order.size(); ++k)
        out.index_of[order[k]] = static_cast<std::uint32_t>(k);
    out.first = ids.size() * rank / ranks;
    const std::size_t last = ids.size() * (rank + 1) / ranks;
    for (std::size_t k = static_cast<std::size_t>(out.first); k < last; ++k)
        out.owned.emplace_back(ids[order[k]]);
    return out;
}

} // namespace

rank_scans share_snapshot(MPI_Comm comm, const dataset& data) {
    const auto rank = static_cast<std::size_t>(rank_of(comm));
    const auto ranks = static_cast<std::size_t>(size_of(comm));
    rank_scans out;
    local_step(comm, [&] {
        byte_order persons = order_by_bytes(data.persons, rank, ranks);
        byte_order places = order_by_bytes(data.places, rank, ranks);
        out.person_count = data.persons.size();
        out.place_count = data.places.size();
        out.first_person = persons.first;
        out.persons = std::move(persons.owned);
        out.first_place = places.first;
        out.places = std::move(places.owned);
        out.rows_read = data.rows_read;
        const stay_table& stays = data.stays;
        const std::size_t first = stays.size() * rank / ranks;
        const std::size_t last = stays.size() * (rank + 1) / ranks;
        out.visits.reserve(last - first);
        for (std::size_t row = first; row < last; ++row)
            out.visits.push_back({persons.index_of[stays.person[row]],
                                  places.index_of[stays.place[row]], stays.start[row],
                                  stays.end[row]});
    });
    return out;
}

namespace {

/// Rank 0's part of `gather_snapshot`: the snapshot of the gathered ids and
/// stays (global indices).
dataset snapshot_from(const packed_ids& all_persons, const packed_ids& all_places,
                      std::vector<visit> visits, const place_table& place_info,
                      contact_level level) {
    dataset data;
    // Ranks hold ascending ranges of the byte order: interned in rank
    // order, persons keep their global indices.
    for (const std::string_view id : all_persons.views())
        data.persons.intern(id);
    // The places file's places (at site level, its sites) come first, as
    // one process numbers them.
    if (level == contact_level::site) {
        dataset codes;
        codes.places = place_info.ids;
        codes.place_info = place_info;
        roll_up_to_sites(codes);
        data.places = std::move(codes.places);
        data.place_info = std::move(codes.place_info);
    } else {
        data.places = place_info.ids;
        data.place_info = place_info;
    }
    std::vector<place_index> place_of;
    for (const std::string_view id : all_places.views())
        place_of.push_back(data.places.intern(id));
    for (visit& v : visits)
        v.place = place_of[v.place];
    data.stays = ctrace::build_stays(std::move(visits), data.persons.size(), data.places.size());
    data.parameters.level = level;
    return data;
}

} // namespace

dataset gather_snapshot(MPI_Comm comm, const rank_scans& ids, const rank_stays& stays,
                        const place_table& place_info, contact_level level) {
    const int rank = rank_of(comm);
    const int size = size_of(comm);
    packed_ids persons, places;
    std::vector<visit> rows;
    local_step(comm, [&] {
        for (const std::string& id : ids.persons)
            persons.add(id);
        for (const std::string& id : ids.places)
            places.add(id);
        rows.reserve(stays.stays.size());
        const stay_table& table = stays.stays;
        for (std::size_t row = 0; row < table.size(); ++row)
            rows.push_back(
                {table.person[row],
                 static_cast<place_index>(rank_stays::global_place(table.place[row], rank, size)),
                 table.start[row], table.end[row]});
    });
    const packed_ids all_persons = gather_ids(comm, persons);
    const packed_ids all_places = gather_ids(comm, places);
    std::vector<visit> visits = gather_records(comm, rows);
    rows = {};
    dataset data;
    local_step(comm, [&] {
        if (rank == 0)
            data = snapshot_from(all_persons, all_places, std::move(visits), place_info, level);
    });
    data.rows_read = ids.rows_read;
    return data;
}

std::vector<duration> place_min_overlaps(MPI_Comm comm, const rank_scans& scans,
                                         const place_table& places, contact_level level) {
    if (!places.has_min_overlap) return {};
    const auto ranks = static_cast<std::size_t>(size_of(comm));
    struct place_value {
        std::uint64_t place;
        duration value;
    };
    std::vector<place_value> out;
    std::vector<int> send(ranks, 0);
    local_step(comm, [&] {
        // A site's minimum is the smallest of its codes' rows (its own row among
        // them), as `roll_up_to_sites` takes it.
        std::unordered_map<std::string_view, duration> by_site;
        if (level == contact_level::site)
            for (std::size_t x = 0; x < places.size(); ++x) {
                const duration m = places.min_overlap[x];
                if (m < 0) continue;
                const std::string_view site = ctrace::site_of(
                    places, static_cast<place_index>(x), places.ids[static_cast<place_index>(x)]);
                const auto [at, added] = by_site.emplace(site, m);
                if (!added) at->second = std::min(at->second, m);
            }
        // This rank knows the ids of its range; the owner of a place's stays is
        // `x % ranks`: send each known minimum there.
        for (std::size_t k = 0; k < scans.places.size(); ++k) {
            const std::string_view id = scans.places[k];
            duration m = -1;
            if (level == contact_level::site) {
                if (const auto at = by_site.find(id); at != by_site.end()) m = at->second;
            } else if (const place_index listed = places.ids.find(id); listed != id_table::npos) {
                m = places.min_overlap[listed];
            }
            if (m >= 0) out.push_back({scans.first_place + k, m});
        }
        std::sort(out.begin(), out.end(), [ranks](const place_value& a, const place_value& b) {
            return a.place % ranks < b.place % ranks;
        });
        for (const place_value& v : out)
            ++send[v.place % ranks];
    });
    const std::vector<place_value> in = exchange(comm, out, send);
    const auto rank = static_cast<std::uint64_t>(rank_of(comm));
    const std::uint64_t owned =
        scans.place_count / ranks + (rank < scans.place_count % ranks ? 1 : 0);
    std::vector<duration> by_place;
    local_step(comm, [&] {
        by_place.assign(static_cast<std::size_t>(owned), -1);
        for (const place_value& v : in)
            by_place[static_cast<std::size_t>(v.place / ranks)] = v.value;
    });
    return by_place;
}

} // namespace ctrace::distributed
