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
    po::options_description io("Sources inputs and outputs (at least one of the three lists)");
    // clang-format off
    io.add_options()
        ("cases", po::value<std::string>()->value_name("FILE"),
         "index cases CSV: person, onset [, from, to, last_negative] (required; every case "
         "needs an onset)")
        ("links", po::value<std::string>()->value_name("FILE"),
         "write the case links: which case could have infected which, and where")
        ("common-persons", po::value<std::string>()->value_name("FILE"),
         "write the persons (not cases) who met at least --min-cases cases in their "
         "exposure windows: candidate undetected sources")
        ("common-places", po::value<std::string>()->value_name("FILE"),
         "write the places where at least --min-cases cases were in their exposure windows")
        ("xlsx", po::value<std::string>()->value_name("FILE.xlsx"),
         "also write the lists asked for as one Excel workbook, a sheet per list (see "
         "docs/excel.md)")
        ("quiet,q", po::bool_switch(), "no summary line on stderr");
    // clang-format on
    po::options_description all;
    all.add(io).add(snapshot_option_description()).add(ingest_option_descriptions());
    all.add(sources_option_descriptions());
    all.add(output_format_option_descriptions()).add(lang_option_description());
    all.add(common_option_descriptions());
    return all;
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
    const char* option;
    void (*write)(std::ostream&, const sources_result&, const dataset&, utc_offset);
    void (*write_sheet)(xlsx_workbook&, const sources_result&, const dataset&, utc_offset);
};

constexpr source_list source_lists[] = {
    {"links",
     [](std::ostream& s, const sources_result& r, const dataset& d, utc_offset tz) {
         write_case_links(s, r, d.persons, d.places, tz);
     },
     [](xlsx_workbook& b, const sources_result& r, const dataset& d, utc_offset tz) {
         write_case_links(b, r, d.persons, d.places, tz);
     }},
    {"common-persons",
     [](std::ostream& s, const sources_result& r, const dataset& d, utc_offset tz) {
         write_common_persons(s, r, d.persons, tz);
     },
     [](xlsx_workbook& b, const sources_result& r, const dataset& d, utc_offset tz) {
         write_common_persons(b, r, d.persons, tz);
     }},
    {"common-places",
     [](std::ostream& s, const sources_result& r, const dataset& d, utc_offset tz) {
         write_common_places(s, r, d.persons, d.places, tz);
     },
     [](xlsx_workbook& b, const sources_result& r, const dataset& d, utc_offset tz) {
         write_common_places(b, r, d.persons, d.places, tz);
     }},
};

int run_sources(const std::vector<std::string>& args) {
    const po::variables_map vm = parse(args, sources_options());
    if (vm.count("help")) {
        print_sources_help();
        return exit_ok;
    }
    const stopwatch clock;
    check_data_options(vm);
    const std::string cases_path = required(vm, "cases");
    if (!vm.count("links") && !vm.count("common-persons") && !vm.count("common-places"))
        throw input_error("give at least one of --links, --common-persons and --common-places");
    check_distinct_outputs(vm, {"links", "common-persons", "common-places", "rejects", "xlsx"});
    const bool quiet = vm["quiet"].as<bool>();
    const utc_offset tz = tz_option(vm);
    sources_parameters parameters = sources_parameters_from(vm);
    parameters.find_links = vm.count("links") > 0;
    parameters.find_common_persons = vm.count("common-persons") > 0;
    parameters.find_common_places = vm.count("common-places") > 0;

    // The cases first: a bad cases file (a case without an onset, say) fails
    // in milliseconds.
    trace_request request = case_request_from(vm, tz, cases_path, false);
    request.require_onset = true;
    prepared_cases prepared = read_index_cases(request);

    progress_reporter progress("sources", quiet);
    const double cases_seconds = clock.seconds();
    // A snapshot with an index is read where the cases' stays reach.
    std::optional<sources_run> indexed;
    if (vm.count("snapshot")) {
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
    if (!loaded.from_snapshot) stage_rejects(vm, loaded.ingested.rejects, rejects_file);
    std::vector<std::unique_ptr<staged_output>> outputs;
    for (const source_list& list : source_lists) {
        if (!vm.count(list.option)) continue;
        auto& out = outputs.emplace_back(
            std::make_unique<staged_output>(vm[list.option].as<std::string>(), bom_option(vm)));
        out->write([&](std::ostream& s) { list.write(s, result, data, tz); });
        out->close();
    }
    std::optional<xlsx_workbook> workbook;
    stage_xlsx_option(vm, workbook, [&](xlsx_workbook& book) {
        for (const source_list& list : source_lists)
            if (vm.count(list.option)) list.write_sheet(book, result, data, tz);
    });
    if (rejects_file) rejects_file->commit();
    if (workbook) workbook->commit();
    for (const auto& out : outputs)
        out->commit();
    if (!loaded.from_snapshot) report_rejects("sources", vm, loaded.ingested.rejects);
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
                << written_text(vm, {"links", "common-persons", "common-places", "xlsx", "rejects"},
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
