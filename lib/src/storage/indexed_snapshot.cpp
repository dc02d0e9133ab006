#include "ctrace/storage/indexed_snapshot.hpp"

#include "core/file_descriptor.hpp"
#include "ctrace/core/error.hpp"
#include "storage/snapshot_index.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fcntl.h>
#include <limits>
#include <sys/mman.h>
#include <sys/stat.h>

namespace ctrace {

/// A column mapped in place, with the blocks checked so far.
struct indexed_snapshot::column {
    std::string name;
    const unsigned char* data = nullptr;
    std::uint64_t count = 0;
    std::uint32_t element_bytes = 0;
    const unsigned char* checksums = nullptr; ///< uint32 little-endian, one a block
    std::uint64_t blocks = 0;
    mutable std::vector<std::uint64_t> checked; ///< a bit a block

    template <typename T>
    std::span<const T> as() const noexcept {
        return {reinterpret_cast<const T*>(data), static_cast<std::size_t>(count)};
    }
};

namespace {

/// The number an index block attribute holds (`T`: unsigned or signed).
template <typename T>
T attribute(const detail::index_directory& d, const char* key, const std::string& file) {
    const auto it = d.attributes.find(key);
    T value = 0;
    if (it == d.attributes.end() ||
        std::from_chars(it->second.data(), it->second.data() + it->second.size(), value).ec !=
            std::errc())
        throw snapshot_error(file + ": corrupt snapshot: its index block lacks '" + key + "'");
    return value;
}

} // namespace

indexed_snapshot::~indexed_snapshot() {
    if (map_ != nullptr) munmap(map_, map_bytes_);
}

void indexed_snapshot::corrupt(const std::string& what) const {
    throw snapshot_error(file_ + ": corrupt snapshot: " + what +
                         " (damaged or modified after writing; `ctrace verify " + file_ +
                         "` checks the whole file)");
}

std::unique_ptr<indexed_snapshot> indexed_snapshot::open(const std::filesystem::path& path) {
    const std::string name = path.string();
    // One descriptor for the directory and the mapping: a store's snapshot
    // renamed into place meanwhile is not mistaken for a damaged one.
    const detail::file_descriptor in(path, O_RDONLY);
    const std::optional<detail::index_directory> directory = detail::read_index_directory(in, name);
    if (!directory) return nullptr;
    std::unique_ptr<indexed_snapshot> s(new indexed_snapshot());
    s->file_ = name;

    struct stat st {};
    if (fstat(in.get(), &st) != 0)
        throw snapshot_error(name + ": cannot open (" + std::strerror(errno) + ")");
    s->map_bytes_ = static_cast<std::size_t>(st.st_size);
    if (attribute<std::uint64_t>(*directory, "file_bytes", name) != s->map_bytes_)
        throw snapshot_error(name + ": corrupt snapshot: it is " + std::to_string(s->map_bytes_) +
                             " bytes long, not the " + directory->attributes.at("file_bytes") +
                             " it was written with (truncated or extended after writing)");
    if (s->map_bytes_ > 0) {
        void* map = mmap(nullptr, s->map_bytes_, PROT_READ, MAP_SHARED, in.get(), 0);
        if (map == MAP_FAILED)
            throw snapshot_error(name + ": cannot map (" + std::strerror(errno) + ")");
        s->map_ = map;
    }
    const auto* base = static_cast<const unsigned char*>(s->map_);

    for (const detail::mapped_column_entry& e : directory->columns) {
        auto c = std::make_unique<column>();
        c->name = e.name;
        c->count = e.count;
        c->element_bytes = e.element_bytes;
        c->blocks = e.blocks();
        const bool fits = e.element_bytes > 0 && e.element_bytes <= 8 && e.count <= s->map_bytes_ &&
                          e.offset <= s->map_bytes_ && e.bytes() <= s->map_bytes_ - e.offset &&
                          e.checksums_offset <= s->map_bytes_ &&
                          c->blocks * 4 <= s->map_bytes_ - e.checksums_offset;
        if (!fits) s->corrupt("its index block places '" + e.name + "' outside the file");
        if (e.count > 0) {
            c->data = base + e.offset;
            c->checksums = base + e.checksums_offset;
            if (e.offset % e.element_bytes != 0)
                s->corrupt("column '" + e.name + "' is not aligned");
        }
        c->checked.assign((c->blocks + 63) / 64, 0);
        s->columns_.push_back(std::move(c));
    }
    auto find = [&](const char* column_name, std::uint32_t element_bytes, bool required = true) {
        return s->column_named(column_name, element_bytes, required);
    };
    s->person_ = find("stays/person", 4);
    s->place_ = find("stays/place", 4);
    s->start_ = find("stays/start", 8);
    s->end_ = find("stays/end", 8);
    s->place_begin_ = find("index/place_begin", 8);
    s->place_longest_ = find("index/place_longest", 8);
    s->person_begin_ = find("index/person_begin", 8);
    s->person_stays_ = find("index/person_stays", 4);
    // A store's partition keeps its persons' ids in the store's ids file.
    const auto person_ids = directory->attributes.find("person_ids");
    const bool has_person_ids =
        person_ids == directory->attributes.end() || person_ids->second != "none";
    s->person_id_bytes_ = find("index/person_id_bytes", 1, has_person_ids);
    s->person_id_offsets_ = find("index/person_id_offsets", 8, has_person_ids);
    s->person_id_order_ = find("index/person_id_order", 4, has_person_ids);
    s->person_id_rank_ = find("index/person_id_rank", 4, false);
    s->place_id_bytes_ = find("index/place_id_bytes", 1);
    s->place_id_offsets_ = find("index/place_id_offsets", 8);
    s->place_min_overlap_ = find("index/place_min_overlap", 8, false);

    s->person_count_ = attribute<std::uint64_t>(*directory, "persons", name);
    s->place_count_ = attribute<std::uint64_t>(*directory, "places", name);
    s->stay_count_ = attribute<std::uint64_t>(*directory, "stays", name);
    s->rows_read_ = attribute<std::uint64_t>(*directory, "rows_read", name);
    if (directory->attributes.count("place_info"))
        s->place_info_count_ = attribute<std::uint64_t>(*directory, "place_info", name);
    if (s->place_info_count_ > s->place_count_)
        s->corrupt("its place metadata outnumbers its places");
    s->rows_rejected_ = attribute<std::uint64_t>(*directory, "rows_rejected", name);
    const std::int64_t tz = attribute<std::int64_t>(*directory, "tz_offset_seconds", name);
    if (tz < -18 * 3600 || tz > 18 * 3600) s->corrupt("tz_offset_seconds out of range");
    s->tz_.seconds = static_cast<std::int32_t>(tz);
    s->default_dwell_ = attribute<std::int64_t>(*directory, "dwell_default_seconds", name);
    const auto level = directory->attributes.find("contact_level");
    if (level == directory->attributes.end() ||
        (level->second != "code" && level->second != "site"))
        s->corrupt("its index block has no contact level");
    s->level_ = parse_contact_level(level->second);
    // Written since stays could be cut at the next scan; older ones: dwell.
    if (const auto rule = directory->attributes.find("stay_end");
        rule != directory->attributes.end()) {
        const auto rule_level = directory->attributes.find("stay_end_level");
        if ((rule->second != "dwell" && rule->second != "next-scan") ||
            rule_level == directory->attributes.end() ||
            (rule_level->second != "code" && rule_level->second != "site"))
            s->corrupt("its index block has an unknown stay end rule");
        s->stay_end_ = parse_stay_end(rule->second);
        s->stay_end_level_ = parse_contact_level(rule_level->second);
    }
    if (const auto key = directory->attributes.find("person_pseudonym_key");
        key != directory->attributes.end())
        s->pseudonym_key_ = key->second;

    const std::uint64_t n = s->stay_count_, p = s->person_count_, l = s->place_count_;
    const bool consistent =
        s->person_->count == n && s->place_->count == n && s->start_->count == n &&
        s->end_->count == n && s->place_begin_->count == l + 1 && s->place_longest_->count == l &&
        s->person_begin_->count == p + 1 && s->person_stays_->count == n &&
        (!has_person_ids ||
         (s->person_id_offsets_ != nullptr && s->person_id_order_ != nullptr &&
          s->person_id_bytes_ != nullptr && s->person_id_offsets_->count == p + 1 &&
          s->person_id_order_->count == p)) &&
        (s->person_id_rank_ == nullptr || s->person_id_rank_->count == p) &&
        s->place_id_offsets_->count == l + 1 &&
        (s->place_min_overlap_ == nullptr || s->place_min_overlap_->count == l) &&
        n < std::numeric_limits<std::uint32_t>::max() &&
        p < std::numeric_limits<std::uint32_t>::max() &&
        l < std::numeric_limits<std::uint32_t>::max();
    if (!consistent) s->corrupt("its index block's column lengths disagree");
    s->stays_ = {s->person_->as<person_index>(),
                 s->place_->as<place_index>(),
                 s->start_->as<time_point>(),
                 s->end_->as<time_point>(),
                 s->place_begin_->as<std::uint64_t>(),
                 s->place_longest_->as<duration>(),
                 s.get()};
    return s;
}

const indexed_snapshot::column* indexed_snapshot::column_named(std::string_view name,
                                                               std::uint32_t element_bytes,
                                                               bool required) const {
    for (const auto& c : columns_)
        if (c->name == name) {
            if (c->element_bytes != element_bytes)
                corrupt("column '" + std::string(name) + "' has the wrong type");
            return c.get();
        }
    if (required) corrupt("its index block lacks '" + std::string(name) + "'");
    return nullptr;
}

void indexed_snapshot::check(const column& c, std::uint64_t first, std::uint64_t last) const {
    if (first >= last) return;
    const std::uint64_t first_block = first * c.element_bytes / detail::checked_block_bytes;
    const std::uint64_t last_block = (last * c.element_bytes - 1) / detail::checked_block_bytes;
    for (std::uint64_t b = first_block; b <= last_block; ++b) {
        std::uint64_t& word = c.checked[b / 64];
        const std::uint64_t bit = std::uint64_t{1} << (b % 64);
        if ((word & bit) != 0) continue;
        const std::uint64_t from = b * detail::checked_block_bytes;
        const std::uint64_t bytes =
            std::min<std::uint64_t>(detail::checked_block_bytes, c.count * c.element_bytes - from);
        std::uint32_t recorded = 0;
        std::memcpy(&recorded, c.checksums + 4 * b, 4);
        if (detail::block_checksum({c.data + from, static_cast<std::size_t>(bytes)}) != recorded)
            corrupt("block " + std::to_string(b) + " of '" + c.name +
                    "' does not match its checksum");
        word |= bit;
    }
}

std::string_view indexed_snapshot::id(const column& bytes, const column& offsets, std::size_t count,
                                      std::uint64_t i) const {
    if (i >= count) corrupt("an id index is out of range");
    check(offsets, i, i + 2);
    const auto o = offsets.as<std::uint64_t>();
    if (o[i] > o[i + 1] || o[i + 1] > bytes.count) corrupt("'" + offsets.name + "' is not ordered");
    check(bytes, o[i], o[i + 1]);
    return {reinterpret_cast<const char*>(bytes.data) + o[i],
            static_cast<std::size_t>(o[i + 1] - o[i])};
}

void indexed_snapshot::require_person_ids() const {
    if (person_id_bytes_ == nullptr)
        throw snapshot_error(file_ + ": holds no person ids (a store's partition: read the store)");
}

std::string_view indexed_snapshot::person_id(person_index p) const {
    require_person_ids();
    return id(*person_id_bytes_, *person_id_offsets_, person_count_, p);
}

std::string_view indexed_snapshot::place_id(place_index x) const {
    return id(*place_id_bytes_, *place_id_offsets_, place_count_, x);
}

std::uint32_t indexed_snapshot::person_rank(person_index p) const {
    if (person_id_rank_ == nullptr || p >= person_count_) return id_table::npos;
    check(*person_id_rank_, p, p + 1);
    const std::uint32_t rank = person_id_rank_->as<std::uint32_t>()[p];
    if (rank >= person_count_) corrupt("'index/person_id_rank' is out of range");
    return rank;
}

std::size_t indexed_snapshot::persons_below(std::string_view wanted) const {
    require_person_ids();
    const auto order = person_id_order_->as<std::uint32_t>();
    std::size_t lo = 0, hi = person_count_;
    while (lo < hi) {
        const std::size_t mid = lo + (hi - lo) / 2;
        check(*person_id_order_, mid, mid + 1);
        if (person_id(order[mid]) < wanted)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

person_index indexed_snapshot::find_person(std::string_view wanted) const {
    require_person_ids();
    const auto order = person_id_order_->as<std::uint32_t>();
    const std::size_t lo = persons_below(wanted);
    if (lo == person_count_) return id_table::npos;
    check(*person_id_order_, lo, lo + 1);
    return person_id(order[lo]) == wanted ? order[lo] : id_table::npos;
}

std::span<const std::uint32_t> indexed_snapshot::stays_of_person(person_index p) const {
    if (p >= person_count_) return {};
    check(*person_begin_, p, p + 2);
    const auto begin = person_begin_->as<std::uint64_t>();
    const std::uint64_t first = begin[p], last = begin[p + 1];
    if (first > last || last > stay_count_) corrupt("'index/person_begin' is not ordered");
    check(*person_stays_, first, last);
    const auto rows = person_stays_->as<std::uint32_t>().subspan(first, last - first);
    for (const std::uint32_t row : rows)
        if (row >= stay_count_) corrupt("'index/person_stays' refers to a missing stay");
    return rows;
}

std::span<const std::uint32_t> indexed_snapshot::checked_stays_of_person(person_index p) const {
    const std::span<const std::uint32_t> rows = stays_of_person(p);
    for (const std::uint32_t row : rows)
        check_row(row);
    return rows;
}

place_index indexed_snapshot::place_of(std::size_t row) const {
    check(*place_, row, row + 1);
    const place_index x = stays_.place[row];
    if (x >= place_count_) corrupt("stay " + std::to_string(row) + " refers to a missing place");
    return x;
}

void indexed_snapshot::check_row(std::size_t row) const {
    if (row >= stay_count_) corrupt("a stay index is out of range");
    check(*person_, row, row + 1);
    check(*place_, row, row + 1);
    check(*start_, row, row + 1);
    check(*end_, row, row + 1);
    if (stays_.person[row] >= person_count_ || stays_.place[row] >= place_count_)
        corrupt("stay " + std::to_string(row) + " refers to a missing person or place");
}

void indexed_snapshot::check_stay_times() const {
    check(*start_, 0, stay_count_);
    check(*end_, 0, stay_count_);
}

void indexed_snapshot::check_place(place_index x) const {
    if (x >= place_count_) corrupt("a place index is out of range");
    check(*place_begin_, x, x + 2);
    check(*place_longest_, x, x + 1);
    const std::uint64_t first = stays_.place_begin[x], last = stays_.place_begin[x + 1];
    if (first > last || last > stay_count_) corrupt("'index/place_begin' is not ordered");
}

void indexed_snapshot::confirm_rows(place_index x, std::size_t first, std::size_t last,
                                    time_point earliest, time_point latest) const {
    const std::uint64_t begin = stays_.place_begin[x], end = stays_.place_begin[x + 1];
    // The starts bounding the rows, and the rows themselves.
    check(*start_, first > begin ? first - 1 : first, last < end ? last + 1 : last);
    const auto start = stays_.start;
    const bool bounded = (first == begin || start[first - 1] < earliest) &&
                         (last == end || start[last] > latest) &&
                         (first == last || (start[first] >= earliest && start[last - 1] <= latest));
    if (!bounded) {
        // Only a damaged start can mislead a search over sorted starts.
        check(*start_, begin, end);
        corrupt("the stays of a place are not sorted by start");
    }
    check(*end_, first, last);
    check(*person_, first, last);
    for (std::size_t row = first; row < last; ++row)
        if (stays_.person[row] >= person_count_)
            corrupt("stay " + std::to_string(row) + " refers to a missing person");
}

void stay_columns::confirm_rows(place_index x, std::size_t first, std::size_t last,
                                time_point earliest, time_point latest) const {
    if (owner != nullptr) owner->confirm_rows(x, first, last, earliest, latest);
}

place_table indexed_snapshot::place_info_of(std::span<const place_index> places) const {
    place_table info;
    if (place_info_count_ == 0) return info;
    auto column = [&](const std::string& name, std::uint32_t bytes) {
        return column_named(name, bytes, false);
    };
    const indexed_snapshot::column* dwell = column("index/place_info_dwell", 8);
    const indexed_snapshot::column* min_overlap = column("index/place_info_min_overlap", 8);
    if (dwell == nullptr || dwell->count != place_info_count_ ||
        (min_overlap != nullptr && min_overlap->count != place_info_count_))
        corrupt("its place metadata columns disagree");
    info.has_dwell = true;
    info.has_min_overlap = min_overlap != nullptr;
    struct text_column {
        const char* name;
        bool* has;
        std::vector<std::string>* values;
        const indexed_snapshot::column* bytes = nullptr;
        const indexed_snapshot::column* offsets = nullptr;
    };
    text_column text[] = {{"category", &info.has_category, &info.category},
                          {"name", &info.has_name, &info.name},
                          {"district", &info.has_district, &info.district},
                          {"site", &info.has_site, &info.site},
                          {"lat", &info.has_lat, &info.lat},
                          {"lon", &info.has_lon, &info.lon}};
    for (text_column& t : text) {
        t.bytes = column(std::string("index/place_info_") + t.name + "_bytes", 1);
        t.offsets = column(std::string("index/place_info_") + t.name + "_offsets", 8);
        *t.has = t.bytes != nullptr && t.offsets != nullptr;
        if (*t.has && t.offsets->count != place_info_count_ + 1)
            corrupt("its place metadata columns disagree");
    }
    for (const place_index x : places) {
        if (x >= place_info_count_) break; // listed first: the rest are not in the file
        info.ids.append_unchecked(place_id(x));
        check(*dwell, x, x + 1);
        info.dwell.push_back(dwell->as<std::int64_t>()[x]);
        if (min_overlap != nullptr) {
            check(*min_overlap, x, x + 1);
            info.min_overlap.push_back(min_overlap->as<std::int64_t>()[x]);
        }
        for (text_column& t : text)
            t.values->push_back(*t.has ? std::string(id(*t.bytes, *t.offsets, place_info_count_, x))
                                       : std::string());
    }
    return info;
}

std::vector<duration> indexed_snapshot::place_min_overlaps() const {
    if (place_min_overlap_ == nullptr) return {};
    check(*place_min_overlap_, 0, place_min_overlap_->count);
    const auto values = place_min_overlap_->as<std::int64_t>();
    return {values.begin(), values.end()};
}

std::uint64_t indexed_snapshot::check_all(
    const std::function<void(std::uint64_t, std::uint64_t)>& progress) const {
    std::uint64_t total = 0, done = 0;
    for (const auto& c : columns_)
        total += c->count * c->element_bytes;
    for (const auto& c : columns_) {
        // A column at a time, in slices, so that progress moves.
        const std::uint64_t slice = std::uint64_t{64} << 20;
        const std::uint64_t per_slice = std::max<std::uint64_t>(1, slice / c->element_bytes);
        for (std::uint64_t first = 0; first < c->count; first += per_slice) {
            const std::uint64_t last = std::min(c->count, first + per_slice);
            check(*c, first, last);
            done += (last - first) * c->element_bytes;
            if (progress) progress(done, total);
        }
    }
    // Consistency: offsets ordered and complete, indices in range, stays sorted.
    auto ordered = [&](const column& offsets, std::uint64_t end) {
        const auto o = offsets.as<std::uint64_t>();
        if (o.empty() || o.front() != 0 || o.back() != end)
            corrupt("'" + offsets.name + "' does not cover its column");
        for (std::size_t i = 1; i < o.size(); ++i)
            if (o[i - 1] > o[i]) corrupt("'" + offsets.name + "' is not ordered");
    };
    ordered(*place_begin_, stay_count_);
    ordered(*person_begin_, stay_count_);
    if (person_id_bytes_ != nullptr) ordered(*person_id_offsets_, person_id_bytes_->count);
    ordered(*place_id_offsets_, place_id_bytes_->count);
    for (std::size_t x = 0; x < place_count_; ++x) {
        duration longest = 0;
        for (std::uint64_t row = stays_.place_begin[x]; row < stays_.place_begin[x + 1]; ++row) {
            if (stays_.place[row] != x) corrupt("'index/place_begin' disagrees with the stays");
            if (stays_.person[row] >= person_count_)
                corrupt("stay " + std::to_string(row) + " refers to a missing person");
            if (stays_.end[row] < stays_.start[row])
                corrupt("stay " + std::to_string(row) + " ends before it starts");
            if (row > stays_.place_begin[x] && (stays_.start[row - 1] > stays_.start[row] ||
                                                (stays_.start[row - 1] == stays_.start[row] &&
                                                 stays_.person[row - 1] >= stays_.person[row])))
                corrupt("stays are not sorted by (place, start, person)");
            longest = std::max(longest, stays_.end[row] - stays_.start[row]);
        }
        if (stays_.place_longest[x] != longest)
            corrupt("'index/place_longest' disagrees with the stays");
    }
    const auto begin = person_begin_->as<std::uint64_t>();
    const auto rows = person_stays_->as<std::uint32_t>();
    std::vector<bool> seen(stay_count_, false);
    for (std::size_t p = 0; p < person_count_; ++p)
        for (std::uint64_t k = begin[p]; k < begin[p + 1]; ++k) {
            const std::uint32_t row = rows[k];
            if (row >= stay_count_ || seen[row] || stays_.person[row] != p)
                corrupt("'index/person_stays' disagrees with the stays");
            seen[row] = true;
        }
    if (person_id_order_ == nullptr) return total; // a partition: ids in the ids file
    const auto order = person_id_order_->as<std::uint32_t>();
    for (std::size_t k = 0; k < order.size(); ++k) {
        if (order[k] >= person_count_) corrupt("'index/person_id_order' is out of range");
        if (k > 0 && !(person_id(order[k - 1]) < person_id(order[k])))
            corrupt("'index/person_id_order' is not in byte order");
    }
    return total;
}

person_index indexed_person_ids::intern(std::string_view id) {
    const person_index found = data_.find_person(id);
    if (found != id_table::npos) return found;
    const std::size_t before = extra_.size();
    const auto k = extra_.intern(id);
    // A case that never scanned sits between the stored ids around it: its
    // key is even, theirs odd (2 rank + 1).
    if (extra_.size() > before) extra_keys_.push_back(2 * std::uint64_t{data_.persons_below(id)});
    return static_cast<person_index>(data_.person_count() + k);
}

std::uint64_t indexed_person_ids::sort_key(person_index p) const {
    if (p >= data_.person_count()) return extra_keys_[p - data_.person_count()];
    const std::uint32_t rank = data_.person_rank(p);
    return rank == id_table::npos ? 0 : 2 * std::uint64_t{rank} + 1;
}

snapshot_check verify_snapshot(const std::filesystem::path& path) {
    snapshot_check result;
    // The checksum block, the HDF5 structure and every column as the whole
    // reader checks them.
    const dataset data = read_snapshot(path);
    (void)read_trace_record(path);
    std::error_code ec;
    result.bytes = std::filesystem::file_size(path, ec);
    const std::unique_ptr<indexed_snapshot> indexed = indexed_snapshot::open(path);
    if (!indexed) return result;
    result.indexed = true;
    result.checked_bytes = indexed->check_all();
    // The index agrees with what HDF5 reads.
    const stay_columns& stays = indexed->stays();
    auto same = [](auto mapped, const auto& read) {
        return mapped.size() == read.size() &&
               std::equal(mapped.begin(), mapped.end(), read.begin());
    };
    if (indexed->person_count() != data.persons.size() ||
        indexed->place_count() != data.places.size() || !same(stays.person, data.stays.person) ||
        !same(stays.place, data.stays.place) || !same(stays.start, data.stays.start) ||
        !same(stays.end, data.stays.end))
        throw snapshot_error(path.string() +
                             ": corrupt snapshot: its index disagrees with its datasets");
    for (std::size_t p = 0; p < data.persons.size(); ++p)
        if (indexed->person_id(static_cast<person_index>(p)) !=
            data.persons[static_cast<person_index>(p)])
            throw snapshot_error(path.string() +
                                 ": corrupt snapshot: its index disagrees with /persons/id");
    for (std::size_t x = 0; x < data.places.size(); ++x)
        if (indexed->place_id(static_cast<place_index>(x)) !=
            data.places[static_cast<place_index>(x)])
            throw snapshot_error(path.string() +
                                 ": corrupt snapshot: its index disagrees with /places/id");
    return result;
}

} // namespace ctrace
