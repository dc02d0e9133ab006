#include "ctrace/store.hpp"

#include "ctrace/atomic_file.hpp"
#include "ctrace/csv.hpp"
#include "ctrace/digest.hpp"
#include "ctrace/ingest.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <mutex>
#include <sys/stat.h>
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

/// The stored stays as visits, their places renumbered through `place_map`.
std::vector<visit> stays_as_visits(stay_table&& stays, const std::vector<place_index>& place_map) {
    std::vector<visit> visits;
    visits.reserve(stays.size());
    for (std::size_t i = 0; i < stays.size(); ++i)
        visits.push_back(
            {stays.person[i], place_map[stays.place[i]], stays.start[i], stays.end[i]});
    stays = {};
    return visits;
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

retention_counts drop_stays_ending_before(snapshot& data, time_point cutoff) {
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

store_ingest_result ingest_into_store(const store_lock& lock, const store_ingest_options& options) {
    const std::filesystem::path& folder = lock.folder();
    const std::filesystem::path snapshot_path = store_snapshot_path(folder);
    store_ingest_result result;

    // The dump's digest first: a file already ingested costs one read, no parse.
    const std::string digest = sha256_file(options.scans);
    snapshot store;
    const bool existing = std::filesystem::exists(snapshot_path);
    if (existing) store = read_snapshot(snapshot_path);
    std::error_code ec;
    // Made with the store, so that an ingest with rejects adds only a file.
    if (!existing) std::filesystem::create_directories(folder / "rejects", ec);
    for (const input_file& f : store.inputs)
        if (f.role == "scans" && f.sha256 == digest) {
            result.already_ingested = true;
            result.input = f;
            result.stays_before = result.stays_after = store.stays.size();
            result.persons = store.persons.size();
            result.places = store.places.size();
            return result;
        }

    const std::string key = options.pseudonyms ? options.pseudonyms->fingerprint() : "";
    if (existing && key != store.parameters.pseudonym_key) {
        if (key.empty())
            throw parameter_error("pseudonyms", folder.string() +
                                                    ": the store holds pseudonymised ids: give "
                                                    "the key it was made with");
        if (store.parameters.pseudonym_key.empty())
            throw input_error(folder.string() + ": the store holds ids as read; it cannot be "
                                                "pseudonymised now (start a new store)");
        throw input_error(folder.string() +
                          ": the key differs from the one the store was "
                          "pseudonymised with (fingerprint " +
                          store.parameters.pseudonym_key + ", given " + key + ")");
    }
    scan_read_options read = options.read;
    if (existing) {
        if (options.tz_given && read.tz.seconds != store.parameters.tz.seconds)
            throw parameter_error("tz", "UTC offset " + format_utc_offset(read.tz) +
                                            " differs from the store's " +
                                            format_utc_offset(store.parameters.tz) +
                                            " (a store reads every dump the same way)");
        if (options.dwell_given && read.default_dwell != store.parameters.default_dwell)
            throw parameter_error("default_dwell",
                                  "default dwell " + std::to_string(read.default_dwell) +
                                      "s differs from the store's " +
                                      std::to_string(store.parameters.default_dwell) +
                                      "s (a store reads every dump the same way)");
        read.tz = store.parameters.tz;
        read.default_dwell = store.parameters.default_dwell;
    }
    read.compute_sha256 = false;

    // Place numbering: the places file's places first (a new file replaces
    // the stored metadata), then the other stored places in their order.
    snapshot data;
    std::vector<input_file> new_inputs;
    const std::string added = format_time(options.now, {});
    if (options.places) {
        data.place_info = read_places(*options.places, options.place_format);
        input_file places_input =
            describe_input("places", *options.places, data.place_info.size(), true);
        places_input.added = added;
        // The same places file night after night is one manifest entry.
        const auto last_places =
            std::find_if(store.inputs.rbegin(), store.inputs.rend(),
                         [](const input_file& f) { return f.role == "places"; });
        if (last_places == store.inputs.rend() || last_places->sha256 != places_input.sha256)
            new_inputs.push_back(std::move(places_input));
    } else {
        data.place_info = store.place_info;
    }
    scan_log merged;
    merged.places = data.place_info.ids;
    std::vector<place_index> place_map(store.places.size());
    for (std::size_t x = 0; x < store.places.size(); ++x)
        place_map[x] = merged.places.intern(store.places[static_cast<place_index>(x)]);
    merged.persons = std::move(store.persons);
    result.stays_before = store.stays.size();
    merged.visits = stays_as_visits(std::move(store.stays), place_map);

    scan_log dump =
        read_scans(options.scans, place_table_with_ids(data.place_info, merged.places), read);
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

    data.stays = build_stays(std::move(merged.visits), merged.persons.size(), merged.places.size());
    data.persons = std::move(merged.persons);
    data.places = std::move(merged.places);
    data.parameters.tz = read.tz;
    data.parameters.default_dwell = read.default_dwell;
    data.parameters.skip_bad = store.parameters.skip_bad || read.skip_bad;
    data.parameters.pseudonym_key = key;
    data.rows_read = store.rows_read + dump.rows_read;
    data.rows_rejected = store.rows_rejected + result.rejects.size();
    data.inputs = std::move(store.inputs);
    data.inputs.insert(data.inputs.end(), new_inputs.begin(), new_inputs.end());

    if (data.stays.size() > 0) {
        const time_point latest = *std::max_element(data.stays.end.begin(), data.stays.end.end());
        const time_point cutoff = latest - options.retention;
        const retention_counts dropped = drop_stays_ending_before(data, cutoff);
        result.retention_cutoff = cutoff;
        result.stays_expired = dropped.stays;
        result.persons_dropped = dropped.persons;
        result.places_dropped = dropped.places;
    }
    result.stays_after = data.stays.size();
    result.persons = data.persons.size();
    result.places = data.places.size();

    // Stage everything with unnamed temporaries, then rename in quick
    // succession: the snapshot (the truth) first.
    atomic_path snapshot_out(snapshot_path, temporary_name::hidden);
    write_snapshot(snapshot_out, data);
    std::optional<atomic_file> rejects_out;
    if (!result.rejects.empty()) {
        const std::filesystem::path rejects_path = store_rejects_path(folder, digest);
        create_output_folders(rejects_path.parent_path());
        rejects_out.emplace(rejects_path, temporary_name::hidden);
        stage_text(*rejects_out, rejects_csv(result.rejects, false));
    }
    atomic_file manifest_out(store_manifest_path(folder), temporary_name::hidden);
    stage_text(manifest_out, manifest_csv(data.inputs));
    snapshot_out.commit();
    if (rejects_out) rejects_out->commit();
    manifest_out.commit();
    return result;
}

} // namespace ctrace
