#include "ctrace/model/ingest.hpp"

#include "core/consumed_memory.hpp"
#include "ctrace/core/digest.hpp"
#include "ctrace/model/sites.hpp"
#include "ctrace/model/stay_end.hpp"

#include <istream>
#include <streambuf>

namespace ctrace {

namespace {

/// Reads a string in place as a stream (no copy of a large text).
class memory_buffer : public std::streambuf {
public:
    explicit memory_buffer(const std::string& text) {
        char* begin = const_cast<char*>(text.data()); // only read: no put area
        setg(begin, begin, begin + text.size());
    }
};

} // namespace

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

ingest_parameters ingest_parameters_of(const ingest_options& options) {
    ingest_parameters parameters;
    parameters.default_dwell = options.read.default_dwell;
    parameters.tz = options.read.tz;
    parameters.skip_bad = options.read.skip_bad;
    if (options.pseudonyms) parameters.pseudonym_key = options.pseudonyms->fingerprint();
    parameters.stay_end = options.stay_end.value_or(stay_end_rule::dwell);
    if (parameters.stay_end == stay_end_rule::next_scan)
        parameters.stay_end_level = options.stay_end_level;
    return parameters;
}

ingest_result ingest(const ingest_options& options) {
    ingest_result out;
    dataset& data = out.data;
    if (options.places) {
        data.place_info = read_places(*options.places, options.place_format);
        data.inputs.push_back(
            describe_input("places", *options.places, data.place_info.size(), options.digests));
    }
    if (options.scans.empty() && options.scan_texts.empty() && options.scan_tables.empty())
        throw input_error("no scans file given");
    scan_read_options read = options.read;
    read.compute_sha256 = options.digests;
    const bool cut_at_next = options.stay_end == stay_end_rule::next_scan;
    read.record_checkouts = cut_at_next;
    // Sites must be there before the long read.
    if (cut_at_next && options.stay_end_level == contact_level::site)
        require_sites(data.place_info);
    // Progress counts the bytes of all the files.
    std::uint64_t bytes_before = 0;
    if (options.read.progress)
        read.progress = [&](std::uint64_t bytes) { options.read.progress(bytes_before + bytes); };
    scan_log log;
    bool first = true;
    // Each file's (or text's) rows, its provenance and rejects, appended.
    const auto take = [&](scan_log part, const std::string& name) {
        data.inputs.push_back(
            {"scans", name, part.bytes_read, part.sha256, part.rows_read, part.rejects.size(), {}});
        bytes_before += part.bytes_read;
        for (bad_row& row : part.rejects) {
            row.file = name;
            out.rejects.push_back(std::move(row));
        }
        if (first)
            log = std::move(part);
        else
            append_scan_log(log, part);
        first = false;
    };
    for (const std::filesystem::path& path : options.scans)
        take(read_scans(path, data.place_info, read), path.string());
    for (const scan_text& scans : options.scan_texts) {
        const std::string empty;
        const std::string& text = scans.text ? *scans.text : empty;
        memory_buffer buffer(text);
        std::istream in(&buffer);
        take(read_scans(in, scans.name, data.place_info, read), scans.name);
    }
    for (const std::shared_ptr<const scan_table>& table : options.scan_tables)
        take(read_scan_table(*table, data.place_info, read), table->name);
    data.parameters = ingest_parameters_of(options);
    if (options.pseudonyms) {
        options.pseudonyms->apply(log.persons);
        strip_identifying_text(out.rejects);
    }
    data.rows_read = log.rows_read;
    data.rows_rejected = out.rejects.size();
    // The persons' hash index is as large as the stays of a few days; it is
    // not needed once the scans are read (index cases are attached with
    // `intern_few`), so it goes before the stays are built.
    log.persons.release_index();
    if (cut_at_next) {
        std::vector<std::uint32_t> sites;
        if (options.stay_end_level == contact_level::site)
            sites = site_of_codes(data.place_info, log.places).site_of;
        data.stays = build_stays_ending_at_next_scan(std::move(log.visits), log.checked_out, sites,
                                                     log.persons.size(), log.places.size());
        log.checked_out = {};
    } else {
        data.stays = build_stays(std::move(log.visits), log.persons.size(), log.places.size());
    }
    data.persons = std::move(log.persons);
    detail::return_free_memory();
    data.places = std::move(log.places);
    return out;
}

void strip_identifying_text(std::vector<bad_row>& rows) {
    for (bad_row& row : rows) {
        row.raw.clear();
        const std::size_t quoted = row.reason.find(" ('");
        if (quoted != std::string::npos) row.reason.resize(quoted);
    }
}

} // namespace ctrace
