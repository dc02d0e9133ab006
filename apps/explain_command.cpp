// `ctrace explain`: the chain back to an index case of each person asked,
// from a risk list or a traced snapshot.

#include "commands.hpp"
#include "ctrace/explain.hpp"
#include "exit_status.hpp"
#include "options.hpp"
#include "outputs.hpp"

#include <iostream>

namespace ctrace::cli {

namespace {

po::options_description explain_options() {
    po::options_description own("Explain");
    // clang-format off
    own.add_options()
        ("risk", po::value<std::string>()->value_name("FILE"),
         "a risk list CSV as 'ctrace trace' or 'ctrace daily' writes it")
        ("snapshot", po::value<std::string>()->value_name("FILE.h5"),
         "or a snapshot with a trace (from 'ctrace trace --hdf5', or daily's risk-DATE.h5)")
        ("person", po::value<std::vector<std::string>>()->value_name("ID"),
         "a listed person to explain (required; give it again for more persons)")
        ("format", po::value<std::string>()->default_value("text")->value_name("FORM"),
         "text (one line per step, persons separated by a blank line) or csv (one row per "
         "step: asked, step, person, hop, code, first_exposure, last_exposure, "
         "exposure_seconds, via_person, via_place)")
        ("out", po::value<std::string>()->default_value("-")->value_name("FILE"),
         "file to write, '-' for stdout")
        ("xlsx", po::value<std::string>()->value_name("FILE.xlsx"),
         "also write the steps as an Excel workbook: the rows of --format csv (see "
         "docs/excel.md)");
    // clang-format on
    own.add(output_format_option_descriptions()).add(lang_option_description());
    own.add(common_option_descriptions());
    return own;
}

void print_explain_help() {
    std::cout
        << "Usage: ctrace explain (--risk FILE | --snapshot FILE.h5) --person ID [--person ID "
           "...]\n"
           "                      [--format text|csv] [--out FILE] [--xlsx FILE.xlsx [--lang "
           "en|zh]]\n\n"
           "Shows why each person asked is on the risk list: who first exposed them, where\n"
           "and when, then how that person was exposed in turn, down to the index case. One\n"
           "step per hop: a person at hop k has k + 1 lines. The evidence to review when\n"
           "someone appeals their health code. Example, on the tiny example's list:\n\n"
           "  $ ctrace explain --risk risk.csv --person G\n"
           "  G (hop 3, yellow): first exposed at B03 by D, 2022-04-20T09:20:00+08:00 to "
           "2022-04-20T10:00:00+08:00, 2400 s in all\n"
           "  D (hop 2, yellow): first exposed at R02 by B, 2022-04-19T13:00:00+08:00 to "
           "2022-04-19T14:00:00+08:00, 3600 s in all\n"
           "  B (hop 1, red): first exposed at M01 by C1, 2022-04-19T11:00:00+08:00 to "
           "2022-04-19T12:00:00+08:00, 3600 s in all\n"
           "  C1 (hop 0, red): index case\n\n"
           "The interval runs from the first exposure to the last, over every source; the\n"
           "seconds are the time actually shared with them. Times are in the list's zone.\n\n"
        << explain_options()
        << "\n--bom applies to --format csv. Nothing is written unless every person asked is\n"
           "listed and their chains are whole.\n"
           "Exit status: 0 ok, 2 bad input or usage (a person not listed, a broken chain, a\n"
           "snapshot without a trace, a bad row; nothing written), 74 the output could not be\n"
           "written (nothing written), 1 internal error.\n";
}

int run_explain(const std::vector<std::string>& args) {
    const po::variables_map vm = parse(args, explain_options());
    if (vm.count("help")) {
        print_explain_help();
        return exit_ok;
    }
    const bool from_risk = vm.count("risk") > 0;
    if (from_risk == (vm.count("snapshot") > 0))
        throw input_error("give the list to explain: --risk FILE or --snapshot FILE.h5 (one)");
    if (!vm.count("person")) throw input_error("--person is required (a listed person's id)");
    const auto persons = vm["person"].as<std::vector<std::string>>();
    const explanation_format format = explanation_format_option(vm);
    check_distinct_outputs(vm, {"out", "xlsx"});

    const risk_listing listing = from_risk ? read_risk_listing(vm["risk"].as<std::string>())
                                           : read_traced_listing(vm["snapshot"].as<std::string>());
    const std::vector<explanation> chains = explain(listing, persons);

    staged_output out(vm["out"].as<std::string>(),
                      format == explanation_format::csv && bom_option(vm));
    out.write([&](std::ostream& s) { write_explanations(s, chains, listing.tz, format); });
    out.close();
    std::optional<xlsx_workbook> workbook;
    stage_xlsx_option(vm, workbook,
                      [&](xlsx_workbook& book) { write_explanations(book, chains, listing.tz); });
    if (workbook) workbook->commit();
    out.commit();
    return exit_ok;
}

} // namespace

command explain_command() {
    return {"explain", "show the chain that put a listed person at risk", run_explain,
            print_explain_help, explain_options};
}

} // namespace ctrace::cli
