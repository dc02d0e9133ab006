// `ctrace ingest` and `ctrace daily`: the nightly batch jobs on a store.

#include "commands.hpp"
#include "ctrace/core/atomic_file.hpp"
#include "ctrace/report/changes.hpp"
#include "ctrace/report/companion_list.hpp"
#include "ctrace/report/html_report.hpp"
#include "ctrace/report/risk_list.hpp"
#include "ctrace/storage/indexed_snapshot.hpp"
#include "ctrace/storage/snapshot.hpp"
#include "ctrace/storage/store.hpp"
#include "ctrace/storage/store_state.hpp"
#include "ctrace/tracing/companions.hpp"
#include "data_loading.hpp"
#include "exit_status.hpp"
#include "job_log.hpp"
#include "options.hpp"
#include "outputs.hpp"
#include "progress.hpp"

#include <chrono>
#include <future>
#include <iostream>
#include <iterator>
#include <regex>
#include <sstream>

namespace ctrace::cli {

namespace {

constexpr const char* exit_statuses_text =
    "Exit status: 0 ok (also: the dump was already ingested), 2 bad input or usage\n"
    "(the store is unchanged), 74 an output or the store could not be written (disk\n"
    "full, permission; the store is unchanged), 75 the store is in use by another job\n"
    "(try again later; the message names its pid), 1 internal error (the store is\n"
    "unchanged).\n";

time_point now_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

/// Runs a job body, logging its outcome (or its failure) as a JSON line when
/// --log is given. The body fills `fields` and returns the summary line.
int logged_job(const po::variables_map& vm, const char* command_name,
               const std::function<std::string(json_line& fields)>& body) {
    const stopwatch clock;
    json_line fields;
    fields.add("time", std::string_view(format_time(now_seconds(), {})));
    fields.add("command", std::string_view(command_name));
    fields.add("pid", static_cast<std::int64_t>(::getpid()));
    const std::string log_path = has(vm, opt::log) ? text_option(vm, opt::log) : "";
    std::string summary;
    try {
        summary = body(fields);
    } catch (const std::exception& e) {
        if (!log_path.empty()) {
            const int status = exit_status_for(e);
            fields.add("status", std::string_view(status == exit_busy ? "busy" : "error"));
            fields.add("exit", std::int64_t{status});
            fields.add("seconds", clock.seconds());
            fields.add("message", std::string_view(message_for(e)));
            try {
                append_line(log_path, fields.finish());
            } catch (const std::exception& log_error) {
                std::cerr << "ctrace " << command_name << ": " << log_error.what() << '\n';
            }
        }
        throw;
    }
    fields.add("status", std::string_view("ok"));
    fields.add("exit", std::int64_t{exit_ok});
    fields.add("seconds", clock.seconds());
    fields.add("message", std::string_view(summary));
    if (!flag_option(vm, opt::quiet))
        std::cerr << "ctrace " << command_name << ": " << summary << "; "
                  << seconds_text(clock.seconds()) << '\n';
    if (!log_path.empty()) append_line(log_path, fields.finish()); // its failure is not logged
    return exit_ok;
}

// ---------------------------------------------------------------------------
// ingest

po::options_description ingest_command_options() {
    return options_for(cmd::ingest, {{"Job", {section::job, section::quiet}},
                                     scan_reading_group(),
                                     section::store,
                                     section::output_format,
                                     section::general});
}

void print_ingest_help() {
    std::cout
        << "Usage: ctrace ingest --store DIR --scans FILE [--places FILE] [options]\n\n"
           "Adds a scan dump to a rolling store (created on first use). The store holds every\n"
           "stay of the dumps ingested so far, merged as if they had been read at once, minus\n"
           "the stays past the retention. Each ingest appends one partition (DIR/part-N.h5)\n"
           "and never rewrites the stored ones; DIR/store.json, replaced last, names the files\n"
           "in force, so a job killed at any moment leaves the store as it was. Re-ingesting a\n"
           "file already ingested (same SHA-256) changes nothing. One job at a time: another\n"
           "ingest or daily on the same store is refused at once. A store of an earlier ctrace\n"
           "(DIR/snapshot.h5) is migrated by its first ingest. Files: DIR/store.json,\n"
           "DIR/ids-N.h5, DIR/part-N.h5, DIR/deleted-N-M.u32, DIR/rows-N.bin (next-scan rule),\n"
           "DIR/manifest.csv, DIR/rejects/SHA256.csv (with --skip-bad), DIR/.lock; see\n"
           "docs/nightly.md. --tz, --dwell and --stay-end are fixed by the first ingest; later\n"
           "ones use the store's and refuse different values. With --stay-end next-scan a row\n"
           "without check-out ends at the person's next scan elsewhere, also when that scan\n"
           "comes in a later dump: the store keeps each stay's rows to cut them again.\n"
           "--contact-level site then judges \"elsewhere\" by site, and the store is traced at\n"
           "that level only. A dwell store takes no --contact-level: it keeps the codes\n"
           "scanned, and daily traces it at either level. A --places file replaces the store's\n"
           "place metadata.\n"
        << ingest_command_options() << '\n'
        << exit_statuses_text;
}

int run_ingest(const std::vector<std::string>& args) {
    const po::variables_map vm = parse(args, ingest_command_options());
    if (has(vm, opt::help)) {
        print_ingest_help();
        return exit_ok;
    }
    return logged_job(vm, "ingest", [&](json_line& fields) {
        const std::string folder = required(vm, opt::store);
        fields.add("store", std::string_view(folder));
        const output_options outputs = output_options_from(vm);
        progress_reporter progress("ingest", flag_option(vm, opt::quiet));
        const ingest_options read = ingest_options_from(vm, progress, false);
        store_ingest_options options;
        options.places = read.places;
        options.place_format = read.place_format;
        options.read = read.read;
        options.pseudonyms = read.pseudonyms;
        options.tz_given = given(vm, opt::tz);
        options.dwell_given = given(vm, opt::dwell);
        options.stay_end = read.stay_end;
        if (given(vm, opt::contact_level)) options.stay_end_level = contact_level_option(vm);
        options.retention = duration_option(vm, opt::retention);
        if (options.retention < 0) throw input_error("--retention: must not be negative");
        options.now = now_seconds();

        const store_lock lock(folder, true);
        std::string summary;
        std::size_t added = 0, skipped = 0;
        std::uint64_t rows = 0, rejected = 0, stays = 0, expired = 0, persons = 0, places = 0;
        for (const std::filesystem::path& scans : read.scans) {
            options.scans = scans;
            const store_ingest_result r = ingest_into_store(lock, options);
            progress.done();
            if (r.migrated)
                std::cerr << "ctrace ingest: migrated " << folder
                          << " from store version 1 (snapshot.h5) to version 2 (partitions)\n";
            if (!summary.empty()) summary += "; ";
            if (r.already_ingested) {
                ++skipped;
                summary += scans.string() + " was already ingested (" + r.input.path +
                           (r.input.added.empty() ? "" : ", " + r.input.added) +
                           "): nothing changed";
                continue;
            }
            ++added;
            rows += r.input.rows;
            rejected += r.input.rows_rejected;
            summary += "added " + scans.string() + " (" + std::to_string(r.input.rows) + " rows, " +
                       std::to_string(r.input.rows_rejected) +
                       " rejected): " + std::to_string(r.stays_after) + " stays (" +
                       std::to_string(r.stays_before) + " before, " +
                       std::to_string(r.stays_expired) + " past the retention dropped), " +
                       std::to_string(r.persons) + " persons, " + std::to_string(r.places) +
                       " places";
            if (!r.rejects.empty())
                summary +=
                    "; rejected rows in " + store_rejects_path(folder, r.input.sha256).string();
            stays = r.stays_after;
            expired += r.stays_expired;
            persons = r.persons;
            places = r.places;
            options.places.reset(); // read once, with the first dump
            if (outputs.file(opt::rejects) != nullptr) {
                std::optional<atomic_file> rejects_file;
                stage_rejects(outputs, r.rejects, rejects_file);
                if (rejects_file) rejects_file->commit();
            }
        }
        if (added > 0) {
            fields.add("stays", stays);
            fields.add("stays_expired", expired);
            fields.add("persons", persons);
            fields.add("places", places);
        }
        fields.add("files_added", static_cast<std::uint64_t>(added));
        fields.add("files_already_ingested", static_cast<std::uint64_t>(skipped));
        fields.add("rows_read", rows);
        fields.add("rows_rejected", rejected);
        if (const std::string* rejects = outputs.file(opt::rejects))
            summary += "; wrote " + *rejects;
        return folder + ": " + summary;
    });
}

// ---------------------------------------------------------------------------
// daily

po::options_description daily_command_options() {
    return options_for(cmd::daily, {{"Job", {section::job, section::quiet}},
                                    {"Daily outputs", {section::own}},
                                    section::tracing,
                                    section::input_format,
                                    section::contact_level,
                                    section::privacy,
                                    section::output_format,
                                    section::excel,
                                    section::general});
}

void print_daily_help() {
    std::cout
        << "Usage: ctrace daily --store DIR --cases FILE --out-dir OUT [--as-of DATE] "
           "[options]\n\n"
           "Traces the index cases on the store's stays and writes, for DATE:\n"
           "  OUT/risk-DATE.csv      the risk list (as 'ctrace trace' writes it)\n"
           "  OUT/risk-DATE.h5       the trace under /trace, with the ids it names (not the\n"
           "      stays: its provenance names the store's snapshot and its content digest)\n"
           "  OUT/tree-DATE.graphml  the transmission tree (GraphML, docs/explain.md)\n"
           "  OUT/changes-DATE.csv   who changed since the latest earlier OUT/risk-*.csv:\n"
           "      person,change,old_hop,new_hop,old_code,new_code,quarantine_until,\n"
           "      old_quarantine_until,old_monitor_until,monitor_until\n"
           "      change: new, escalated (hop went down), deescalated (hop went up),\n"
           "      extended or shortened (same hop; quarantine_until, else monitor_until,\n"
           "      now later or earlier), or released (gone from the list, or\n"
           "      quarantine_until before DATE: code green).\n"
           "      Without an earlier list everyone listed is new.\n"
           "  OUT/risk-DATE.xlsx     with --xlsx: the risk list and the changes as the sheets\n"
           "      'risk list' and 'changes' of an Excel workbook (--lang zh: 风险人员, 变化)\n"
           "  OUT/companions-DATE.csv  with --companions: the same-time-and-place persons\n"
           "      (同时空人员), as 'ctrace trace --companions' writes them\n"
           "  OUT/report-DATE.html  with --report: the page of 'ctrace report' for the day\n"
           "      (one HTML file that opens offline; labels in --lang, default zh)\n"
           "The files are written together atomically; running again for the same DATE\n"
           "replaces them.\n"
        << daily_command_options() << '\n'
        << exit_statuses_text;
}

/// Midnight starting `date` (YYYY-MM-DD) in `tz`, checked.
time_point day_start(const std::string& date, utc_offset tz) {
    static const std::regex shape(R"(\d{4}-\d{2}-\d{2})");
    if (!std::regex_match(date, shape))
        throw input_error("--as-of: expected a date YYYY-MM-DD, not '" + date + "'");
    const auto parsed = try_parse_time(date, tz);
    if (!parsed) throw input_error("--as-of: " + std::string(parsed.error) + ": '" + date + "'");
    return parsed.value;
}

/// The latest OUT/risk-YYYY-MM-DD.csv dated before `date`, if any.
std::optional<std::pair<std::string, std::filesystem::path>>
previous_risk_list(const std::filesystem::path& out_dir, const std::string& date) {
    static const std::regex name(R"(risk-(\d{4}-\d{2}-\d{2})\.csv)");
    std::optional<std::pair<std::string, std::filesystem::path>> best;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(out_dir, ec)) {
        const std::string file = entry.path().filename().string();
        std::smatch m;
        if (!std::regex_match(file, m, name)) continue;
        const std::string when = m[1];
        if (when < date && (!best || when > best->first)) best.emplace(when, entry.path());
    }
    return best;
}

int run_daily(const std::vector<std::string>& args) {
    const po::variables_map vm = parse(args, daily_command_options());
    if (has(vm, opt::help)) {
        print_daily_help();
        return exit_ok;
    }
    return logged_job(vm, "daily", [&](json_line& fields) {
        const std::string folder = required(vm, opt::store);
        fields.add("store", std::string_view(folder));
        const std::string cases_path = required(vm, opt::cases);
        const std::filesystem::path out_dir = required(vm, opt::out_dir);
        const output_options outputs = output_options_from(vm);
        const store_lock lock(folder, false);
        const std::filesystem::path snapshot_path = store_snapshot_path(folder);
        const bool appending = is_appending_store(folder);
        if (!appending && !std::filesystem::exists(snapshot_path))
            throw input_error(folder + ": the store has no data yet (run 'ctrace ingest')");
        data_source source;
        source.snapshot = snapshot_path;
        source.store = folder;
        source.level = contact_level_option(vm);
        source.scans.pseudonyms = pseudonymizer_from(vm);
        source.scans.digests = false; // the store is named by its content digest below
        // The zone of the cases and lists: --tz, else the store's (read from
        // its index, or from the snapshot when it has none).
        const bool tz_given = has(vm, opt::tz);
        utc_offset tz = tz_given ? tz_option(vm) : utc_offset{};
        std::optional<trace_run> run;
        prepared_cases prepared;
        std::optional<utc_offset> stored_tz;
        const bool with_companions = flag_option(vm, opt::companions);
        const companion_parameters companion_options{duration_option(vm, opt::companion_window)};
        if (appending) {
            stored_tz = read_store_state(folder).parameters.tz;
        } else if (const auto indexed = indexed_snapshot::open(snapshot_path)) {
            stored_tz = indexed->tz();
        }
        const bool with_report = flag_option(vm, opt::report);
        // Companions may be anyone at a case's places, and the report shows
        // the cases' presence everywhere: the stays are read whole.
        if (stored_tz && !with_companions && !with_report) {
            if (!tz_given) tz = *stored_tz;
            prepared = read_cases_for_trace(vm, tz, cases_path, true);
            run = trace_indexed(source, prepared);
        }
        if (!run) {
            // Read whole: a store written before indexed reads, a roll-up to
            // sites, ids to pseudonymise now, or companions.
            run.emplace();
            run->loaded = ctrace::load_data(source);
            if (!tz_given) tz = run->data().parameters.tz;
            prepared = read_cases_for_trace(vm, tz, cases_path, true);
            run->persons_with_stays = run->data().persons.size();
            trace_cases(run->data(), prepared);
            run->record = std::move(prepared.record);
        }
        print_notes("daily", run->loaded.notes);
        // The list's provenance names the store state it came from: by the
        // digest of its index (version 2), or the digest its snapshot's
        // checksum block records (version 1; not hashed again).
        input_file store_input = run->loaded.inputs.at(0);
        if (store_input.role != "store") {
            store_input.role = "store";
            store_input.sha256 = snapshot_content_digest(snapshot_path);
        }
        run->record.inputs.push_back(store_input);
        dataset& data = run->data();
        // risk-DATE.h5 holds the ids the trace names, not the stays: its
        // data came from the store.
        data.inputs = {store_input};
        trace_record& record = run->record;
        std::string date = has(vm, opt::as_of) ? text_option(vm, opt::as_of) : "";
        if (date.empty()) date = format_time(now_seconds(), tz).substr(0, 10);
        const time_point as_of = day_start(date, tz);
        fields.add("as_of", std::string_view(date));
        const trace_result& result = record.result;

        create_output_folders(out_dir);
        // The HDF5 file and the tree are staged on a second thread while
        // this one compares with the previous list and writes the lists:
        // they only read the result.
        atomic_path hdf5_out(out_dir / ("risk-" + date + ".h5"));
        std::optional<staged_output> tree_out;
        const std::string tree_path = (out_dir / ("tree-" + date + ".graphml")).string();
        std::future<void> staged_in_parallel = std::async(std::launch::async, [&] {
            write_snapshot(hdf5_out, data, &record);
            stage_transmission_tree(tree_path, result, data.persons, data.places, tz, tree_out);
        });
        // Whatever this thread throws, the other finishes before its outputs go.
        struct joined {
            std::future<void>& work;
            ~joined() {
                if (work.valid()) work.wait();
            }
        } join_on_exit{staged_in_parallel};
        const auto previous = previous_risk_list(out_dir, date);
        std::vector<risk_status> old_list;
        time_point old_as_of = as_of;
        if (previous) {
            old_list = read_risk_statuses(previous->second, tz);
            old_as_of = day_start(previous->first, tz);
        }
        const std::vector<status_change> changes =
            risk_changes(old_list, old_as_of, risk_statuses(result, data.persons), as_of);
        std::optional<staged_output> companions_out;
        std::vector<companion> companions;
        if (with_companions) {
            companions = find_companions(data.stays, record.cases, result, data.persons,
                                         data.places, companion_options);
            fields.add("companions", static_cast<std::uint64_t>(companions.size()));
            companions_out.emplace((out_dir / ("companions-" + date + ".csv")).string(),
                                   outputs.bom);
            companions_out->write([&](std::ostream& s) {
                write_companion_list(s, companions, data.persons, data.places, tz);
            });
            companions_out->close();
        }

        staged_output risk_out((out_dir / ("risk-" + date + ".csv")).string(), outputs.bom);
        risk_out.write(
            [&](std::ostream& s) { write_risk_list(s, result, data.persons, data.places, tz); });
        risk_out.close();
        staged_output changes_out((out_dir / ("changes-" + date + ".csv")).string(), outputs.bom);
        changes_out.write([&](std::ostream& s) { write_changes(s, changes, tz); });
        changes_out.close();
        std::optional<xlsx_workbook> workbook;
        const std::string workbook_path = (out_dir / ("risk-" + date + ".xlsx")).string();
        if (flag_option(vm, opt::xlsx))
            stage_workbook(outputs, workbook_path, workbook, [&](xlsx_workbook& book) {
                write_risk_list(book, result, data.persons, data.places, tz);
                write_changes(book, changes, tz);
            });
        std::optional<staged_output> report_out;
        if (with_report) {
            report_content content =
                report_of_trace(data, record, with_companions ? &companions : nullptr, tz);
            content.title = folder + " " + date;
            const html_report_parameters page{
                given(vm, opt::lang) ? parse_report_language(text_option(vm, opt::lang))
                                     : report_language::zh};
            report_out.emplace((out_dir / ("report-" + date + ".html")).string(), false, false);
            report_out->write([&](std::ostream& s) { write_html_report(s, content, page); });
            report_out->close();
        }
        staged_in_parallel.get();
        hdf5_out.commit();
        tree_out->commit();
        if (workbook) workbook->commit();
        if (companions_out) companions_out->commit();
        if (report_out) report_out->commit();
        changes_out.commit();
        risk_out.commit(); // last: the next run compares against the lists that exist

        warn_cases_without_stays("daily", data.persons, result.cases_without_stays,
                                 " in the store; listed without contacts");
        static constexpr const char* kinds[] = {"new",      "escalated", "deescalated",
                                                "extended", "shortened", "released"};
        std::size_t counts[std::size(kinds)] = {};
        for (const status_change& c : changes)
            for (std::size_t k = 0; k < std::size(kinds); ++k)
                if (c.change == kinds[k]) ++counts[k];
        if (!record.parameters.profile.empty())
            fields.add("profile", std::string_view(record.parameters.profile));
        fields.add("listed", static_cast<std::uint64_t>(result.entries.size()));
        std::string counted;
        for (std::size_t k = 0; k < std::size(kinds); ++k) {
            fields.add(kinds[k], static_cast<std::uint64_t>(counts[k]));
            counted += (k ? ", " : "") + std::to_string(counts[k]) + " " + kinds[k];
        }
        std::string written = "contact level " +
                              std::string(contact_level_name(data.parameters.level)) + "; wrote " +
                              risk_out.path() + ", " + changes_out.path() + ", " +
                              hdf5_out.target().string() + ", " + tree_path;
        if (workbook) written += ", " + workbook_path;
        if (companions_out) written += ", " + companions_out->path();
        if (report_out) written += ", " + report_out->path();
        fields.add("contact_level", contact_level_name(data.parameters.level));
        return folder + ": " + date + ": " + std::to_string(result.entries.size()) +
               " listed; changes since " + (previous ? previous->first : std::string("nothing")) +
               ": " + counted + "; " + written;
    });
}

} // namespace

command ingest_command() {
    return {"ingest", "add a day's scan dump to a rolling store (nightly job)", run_ingest,
            print_ingest_help, ingest_command_options};
}

command daily_command() {
    return {"daily", "trace from a store and write the day's risk list and changes", run_daily,
            print_daily_help, daily_command_options};
}

} // namespace ctrace::cli
