// `ctrace places`, `ctrace rank` and `ctrace clusters`: outbreak analytics on
// scan logs or a snapshot.

#include "commands.hpp"
#include "ctrace/analytics/clusters.hpp"
#include "ctrace/analytics/place_rank.hpp"
#include "ctrace/analytics/risk_places.hpp"
#include "data_loading.hpp"
#include "exit_status.hpp"
#include "options.hpp"
#include "outputs.hpp"
#include "progress.hpp"

#include <algorithm>
#include <iostream>
#include <sstream>

namespace ctrace::cli {

namespace {

constexpr const char* data_help_text =
    "With --snapshot the stays come from the snapshot: --places, --dwell, --skip-bad\n"
    "and --rejects do not apply; --tz still sets the zone of the times read and written.\n"
    "Exit status: 0 ok, 2 bad input or usage (nothing written), 74 an output could not be\n"
    "written (disk full, permission; nothing written), 1 internal error.\n";

std::string data_text(const loaded_data& loaded) {
    const dataset& data = loaded.ingested.data;
    std::ostringstream out;
    out << rows_text(loaded) << ", " << data.stays.size() << " stays, " << data.places.size()
        << " places";
    return out.str();
}

/// The inputs of the commands that start from index cases.
struct case_inputs {
    loaded_data loaded;
    prepared_cases cases;
    person_place_graph graph;
};

case_inputs read_case_inputs(const po::variables_map& vm, const char* command_name) {
    check_data_options(vm);
    const utc_offset tz = tz_option(vm);
    // The cases first: a bad cases file fails in milliseconds.
    case_inputs inputs;
    inputs.cases = read_cases_for_trace(vm, tz, required(vm, opt::cases), false);
    progress_reporter progress(command_name, flag_option(vm, opt::quiet));
    inputs.loaded = load_data(command_name, vm, progress, false);
    inputs.graph = attach_cases(inputs.loaded.ingested.data, inputs.cases);
    return inputs;
}

// ---------------------------------------------------------------- places

po::options_description places_options() {
    return options_for(cmd::places,
                       {{"Inputs and outputs", {section::own, section::quiet}, {section::excel}},
                        section::snapshot,
                        scan_reading_group(),
                        section::tracing,
                        section::output_format,
                        section::general});
}

void print_places_help() {
    std::cout << "Usage: ctrace places (--scans FILE [--places FILE] | --snapshot FILE.h5)\n"
                 "                     --cases FILE --out FILE [--xlsx FILE.xlsx [--lang en|zh]]\n"
                 "                     [options]\n\n"
                 "Lists the places where an index case was present during its infectious window,\n"
                 "with how many persons were exposed there (close contacts made at that place):\n"
                 "  place,cases,first_presence,last_presence,case_seconds,exposed,exposed_seconds\n"
                 "most exposed first, then longest case presence, then place id.\n"
              << places_options()
              << "\nOf the tracing options, --min-overlap, --until and --lookback matter here:\n"
                 "only close contacts (hop 1) count as exposed, whatever --hops is.\n"
              << data_help_text;
}

int run_places(const std::vector<std::string>& args) {
    const po::variables_map vm = parse(args, places_options());
    if (has(vm, opt::help)) {
        print_places_help();
        return exit_ok;
    }
    const stopwatch clock;
    const std::string out_path = required(vm, opt::out);
    const output_options outputs = output_options_from(vm);
    check_distinct_outputs(outputs, {opt::out, opt::xlsx});
    check_distinct_outputs(outputs, {opt::rejects, opt::xlsx});
    case_inputs inputs = read_case_inputs(vm, "places");
    const dataset& data = inputs.loaded.ingested.data;
    const trace_record& record = inputs.cases.record;
    const std::vector<risk_place> rows = find_risk_places(
        data.stays, inputs.graph, data.persons, data.places, record.cases, record.parameters);

    std::optional<atomic_file> rejects;
    stage_rejects(outputs, inputs.loaded.ingested.rejects, rejects);
    staged_output out(out_path, outputs.bom);
    out.write([&](std::ostream& s) { write_risk_places(s, rows, data.places, record.tz); });
    out.close();
    std::optional<xlsx_workbook> workbook;
    stage_xlsx_option(outputs, workbook, [&](xlsx_workbook& book) {
        write_risk_places(book, rows, data.places, record.tz);
    });
    if (rejects) rejects->commit();
    if (workbook) workbook->commit();
    out.commit();
    report_rejects("places", outputs, inputs.loaded.ingested.rejects);
    std::vector<person_index> absent;
    for (const index_case& c : record.cases)
        if (!has_stays(inputs.graph, c.person)) absent.push_back(c.person);
    warn_cases_without_stays("places", data.persons, absent, "; it is at no place");
    if (!flag_option(vm, opt::quiet)) {
        std::uint64_t exposed = 0;
        for (const risk_place& row : rows)
            exposed += row.exposed;
        std::cerr << "ctrace places: " << data_text(inputs.loaded) << ", " << record.cases.size()
                  << " cases; " << rows.size() << " risk places, " << exposed
                  << " exposures of persons (a person exposed at two places counts "
                  << "twice); "
                  << written_text(outputs, {opt::out, opt::xlsx, opt::rejects},
                                  data.parameters.level)
                  << "; " << seconds_text(clock.seconds()) << '\n';
    }
    return exit_ok;
}

// ---------------------------------------------------------------- rank

po::options_description rank_options() {
    return options_for(cmd::rank, {{"Ranking", {section::own, section::quiet}},
                                   section::snapshot,
                                   scan_reading_group(),
                                   section::output_format,
                                   section::general});
}

void print_rank_help() {
    std::cout
        << "Usage: ctrace rank (--scans FILE [--places FILE] | --snapshot FILE.h5)\n"
           "                   [--from TIME] [--to TIME] [--top N] --out FILE [options]\n\n"
           "Ranks places as sentinel sites for routine sampling: PageRank on the co-visitor\n"
           "graph, where two places are joined by the number of persons who visited both\n"
           "(a stay overlapping [from, to)). Writes rank,place,score,visitors, best first\n"
           "(ties by place id); visitors = persons with a stay there in the window.\n"
           "PageRank: damping D, r <- (1-D)/L + D*(C r/colsum + dangling/L) over all L places,\n"
           "from the uniform vector until the L1 change is below 1e-12.\n"
        << rank_options() << data_help_text;
}

int run_rank(const std::vector<std::string>& args) {
    const po::variables_map vm = parse(args, rank_options());
    if (has(vm, opt::help)) {
        print_rank_help();
        return exit_ok;
    }
    const stopwatch clock;
    const std::string out_path = required(vm, opt::out);
    const output_options outputs = output_options_from(vm);
    const utc_offset tz = tz_option(vm);
    place_rank_parameters parameters;
    if (has(vm, opt::from)) parameters.from = time_option(vm, opt::from, tz);
    if (has(vm, opt::to)) parameters.to = time_option(vm, opt::to, tz);
    if (parameters.from >= parameters.to) throw input_error("--from must be before --to");
    parameters.damping = real_option(vm, opt::damping);
    if (!(parameters.damping > 0 && parameters.damping < 1))
        throw input_error("--damping: must be between 0 and 1 (exclusive)");
    const std::int64_t top = integer_option(vm, opt::top);
    if (top < 0) throw input_error("--top: must be 0 (all) or more, not " + std::to_string(top));

    const bool quiet = flag_option(vm, opt::quiet);
    progress_reporter progress("rank", quiet);
    const loaded_data loaded = load_data("rank", vm, progress, false);
    const dataset& data = loaded.ingested.data;
    const place_rank_result ranking =
        rank_places(data.stays, data.persons.size(), data.places.size(), parameters);
    const std::vector<place_index> order =
        top_places(ranking, data.places, static_cast<std::size_t>(top));

    std::optional<atomic_file> rejects;
    stage_rejects(outputs, loaded.ingested.rejects, rejects);
    staged_output out(out_path, outputs.bom);
    out.write([&](std::ostream& s) { write_place_ranking(s, ranking, order, data.places); });
    out.close();
    if (rejects) rejects->commit();
    out.commit();
    report_rejects("rank", outputs, loaded.ingested.rejects);
    if (!quiet)
        std::cerr << "ctrace rank: " << data_text(loaded) << "; " << ranking.visits
                  << " person-place visits in the window; PageRank converged in "
                  << ranking.iterations << " iterations (L1 change " << ranking.last_change << "); "
                  << order.size() << " places written; "
                  << written_text(outputs, {opt::out, opt::rejects}, data.parameters.level) << "; "
                  << seconds_text(clock.seconds()) << '\n';
    return exit_ok;
}

// ---------------------------------------------------------------- clusters

po::options_description clusters_options() {
    return options_for(cmd::clusters, {{"Inputs and outputs", {section::own, section::quiet}},
                                       section::snapshot,
                                       scan_reading_group(),
                                       section::tracing,
                                       section::output_format,
                                       section::general});
}

void print_clusters_help() {
    std::cout << "Usage: ctrace clusters (--scans FILE [--places FILE] | --snapshot FILE.h5)\n"
                 "                       --cases FILE --out FILE [--summary FILE] [options]\n\n"
                 "Splits the risk list into transmission clusters: persons joined by a contact\n"
                 "that qualified (at any hop up to --hops) are in one cluster. Clusters are\n"
                 "numbered from 1, largest first. A cluster holding two or more index cases links\n"
                 "outbreaks: the summary marks it (linked = yes) and stderr says so.\n"
                 "In the summary, index_case_ids and place_ids are ids joined with ';'.\n"
              << clusters_options() << data_help_text;
}

int run_clusters(const std::vector<std::string>& args) {
    const po::variables_map vm = parse(args, clusters_options());
    if (has(vm, opt::help)) {
        print_clusters_help();
        return exit_ok;
    }
    const stopwatch clock;
    const std::string out_path = required(vm, opt::out);
    const output_options outputs = output_options_from(vm);
    case_inputs inputs = read_case_inputs(vm, "clusters");
    const dataset& data = inputs.loaded.ingested.data;
    const trace_record& record = inputs.cases.record;
    const cluster_result result = find_clusters(data.stays, inputs.graph, data.persons, data.places,
                                                record.cases, record.parameters);

    std::optional<atomic_file> rejects;
    stage_rejects(outputs, inputs.loaded.ingested.rejects, rejects);
    staged_output out(out_path, outputs.bom);
    out.write([&](std::ostream& s) { write_clusters(s, result, data.persons); });
    out.close();
    std::optional<staged_output> summary;
    if (const std::string* summary_path = outputs.file(opt::summary)) {
        summary.emplace(*summary_path, outputs.bom, false);
        summary->write(
            [&](std::ostream& s) { write_cluster_summary(s, result, data.persons, data.places); });
        summary->close();
    }
    if (rejects) rejects->commit();
    if (summary) summary->commit();
    out.commit();
    report_rejects("clusters", outputs, inputs.loaded.ingested.rejects);
    warn_cases_without_stays("clusters", data.persons, result.trace.cases_without_stays,
                             "; a cluster of its own");
    for (const cluster_summary& c : result.clusters) {
        if (!c.links_outbreaks()) continue;
        constexpr std::size_t named = 10;
        std::cerr << "ctrace clusters: cluster " << c.id << " links " << c.index_cases.size()
                  << " index cases (";
        for (std::size_t i = 0; i < std::min(named, c.index_cases.size()); ++i)
            std::cerr << (i ? ", " : "") << data.persons[c.index_cases[i]];
        if (c.index_cases.size() > named)
            std::cerr << " and " << c.index_cases.size() - named << " more";
        std::cerr << "): linked outbreaks\n";
    }
    if (!flag_option(vm, opt::quiet)) {
        std::size_t linked = 0;
        for (const cluster_summary& c : result.clusters)
            if (c.links_outbreaks()) ++linked;
        std::cerr << "ctrace clusters: " << data_text(inputs.loaded) << ", " << record.cases.size()
                  << " cases; " << result.trace.entries.size() << " listed in "
                  << result.clusters.size() << " clusters (largest "
                  << (result.clusters.empty() ? 0 : result.clusters.front().size) << ", " << linked
                  << " linking several index cases); "
                  << written_text(outputs, {opt::out, opt::summary, opt::rejects},
                                  data.parameters.level)
                  << "; " << seconds_text(clock.seconds()) << '\n';
    }
    return exit_ok;
}

} // namespace

command places_command() {
    return {"places", "list the places where index cases were, and who was exposed there",
            run_places, print_places_help, places_options};
}

command rank_command() {
    return {"rank", "rank places as sentinel sites (PageRank on co-visitors)", run_rank,
            print_rank_help, rank_options};
}

command clusters_command() {
    return {"clusters", "split the risk list into transmission clusters", run_clusters,
            print_clusters_help, clusters_options};
}

} // namespace ctrace::cli
