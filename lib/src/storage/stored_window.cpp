#include "ctrace/storage/stored_window.hpp"

#include "ctrace/core/digest.hpp"
#include "ctrace/core/error.hpp"
#include "ctrace/storage/store.hpp"
#include "storage/snapshot_checksum.hpp"
#include "storage/stay_rows.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <limits>

namespace ctrace {

namespace {

/// Thrown inside `open` when a file the index names is gone: an ingest
/// committed and removed it; the index is read again.
struct file_gone {};

std::string read_file_bytes(const std::filesystem::path& path) {
    std::ifstream file(path, std::ios::binary);
    if (!file) throw snapshot_error(path.string() + ": cannot open (named by the store index)");
    std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    if (file.bad()) throw snapshot_error(path.string() + ": cannot read");
    return bytes;
}

std::unique_ptr<indexed_snapshot> open_named(const std::filesystem::path& folder,
                                             const std::string& name, const std::string& sha256) {
    const std::filesystem::path path = folder / name;
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) throw file_gone{};
    if (snapshot_content_digest(path) != sha256)
        throw snapshot_error(path.string() +
                             ": not the file the store index names (its checksum block "
                             "records another digest)");
    std::unique_ptr<indexed_snapshot> data = indexed_snapshot::open(path);
    if (!data) throw snapshot_error(path.string() + ": a store file without an index block");
    return data;
}

} // namespace

std::vector<std::uint32_t> read_deleted_rows(const std::filesystem::path& path,
                                             const std::string& sha256_hex) {
    const std::string bytes = read_file_bytes(path);
    sha256 digest;
    digest.update(bytes);
    if (digest.hex_digest() != sha256_hex || bytes.size() % 4 != 0)
        throw snapshot_error(path.string() +
                             ": damaged store file (its SHA-256 is not the one the index records)");
    std::vector<std::uint32_t> rows(bytes.size() / 4);
    for (std::size_t k = 0; k < rows.size(); ++k) {
        const auto* b = reinterpret_cast<const unsigned char*>(bytes.data() + 4 * k);
        rows[k] = std::uint32_t{b[0]} | std::uint32_t{b[1]} << 8 | std::uint32_t{b[2]} << 16 |
                  std::uint32_t{b[3]} << 24;
        if (k > 0 && rows[k - 1] >= rows[k])
            throw snapshot_error(path.string() + ": damaged store file (rows not ascending)");
    }
    return rows;
}

std::unique_ptr<stored_window> stored_window::open(const std::filesystem::path& folder) {
    if (!is_appending_store(folder)) return nullptr;
    // An ingest may commit between reading the index and opening what it
    // names, and then remove files it no longer needs: read it again. Files
    // once mapped stay readable after they are removed.
    for (int attempt = 0;; ++attempt) {
        std::unique_ptr<stored_window> w(new stored_window);
        w->folder_ = folder;
        try {
            w->state_ = read_store_state(folder);
            {
                sha256 digest;
                digest.update(read_file_bytes(store_state_path(folder)));
                w->state_digest_ = digest.hex_digest();
            }
            const store_state& s = w->state_;
            w->cutoff_ = s.cutoff.value_or(std::numeric_limits<time_point>::min());
            if (s.ids_file.empty())
                throw snapshot_error(store_state_path(folder).string() +
                                     ": the store has no ids file yet");
            w->ids_ = open_named(folder, s.ids_file, s.ids_sha256);
            for (const stored_partition& p : s.partitions) {
                part& pt = w->parts_.emplace_back();
                pt.data = open_named(folder, p.file, p.sha256);
                if (pt.data->stay_count() != p.stays ||
                    pt.data->person_count() > w->ids_->person_count() ||
                    pt.data->place_count() > w->ids_->place_count())
                    throw snapshot_error((folder / p.file).string() +
                                         ": does not agree with the store index");
                for (const deleted_rows& d : p.deleted) {
                    std::error_code ec;
                    if (!std::filesystem::exists(folder / d.file, ec)) throw file_gone{};
                    std::vector<std::uint32_t> rows = read_deleted_rows(folder / d.file, d.sha256);
                    if (rows.size() != d.rows || (!rows.empty() && rows.back() >= p.stays))
                        throw snapshot_error((folder / d.file).string() +
                                             ": does not agree with the store index");
                    pt.deleted.insert(pt.deleted.end(), rows.begin(), rows.end());
                }
                std::sort(pt.deleted.begin(), pt.deleted.end());
            }
            return w;
        } catch (const file_gone&) {
            if (attempt == 3)
                throw snapshot_error(store_state_path(folder).string() +
                                     ": names a file that is missing (the store is damaged)");
        }
    }
}

