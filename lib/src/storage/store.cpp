#include "ctrace/storage/store.hpp"

#include "ctrace/core/atomic_file.hpp"
#include "ctrace/core/digest.hpp"
#include "ctrace/io/csv.hpp"
#include "ctrace/model/ingest.hpp"
#include "ctrace/model/sites.hpp"
#include "ctrace/model/stay_end.hpp"
#include "ctrace/storage/store_state.hpp"
#include "ctrace/storage/stored_window.hpp"
#include "storage/stay_rows.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <mutex>
#include <sys/stat.h>
#include <tuple>
#include <unistd.h>

namespace ctrace {

namespace {

std::string errno_text() {
    return std::strerror(errno);
}

/// A copy of `info` whose ids are `ids` (a superset listing `info`'s places
/// first): what the scans reader needs to number places as the store does
/// and still find the places file's dwells by index.
place_table place_table_with_ids(const place_table& info, const id_table& ids) {
    place_table table = info;
    table.ids = ids;
    return table;
}

std::string manifest_csv(const std::vector<input_file>& inputs) {
    std::string out = "added,role,file,bytes,sha256,rows,rows_rejected\n";
    for (const input_file& f : inputs) {
        append_csv_field(out, f.added);
        out.push_back(',');
        append_csv_field(out, f.role);
        out.push_back(',');
        append_csv_field(out, f.path);
        out += ',' + std::to_string(f.bytes) + ',' + f.sha256 + ',' + std::to_string(f.rows) + ',' +
               std::to_string(f.rows_rejected) + '\n';
    }
    return out;
}

/// Lock files this process holds, by (device, inode). POSIX record locks
/// belong to the process, so a second lock of the same file from this process
/// would succeed, and closing it would drop the first: refuse it here instead.
/// The pid is kept because a forked child inherits this set but not the locks.
std::mutex held_mutex;
std::map<std::pair<dev_t, ino_t>, pid_t> held_locks;

void stage_text(atomic_file& file, const std::string& text) {
    file.stream() << text;
    file.close();
}

} // namespace

// ---------------------------------------------------------------------------

std::filesystem::path store_snapshot_path(const std::filesystem::path& folder) {
    return folder / "snapshot.h5";
}

std::filesystem::path store_manifest_path(const std::filesystem::path& folder) {
    return folder / "manifest.csv";
}

std::filesystem::path store_rejects_path(const std::filesystem::path& folder,
                                         const std::string& sha256) {
    return folder / "rejects" / (sha256 + ".csv");
}

store_lock::store_lock(const std::filesystem::path& folder, bool create) : folder_(folder) {
    std::error_code ec;
    if (create) {
        create_output_folders(folder);
    } else if (!std::filesystem::is_directory(folder, ec)) {
        throw input_error(folder.string() +
                          ": no store here (a store is made by its first ingest)");
    }
    const std::filesystem::path lock_path = folder / ".lock";
    {
        // This process's own lock is found before opening the file: closing any
        // descriptor of it would drop the lock (POSIX record locks belong to
        // the process, not to the descriptor).
        const std::lock_guard<std::mutex> guard(held_mutex);
        struct stat existing {};
        if (::stat(lock_path.c_str(), &existing) == 0) {
            const auto at = held_locks.find({existing.st_dev, existing.st_ino});
            if (at != held_locks.end() && at->second == ::getpid())
                throw store_busy_error("store " + folder.string() + " is in use by this process (" +
                                           std::to_string(::getpid()) + ")",
                                       ::getpid());
        }
        fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
        if (fd_ < 0) throw_output_failure(lock_path, "cannot open the lock file", errno);
        struct stat identity {};
        if (::fstat(fd_, &identity) != 0) {
            const std::string why = errno_text();
            ::close(fd_);
            fd_ = -1;
            throw io_error(lock_path.string() + ": cannot stat the lock file: " + why);
        }
        identity_ = {identity.st_dev, identity.st_ino};
        held_locks[identity_] = ::getpid(); // replaces an entry inherited through fork
    }
    struct flock request {};
    request.l_type = F_WRLCK;
    request.l_whence = SEEK_SET;
    if (::fcntl(fd_, F_SETLK, &request) == 0) return;
    const int lock_errno = errno;
    {
        const std::lock_guard<std::mutex> guard(held_mutex);
        held_locks.erase(identity_);
    }
    struct flock holder {};
    holder.l_type = F_WRLCK;
    holder.l_whence = SEEK_SET;
    const pid_t pid =
        ::fcntl(fd_, F_GETLK, &holder) == 0 && holder.l_type != F_UNLCK ? holder.l_pid : 0;
    ::close(fd_);
    fd_ = -1;
    if (lock_errno != EACCES && lock_errno != EAGAIN)
        throw io_error(lock_path.string() + ": cannot lock: " + std::strerror(lock_errno));
    throw store_busy_error("store " + folder.string() + " is in use by process " +
                               (pid > 0 ? std::to_string(pid) : std::string("(unknown)")) +
                               " (lock " + lock_path.string() + ")",
                           pid);
}

store_lock::~store_lock() {
    if (fd_ < 0) return;
    ::close(fd_); // closing drops the lock
    const std::lock_guard<std::mutex> guard(held_mutex);
    held_locks.erase(identity_);
}

// ---------------------------------------------------------------------------

retention_counts drop_stays_ending_before(dataset& data, time_point cutoff) {
    const stay_table& old = data.stays;
    std::vector<bool> person_used(data.persons.size(), false);
    std::vector<bool> place_used(data.places.size(), false);
    std::size_t kept = 0;
    for (std::size_t i = 0; i < old.size(); ++i)
        if (old.end[i] >= cutoff) {
            person_used[old.person[i]] = true;
            place_used[old.place[i]] = true;
            ++kept;
        }
    for (std::size_t x = 0; x < data.place_info.size() && x < place_used.size(); ++x)
        place_used[x] = true; // listed in the places file: metadata, not scan data

    retention_counts dropped;
    dropped.stays = old.size() - kept;
    // Ids keep their order: index order is first appearance, and stays sorted
    // by (place, start, person) stay sorted under an order-keeping renumbering.
    id_table persons, places;
    std::vector<person_index> person_map(data.persons.size(), no_person);
    for (std::size_t p = 0; p < person_used.size(); ++p)
        if (person_used[p])
            person_map[p] = persons.intern(data.persons[static_cast<person_index>(p)]);
        else
            ++dropped.persons;
    std::vector<place_index> place_map(data.places.size(), no_place);
    for (std::size_t x = 0; x < place_used.size(); ++x)
        if (place_used[x])
            place_map[x] = places.intern(data.places[static_cast<place_index>(x)]);
        else
            ++dropped.places;

    stay_table stays;
    stays.person.reserve(kept);
    stays.place.reserve(kept);
    stays.start.reserve(kept);
    stays.end.reserve(kept);
    for (std::size_t i = 0; i < old.size(); ++i) {
        if (old.end[i] < cutoff) continue;
        stays.person.push_back(person_map[old.person[i]]);
        stays.place.push_back(place_map[old.place[i]]);
        stays.start.push_back(old.start[i]);
        stays.end.push_back(old.end[i]);
    }
    index_stays_by_place(stays, places.size());

    data.stays = std::move(stays);
    data.persons = std::move(persons);
    data.places = std::move(places);
    return dropped;
}

// ---------------------------------------------------------------------------

namespace {

/// A file staged for the store: written unnamed, linked at commit.
struct staged_snapshot {
    std::unique_ptr<atomic_path> out;
    std::string name;
    std::string digest;
};

staged_snapshot stage_snapshot(const std::filesystem::path& folder, const std::string& name,
                               const dataset& data, const snapshot_layout& layout = {}) {
    staged_snapshot staged;
    staged.name = name;
    staged.out = std::make_unique<atomic_path>(folder / name, temporary_name::hidden);
    write_snapshot(*staged.out, data, nullptr, layout);
    staged.digest = snapshot_content_digest(staged.out->temporary());
    return staged;
}

/// A partition's persons are the store's: their ids are in the ids file.
constexpr snapshot_layout partition_layout{.person_ids = false};

/// The ids file's content: every id in store numbering, no stays.
dataset ids_snapshot(const id_table& persons, const id_table& places, const place_table& info,
                     const store_state& state) {
    dataset ids;
    ids.persons = persons;
    ids.places = places;
    ids.place_info = info;
    index_stays_by_place(ids.stays, places.size());
    ids.parameters = state.parameters;
    ids.rows_read = state.rows_read;
    ids.rows_rejected = state.rows_rejected;
    ids.inputs = state.inputs;
    return ids;
}

/// The smallest start, smallest end and largest end of `stays` (non-empty).
void set_time_range(stored_partition& entry, const stay_table& stays) {
    entry.first_start = *std::min_element(stays.start.begin(), stays.start.end());
    entry.first_end = *std::min_element(stays.end.begin(), stays.end.end());
    entry.last_end = *std::max_element(stays.end.begin(), stays.end.end());
}

/// Files of a store version 2 that its index may name.
bool is_store_file(const std::string& name) {
    auto has = [&](std::string_view prefix, std::string_view suffix) {
        return name.size() > prefix.size() + suffix.size() && name.starts_with(prefix) &&
               name.ends_with(suffix);
    };
    return has("part-", ".h5") || has("ids-", ".h5") || has("deleted-", ".u32") ||
           has("rows-", ".bin");
}

/// Removes the store files `state` does not name: left by an ingest killed
/// before its commit, or no longer in force after one.
void remove_unnamed_files(const std::filesystem::path& folder, const store_state& state) {
    std::vector<std::string> named{state.ids_file};
    for (const stored_partition& p : state.partitions) {
        named.push_back(p.file);
        if (!p.rows_file.empty()) named.push_back(p.rows_file);
        for (const deleted_rows& d : p.deleted)
            named.push_back(d.file);
    }
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
        const std::string name = entry.path().filename().string();
        if (is_store_file(name) && std::find(named.begin(), named.end(), name) == named.end())
            std::filesystem::remove(entry.path(), ec);
    }
}

/// Commits `state` as the store's index: the commit point of an ingest.
/// (CTRACE_TEST_PAUSE_BEFORE_COMMIT, lib/src/core/atomic_file.cpp, pauses
/// tests here, as before every commit.)
void commit_state(const std::filesystem::path& folder, const store_state& state) {
    atomic_file out(store_state_path(folder), temporary_name::hidden);
    stage_text(out, store_state_json(state));
    out.commit();
}

/// Turns a version-1 store (`snapshot.h5`) into a version-2 one: its stays
/// become the first partition and its ids the ids file, in the same
/// numbering. The version-1 files go only once the index names the new ones.
store_state migrate_store(const std::filesystem::path& folder) {
    dataset v1 = read_snapshot(store_snapshot_path(folder));
    store_state state;
    state.parameters = v1.parameters;
    state.rows_read = v1.rows_read;
    state.rows_rejected = v1.rows_rejected;
    state.inputs = v1.inputs;
    state.stays = v1.stays.size();
    std::vector<staged_snapshot> staged;
    if (v1.stays.size() > 0) {
        dataset part;
        part.persons = v1.persons;
        part.places = v1.places;
        part.stays = std::move(v1.stays);
        part.parameters = v1.parameters;
        part.inputs = v1.inputs;
        stored_partition& entry = state.partitions.emplace_back();
        set_time_range(entry, part.stays);
        entry.stays = part.stays.size();
        state.latest_end = entry.last_end;
        staged.push_back(stage_snapshot(folder, "part-" + store_serial(state.next_serial++) + ".h5",
                                        part, partition_layout));
        entry.file = staged.back().name;
        entry.sha256 = staged.back().digest;
    }
    state.ids_file = "ids-" + store_serial(state.next_serial++) + ".h5";
    staged.push_back(stage_snapshot(folder, state.ids_file,
                                    ids_snapshot(v1.persons, v1.places, v1.place_info, state)));
    state.ids_sha256 = staged.back().digest;
    for (staged_snapshot& s : staged)
        s.out->commit();
    commit_state(folder, state);
    std::error_code ec;
    std::filesystem::remove(store_snapshot_path(folder), ec);
    return state;
}

/// A stored stay that tonight's visits may merge with.
struct merge_candidate {
    person_index person;
    place_index place;
    time_point start;
    time_point end;
    std::uint32_t partition;
    std::uint32_t row;
    bool kept = false; ///< came out of the merge unchanged
};

std::string rows_as_bytes(const std::vector<std::uint32_t>& rows) {
    std::string bytes;
    bytes.reserve(4 * rows.size());
    for (const std::uint32_t r : rows)
        for (int shift = 0; shift < 32; shift += 8)
            bytes.push_back(static_cast<char>((r >> shift) & 0xff));
    return bytes;
}

/// The stay end rule and level of an ingest: the store's when it has one,
/// else those asked for. Throws `parameter_error` when the options ask for
/// others than the store's.
std::pair<stay_end_rule, contact_level> stay_end_of_ingest(const store_ingest_options& options,
                                                           const std::filesystem::path& folder,
                                                           const store_state* state) {
    const stay_end_rule rule = state != nullptr ? state->parameters.stay_end
                                                : options.stay_end.value_or(stay_end_rule::dwell);
    const auto quoted = [](stay_end_rule r) { return "'" + std::string(stay_end_name(r)) + "'"; };
    if (state != nullptr && options.stay_end && *options.stay_end != rule)
        throw parameter_error("stay_end", folder.string() + ": the store's stays end by the rule " +
                                              quoted(rule) + ", not " + quoted(*options.stay_end) +
                                              " (fixed by its first ingest)");
    const contact_level level = state != nullptr ? state->parameters.stay_end_level
                                : rule == stay_end_rule::next_scan
                                    ? options.stay_end_level.value_or(contact_level::code)
                                    : contact_level::code;
    if (options.stay_end_level && *options.stay_end_level != level) {
        if (rule == stay_end_rule::dwell)
            throw parameter_error(
                "contact_level",
                folder.string() +
                    ": a store keeps the codes scanned and is traced at either level: "
                    "the level is chosen by the trace (daily, trace), not by "
                    "the ingest (only the next-scan rule fixes one: the level "
                    "its stays are cut at)");
        throw parameter_error("contact_level",
                              folder.string() + ": the store's stays are cut by the next scan at " +
                                  std::string(contact_level_name(level)) + " level, not " +
                                  std::string(contact_level_name(*options.stay_end_level)) +
                                  " (fixed by its first ingest)");
    }
    return {rule, level};
}

/// (person, place, start, end, checked_out): the order of a next-scan
/// ingest's rows, in which a stay's rows are one run.
bool row_less(const flagged_visit& a, const flagged_visit& b) noexcept {
    return std::tie(a.v.person, a.v.place, a.v.start, a.v.end, a.checked_out) <
           std::tie(b.v.person, b.v.place, b.v.start, b.v.end, b.checked_out);
}

/// The rows of a next-scan ingest in `row_less` order, with the offsets of
/// each person's (`person_begin[p]` .. `person_begin[p + 1]`).
struct ingest_rows {
    std::vector<flagged_visit> rows;
    std::vector<std::size_t> person_begin;

