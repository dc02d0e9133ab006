// `ctrace report`: one self-contained HTML page of a trace for a health office
// (docs/report.md), from scan logs, a snapshot or a store, or from the files
// earlier commands wrote.

#include "commands.hpp"
#include "ctrace/model/ingest.hpp"
#include "ctrace/report/html_report.hpp"
#include "ctrace/tracing/companions.hpp"
#include "data_loading.hpp"
#include "exit_status.hpp"
#include "options.hpp"
#include "outputs.hpp"
#include "progress.hpp"

#include <iostream>
#include <optional>

namespace ctrace::cli {

namespace {

po::options_description report_options() {
    return options_for(cmd::report, {{"Inputs and outputs", {section::own, section::quiet}},
                                     section::snapshot,
                                     scan_reading_group(),
                                     section::tracing,
                                     section::general});
}

void print_report_help() {
    std::cout
        << "Usage: ctrace report (--scans FILE [--places FILE] | --snapshot FILE.h5 | --store "
           "DIR)\n"
           "                     --cases FILE --out FILE.html [--lang zh|en] [options]\n"
           "       ctrace report --risk FILE [--places FILE] [--companions FILE] [--links FILE]\n"
           "                     [--common-persons FILE] [--common-places FILE]\n"
           "                     [--places-report FILE] [--zones FILE] --out FILE.html\n\n"
           "Writes one HTML page a health office can open in any browser, offline: the\n"
           "summary (cases, close and secondary contacts, companions, places, districts,\n"
           "options, input digests), the risk list as a table to sort, filter and page\n"
           "through, each person's chain as 'ctrace explain' gives it, the epidemic curve with\n"
           "the cases' infectious windows, the risk places on a map (from the places file's\n"
           "lat/lon), the transmission tree, and the other lists when given. Data, script and\n"
           "styles are all in the file; the page makes no network request.\n\n"
           "It traces as 'ctrace trace' does (every tracing option and profile), and finds the\n"
           "same-time-and-place persons (同时空) unless --companions names a file. With --risk\n"
           "it shows that list instead, and the places of --places on the map.\n"
        << report_options()
        << "\nExit status: 0 ok, 2 bad input or usage (nothing written), 74 the page could not\n"
           "be written (nothing written), 1 internal error.\n";
}

/// The lists given as files, in the order the page shows them.
void read_given_tables(const po::variables_map& vm, report_content& content) {
    const std::pair<opt, const char*> given_tables[] = {
        {opt::companions, "companions"},         {opt::links, "links"},
        {opt::common_persons, "common_persons"}, {opt::common_places, "common_places"},
        {opt::places_report, "risk_places"},     {opt::zones, "zones"}};
    for (const auto& [option, key] : given_tables)
        if (const std::string* path = value_if<std::string>(vm, option)) {
            content.tables.emplace_back(key, read_text_table(std::filesystem::path(*path)));
            content.inputs.push_back(
                describe_input(key, *path, content.tables.back().second.rows.size(), true));
        }
}

int run_report(const std::vector<std::string>& args) {
    const po::variables_map vm = parse(args, report_options());
    if (has(vm, opt::help)) {
        print_report_help();
        return exit_ok;
    }
    const stopwatch clock;
    const std::string out_path = required(vm, opt::out);
    const html_report_parameters parameters{parse_report_language(text_option(vm, opt::lang))};
    const utc_offset tz = tz_option(vm);
    const bool quiet = flag_option(vm, opt::quiet);
    report_content content;
    std::string made_from;
    if (const std::string* risk = value_if<std::string>(vm, opt::risk)) {
        // From files: the list as written, the places file's coordinates.
        for (const opt data : {opt::scans, opt::snapshot, opt::store, opt::cases})
            if (has(vm, data))
                throw input_error(flag(opt::risk) + ": shows a list already made; " + flag(data) +
                                  " is for tracing (give one or the other)");
        content.risk = read_text_table(std::filesystem::path(*risk), risk_list_columns);
        content.inputs.push_back(describe_input("risk", *risk, content.risk.rows.size(), true));
        content.tz = tz;
        if (const std::string* places = value_if<std::string>(vm, opt::places)) {
            const place_table table = read_places(*places, place_format_option(vm));
            content.places = report_places(table);
            content.inputs.push_back(describe_input("places", *places, table.size(), true));
        }
        read_given_tables(vm, content);
        content.title = *risk;
        made_from = *risk;
    } else {
        check_data_options(vm);
        const std::string cases_path = required(vm, opt::cases);
        prepared_cases prepared = read_cases_for_trace(vm, tz, cases_path, true);
        progress_reporter progress("report", quiet);
        loaded_data loaded = load_data("report", vm, progress, true);
        dataset& data = loaded.ingested.data;
        trace_cases(data, prepared);
        const trace_record& record = prepared.record;
        std::optional<std::vector<companion>> companions;
        if (!has(vm, opt::companions))
            companions = find_companions(data.stays, record.cases, record.result, data.persons,
                                         data.places, {duration_option(vm, opt::companion_window)});
        content = report_of_trace(data, record, companions ? &*companions : nullptr, tz);
        content.inputs.insert(content.inputs.begin(), loaded.inputs.begin(), loaded.inputs.end());
        read_given_tables(vm, content);
        content.title = cases_path;
        made_from = rows_text(loaded) + ", " + std::to_string(record.cases.size()) + " cases";
    }
    if (const std::string* title = value_if<std::string>(vm, opt::title)) content.title = *title;

    staged_output out(out_path, false, false);
    out.write([&](std::ostream& s) { write_html_report(s, content, parameters); });
    out.close();
    out.commit();
    if (!quiet)
        std::cerr << "ctrace report: " << made_from << "; " << content.risk.rows.size()
                  << " listed; wrote " << out_path << "; " << seconds_text(clock.seconds()) << '\n';
    return exit_ok;
}

} // namespace

command report_command() {
    return {"report", "one HTML page of a trace for a health office, offline", run_report,
            print_report_help, report_options};
}

} // namespace ctrace::cli
