#include "ctrace/ingest.hpp"

#include "ctrace/digest.hpp"

namespace ctrace {

input_file describe_input(const std::string& role, const std::filesystem::path& path,
                          std::uint64_t rows, bool digest) {
    input_file f;
    f.role = role;
    f.path = path.string();
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    f.bytes = ec ? 0 : size;
    if (digest) f.sha256 = sha256_file(path);
    f.rows = rows;
    return f;
}

ingest_result ingest(const ingest_options& options) {
    ingest_result out;
    snapshot& data = out.data;
    if (options.places) {
        data.place_info = read_places(*options.places);
        data.inputs.push_back(
            describe_input("places", *options.places, data.place_info.size(), options.digests));
    }
    scan_read_options read = options.read;
    read.compute_sha256 = options.digests;
    scan_log log = read_scans(options.scans, data.place_info, read);
    data.inputs.push_back(
        {"scans", options.scans.string(), log.bytes_read, log.sha256, log.rows_read});
    data.parameters.default_dwell = read.default_dwell;
    data.parameters.tz = read.tz;
    data.parameters.skip_bad = read.skip_bad;
    data.rows_read = log.rows_read;
    data.rows_rejected = log.rejects.size();
    data.stays = build_stays(std::move(log.visits), log.persons.size(), log.places.size());
    data.persons = std::move(log.persons);
    data.places = std::move(log.places);
    out.rejects = std::move(log.rejects);
    return out;
}

} // namespace ctrace
