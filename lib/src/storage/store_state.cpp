#include "ctrace/storage/store_state.hpp"

#include "ctrace/core/error.hpp"

#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>

namespace ctrace {

namespace {

using json = nlohmann::ordered_json;

[[noreturn]] void bad_state(const std::filesystem::path& path, const std::string& why) {
    throw snapshot_error(path.string() + ": damaged store index: " + why +
                         " (restore the store folder from a backup, or re-ingest its dumps)");
}

json input_json(const input_file& f) {
    return json{{"added", f.added},
                {"role", f.role},
                {"file", f.path},
                {"bytes", f.bytes},
                {"sha256", f.sha256},
                {"rows", f.rows},
                {"rows_rejected", f.rows_rejected}};
}

} // namespace

std::filesystem::path store_state_path(const std::filesystem::path& folder) {
    return folder / "store.json";
}

bool is_appending_store(const std::filesystem::path& folder) {
    std::error_code ec;
    return std::filesystem::exists(store_state_path(folder), ec);
}

std::string store_serial(std::uint64_t serial) {
    std::string digits = std::to_string(serial);
    if (digits.size() < 6) digits.insert(0, 6 - digits.size(), '0');
    return digits;
}

std::string store_state_json(const store_state& s) {
    json partitions = json::array();
    for (const stored_partition& p : s.partitions) {
        json deleted = json::array();
        for (const deleted_rows& d : p.deleted)
            deleted.push_back({{"file", d.file}, {"rows", d.rows}, {"sha256", d.sha256}});
        json part{{"file", p.file},
                  {"sha256", p.sha256},
                  {"stays", p.stays},
                  {"first_start", p.first_start},
                  {"first_end", p.first_end},
                  {"last_end", p.last_end},
                  {"deleted", std::move(deleted)}};
        if (!p.rows_file.empty()) part["rows"] = {{"file", p.rows_file}, {"sha256", p.rows_sha256}};
        partitions.push_back(std::move(part));
    }
    json inputs = json::array();
    for (const input_file& f : s.inputs)
        inputs.push_back(input_json(f));
    json out{{"format", "ctrace-store"},
             {"version", store_format_version},
             {"tz_offset_seconds", s.parameters.tz.seconds},
             {"dwell_default_seconds", s.parameters.default_dwell},
             {"skip_bad", s.parameters.skip_bad},
             {"contact_level", std::string(contact_level_name(s.parameters.level))},
             {"person_pseudonym_key", s.parameters.pseudonym_key},
             {"stay_end", std::string(stay_end_name(s.parameters.stay_end))},
             {"stay_end_level", std::string(contact_level_name(s.parameters.stay_end_level))},
             {"ids", {{"file", s.ids_file}, {"sha256", s.ids_sha256}}},
             {"partitions", std::move(partitions)},
             {"cutoff", s.cutoff ? json(*s.cutoff) : json(nullptr)},
             {"latest_end", s.latest_end ? json(*s.latest_end) : json(nullptr)},
             {"stays", s.stays},
             {"rows_read", s.rows_read},
             {"rows_rejected", s.rows_rejected},
             {"next_serial", s.next_serial},
             {"unlisted_places", s.unlisted_places},
             {"inputs", std::move(inputs)}};
    return out.dump(1) + "\n";
}

store_state read_store_state(const std::filesystem::path& folder) {
    const std::filesystem::path path = store_state_path(folder);
    std::ifstream file(path, std::ios::binary);
    if (!file) throw snapshot_error(path.string() + ": cannot open the store index");
    const std::string text((std::istreambuf_iterator<char>(file)),
                           std::istreambuf_iterator<char>());
    if (file.bad()) throw snapshot_error(path.string() + ": cannot read the store index");
    json j;
    try {
        j = json::parse(text);
    } catch (const json::exception& e) {
        bad_state(path, std::string("not JSON (") + e.what() + ")");
    }
    store_state s;
    try {
        if (j.at("format").get<std::string>() != "ctrace-store")
            bad_state(path, "not a ctrace store index");
        const std::int64_t version = j.at("version").get<std::int64_t>();
        if (version != store_format_version)
            throw snapshot_error(path.string() + ": store version " + std::to_string(version) +
                                 " is not supported by this ctrace (version " +
                                 std::to_string(store_format_version) + ")");
        s.parameters.tz.seconds = j.at("tz_offset_seconds").get<std::int32_t>();
        s.parameters.default_dwell = j.at("dwell_default_seconds").get<duration>();
        s.parameters.skip_bad = j.at("skip_bad").get<bool>();
        s.parameters.level = parse_contact_level(j.at("contact_level").get<std::string>());
        s.parameters.pseudonym_key = j.at("person_pseudonym_key").get<std::string>();
        // Stores written before the rule was chosen are of the dwell rule.
        if (j.contains("stay_end")) {
            s.parameters.stay_end = parse_stay_end(j.at("stay_end").get<std::string>());
            s.parameters.stay_end_level =
                parse_contact_level(j.at("stay_end_level").get<std::string>());
        }
        s.ids_file = j.at("ids").at("file").get<std::string>();
        s.ids_sha256 = j.at("ids").at("sha256").get<std::string>();
        for (const json& p : j.at("partitions")) {
            stored_partition& part = s.partitions.emplace_back();
            part.file = p.at("file").get<std::string>();
            part.sha256 = p.at("sha256").get<std::string>();
            part.stays = p.at("stays").get<std::uint64_t>();
            part.first_start = p.at("first_start").get<time_point>();
            part.first_end = p.at("first_end").get<time_point>();
            part.last_end = p.at("last_end").get<time_point>();
            for (const json& d : p.at("deleted"))
                part.deleted.push_back({d.at("file").get<std::string>(),
                                        d.at("rows").get<std::uint64_t>(),
                                        d.at("sha256").get<std::string>()});
            if (p.contains("rows")) {
                part.rows_file = p.at("rows").at("file").get<std::string>();
                part.rows_sha256 = p.at("rows").at("sha256").get<std::string>();
            }
            if (part.rows_file.empty() != (s.parameters.stay_end == stay_end_rule::dwell))
                bad_state(path, "partition " + part.file +
                                    (part.rows_file.empty() ? " has no rows file, which a store "
                                                              "of the next-scan rule needs"
                                                            : " has a rows file in a store of "
                                                              "the dwell rule"));
        }
        if (!j.at("cutoff").is_null()) s.cutoff = j.at("cutoff").get<time_point>();
        if (!j.at("latest_end").is_null()) s.latest_end = j.at("latest_end").get<time_point>();
        s.stays = j.at("stays").get<std::uint64_t>();
        s.rows_read = j.at("rows_read").get<std::uint64_t>();
        s.rows_rejected = j.at("rows_rejected").get<std::uint64_t>();
        s.next_serial = j.at("next_serial").get<std::uint64_t>();
        s.unlisted_places = j.at("unlisted_places").get<std::vector<place_index>>();
        for (const json& f : j.at("inputs")) {
            input_file& in = s.inputs.emplace_back();
            in.added = f.at("added").get<std::string>();
            in.role = f.at("role").get<std::string>();
            in.path = f.at("file").get<std::string>();
            in.bytes = f.at("bytes").get<std::uint64_t>();
            in.sha256 = f.at("sha256").get<std::string>();
            in.rows = f.at("rows").get<std::uint64_t>();
            in.rows_rejected = f.at("rows_rejected").get<std::uint64_t>();
        }
    } catch (const json::exception& e) {
        bad_state(path, e.what());
    } catch (const parameter_error& e) {
        bad_state(path, e.what());
    }
    // Names are plain file names in the folder: a damaged or altered index
    // must not point a reader, or the cleanup of an ingest, elsewhere.
    auto plain = [&](const std::string& name) {
        if (name.empty() || name.find('/') != std::string::npos || name[0] == '.')
            bad_state(path, "file name '" + name + "' is not a plain name in the store folder");
    };
    if (!s.ids_file.empty()) plain(s.ids_file);
    for (const stored_partition& p : s.partitions) {
        plain(p.file);
        for (const deleted_rows& d : p.deleted)
            plain(d.file);
        if (!p.rows_file.empty()) plain(p.rows_file);
    }
    return s;
}

} // namespace ctrace
