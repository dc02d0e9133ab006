// `ctrace sources`: backward tracing (溯源) — from cases with onsets to the
// persons and places that could have infected them.

#include "commands.hpp"
#include "ctrace/tracing/sources.hpp"
#include "ctrace/workflow/pipeline.hpp"
#include "data_loading.hpp"
#include "exit_status.hpp"
#include "options.hpp"
#include "outputs.hpp"
#include "progress.hpp"

#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

namespace ctrace::cli {

namespace {

po::options_description sources_options() {
    return options_for(
        cmd::sources, {{"Sources inputs and outputs (at least one of the three lists)",
                        {section::own, section::quiet}},
                       section::snapshot,
                       scan_reading_group(),
                       {"Backward tracing " + std::string(durations_and_times), {section::tracing}},
                       section::output_format,
                       section::excel,
                       section::general});
}

void print_sources_help() {
    std::cout
        << "Usage: ctrace sources (--scans FILE [--places FILE] | --snapshot FILE.h5)\n"
           "                      --cases FILE [--links FILE] [--common-persons FILE]\n"
           "                      [--common-places FILE] [--xlsx FILE.xlsx [--lang en|zh]]\n"
           "                      [options]\n\n"
           "Backward tracing: who or what could have infected the cases. A case's exposure\n"
           "window is [onset - incubation-max, onset - incubation-min); the part of a stay\n"
           "inside it is the case's exposed part.\n"
           "  links           infector,infectee,first_contact,last_contact,contact_seconds,place\n"
           "                  a case present (while infectious, with --linger) where another\n"
           "                  was exposed, for at least the minimum overlap\n"
           "  common-persons  person,cases,first_contact,last_contact,contact_seconds,places,\n"
           "                  case_ids: persons who are not cases and met several cases in\n"
           "                  their windows (their own state unknown, so never clipped)\n"
           "  common-places   place,cases,first_presence,last_presence,case_seconds,case_ids:\n"
           "                  places where several cases were in their windows\n"
        << sources_options()
        << "\nExample:\n"
           "  ctrace sources --scans scans.csv --places places.csv --cases cases.csv --tz +08:00 "
           "\\\n"
           "      --links links.csv --common-persons persons.csv --common-places places-hit.csv\n\n"
           "With --snapshot the stays come from the snapshot: --places, --dwell,\n"
           "--skip-bad and --rejects do not apply; --tz still sets the zone of the cases\n"
           "file and of the output.\n"
           "Exit status: 0 ok, 2 bad input or usage (nothing written; a case without an\n"
           "onset is a bad row), 74 an output could not be written (nothing written),\n"
           "1 internal error.\n";
}

/// One of the three lists: where it goes and how it is written, as CSV or
/// as a sheet of the --xlsx workbook.
struct source_list {
    opt option;
    void (*write)(std::ostream&, const sources_result&, const dataset&, utc_offset);
    void (*write_sheet)(xlsx_workbook&, const sources_result&, const dataset&, utc_offset);
};

constexpr source_list source_lists[] = {
    {opt::links,
     [](std::ostream& s, const sources_result& r, const dataset& d, utc_offset tz) {
         write_case_links(s, r, d.persons, d.places, tz);
     },
     [](xlsx_workbook& b, const sources_result& r, const dataset& d, utc_offset tz) {
         write_case_links(b, r, d.persons, d.places, tz);
     }},
    {opt::common_persons,
     [](std::ostream& s, const sources_result& r, const dataset& d, utc_offset tz) {
         write_common_persons(s, r, d.persons, tz);
     },
     [](xlsx_workbook& b, const sources_result& r, const dataset& d, utc_offset tz) {
         write_common_persons(b, r, d.persons, tz);
     }},
    {opt::common_places,
     [](std::ostream& s, const sources_result& r, const dataset& d, utc_offset tz) {
         write_common_places(s, r, d.persons, d.places, tz);
     },
     [](xlsx_workbook& b, const sources_result& r, const dataset& d, utc_offset tz) {
         write_common_places(b, r, d.persons, d.places, tz);
     }},
};

int run_sources(const std::vector<std::string>& args) {
    const po::variables_map vm = parse(args, sources_options());
    if (has(vm, opt::help)) {
        print_sources_help();
        return exit_ok;
    }
    const stopwatch clock;
    check_data_options(vm);
    const std::string cases_path = required(vm, opt::cases);
    const output_options outputs = output_options_from(vm);
    const auto asked = [&](opt list) { return outputs.file(list) != nullptr; };
    if (!asked(opt::links) && !asked(opt::common_persons) && !asked(opt::common_places))
        throw input_error("give at least one of --links, --common-persons and --common-places");
    check_distinct_outputs(
        outputs, {opt::links, opt::common_persons, opt::common_places, opt::rejects, opt::xlsx});
    const bool quiet = flag_option(vm, opt::quiet);
    const utc_offset tz = tz_option(vm);
    sources_parameters parameters = sources_parameters_from(vm);
    parameters.find_links = asked(opt::links);
    parameters.find_common_persons = asked(opt::common_persons);
    parameters.find_common_places = asked(opt::common_places);

    // The cases first: a bad cases file (a case without an onset, say) fails
    // in milliseconds.
    trace_request request = case_request_from(vm, tz, cases_path, false);
    request.require_onset = true;
    prepared_cases prepared = read_index_cases(request);

    progress_reporter progress("sources", quiet);
    const double cases_seconds = clock.seconds();
    // A snapshot with an index is read where the cases' stays reach.
    std::optional<sources_run> indexed;
    if (has(vm, opt::snapshot)) {
        indexed =
            find_case_sources_indexed(data_source_from(vm, progress, false), prepared, parameters);
        if (indexed) print_notes("sources", indexed->loaded.notes);
    }
    loaded_data loaded;
    sources_result result;
    std::size_t persons_with_stays = 0;
    double read_seconds = cases_seconds;
    if (indexed) {
        loaded = std::move(indexed->loaded);
        result = std::move(indexed->result);
        persons_with_stays = indexed->persons_with_stays;
    } else {
        loaded = load_data("sources", vm, progress, false);
        read_seconds = clock.seconds();
        persons_with_stays = loaded.ingested.data.persons.size();
        result = find_case_sources(loaded.ingested.data, prepared, parameters);
    }
    dataset& data = loaded.ingested.data;
    const double find_seconds = clock.seconds();

    // Stage every output, then commit them together: a failure writes none.
    std::optional<atomic_file> rejects_file;
    if (!loaded.from_snapshot) stage_rejects(outputs, loaded.ingested.rejects, rejects_file);
    std::vector<std::unique_ptr<staged_output>> staged;
    for (const source_list& list : source_lists) {
        const std::string* path = outputs.file(list.option);
        if (path == nullptr) continue;
        auto& out = staged.emplace_back(std::make_unique<staged_output>(*path, outputs.bom));
        out->write([&](std::ostream& s) { list.write(s, result, data, tz); });
        out->close();
    }
    std::optional<xlsx_workbook> workbook;
    stage_xlsx_option(outputs, workbook, [&](xlsx_workbook& book) {
        for (const source_list& list : source_lists)
            if (asked(list.option)) list.write_sheet(book, result, data, tz);
    });
    if (rejects_file) rejects_file->commit();
    if (workbook) workbook->commit();
    for (const auto& out : staged)
        out->commit();
    if (!loaded.from_snapshot) report_rejects("sources", outputs, loaded.ingested.rejects);
    warn_cases_without_stays("sources", data.persons, result.cases_without_stays, "");

    if (!quiet) {
        std::ostringstream summary;
        summary << "ctrace sources: "
                << traced_data_text(loaded, persons_with_stays, prepared.record.cases.size());
        if (!prepared.record.parameters.profile.empty())
            summary << " (profile " << prepared.record.parameters.profile << ")";
        summary << ";";
        if (parameters.find_links)
            summary << " " << result.links.size() << " case links (" << result.link_events
                    << " events);";
        if (parameters.find_common_persons)
            summary << " " << result.common_persons.size() << " common persons (" << result.meetings
                    << " meetings);";
        if (parameters.find_common_places)
            summary << " " << result.common_places.size() << " common places;";
        summary << " "
                << written_text(outputs,
                                {opt::links, opt::common_persons, opt::common_places, opt::xlsx,
                                 opt::rejects},
                                data.parameters.level)
                << ";";
        summary << std::fixed;
        summary.precision(2);
        const double total = clock.seconds();
        summary << " " << total << " s (read " << read_seconds - cases_seconds << ", find "
                << find_seconds - read_seconds << ", write " << total - find_seconds << ")\n";
        std::cerr << summary.str();
    }
    return exit_ok;
}

} // namespace

command sources_command() {
    return {"sources", "backward tracing: who or what could have infected the cases", run_sources,
            print_sources_help, sources_options};
}

} // namespace ctrace::cli
