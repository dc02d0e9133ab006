#include "ctrace/pipeline.hpp"

#include "ctrace/cases.hpp"
#include "ctrace/defaults.hpp"
#include "ctrace/error.hpp"

#include <string_view>

namespace ctrace {

namespace {

/// Makes the person ids of `data`, read from the snapshot `source`, match
/// `key` (see `load_data`).
void match_pseudonyms(const std::string& source, snapshot& data, const pseudonymizer* key,
                      std::vector<data_note>& notes) {
    const std::string& stored = data.parameters.pseudonym_key;
    if (key == nullptr) {
        if (!stored.empty())
            notes.push_back({source + " holds pseudonymised person ids (key fingerprint " + stored +
                                 "): case ids match only as pseudonyms; give the key file to use "
                                 "real case ids",
                             "pseudonyms"});
        return;
    }
    if (stored.empty()) {
        key->apply(data.persons);
        data.parameters.pseudonym_key = key->fingerprint();
    } else if (stored != key->fingerprint()) {
        throw parameter_error("pseudonyms", source +
                                                ": pseudonymised with another key (fingerprint " +
                                                stored + ", given " + key->fingerprint() + ")");
    }
}

/// Brings `data` to the contact level asked for.
void to_level(snapshot& data, contact_level level, const std::string& source) {
    if (level == data.parameters.level) return;
    if (level == contact_level::site) {
        roll_up_to_sites(data);
        return;
    }
    throw parameter_error("contact_level",
                          source + ": its stays are at site level; codes cannot be recovered");
}

} // namespace

loaded_data load_data(const data_source& source) {
    loaded_data loaded;
    loaded.from_snapshot = source.snapshot.has_value();
    if (!loaded.from_snapshot) {
        loaded.ingested = ingest(source.scans);
        to_level(loaded.ingested.data, source.level, "the scans");
        return loaded;
    }
    const std::filesystem::path& path = *source.snapshot;
    const ingest_options& scans = source.scans;
    if (!scans.scans.empty() || scans.places || scans.read.skip_bad ||
        scans.read.default_dwell != defaults::dwell || !scans.read.columns.empty() ||
        scans.read.time_layout || scans.read.encoding != input_encoding::utf8 ||
        scans.place_format.encoding != input_encoding::utf8 || !scans.place_format.columns.empty())
        throw parameter_error("snapshot", path.string() +
                                              ": scan files, a places file and the options of "
                                              "reading scans do not apply to a snapshot (its "
                                              "stays are already made)");
    snapshot& data = loaded.ingested.data;
    data = read_snapshot(path);
    match_pseudonyms(path.string(), data, source.scans.pseudonyms.get(), loaded.notes);
    loaded.inputs.push_back(describe_input("snapshot", path, data.rows_read, source.scans.digests));
    to_level(data, source.level, path.string());
    return loaded;
}

prepared_cases read_index_cases(const trace_request& request) {
    prepared_cases prepared;
    trace_record& record = prepared.record;
    record.tz = request.tz.value_or(utc_offset{});
    record.parameters = request.parameters;
    record.lookback = request.lookback;
    case_read_options options;
    options.tz = record.tz;
    options.lookback = request.lookback;
    options.until = request.parameters.until;
    options.columns = request.columns;
    options.encoding = request.encoding;
    options.time_layout = request.time_layout;
    options.require_onset = request.require_onset;
    prepared.pseudonyms = request.pseudonyms;
    record.cases = read_cases(request.cases, prepared.case_ids, options);
    record.inputs.push_back(
        describe_input("cases", request.cases, record.cases.size(), request.digest));
    return prepared;
}

void point_cases_at(snapshot& data, prepared_cases& prepared) {
    std::vector<std::string> ids;
    ids.reserve(prepared.record.cases.size());
    for (const index_case& c : prepared.record.cases) {
        const std::string_view id = prepared.case_ids[c.person];
        ids.push_back(prepared.pseudonyms ? prepared.pseudonyms->pseudonym(id) : std::string(id));
    }
    const std::vector<std::string_view> views(ids.begin(), ids.end());
    const std::vector<person_index> indices = data.persons.intern_few(views);
    for (std::size_t k = 0; k < indices.size(); ++k)
        prepared.record.cases[k].person = indices[k];
    take_place_min_overlaps(data, prepared.record.parameters);
}

void take_place_min_overlaps(const snapshot& data, trace_parameters& parameters) {
    // The tracer takes the data's minimum overlaps with the parameters.
    if (data.place_info.has_min_overlap) parameters.place_min_overlap = data.place_info.min_overlap;
}

person_place_graph attach_cases(snapshot& data, prepared_cases& prepared) {
    point_cases_at(data, prepared);
    return build_person_place_graph(data.stays, data.persons.size());
}

sources_result find_case_sources(snapshot& data, prepared_cases& prepared,
                                 sources_parameters parameters) {
    point_cases_at(data, prepared);
    parameters.place_min_overlap = prepared.record.parameters.place_min_overlap;
    return find_sources(data.stays, data.persons, data.places, prepared.record.cases, parameters);
}

void trace_cases(snapshot& data, prepared_cases& prepared,
                 const std::function<void()>& graph_built) {
    trace_record& record = prepared.record;
    const person_place_graph graph = attach_cases(data, prepared);
    if (graph_built) graph_built();
    record.result =
        trace(data.stays, graph, data.persons, data.places, record.cases, record.parameters);
}

trace_run trace_from(const data_source& source, const trace_request& request) {
    trace_run run;
    run.loaded = load_data(source);
    trace_request cases = request;
    if (!cases.tz) cases.tz = run.data().parameters.tz;
    const std::shared_ptr<const pseudonymizer>& key = source.scans.pseudonyms;
    if (!cases.pseudonyms) {
        cases.pseudonyms = key;
    } else if (key && key->fingerprint() != cases.pseudonyms->fingerprint()) {
        throw parameter_error("pseudonyms", "the cases' key (fingerprint " +
                                                cases.pseudonyms->fingerprint() +
                                                ") is not the data's (" + key->fingerprint() + ")");
    }
    prepared_cases prepared = read_index_cases(cases);
    run.persons_with_stays = run.data().persons.size();
    trace_cases(run.data(), prepared);
    run.record = std::move(prepared.record);
    // The trace's provenance: the cases file, then the snapshot it ran on.
    run.record.inputs.insert(run.record.inputs.end(), run.loaded.inputs.begin(),
                             run.loaded.inputs.end());
    return run;
}

} // namespace ctrace
