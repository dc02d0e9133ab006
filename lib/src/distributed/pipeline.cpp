// `ctrace::distributed::trace_from` (ctrace/distributed/pipeline.hpp): the
// workflow of `ctrace-mpi trace`, step for step the single process's.

#include "ctrace/distributed/pipeline.hpp"

#include "ctrace/model/ingest.hpp"
#include "distributed/mpi_helpers.hpp"

#include <chrono>
#include <sys/resource.h>
#include <utility>

namespace ctrace::distributed {

namespace {

/// The parameters and inputs of `data`, gathered from the scans, as
/// `ingest` records them (the files' SHA-256 read again here, on rank 0).
void describe_scans(dataset& data, const ingest_options& ingest, const place_table& places,
                    const rank_scans& scans) {
    const contact_level level = data.parameters.level;
    data.parameters = ingest_parameters_of(ingest);
    data.parameters.level = level;
    // Cut at the level traced (as `load_data` cuts for one process).
    if (data.parameters.stay_end == stay_end_rule::next_scan)
        data.parameters.stay_end_level = level;
    if (ingest.places)
        data.inputs.push_back(describe_input("places", *ingest.places, places.size(), true));
    for (std::size_t k = 0; k < ingest.scans.size(); ++k) {
        const std::string name = ingest.scans[k].string();
        input_file file = describe_input("scans", ingest.scans[k], scans.rows_per_file[k], true);
        for (const bad_row& row : scans.rejects)
            if (row.file == name) ++file.rows_rejected;
        data.inputs.push_back(std::move(file));
    }
    data.rows_rejected = scans.rejects.size();
}

/// The trace as a snapshot records it: the cases pointed at `data`'s
/// persons (those that never scanned appended), the entries' indices made
/// `data`'s.
trace_record snapshot_record(dataset& data, prepared_cases prepared, const traced& outcome) {
    point_cases_at(data, prepared);
    trace_record record = std::move(prepared.record);
    record.result = outcome.result;
    for (risk_entry& e : record.result.entries) {
        e.person = data.persons.find(outcome.persons[e.person]);
        if (e.via_person != no_person)
            e.via_person = data.persons.find(outcome.persons[e.via_person]);
        if (e.via_place != no_place) e.via_place = data.places.find(outcome.places[e.via_place]);
    }
    for (person_index& p : record.result.cases_without_stays)
        p = data.persons.find(outcome.persons[p]);
    return record;
}

/// The case ids as the data holds them (pseudonymised when it is), with the
/// indices of `prepared.case_ids`.
id_table case_ids_as_data(const prepared_cases& prepared) {
    if (!prepared.pseudonyms) return prepared.case_ids;
    id_table out;
    for (std::size_t k = 0; k < prepared.case_ids.size(); ++k)
        out.intern(prepared.pseudonyms->pseudonym(prepared.case_ids[static_cast<person_index>(k)]));
    if (out.size() != prepared.case_ids.size())
        throw input_error("two index cases have the same pseudonym");
    return out;
}

/// This rank's bytes sent to others by phase: reading (ids), visits,
/// gathering, then each layer.
std::vector<std::uint64_t> traffic_of(const rank_scans& scans, const rank_stays& stays,
                                      const traced& outcome) {
    std::vector<std::uint64_t> bytes{scans.bytes_sent, stays.bytes_sent,
                                     outcome.bytes_sent_gathering};
    bytes.insert(bytes.end(), outcome.bytes_sent_per_layer.begin(),
                 outcome.bytes_sent_per_layer.end());
    return bytes;
}

} // namespace

trace_run trace_from(MPI_Comm comm, const data_source& source, const prepared_cases& prepared,
                     const run_options& options) {
    // A step of this rank's own work, its failure agreed on as the caller
    // describes it (or as the library does).
    const auto step = [&](auto&& work) {
        if (options.describe)
            on_every_rank(comm, work, options.describe);
        else
            detail::local_step(comm, work);
    };
    const auto started = std::chrono::steady_clock::now();
    const auto seconds = [&started] {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    };
    const bool root = detail::rank_of(comm) == 0;
    const bool from_snapshot = source.snapshot.has_value();
    const bool cut_at_next = !from_snapshot && source.scans.stay_end == stay_end_rule::next_scan;
    trace_run run;
    run.record = prepared.record;
    trace_parameters& parameters = run.record.parameters;

    place_table places;
    rank_scans scans;
    std::optional<loaded_data> loaded_snapshot;
    if (from_snapshot) {
        // Every rank reads the snapshot whole (at the contact level asked,
        // pseudonymised as asked) and keeps its share.
        step([&] { loaded_snapshot.emplace(load_data(source)); });
        const dataset& data = loaded_snapshot->ingested.data;
        scans = share_snapshot(comm, data);
        // Its places are already at the level asked: their own minimums.
        parameters.place_min_overlap =
            place_min_overlaps(comm, scans, data.place_info, contact_level::code);
        run.level = data.parameters.level;
        run.notes = loaded_snapshot->notes;
        // Rank 0 keeps it to write it again with the trace.
        if (!(options.keep_data && root)) loaded_snapshot.reset();
    } else {
        const ingest_options& ingest = source.scans;
        step([&] {
            if (ingest.places) places = read_places(*ingest.places, ingest.place_format);
        });
        id_options ids;
        ids.pseudonyms = ingest.pseudonyms;
        ids.level = source.level;
        scan_read_options read = ingest.read;
        read.record_checkouts = cut_at_next;
        scans = read_scans(comm, ingest.scans, places, read, ids);
        // Each person's rows together, before the exchange by place.
        if (cut_at_next) cut_at_next_scan(comm, scans);
        parameters.place_min_overlap = place_min_overlaps(comm, scans, places, source.level);
        run.level = source.level;
    }
    run.read_seconds = seconds();
    const rank_stays stays = build_stays(comm, scans);
    run.stays_seconds = seconds();
    std::optional<id_table> case_ids;
    step([&] { case_ids.emplace(case_ids_as_data(prepared)); });
    run.outcome = trace(comm, scans, stays, *case_ids, run.record.cases, parameters);
    if (options.companions)
        run.companions = find_companions(comm, scans, stays, *case_ids, run.record.cases,
                                         run.outcome, *options.companions);
    run.trace_seconds = seconds();

    run.stays = stays.stays.size();
    MPI_Allreduce(MPI_IN_PLACE, &run.stays, 1, MPI_UINT64_T, MPI_SUM, comm);
    run.rows_read = scans.rows_read;
    run.persons = scans.person_count;
    run.places = scans.place_count;
    step([&] { run.bytes_sent_max = traffic_of(scans, stays, run.outcome); });
    MPI_Allreduce(MPI_IN_PLACE, run.bytes_sent_max.data(),
                  static_cast<int>(run.bytes_sent_max.size()), MPI_UINT64_T, MPI_MAX, comm);

    if (options.keep_data) {
        // From scans, rank 0 gathers the whole data (collective).
        if (!from_snapshot)
            step([&] {
                dataset data = gather_snapshot(comm, scans, stays, places, source.level);
                if (!root) return;
                describe_scans(data, source.scans, places, scans);
                run.data.emplace(std::move(data));
            });
        else if (root)
            run.data.emplace(std::move(loaded_snapshot->ingested.data));
        step([&] {
            if (!root) return;
            trace_record record = snapshot_record(*run.data, prepared, run.outcome);
            if (loaded_snapshot)
                record.inputs.insert(record.inputs.end(), loaded_snapshot->inputs.begin(),
                                     loaded_snapshot->inputs.end());
            run.record = std::move(record);
        });
    }
    run.rejects = std::move(scans.rejects);

    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    run.peak_kb_least = run.peak_kb_most = static_cast<std::uint64_t>(usage.ru_maxrss);
    MPI_Allreduce(MPI_IN_PLACE, &run.peak_kb_least, 1, MPI_UINT64_T, MPI_MIN, comm);
    MPI_Allreduce(MPI_IN_PLACE, &run.peak_kb_most, 1, MPI_UINT64_T, MPI_MAX, comm);
    return run;
}

trace_run trace_from(MPI_Comm comm, const data_source& source, const trace_request& request,
                     const run_options& options) {
    std::optional<prepared_cases> prepared;
    detail::local_step(comm, [&] { prepared.emplace(read_index_cases(request)); });
    return trace_from(comm, source, *prepared, options);
}

} // namespace ctrace::distributed
