// `ctrace trace`: scan logs in, risk list out.

#include "cli_common.hpp"
#include "commands.hpp"
#include "ctrace/atomic_file.hpp"
#include "ctrace/cases.hpp"
#include "ctrace/csv.hpp"
#include "ctrace/error.hpp"
#include "ctrace/graph.hpp"
#include "ctrace/risk_list.hpp"
#include "ctrace/scans.hpp"
#include "ctrace/stays.hpp"
#include "ctrace/trace.hpp"

#include <iostream>
#include <sstream>

namespace ctrace::cli {

namespace {

po::options_description trace_options() {
    // clang-format off
    po::options_description inputs("Inputs and outputs");
    inputs.add_options()
        ("scans", po::value<std::string>()->value_name("FILE"),
         "scan log CSV: person, place, time [, leave] (required)")
        ("cases", po::value<std::string>()->value_name("FILE"),
         "index cases CSV: person, from or onset [, to] (required)")
        ("places", po::value<std::string>()->value_name("FILE"),
         "places CSV: place [, dwell, category, name, district, lat, lon]")
        ("out", po::value<std::string>()->value_name("FILE"),
         "risk list CSV to write, '-' for stdout (required)")
        ("skip-bad", po::bool_switch(), "leave bad scan rows out instead of stopping")
        ("rejects", po::value<std::string>()->value_name("FILE"),
         "with --skip-bad: write the rows left out here (CSV line,reason,raw)")
        ("quiet,q", po::bool_switch(), "no summary line on stderr");
    po::options_description tracing("Tracing (durations: seconds or NdNhNmNs; times: epoch "
                                    "seconds or ISO 8601)");
    tracing.add_options()
        ("dwell", po::value<std::string>()->default_value("60m"),
         "stay length of a scan without check-out, unless the place has its own dwell")
        ("min-overlap", po::value<std::string>()->default_value("15m"),
         "minimum effective overlap for a contact to count (at least 1s)")
        ("hops", po::value<std::int64_t>()->default_value(2)->value_name("N"),
         "largest hop traced: 1 = close contacts, 2 = secondary contacts, ...")
        ("latency", po::value<std::string>()->default_value("0"),
         "delay between exposure and becoming infectious")
        ("until", po::value<std::string>()->value_name("TIME"),
         "end of tracing: contacts stop being infectious here (default: no end)")
        ("quarantine", po::value<std::string>()->default_value("14d"),
         "quarantine length after the last exposure")
        ("lookback", po::value<std::string>()->default_value("4d"),
         "infectious window start before onset, for cases without 'from'")
        ("tz", po::value<std::string>()->default_value("+00:00"),
         "UTC offset of times without one, and of the times written");
    po::options_description all;
    all.add(inputs).add(tracing);
    all.add_options()("help,h", "show this help");
    // clang-format on
    return all;
}

void print_trace_help() {
    std::cout
        << "Usage: ctrace trace --scans FILE --cases FILE [--places FILE] --out FILE "
           "[options]\n\n"
           "Finds the close contacts (hop 1) and secondary contacts (hop 2 and beyond) of the\n"
           "index cases and writes the risk list: one row per person at risk with hop, health\n"
           "code, exposure times, quarantine end and the contact that exposed them.\n"
        << trace_options()
        << "\nExit status: 0 ok, 2 bad input or usage (nothing written), 1 internal error.\n"
           "Bad scan rows stop the run and are listed as FILE:LINE: reason, unless\n"
           "--skip-bad; bad rows in the cases and places files always stop it.\n";
}

std::string require(const po::variables_map& vm, const char* name) {
    if (!vm.count(name)) throw input_error(std::string("--") + name + " is required");
    return vm[name].as<std::string>();
}

void write_rejects(const std::string& path, const std::vector<bad_row>& rejects) {
    atomic_file file(path);
    std::string buffer = "line,reason,raw\n";
    for (const bad_row& row : rejects) {
        buffer += std::to_string(row.line);
        buffer.push_back(',');
        append_csv_field(buffer, row.reason);
        buffer.push_back(',');
        append_csv_field(buffer, row.raw);
        buffer.push_back('\n');
    }
    file.stream() << buffer;
    file.commit();
}

int run_trace(const std::vector<std::string>& args) {
    const po::variables_map vm = parse(args, trace_options());
    if (vm.count("help")) {
        print_trace_help();
        return exit_ok;
    }
    const stopwatch clock;
    const std::string scans_path = require(vm, "scans");
    const std::string cases_path = require(vm, "cases");
    const std::string out_path = require(vm, "out");
    const bool quiet = vm["quiet"].as<bool>();
    const bool skip_bad = vm["skip-bad"].as<bool>();

    const utc_offset tz = tz_option(vm);
    scan_read_options read_options;
    read_options.tz = tz;
    read_options.default_dwell = duration_option(vm, "dwell");
    read_options.skip_bad = skip_bad;

    trace_parameters parameters;
    parameters.min_overlap = duration_option(vm, "min-overlap");
    const std::int64_t hops = vm["hops"].as<std::int64_t>();
    if (hops < 0 || hops > 1'000'000)
        throw input_error("--hops: must be between 0 and 1000000, not " + std::to_string(hops));
    parameters.hops = static_cast<std::uint32_t>(hops);
    parameters.latency = duration_option(vm, "latency");
    if (vm.count("until")) parameters.until = time_option(vm, "until", tz);
    parameters.quarantine = duration_option(vm, "quarantine");

    case_read_options case_options;
    case_options.tz = tz;
    case_options.lookback = duration_option(vm, "lookback");
    case_options.until = parameters.until;

    // Cases first: a bad cases file fails in milliseconds, not after the scans.
    id_table case_ids;
    std::vector<index_case> cases =
        read_cases(std::filesystem::path(cases_path), case_ids, case_options);

    place_table places;
    if (vm.count("places"))
        places = read_places(std::filesystem::path(vm["places"].as<std::string>()));

    progress_reporter progress("trace", quiet);
    const std::uint64_t scans_bytes = file_size_or_zero(scans_path);
    read_options.progress = [&](std::uint64_t done) {
        progress.bytes("reading scans", done, scans_bytes);
    };
    scan_log log = read_scans(std::filesystem::path(scans_path), places, read_options);
    progress.done();
    const std::size_t persons_with_scans = log.persons.size();
    for (index_case& c : cases)
        c.person = log.persons.intern(case_ids[c.person]);

    const stay_table stays =
        build_stays(std::move(log.visits), log.persons.size(), log.places.size());
    const std::uint64_t rows_read = log.rows_read;
    const person_place_graph graph = build_person_place_graph(stays, log.persons.size());
    const trace_result result = trace(stays, graph, log.persons, log.places, cases, parameters);

    if (vm.count("rejects")) write_rejects(vm["rejects"].as<std::string>(), log.rejects);
    if (out_path == "-") {
        write_risk_list(std::cout, result, log.persons, log.places, tz);
    } else {
        atomic_file out(out_path);
        write_risk_list(out.stream(), result, log.persons, log.places, tz);
        out.commit();
    }

    for (const person_index p : result.cases_without_stays)
        std::cerr << "ctrace trace: warning: index case '" << log.persons[p]
                  << "' has no scans; listed without contacts\n";
    if (skip_bad && !log.rejects.empty())
        std::cerr << "ctrace trace: " << log.rejects.size() << " bad scan rows skipped"
                  << (vm.count("rejects") ? " (written to " + vm["rejects"].as<std::string>() + ")"
                                          : std::string())
                  << '\n';
    if (!quiet) {
        std::ostringstream hops_text;
        for (std::size_t h = 0; h < result.persons_per_hop.size(); ++h)
            hops_text << (h ? ", " : "") << "hop " << h << ": " << result.persons_per_hop[h];
        std::cerr << "ctrace trace: " << rows_read << " rows read (" << log.rejects.size()
                  << " rejected), " << stays.size() << " stays, " << persons_with_scans
                  << " persons, " << log.places.size() << " places, " << cases.size() << " cases; "
                  << result.qualifying_events << " contact events; " << result.entries.size()
                  << " listed (" << hops_text.str() << "); " << std::fixed;
        std::cerr.precision(2);
        std::cerr << clock.seconds() << " s\n";
    }
    return exit_ok;
}

} // namespace

command trace_command() {
    return {"trace", "trace contacts of index cases and write the risk list",
            [](const std::vector<std::string>& args) {
                return guarded("trace", [&] { return run_trace(args); });
            },
            print_trace_help};
}

} // namespace ctrace::cli