    /// The rows behind the stay (p, x, s, e): those of (p, x) starting in
    /// [s, e]. A row starting at e belongs to it, as an empty row there
    /// touches it (semantics §2.2); stays of one person and place never
    /// touch each other, so each row is one stay's.
    std::span<const flagged_visit> of_stay(person_index p, place_index x, time_point s,
                                           time_point e) const {
        std::size_t first = person_begin[p];
        const std::size_t end = person_begin[p + 1];
        while (first < end && std::pair(rows[first].v.place, rows[first].v.start) < std::pair(x, s))
            ++first;
        std::size_t last = first;
        while (last < end && rows[last].v.place == x && rows[last].v.start <= e)
            ++last;
        return std::span(rows).subspan(first, last - first);
    }
};

/// Whether stay `stay` of `stored`, with bounds [s, e), has the rows `now`.
bool same_rows(const detail::stay_rows& stored, std::size_t stay, time_point s, time_point e,
               std::span<const flagged_visit> now) {
    std::size_t k = 0;
    bool same = true;
    stored.for_each_row(stay, s, e, [&](time_point start, time_point end, bool out) {
        same = same && k < now.size() && now[k].v.start == start && now[k].v.end == end &&
               now[k].checked_out == out;
        ++k;
    });
    return same && k == now.size();
}

/// The rows of a next-scan ingest: the dump's (`merged.visits`, with their
/// flags) and the stored rows behind the candidates, cut again together and
/// put in `row_less` order; `merged.visits` becomes their visits. Candidates of
/// persons with no row in the dump are dropped first: no row of theirs is
/// new, so their stays come out as they are. `stored_rows` keeps the rows
/// files read, by partition. `sites`, when given, is the places metadata
/// whose sites judge "another place".
ingest_rows rows_cut_again(const std::filesystem::path& folder, const store_state& state,
                           scan_log& merged, std::vector<merge_candidate>& candidates,
                           std::vector<std::optional<detail::stay_rows>>& stored_rows,
                           const place_table* sites) {
    std::vector<bool> in_dump(merged.persons.size(), false);
    for (const visit& v : merged.visits)
        in_dump[v.person] = true;
    std::erase_if(candidates, [&](const merge_candidate& c) { return !in_dump[c.person]; });
    std::vector<flagged_visit> rows;
    rows.reserve(merged.visits.size());
    for (std::size_t i = 0; i < merged.visits.size(); ++i)
        rows.push_back({merged.visits[i], merged.checked_out[i]});
    merged.visits = {};
    merged.checked_out = {};
    for (const merge_candidate& c : candidates) {
        std::optional<detail::stay_rows>& file = stored_rows[c.partition];
        const stored_partition& entry = state.partitions[c.partition];
        if (!file)
            file = detail::read_stay_rows(folder / entry.rows_file, entry.rows_sha256, entry.stays);
        file->for_each_row(c.row, c.start, c.end, [&](time_point s, time_point e, bool out) {
            rows.push_back({{c.person, c.place, s, e}, out});
        });
    }
    std::vector<std::uint32_t> groups;
    if (sites != nullptr) groups = site_of_codes(*sites, merged.places).site_of;
    cut_at_next_scan(rows, groups);
    // The rows come back by person: each person's few rows are sorted alone.
    ingest_rows out;
    out.person_begin.assign(merged.persons.size() + 1, 0);
    for (const flagged_visit& r : rows)
        ++out.person_begin[r.v.person + 1];
    for (std::size_t p = 0; p < merged.persons.size(); ++p)
        out.person_begin[p + 1] += out.person_begin[p];
    for (std::size_t p = 0; p < merged.persons.size(); ++p) {
        const auto first = rows.begin() + static_cast<std::ptrdiff_t>(out.person_begin[p]);
        const auto last = rows.begin() + static_cast<std::ptrdiff_t>(out.person_begin[p + 1]);
        if (last - first > 32) {
            std::sort(first, last, row_less);
            continue;
        }
        for (auto at = first; at != last; ++at)
            for (auto k = at; k != first && row_less(*k, *(k - 1)); --k)
                std::iter_swap(k, k - 1);
    }
    merged.visits.reserve(rows.size());
    for (const flagged_visit& r : rows)
        merged.visits.push_back(r.v);
    out.rows = std::move(rows);
    return out;
}

} // namespace