stored_window::~stored_window() = default;

bool stored_window::in_force(std::size_t k, std::size_t row) const {
    const part& p = parts_[k];
    if (p.data->stays().end[row] < cutoff_) return false;
    return p.deleted.empty() ||
           !std::binary_search(p.deleted.begin(), p.deleted.end(), static_cast<std::uint32_t>(row));
}

dataset stored_window::read_whole() const {
    dataset ids = read_snapshot(folder_ / state_.ids_file);
    std::vector<visit> visits;
    visits.reserve(state_.stays);
    for (std::size_t k = 0; k < parts_.size(); ++k) {
        const indexed_snapshot& data = *parts_[k].data;
        (void)data.check_all();
        const stay_columns& s = data.stays();
        for (std::size_t row = 0; row < s.size(); ++row)
            if (in_force(k, row))
                visits.push_back({s.person[row], s.place[row], s.start[row], s.end[row]});
    }
    dataset out;
    out.persons = std::move(ids.persons);
    out.places = std::move(ids.places);
    out.place_info = std::move(ids.place_info);
    out.parameters = state_.parameters;
    out.rows_read = state_.rows_read;
    out.rows_rejected = state_.rows_rejected;
    out.inputs = state_.inputs;
    out.generator = std::move(ids.generator);
    out.created = std::move(ids.created);
    // Stays in force of different partitions never touch (an ingest merges
    // what would), so merging them again only sorts them.
    out.stays = build_stays(std::move(visits), out.persons.size(), out.places.size());
    if (!state_.unlisted_places.empty()) {
        // Metadata rows that only hold the numbering: those places are not
        // the places file's. List its places first, as version 1 did.
        std::vector<bool> unlisted(out.places.size(), false);
        for (const place_index x : state_.unlisted_places)
            if (x < unlisted.size()) unlisted[x] = true;
        std::vector<place_index> order;
        for (int pass = 0; pass < 2; ++pass)
            for (std::size_t x = 0; x < out.places.size(); ++x) {
                const bool listed = x < out.place_info.size() && !unlisted[x];
                if (listed == (pass == 0)) order.push_back(static_cast<place_index>(x));
            }
        std::vector<place_index> new_index(order.size());
        place_table info;
        id_table places;
        info.has_dwell = out.place_info.has_dwell;
        info.has_category = out.place_info.has_category;
        info.has_name = out.place_info.has_name;
        info.has_district = out.place_info.has_district;
        info.has_lat = out.place_info.has_lat;
        info.has_lon = out.place_info.has_lon;
        info.has_min_overlap = out.place_info.has_min_overlap;
        info.has_site = out.place_info.has_site;
        const place_table& old = out.place_info;
        for (std::size_t k = 0; k < order.size(); ++k) {
            const place_index x = order[k];
            new_index[x] = static_cast<place_index>(k);
            places.intern(out.places[x]);
            if (x < old.size() && !unlisted[x]) {
                info.ids.intern(old.ids[x]);
                info.dwell.push_back(old.dwell[x]);
                info.min_overlap.push_back(old.min_overlap[x]);
                info.site.push_back(old.site[x]);
                info.category.push_back(old.category[x]);
                info.name.push_back(old.name[x]);
                info.district.push_back(old.district[x]);
                info.lat.push_back(old.lat[x]);
                info.lon.push_back(old.lon[x]);
            }
        }
        std::vector<visit> renumbered;
        renumbered.reserve(out.stays.size());
        for (std::size_t i = 0; i < out.stays.size(); ++i)
            renumbered.push_back({out.stays.person[i], new_index[out.stays.place[i]],
                                  out.stays.start[i], out.stays.end[i]});
        out.places = std::move(places);
        out.place_info = std::move(info);
        out.stays = build_stays(std::move(renumbered), out.persons.size(), out.places.size());
    }
    // Persons and places no stay in force refers to, as version 1 dropped
    // them (nothing is past the cutoff any more).
    (void)drop_stays_ending_before(out, std::numeric_limits<time_point>::min());
    return out;
}

