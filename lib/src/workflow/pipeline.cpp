#include "ctrace/workflow/pipeline.hpp"

#include "ctrace/core/defaults.hpp"
#include "ctrace/core/error.hpp"
#include "ctrace/io/cases.hpp"
#include "ctrace/storage/indexed_snapshot.hpp"
#include "ctrace/storage/stored_window.hpp"

#include <algorithm>
#include <istream>
#include <string_view>

namespace ctrace {

namespace {

/// Makes the person ids of `data`, read from the snapshot `source`, match
/// `key` (see `load_data`).
/// The note for a snapshot of pseudonymised ids read without a key.
data_note pseudonyms_note(const std::string& source, const std::string& stored) {
    return {source + " holds pseudonymised person ids (key fingerprint " + stored +
                "): case ids match only as pseudonyms; give the key file to use real case ids",
            "pseudonyms"};
}

/// Refuses scan-reading options with a snapshot (its stays are made).
void check_snapshot_source(const data_source& source) {
    const ingest_options& scans = source.scans;
    if (!scans.scans.empty() || !scans.scan_texts.empty() || scans.places || scans.read.skip_bad ||
        scans.read.default_dwell != defaults::dwell || !scans.read.columns.empty() ||
        scans.read.time_layout || scans.read.encoding != input_encoding::utf8 ||
        scans.place_format.encoding != input_encoding::utf8 || !scans.place_format.columns.empty())
        throw parameter_error("snapshot", source.snapshot->string() +
                                              ": scan files, a places file and the options of "
                                              "reading scans do not apply to a snapshot (its "
                                              "stays are already made)");
}

void match_pseudonyms(const std::string& source, dataset& data, const pseudonymizer* key,
                      std::vector<data_note>& notes) {
    const std::string& stored = data.parameters.pseudonym_key;
    if (key == nullptr) {
        if (!stored.empty()) notes.push_back(pseudonyms_note(source, stored));
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

/// A version-2 store as an input: its folder, named by the digest of its index.
input_file describe_store(const stored_window& window) {
    input_file input;
    input.role = "store";
    input.path = window.folder().string();
    std::error_code ec;
    input.bytes = std::filesystem::file_size(store_state_path(window.folder()), ec);
    input.sha256 = window.state_digest();
    input.rows = window.state().rows_read;
    return input;
}

/// What stops stays made with `rule` (cut at `rule_level`) from being traced
/// as `source` asks: another rule than the one asked for, or a cut at the
/// next scan at another level than the one traced. The parameter to name and
/// why; nothing when they fit. `name` names the snapshot or store.
std::optional<parameter_error> stay_end_problem(stay_end_rule rule, contact_level rule_level,
                                                const data_source& source, const std::string& name,
                                                bool is_store) {
    const std::optional<stay_end_rule>& asked = source.scans.stay_end;
    const auto quoted = [](stay_end_rule r) { return "'" + std::string(stay_end_name(r)) + "'"; };
    const auto level = [](contact_level l) { return std::string(contact_level_name(l)); };
    if (asked && *asked != rule)
        return parameter_error("stay_end",
                               name + ": its stays were made with the stay end rule " +
                                   quoted(rule) + ", not " + quoted(*asked) +
                                   (is_store ? " (a store keeps the rule of its first ingest)"
                                             : " (make it again with the rule wanted)"));
    if (rule == stay_end_rule::next_scan && rule_level != source.level)
        return parameter_error("contact_level",
                               name + ": its stays were cut by the next scan at " +
                                   level(rule_level) + " level; they cannot be traced at " +
                                   level(source.level) + " level (make it again with the " +
                                   quoted(rule) + " rule at " + level(source.level) + " level)");
    return std::nullopt;
}

/// Throws `stay_end_problem`'s error for the stays of `data`, if any.
void check_stay_end(const dataset& data, const data_source& source, const std::string& name,
                    bool is_store) {
    if (auto problem = stay_end_problem(data.parameters.stay_end, data.parameters.stay_end_level,
                                        source, name, is_store))
        throw *problem;
}

/// Brings `data` to the contact level asked for.
void to_level(dataset& data, contact_level level, const std::string& source) {
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
        ingest_options scans = source.scans;
        scans.stay_end_level = source.level;
        loaded.ingested = ingest(scans);
        to_level(loaded.ingested.data, source.level, "the scans");
        return loaded;
    }
    const std::filesystem::path& path = *source.snapshot;
    check_snapshot_source(source);
    dataset& data = loaded.ingested.data;
    if (source.store && is_appending_store(*source.store)) {
        const std::unique_ptr<stored_window> window = stored_window::open(*source.store);
        data = window->read_whole();
        check_stay_end(data, source, source.store->string(), true);
        match_pseudonyms(source.store->string(), data, source.scans.pseudonyms.get(), loaded.notes);
        loaded.inputs.push_back(describe_store(*window));
        to_level(data, source.level, source.store->string());
        return loaded;
    }
    data = read_snapshot(path);
    check_stay_end(data, source, path.string(), false);
    match_pseudonyms(path.string(), data, source.scans.pseudonyms.get(), loaded.notes);
    loaded.inputs.push_back(describe_input("snapshot", path, data.rows_read, source.scans.digests));
    to_level(data, source.level, path.string());
    return loaded;
}

namespace {

/// The options `request` reads its cases with.
case_read_options case_options_of(const trace_request& request, utc_offset tz) {
    case_read_options options;
    options.tz = tz;
    options.lookback = request.lookback;
    options.until = request.parameters.until;
    options.columns = request.columns;
    options.encoding = request.encoding;
    options.time_layout = request.time_layout;
    options.require_onset = request.require_onset;
    return options;
}

/// The cases of `request`, but for the cases themselves and their provenance.
prepared_cases prepare_cases(const trace_request& request) {
    prepared_cases prepared;
    trace_record& record = prepared.record;
    record.tz = request.tz.value_or(utc_offset{});
    record.parameters = request.parameters;
    record.lookback = request.lookback;
    prepared.pseudonyms = request.pseudonyms;
    return prepared;
}

} // namespace

prepared_cases read_index_cases(const trace_request& request) {
    prepared_cases prepared = prepare_cases(request);
    trace_record& record = prepared.record;
    record.cases =
        read_cases(request.cases, prepared.case_ids, case_options_of(request, record.tz));
    record.inputs.push_back(
        describe_input("cases", request.cases, record.cases.size(), request.digest));
    return prepared;
}

prepared_cases read_index_cases(const trace_request& request, std::istream& cases,
                                const std::string& source_name) {
    prepared_cases prepared = prepare_cases(request);
    trace_record& record = prepared.record;
    record.cases =
        read_cases(cases, source_name, prepared.case_ids, case_options_of(request, record.tz));
    input_file input;
    input.role = "cases";
    input.path = source_name;
    input.rows = record.cases.size();
    record.inputs.push_back(std::move(input));
    return prepared;
}

namespace {

/// The cases' ids as the data holds them (pseudonymised when a key is set).
std::vector<std::string> case_ids_in_data(const prepared_cases& prepared) {
    std::vector<std::string> ids;
    ids.reserve(prepared.record.cases.size());
    for (const index_case& c : prepared.record.cases) {
        const std::string_view id = prepared.case_ids[c.person];
        ids.push_back(prepared.pseudonyms ? prepared.pseudonyms->pseudonym(id) : std::string(id));
    }
    return ids;
}

/// Renumbers a result to compact tables of the persons and places it names,
/// kept in their order in the data (`person_count` and `place_count` bound
/// the indices). `visit(person, place)` calls `person(index&)` for every
/// person index the result holds and `place(index&)` for every place index;
/// it is called twice, to mark and to renumber. `named_places` gets the
/// places kept, by their index in the data.
template <class Visit, class PersonIds, class PlaceIds>
void keep_named_ids(Visit visit, const PersonIds& person_id, std::size_t person_count,
                    const PlaceIds& place_id, std::size_t place_count, id_table& persons,
                    id_table& places, std::vector<place_index>& named_places) {
    // Marked in bitmaps, then listed in index order: no sort of the
    // hundreds of thousands of listed persons.
    std::vector<std::uint64_t> person_marks((person_count + 63) / 64, 0);
    std::vector<std::uint64_t> place_marks((place_count + 63) / 64, 0);
    auto mark = [](std::vector<std::uint64_t>& marks, std::uint32_t i) {
        marks[i / 64] |= std::uint64_t{1} << (i % 64);
    };
    visit([&](person_index& p) { mark(person_marks, p); },
          [&](place_index& x) { mark(place_marks, x); });
    // new_index[i]: the compact index of marked index i.
    auto listed = [](const std::vector<std::uint64_t>& marks, std::size_t count, auto add) {
        std::vector<std::uint32_t> new_index(count, 0);
        std::uint32_t next = 0;
        for (std::size_t w = 0; w < marks.size(); ++w)
            for (std::uint64_t bits = marks[w]; bits != 0; bits &= bits - 1) {
                const std::size_t i = w * 64 + static_cast<std::size_t>(__builtin_ctzll(bits));
                new_index[i] = next++;
                add(static_cast<std::uint32_t>(i));
            }
        return new_index;
    };
    const std::vector<std::uint32_t> new_person =
        listed(person_marks, person_count,
               [&](std::uint32_t p) { persons.append_unchecked(person_id(p)); });
    const std::vector<std::uint32_t> new_place =
        listed(place_marks, place_count, [&](std::uint32_t x) {
            places.append_unchecked(place_id(x));
            named_places.push_back(x);
        });
    visit([&](person_index& p) { p = new_person[p]; }, [&](place_index& x) { x = new_place[x]; });
}

/// The indexed data a query runs on, its cases pointed at it, and the
/// loaded data around it (notes, provenance, the snapshot's parameters and
/// sizes); nothing when the indexed path does not apply (`trace_indexed`).
struct indexed_query {
    std::unique_ptr<indexed_snapshot> file;
    std::unique_ptr<stored_window> store;
    /// The ids, places and reading rules: the snapshot, or the store's ids file.
    const indexed_snapshot* data = nullptr;
    std::unique_ptr<indexed_person_ids> persons;
    std::vector<index_case> cases;
    std::vector<duration> place_min_overlap; ///< empty when the data has none
    loaded_data loaded;
};

std::optional<indexed_query> open_indexed(const data_source& source,
                                          const prepared_cases& prepared) {
    if (!source.snapshot) return std::nullopt;
    check_snapshot_source(source);
    const std::filesystem::path& path = *source.snapshot;
    indexed_query q;
    if (source.store && is_appending_store(*source.store)) {
        q.store = stored_window::open(*source.store);
        q.data = &q.store->ids();
    } else {
        q.file = indexed_snapshot::open(path);
        q.data = q.file.get();
    }
    // Another level, or a stay end rule that does not fit: the whole read
    // says why.
    if (!q.data || q.data->level() != source.level ||
        stay_end_problem(q.data->stay_end(), q.data->stay_end_level(), source, path.string(),
                         q.store != nullptr))
        return std::nullopt;
    const indexed_snapshot& data = *q.data;
    const pseudonymizer* key = source.scans.pseudonyms.get();
    if (key != nullptr && data.pseudonym_key() != key->fingerprint()) return std::nullopt;

    loaded_data& loaded = q.loaded;
    loaded.from_snapshot = true;
    if (key == nullptr && !data.pseudonym_key().empty())
        loaded.notes.push_back(pseudonyms_note(path.string(), data.pseudonym_key()));
    if (q.store) {
        loaded.inputs.push_back(describe_store(*q.store));
        loaded.indexed = loaded_data::stored_sizes{q.store->state().stays, data.person_count(),
                                                   data.place_count()};
    } else {
        loaded.inputs.push_back(
            describe_input("snapshot", path, data.rows_read(), source.scans.digests));
        loaded.indexed =
            loaded_data::stored_sizes{data.stay_count(), data.person_count(), data.place_count()};
    }
    dataset& named = loaded.ingested.data;
    named.rows_read = data.rows_read();
    named.rows_rejected = data.rows_rejected();
    named.parameters.tz = data.tz();
    named.parameters.default_dwell = data.default_dwell();
    named.parameters.level = data.level();
    named.parameters.stay_end = data.stay_end();
    named.parameters.stay_end_level = data.stay_end_level();
    named.parameters.pseudonym_key = data.pseudonym_key();

    q.persons = std::make_unique<indexed_person_ids>(data);
    q.cases = prepared.record.cases;
    const std::vector<std::string> ids = case_ids_in_data(prepared);
    for (std::size_t k = 0; k < ids.size(); ++k)
        q.cases[k].person = q.persons->intern(ids[k]);
    q.place_min_overlap = data.place_min_overlaps();
    return q;
}

/// Hands `person` and `place` every id a trace record names: its cases, the
/// cases without stays, and each entry with its source and place.
template <class Person, class Place>
void name_record_ids(trace_record& record, Person& person, Place& place) {
    for (index_case& c : record.cases)
        person(c.person);
    for (person_index& p : record.result.cases_without_stays)
        person(p);
    for (risk_entry& e : record.result.entries) {
        person(e.person);
        if (e.via_person != no_person) person(e.via_person);
        if (e.via_place != no_place) place(e.via_place);
    }
}

/// Keeps the ids `visit` names (see `keep_named_ids`) in `q.loaded`'s data,
/// with the places file's metadata of those places.
template <class Visit>
void keep_named_ids(indexed_query& q, Visit visit) {
    dataset& named = q.loaded.ingested.data;
    std::vector<place_index> named_places;
    const indexed_snapshot& data = *q.data;
    const indexed_person_ids& persons = *q.persons;
    keep_named_ids(
        visit, [&](person_index p) { return persons[p]; }, persons.size(),
        [&](place_index x) { return data.place_id(x); }, data.place_count(), named.persons,
        named.places, named_places);
    named.place_info = data.place_info_of(named_places);
}

} // namespace

std::optional<trace_run> trace_indexed(const data_source& source, const prepared_cases& prepared) {
    std::optional<indexed_query> q = open_indexed(source, prepared);
    if (!q) return std::nullopt;
    trace_run run;
    run.persons_with_stays = q->data->person_count();
    trace_record record = prepared.record;
    record.cases = q->cases;
    if (!q->place_min_overlap.empty()) record.parameters.place_min_overlap = q->place_min_overlap;
    record.result = q->store ? trace(*q->store, *q->persons, record.cases, record.parameters)
                             : trace(*q->data, *q->persons, record.cases, record.parameters);
    keep_named_ids(*q, [&](auto person, auto place) { name_record_ids(record, person, place); });
    run.loaded = std::move(q->loaded);
    run.record = std::move(record);
    return run;
}

std::optional<sources_run> find_case_sources_indexed(const data_source& source,
                                                     const prepared_cases& prepared,
                                                     sources_parameters parameters) {
    std::optional<indexed_query> q = open_indexed(source, prepared);
    if (!q) return std::nullopt;
    sources_run run;
    run.persons_with_stays = q->data->person_count();
    run.cases = q->cases;
    if (!q->place_min_overlap.empty())
        parameters.place_min_overlap = q->place_min_overlap;
    else
        parameters.place_min_overlap.clear();
    run.result = q->store ? find_sources(*q->store, *q->persons, run.cases, parameters)
                          : find_sources(*q->data, *q->persons, run.cases, parameters);
    keep_named_ids(*q, [&](auto person, auto place) {
        for (index_case& c : run.cases)
            person(c.person);
        sources_result& r = run.result;
        for (person_index& p : r.cases_without_stays)
            person(p);
        for (case_link& l : r.links) {
            person(l.infector);
            person(l.infectee);
            place(l.place);
        }
        for (common_person& c : r.common_persons) {
            person(c.person);
            for (person_index& p : c.cases)
                person(p);
        }
        for (common_place& c : r.common_places) {
            place(c.place);
            for (person_index& p : c.cases)
                person(p);
        }
    });
    run.loaded = std::move(q->loaded);
    return run;
}

traceable_data make_traceable(loaded_data loaded) {
    traceable_data traceable;
    traceable.loaded = std::move(loaded);
    const dataset& data = traceable.data();
    traceable.graph = build_person_place_graph(data.stays, data.persons.size());
    traceable.persons_by_id = data.persons.sorted_order();
    traceable.person_rank.resize(traceable.persons_by_id.size());
    for (std::size_t k = 0; k < traceable.persons_by_id.size(); ++k)
        traceable.person_rank[traceable.persons_by_id[k]] = static_cast<std::uint32_t>(k);
    return traceable;
}

namespace {

/// The indices of `ids` among `data`'s persons (`id_table::npos` for those
/// absent), by binary search in `persons_by_id`.
std::vector<person_index> find_persons(const traceable_data& data,
                                       std::span<const std::string_view> ids) {
    const id_table& persons = data.data().persons;
    std::vector<person_index> found(ids.size(), id_table::npos);
    for (std::size_t k = 0; k < ids.size(); ++k) {
        const auto at =
            std::lower_bound(data.persons_by_id.begin(), data.persons_by_id.end(), ids[k],
                             [&](person_index p, std::string_view id) { return persons[p] < id; });
        if (at != data.persons_by_id.end() && persons[*at] == ids[k]) found[k] = *at;
    }
    return found;
}

} // namespace

named_trace trace_loaded(const traceable_data& traceable, const prepared_cases& prepared,
                         const companion_parameters* companions) {
    const dataset& data = traceable.data();
    named_trace run;
    run.persons_with_stays = data.persons.size();
    trace_record record = prepared.record;
    // The cases are the data's persons, else named apart after them.
    const std::vector<std::string> ids = case_ids_in_data(prepared);
    const std::vector<std::string_view> views(ids.begin(), ids.end());
    const std::vector<person_index> found = find_persons(traceable, views);
    id_table unscanned;
    for (std::size_t k = 0; k < found.size(); ++k)
        record.cases[k].person =
            found[k] != id_table::npos
                ? found[k]
                : static_cast<person_index>(data.persons.size() + unscanned.intern(views[k]));
    take_place_min_overlaps(data, record.parameters);
    record.result = trace(data.stays, traceable.graph, data.persons, unscanned, data.places,
                          record.cases, record.parameters, {}, traceable.person_rank);
    if (companions)
        run.companions = find_companions(data.stays, record.cases, record.result, data.persons,
                                         data.places, *companions);
    std::vector<place_index> named_places;
    keep_named_ids(
        [&](auto person, auto place) {
            name_record_ids(record, person, place);
            for (companion& c : run.companions) {
                person(c.person);
                if (c.via_person != no_person) person(c.via_person);
                if (c.via_place != no_place) place(c.via_place);
            }
        },
        [&](person_index p) {
            return p < data.persons.size()
                       ? data.persons[p]
                       : unscanned[static_cast<id_table::index_type>(p - data.persons.size())];
        },
        data.persons.size() + unscanned.size(), [&](place_index x) { return data.places[x]; },
        data.places.size(), run.persons, run.places, named_places);
    // The provenance: the cases, then the data the trace ran on.
    record.inputs.insert(record.inputs.end(), traceable.loaded.inputs.begin(),
                         traceable.loaded.inputs.end());
    run.record = std::move(record);
    return run;
}

attached_cases attach_cases(const traceable_data& traceable, const prepared_cases& prepared) {
    const dataset& data = traceable.data();
    attached_cases attached;
    attached.record = prepared.record;
    attached.persons_ = &data.persons;
    attached.graph_ = &traceable.graph;
    const std::vector<std::string> ids = case_ids_in_data(prepared);
    const std::vector<std::string_view> views(ids.begin(), ids.end());
    std::vector<person_index> found = find_persons(traceable, views);
    if (std::find(found.begin(), found.end(), id_table::npos) != found.end()) {
        // The rare case: copies, so that the tables are those of `attach_cases`.
        attached.own_persons_.emplace(data.persons);
        found = attached.own_persons_->intern_few(views);
        attached.own_graph_.emplace(
            build_person_place_graph(data.stays, attached.own_persons_->size()));
    }
    for (std::size_t k = 0; k < found.size(); ++k)
        attached.record.cases[k].person = found[k];
    take_place_min_overlaps(data, attached.record.parameters);
    return attached;
}

void point_cases_at(dataset& data, prepared_cases& prepared) {
    const std::vector<std::string> ids = case_ids_in_data(prepared);
    const std::vector<std::string_view> views(ids.begin(), ids.end());
    const std::vector<person_index> indices = data.persons.intern_few(views);
    for (std::size_t k = 0; k < indices.size(); ++k)
        prepared.record.cases[k].person = indices[k];
    take_place_min_overlaps(data, prepared.record.parameters);
}

void take_place_min_overlaps(const dataset& data, trace_parameters& parameters) {
    // The tracer takes the data's minimum overlaps with the parameters.
    if (data.place_info.has_min_overlap) parameters.place_min_overlap = data.place_info.min_overlap;
}

person_place_graph attach_cases(dataset& data, prepared_cases& prepared) {
    point_cases_at(data, prepared);
    return build_person_place_graph(data.stays, data.persons.size());
}

sources_result find_case_sources(dataset& data, prepared_cases& prepared,
                                 sources_parameters parameters) {
    point_cases_at(data, prepared);
    parameters.place_min_overlap = prepared.record.parameters.place_min_overlap;
    return find_sources(data.stays, data.persons, data.places, prepared.record.cases, parameters);
}

void trace_cases(dataset& data, prepared_cases& prepared, const std::function<void()>& graph_built,
                 const event_observer& observer) {
    trace_record& record = prepared.record;
    const person_place_graph graph = attach_cases(data, prepared);
    if (graph_built) graph_built();
    record.result = trace(data.stays, graph, data.persons, data.places, record.cases,
                          record.parameters, observer);
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