namespace {

/// Rewrites the manifest when it is not the index's (an ingest killed after
/// committing the index, before the manifest).
void repair_manifest(const std::filesystem::path& folder, const store_state& state) {
    const std::string wanted = manifest_csv(state.inputs);
    std::ifstream in(store_manifest_path(folder), std::ios::binary);
    const std::string have{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (in && have == wanted) return;
    atomic_file out(store_manifest_path(folder), temporary_name::hidden);
    stage_text(out, wanted);
    out.commit();
}

} // namespace

store_ingest_result ingest_into_store(const store_lock& lock, const store_ingest_options& options) {
    const std::filesystem::path& folder = lock.folder();
    store_ingest_result result;

    // The dump's digest first: a file already ingested costs one read, no parse.
    const std::string digest = sha256_file(options.scans);
    std::error_code ec;
    store_state state;
    bool existing = true;
    if (is_appending_store(folder)) {
        state = read_store_state(folder);
    } else if (std::filesystem::exists(store_snapshot_path(folder), ec)) {
        state = migrate_store(folder);
        result.migrated = true;
    } else {
        existing = false;
        // Made with the store, so that an ingest with rejects adds only a file.
        std::filesystem::create_directories(folder / "rejects", ec);
    }
    result.stays_before = state.stays;
    // What a run killed after the commit point left undone: files no index
    // names, and the manifest, which follows the index.
    if (existing) {
        remove_unnamed_files(folder, state);
        repair_manifest(folder, state);
    }
    for (const input_file& f : state.inputs)
        if (f.role == "scans" && f.sha256 == digest) {
            result.already_ingested = true;
            result.input = f;
            result.stays_after = state.stays;
            return result;
        }

    const std::string key = options.pseudonyms ? options.pseudonyms->fingerprint() : "";
    if (existing && key != state.parameters.pseudonym_key) {
        if (key.empty())
            throw parameter_error("pseudonyms", folder.string() +
                                                    ": the store holds pseudonymised ids: give "
                                                    "the key it was made with");
        if (state.parameters.pseudonym_key.empty())
            throw input_error(folder.string() + ": the store holds ids as read; it cannot be "
                                                "pseudonymised now (start a new store)");
        throw input_error(folder.string() +
                          ": the key differs from the one the store was "
                          "pseudonymised with (fingerprint " +
                          state.parameters.pseudonym_key + ", given " + key + ")");
    }
    scan_read_options read = options.read;
    if (existing) {
        if (options.tz_given && read.tz.seconds != state.parameters.tz.seconds)
            throw parameter_error("tz", "UTC offset " + format_utc_offset(read.tz) +
                                            " differs from the store's " +
                                            format_utc_offset(state.parameters.tz) +
                                            " (a store reads every dump the same way)");
        if (options.dwell_given && read.default_dwell != state.parameters.default_dwell)
            throw parameter_error("default_dwell",
                                  "default dwell " + std::to_string(read.default_dwell) +
                                      "s differs from the store's " +
                                      std::to_string(state.parameters.default_dwell) +
                                      "s (a store reads every dump the same way)");
        read.tz = state.parameters.tz;
        read.default_dwell = state.parameters.default_dwell;
    }
    read.compute_sha256 = false;
    const auto [rule, rule_level] =
        stay_end_of_ingest(options, folder, existing ? &state : nullptr);
    const bool cut_at_next = rule == stay_end_rule::next_scan;
    read.record_checkouts = cut_at_next;
    store_state next = state;
    next.parameters.stay_end = rule;
    next.parameters.stay_end_level = rule_level;
    next.parameters.tz = read.tz;
    next.parameters.default_dwell = read.default_dwell;
    next.parameters.skip_bad = state.parameters.skip_bad || read.skip_bad;
    next.parameters.pseudonym_key = key;

    // The ids in store numbering: never renumbered, new ones appended.
    dataset ids;
    if (existing) ids = read_snapshot(folder / state.ids_file);
    const std::string added = format_time(options.now, {});
    std::vector<input_file> new_inputs;
    if (options.places) {
        // The places file's places keep their numbers; new ones are numbered
        // after every place so far. Its metadata covers the places up to the
        // last it lists; places in that range it does not list get rows
        // without metadata, named in the index (`unlisted_places`).
        const place_table file = read_places(*options.places, options.place_format);
        input_file places_input = describe_input("places", *options.places, file.size(), true);
        places_input.added = added;
        const auto last_places =
            std::find_if(state.inputs.rbegin(), state.inputs.rend(),
                         [](const input_file& f) { return f.role == "places"; });
        if (last_places == state.inputs.rend() || last_places->sha256 != places_input.sha256)
            new_inputs.push_back(std::move(places_input));
        std::vector<std::size_t> row_of; // file row of each place, or npos
        std::size_t covered = 0;
        for (std::size_t r = 0; r < file.size(); ++r) {
            const place_index x = ids.places.intern(file.ids[static_cast<place_index>(r)]);
            if (row_of.size() <= x) row_of.resize(x + 1, std::string::npos);
            row_of[x] = r;
            covered = std::max<std::size_t>(covered, x + 1);
        }
        place_table info = place_table_with_columns_of(file);
        next.unlisted_places.clear();
        for (std::size_t x = 0; x < covered; ++x) {
            info.ids.append_unchecked(ids.places[static_cast<place_index>(x)]);
            const std::size_t r = x < row_of.size() ? row_of[x] : std::string::npos;
            if (r == std::string::npos) next.unlisted_places.push_back(static_cast<place_index>(x));
            info.dwell.push_back(r == std::string::npos ? -1 : file.dwell[r]);
            info.min_overlap.push_back(r == std::string::npos ? -1 : file.min_overlap[r]);
            auto text = [&](const std::vector<std::string>& column) {
                return r == std::string::npos || column.empty() ? std::string() : column[r];
            };
            info.site.push_back(text(file.site));
            info.category.push_back(text(file.category));
            info.name.push_back(text(file.name));
            info.district.push_back(text(file.district));
            info.lat.push_back(text(file.lat));
            info.lon.push_back(text(file.lon));
        }
        ids.place_info = std::move(info);
    }

    // Sites must be there before the long read.
    if (cut_at_next && rule_level == contact_level::site) require_sites(ids.place_info);
    scan_log merged;
    merged.persons = std::move(ids.persons);
    merged.places = ids.places;
    scan_log dump =
        read_scans(options.scans, place_table_with_ids(ids.place_info, merged.places), read);
    result.rejects = std::move(dump.rejects);
    input_file& scans_input = new_inputs.emplace_back();
    scans_input.role = "scans";
    scans_input.path = options.scans.string();
    scans_input.bytes = dump.bytes_read;
    scans_input.sha256 = digest;
    scans_input.rows = dump.rows_read;
    scans_input.rows_rejected = result.rejects.size();
    scans_input.added = added;
    result.input = scans_input;
    if (options.pseudonyms) {
        options.pseudonyms->apply(dump.persons);
        strip_identifying_text(result.rejects);
    }
    append_scan_log(merged, dump);
    next.rows_read += dump.rows_read;
    next.rows_rejected += result.rejects.size();
    next.inputs.insert(next.inputs.end(), new_inputs.begin(), new_inputs.end());

    // The stored stays tonight's visits can merge with touch their time
    // range; only partitions whose range touches it are read (docs/store-design.md).
    std::vector<merge_candidate> candidates;
    // The stored window as queries read it: each partition in place, rows
    // replaced by later ingests or past the retention not in force.
    const std::unique_ptr<stored_window> window = existing ? stored_window::open(folder) : nullptr;
    const time_point cutoff_before = state.cutoff.value_or(std::numeric_limits<time_point>::min());
    if (!merged.visits.empty()) {
        time_point lo = std::numeric_limits<time_point>::max();
        time_point hi = std::numeric_limits<time_point>::min();
        for (const visit& v : merged.visits) {
            lo = std::min(lo, v.start);
            hi = std::max(hi, v.end);
        }
        for (std::size_t k = 0; k < state.partitions.size(); ++k) {
            const stored_partition& entry = state.partitions[k];
            if (entry.first_start > hi || entry.last_end < lo) continue;
            // The scan reads every start and end; the other columns only of
            // the rows it keeps (`check_row`).
            const indexed_snapshot& part = window->partition(k);
            part.check_stay_times();
            const stay_columns& s = part.stays();
            for (std::size_t row = 0; row < s.size(); ++row)
                if (s.start[row] <= hi && s.end[row] >= lo && window->in_force(k, row)) {
                    part.check_row(row);
                    candidates.push_back({s.person[row], s.place[row], s.start[row], s.end[row],
                                          static_cast<std::uint32_t>(k),
                                          static_cast<std::uint32_t>(row)});
                }
        }
        if (!cut_at_next)
            for (const merge_candidate& c : candidates)
                merged.visits.push_back({c.person, c.place, c.start, c.end});
    }
    // Under the next-scan rule the stays are rebuilt from their rows: the
    // dump's, and those of the stored stays they can meet, cut again together.
    ingest_rows rows;
    std::vector<std::optional<detail::stay_rows>> stored_rows(state.partitions.size());
    if (cut_at_next && !merged.visits.empty())
        rows = rows_cut_again(folder, state, merged, candidates, stored_rows,
                              rule_level == contact_level::site ? &ids.place_info : nullptr);
    stay_table stays =
        build_stays(std::move(merged.visits), merged.persons.size(), merged.places.size());

    // A candidate that comes out unchanged stays where it is; the rest are
    // replaced by the merged stays, written to tonight's partition.
    auto key_less = [](const merge_candidate& a, const merge_candidate& b) {
        return std::tie(a.person, a.place, a.start, a.end) <
               std::tie(b.person, b.place, b.start, b.end);
    };
    std::sort(candidates.begin(), candidates.end(), key_less);
    stay_table fresh;
    detail::stay_rows fresh_rows; // in fresh's order
    for (std::size_t i = 0; i < stays.size(); ++i) {
        const merge_candidate probe{
            stays.person[i], stays.place[i], stays.start[i], stays.end[i], 0, 0};
        const auto at = std::lower_bound(candidates.begin(), candidates.end(), probe, key_less);
        std::span<const flagged_visit> its_rows;
        if (cut_at_next)
            its_rows = rows.of_stay(stays.person[i], stays.place[i], stays.start[i], stays.end[i]);
        if (at != candidates.end() && !key_less(probe, *at)) {
            // Under the next-scan rule, only when its rows did not change
            // either: a row cut inside a stay whose end another row keeps.
            const detail::stay_rows* stored = cut_at_next ? &*stored_rows[at->partition] : nullptr;
            if (!cut_at_next || same_rows(*stored, at->row, at->start, at->end, its_rows)) {
                at->kept = true;
                continue;
            }
        }
        fresh.person.push_back(stays.person[i]);
        fresh.place.push_back(stays.place[i]);
        fresh.start.push_back(stays.start[i]);
        fresh.end.push_back(stays.end[i]);
        if (cut_at_next) {
            fresh_rows.add_stay(its_rows, [](const flagged_visit& r) {
                return std::tuple(r.v.start, r.v.end, r.checked_out);
            });
        }
    }
    rows = {};
    stays = {};
    index_stays_by_place(fresh, merged.places.size());
    std::vector<std::vector<std::uint32_t>> deleted_now(state.partitions.size());
    for (const merge_candidate& c : candidates)
        if (!c.kept) deleted_now[c.partition].push_back(c.row);
    std::uint64_t replaced = 0;
    for (auto& rows : deleted_now) {
        std::sort(rows.begin(), rows.end());
        replaced += rows.size();
    }

    // Tonight's files.
    std::vector<staged_snapshot> staged;
    std::vector<std::unique_ptr<atomic_file>> staged_rows;
    const std::uint64_t serial = next.next_serial++;
    if (fresh.size() > 0) {
        dataset part;
        part.persons = std::move(merged.persons);
        part.places = merged.places;
        part.stays = std::move(fresh);
        part.parameters = next.parameters;
        part.inputs = new_inputs; // the dump whose ingest wrote it
        part.rows_read = dump.rows_read;
        part.rows_rejected = result.rejects.size();
        stored_partition& entry = next.partitions.emplace_back();
        set_time_range(entry, part.stays);
        entry.stays = part.stays.size();
        next.latest_end = std::max(next.latest_end.value_or(entry.last_end), entry.last_end);
        staged.push_back(
            stage_snapshot(folder, "part-" + store_serial(serial) + ".h5", part, partition_layout));
        entry.file = staged.back().name;
        entry.sha256 = staged.back().digest;
        if (cut_at_next) {
            const std::string bytes = detail::stay_rows_bytes(fresh_rows);
            sha256 rows_digest;
            rows_digest.update(bytes);
            entry.rows_file = "rows-" + store_serial(serial) + ".bin";
            entry.rows_sha256 = rows_digest.hex_digest();
            staged_rows.push_back(
                std::make_unique<atomic_file>(folder / entry.rows_file, temporary_name::hidden));
            stage_text(*staged_rows.back(), bytes);
            fresh_rows = {};
        }
        merged.persons = std::move(part.persons);
        fresh = std::move(part.stays);
    }
    for (std::size_t k = 0; k < state.partitions.size(); ++k) {
        if (deleted_now[k].empty()) continue;
        const std::string bytes = rows_as_bytes(deleted_now[k]);
        sha256 rows_digest;
        rows_digest.update(bytes);
        deleted_rows d;
        d.file = "deleted-" +
                 state.partitions[k].file.substr(5, state.partitions[k].file.size() - 8) + "-" +
                 store_serial(serial) + ".u32";
        d.rows = deleted_now[k].size();
        d.sha256 = rows_digest.hex_digest();
        staged_rows.push_back(
            std::make_unique<atomic_file>(folder / d.file, temporary_name::hidden));
        stage_text(*staged_rows.back(), bytes);
        next.partitions[k].deleted.push_back(std::move(d));
    }

    // Retention, as version 1 meant it: stays ending before the cutoff are
    // invisible from now on; a partition all of whose stays are is dropped.
    std::uint64_t expired = 0;
    const std::size_t fresh_k = next.partitions.size() - (fresh.size() > 0 ? 1 : 0);
    if (next.latest_end) {
        const time_point cutoff = std::max(cutoff_before, *next.latest_end - options.retention);
        result.retention_cutoff = cutoff;
        next.cutoff = cutoff;
        for (std::size_t k = 0; k < next.partitions.size(); ++k) {
            const stored_partition& entry = next.partitions[k];
            if (entry.first_end >= cutoff || entry.last_end < cutoff_before) continue;
            const bool is_fresh = k == fresh_k;
            const stay_columns* s = nullptr;
            if (!is_fresh) {
                window->partition(k).check_stay_times();
                s = &window->partition(k).stays();
            }
            const std::size_t n = is_fresh ? fresh.size() : s->size();
            for (std::size_t row = 0; row < n; ++row) {
                const time_point end = is_fresh ? fresh.end[row] : s->end[row];
                if (end < cutoff_before || end >= cutoff) continue;
                if (!is_fresh && (!window->in_force(k, row) ||
                                  std::binary_search(deleted_now[k].begin(), deleted_now[k].end(),
                                                     static_cast<std::uint32_t>(row))))
                    continue;
                ++expired;
            }
        }
        std::erase_if(next.partitions,
                      [&](const stored_partition& p) { return p.last_end < cutoff; });
    }
    // Stays of a late dump that were past the retention already never count.
    std::uint64_t never_in_force = 0;
    for (const time_point end : fresh.end)
        if (end < cutoff_before) ++never_in_force;
    result.stays_expired = expired + never_in_force;
    next.stays = state.stays - replaced + fresh.size() - never_in_force - expired;
    result.stays_after = next.stays;
    result.persons = merged.persons.size();
    result.places = merged.places.size();

    next.ids_file = "ids-" + store_serial(serial) + ".h5";
    staged.push_back(stage_snapshot(
        folder, next.ids_file, ids_snapshot(merged.persons, merged.places, ids.place_info, next)));
    next.ids_sha256 = staged.back().digest;
    std::optional<atomic_file> rejects_out;
    if (!result.rejects.empty()) {
        const std::filesystem::path rejects_path = store_rejects_path(folder, digest);
        create_output_folders(rejects_path.parent_path());
        rejects_out.emplace(rejects_path, temporary_name::hidden);
        stage_text(*rejects_out, rejects_csv(result.rejects, false));
    }
    atomic_file manifest_out(store_manifest_path(folder), temporary_name::hidden);
    stage_text(manifest_out, manifest_csv(next.inputs));

    // New files under new names first; the index last: until it is renamed,
    // the store is what it was.
    for (staged_snapshot& s : staged)
        s.out->commit();
    for (auto& f : staged_rows)
        f->commit();
    if (rejects_out) rejects_out->commit();
    commit_state(folder, next);
    manifest_out.commit();
    remove_unnamed_files(folder, next);
    return result;
}

} // namespace ctrace