namespace {

/// Checks a next-scan partition's rows file: its digest and size, and that
/// each stay is the merge of its rows: the first starts it, the latest end
/// ends it, none lies outside it. Adds the file's bytes to `bytes`.
void verify_rows(const std::filesystem::path& path, const stored_partition& entry,
                 const stay_columns& stays, std::uint64_t& bytes) {
    const detail::stay_rows rows = detail::read_stay_rows(path, entry.rows_sha256, stays.size());
    std::error_code ec;
    bytes += std::filesystem::file_size(path, ec);
    for (std::size_t i = 0; i < stays.size(); ++i) {
        bool fits = true, first = true;
        time_point latest = std::numeric_limits<time_point>::min(), previous = latest;
        rows.for_each_row(i, stays.start[i], stays.end[i],
                          [&](time_point start, time_point end, bool) {
                              fits = fits && (!first || start == stays.start[i]) &&
                                     start >= previous && start <= end && end <= stays.end[i];
                              first = false;
                              previous = start;
                              latest = std::max(latest, end);
                          });
        if (!fits || latest != stays.end[i])
            throw snapshot_error(path.string() + ": the rows of stay " + std::to_string(i) +
                                 " of " + entry.file + " do not make that stay");
    }
}

} // namespace

std::uint64_t stored_window::verify() const {
    std::uint64_t bytes = 0;
    const snapshot_check ids = verify_snapshot(folder_ / state_.ids_file);
    bytes += ids.bytes;
    if (ids_->stay_count() != 0)
        throw snapshot_error((folder_ / state_.ids_file).string() + ": an ids file with stays");
    std::uint64_t in_force_count = 0;
    for (std::size_t k = 0; k < parts_.size(); ++k) {
        const stored_partition& entry = state_.partitions[k];
        const std::filesystem::path path = folder_ / entry.file;
        // A partition is read in place only: its SHA-256, then every block
        // of every column and their consistency.
        if (detail::verify_checksum(path) != detail::checksum_state::verified)
            throw snapshot_error(path.string() +
                                 ": corrupt store partition: its checksum does not match its "
                                 "content");
        std::error_code ec;
        bytes += std::filesystem::file_size(path, ec);
        (void)parts_[k].data->check_all();
        const stay_columns& s = parts_[k].data->stays();
        time_point first_start = std::numeric_limits<time_point>::max();
        time_point first_end = first_start, last_end = std::numeric_limits<time_point>::min();
        for (std::size_t row = 0; row < s.size(); ++row) {
            first_start = std::min(first_start, s.start[row]);
            first_end = std::min(first_end, s.end[row]);
            last_end = std::max(last_end, s.end[row]);
            if (in_force(k, row)) ++in_force_count;
        }
        if (s.size() > 0 && (first_start != entry.first_start || first_end != entry.first_end ||
                             last_end != entry.last_end))
            throw snapshot_error(path.string() +
                                 ": its time range is not the one the index records");
        if (!entry.rows_file.empty()) verify_rows(folder_ / entry.rows_file, entry, s, bytes);
        // Every place id of the partition is the ids file's (its persons'
        // ids are the ids file's: it has none of its own).
        const indexed_snapshot& part = *parts_[k].data;
        for (std::size_t x = 0; x < part.place_count(); ++x)
            if (part.place_id(static_cast<place_index>(x)) !=
                ids_->place_id(static_cast<place_index>(x)))
                throw snapshot_error(path.string() + ": its places are not the store's");
    }
    if (in_force_count != state_.stays)
        throw snapshot_error(store_state_path(folder_).string() +
                             ": the count of stays in force is not the partitions'");
    return bytes;
}

dataset read_store(const std::filesystem::path& folder) {
    if (const std::unique_ptr<stored_window> window = stored_window::open(folder))
        return window->read_whole();
    const std::filesystem::path v1 = store_snapshot_path(folder);
    std::error_code ec;
    if (!std::filesystem::exists(v1, ec))
        throw input_error(folder.string() +
                          ": no store here (a store is made by its first ingest)");
    return read_snapshot(v1);
}

} // namespace ctrace
