// `ctrace zones`: when each sealed or controlled district may be lifted (三区,
// docs/semantics.md §11), from scan logs, a snapshot or a store.

#include "commands.hpp"
#include "ctrace/analytics/zones.hpp"
#include "data_loading.hpp"
#include "exit_status.hpp"
#include "options.hpp"
#include "outputs.hpp"
#include "progress.hpp"

#include <algorithm>
#include <iostream>
#include <optional>

namespace ctrace::cli {

namespace {

po::options_description zones_options() {
    return options_for(cmd::zones, {{"Inputs and outputs", {section::own, section::quiet}},
                                    section::snapshot,
                                    scan_reading_group(),
                                    section::tracing,
                                    section::output_format,
                                    section::general});
}

void print_zones_help() {
    std::cout
        << "Usage: ctrace zones (--scans FILE --places FILE | --snapshot FILE.h5 | --store DIR)\n"
           "                    --cases FILE --out FILE [--residents FILE] [--as-of TIME]\n"
           "                    [options]\n\n"
           "Says when each district with cases or close contacts may be lifted (三区 rules):\n"
           "no case there and no close contact exposed there for --zone-quiet (14 days), then\n"
           "an all-negative screening round in the --screening (2 days) before. A district is\n"
           "the places file's 'district' of the code scanned. One row per district:\n"
           "  district,cases,close_contacts,last_case_presence,last_close_exposure,\n"
           "  lift_not_before,screening_from[,status]\n"
           "latest lifting first. Every layer-1 exposure of a close contact counts, not only\n"
           "the first. With --residents, a case or close contact also counts where it lives.\n"
        << zones_options()
        << "\nZones work at --contact-level code only. With --snapshot or --store the stays\n"
           "come from there; --tz sets the zone of the times read and written.\n"
           "Exit status: 0 ok, 2 bad input or usage (nothing written), 74 the output could not\n"
           "be written (nothing written), 1 internal error.\n";
}

int run_zones(const std::vector<std::string>& args) {
    const po::variables_map vm = parse(args, zones_options());
    if (has(vm, opt::help)) {
        print_zones_help();
        return exit_ok;
    }
    const stopwatch clock;
    const std::string out_path = required(vm, opt::out);
    const output_options outputs = output_options_from(vm);
    check_distinct_outputs(outputs, {opt::out, opt::rejects});
    check_data_options(vm);
    if (contact_level_option(vm) != contact_level::code)
        throw input_error("--contact-level: zones work at code level only (a district is the "
                          "district of the code scanned)");
    const zone_parameters parameters{duration_option(vm, opt::zone_quiet),
                                     duration_option(vm, opt::screening)};
    const utc_offset tz = tz_option(vm);
    std::optional<time_point> as_of;
    if (has(vm, opt::as_of)) as_of = time_option(vm, opt::as_of, tz);
    // The small files first: a bad one fails in milliseconds.
    std::vector<resident> residents;
    if (const std::string* path = value_if<std::string>(vm, opt::residents))
        residents = read_residents(*path);
    prepared_cases prepared = read_cases_for_trace(vm, tz, required(vm, opt::cases), false);
    const bool quiet = flag_option(vm, opt::quiet);
    progress_reporter progress("zones", quiet);
    loaded_data loaded = load_data("zones", vm, progress, false);
    dataset& data = loaded.ingested.data;
    if (!data.place_info.has_district) {
        const std::string* places = value_if<std::string>(vm, opt::places);
        const std::string* snapshot = value_if<std::string>(vm, opt::snapshot);
        const std::string* store = value_if<std::string>(vm, opt::store);
        const std::string source = places     ? *places
                                   : snapshot ? "the places of " + *snapshot
                                   : store    ? "the places of the store " + *store
                                              : std::string("the places file (none given)");
        throw input_error(source + ": no 'district' column: zones need the district of each code");
    }
    std::vector<qualifying_event> layer_one;
    trace_cases(data, prepared, {}, [&](const qualifying_event& e) {
        if (e.layer == 1) layer_one.push_back(e);
    });
    const trace_record& record = prepared.record;
    const std::vector<zone> rows =
        find_zones(data.stays, data.persons, data.places, data.place_info, record.cases,
                   record.result, layer_one, residents, parameters);

    std::optional<atomic_file> rejects;
    stage_rejects(outputs, loaded.ingested.rejects, rejects);
    staged_output out(out_path, outputs.bom);
    out.write([&](std::ostream& s) { write_zone_list(s, rows, tz, as_of); });
    out.close();
    if (rejects) rejects->commit();
    out.commit();
    report_rejects("zones", outputs, loaded.ingested.rejects);
    warn_cases_without_stays("zones", data.persons, record.result.cases_without_stays,
                             "; present nowhere");
    if (!quiet) {
        const auto controlled = std::count_if(rows.begin(), rows.end(), [&](const zone& z) {
            return as_of && *as_of < z.lift_not_before;
        });
        std::cerr << "ctrace zones: " << rows_text(loaded) << ", " << data.stays.size()
                  << " stays, " << record.cases.size() << " cases; " << rows.size() << " districts"
                  << (as_of ? " (" + std::to_string(controlled) + " still controlled)" : "") << "; "
                  << written_text(outputs, {opt::out, opt::rejects}, std::nullopt) << "; "
                  << seconds_text(clock.seconds()) << '\n';
    }
    return exit_ok;
}

} // namespace

command zones_command() {
    return {"zones", "when sealed or controlled districts may be lifted (三区)", run_zones,
            print_zones_help, zones_options};
}

} // namespace ctrace::cli
