// `ctrace gen`: a synthetic city's scans, places and cases, for demos and benchmarks.

#include "commands.hpp"
#include "ctrace/core/atomic_file.hpp"
#include "ctrace/core/error.hpp"
#include "ctrace/gen/generate.hpp"
#include "exit_status.hpp"
#include "options.hpp"
#include "progress.hpp"

#include <filesystem>
#include <iostream>
#include <limits>

namespace ctrace::cli {

namespace {

po::options_description gen_options() {
    return options_for(
        cmd::gen,
        {{"City", {section::city}}, {"Output", {section::own, section::quiet}}, section::general});
}

void print_gen_help() {
    std::cout
        << "Usage: ctrace gen (--persons N | --scans N) [--places M] [--days D] --out DIR "
           "[options]\n\n"
           "Writes a synthetic city (no real person or place) into DIR: scans.csv\n"
           "(person,place,time,leave), places.csv (place,name,category,district,lat,lon,dwell)\n"
           "and cases.csv (person,from,to,onset; onset = from + 4d), ready for 'ctrace trace'\n"
           "and 'ctrace sources'. Households, workplaces, schools, bus lines and venues with\n"
           "heavy-tailed popularity give about 4 scans per person and day; about 30% have a\n"
           "check-out, some are re-scans or duplicates.\n"
           "Rows are in time order or (--order shuffled) in a random order; ids are short\n"
           "(P0000001) or (--ids) look like resident identity numbers or hex pseudonyms.\n"
        << gen_options()
        << "\nExit status: 0 ok, 2 bad options, 74 the folder or a file in it could not be\n"
           "written, 1 internal error.\n";
}

row_order order_option(const po::variables_map& vm) {
    const std::string& value = text_option(vm, opt::order);
    if (value == "time") return row_order::time;
    if (value == "shuffled") return row_order::shuffled;
    throw input_error("--order: must be time or shuffled, not '" + value + "'");
}

id_style ids_option(const po::variables_map& vm) {
    const std::string& value = text_option(vm, opt::ids);
    if (value == "short") return id_style::short_ids;
    if (value == "resident") return id_style::resident;
    if (value == "hex") return id_style::hex;
    throw input_error("--ids: must be short, resident or hex, not '" + value + "'");
}

int run_gen(const std::vector<std::string>& args) {
    const po::variables_map vm = parse(args, gen_options());
    if (has(vm, opt::help)) {
        print_gen_help();
        return exit_ok;
    }
    const stopwatch clock;
    if (!has(vm, opt::out)) throw input_error("--out is required");
    if (has(vm, opt::persons) == has(vm, opt::scans))
        throw input_error("give exactly one of --persons and --scans");

    city_parameters parameters;
    parameters.days = static_cast<std::uint32_t>(integer_option(vm, opt::days, 1, 36600));
    constexpr std::int64_t max_persons = std::numeric_limits<std::uint32_t>::max() - 1;
    if (has(vm, opt::persons)) {
        parameters.persons =
            static_cast<std::uint64_t>(integer_option(vm, opt::persons, 1, max_persons));
    } else {
        const auto scans = static_cast<std::uint64_t>(
            integer_option(vm, opt::scans, 1, std::numeric_limits<std::int64_t>::max()));
        parameters.persons = persons_for_scans(scans, parameters.days);
        if (parameters.persons > static_cast<std::uint64_t>(max_persons))
            throw input_error("--scans: too many scans for the number of days");
    }
    parameters.places =
        has(vm, opt::places)
            ? static_cast<std::uint32_t>(integer_option(vm, opt::places, 1, max_persons))
            : default_places(parameters.persons);
    parameters.tz = tz_option(vm);
    parameters.start = time_option(vm, opt::start, parameters.tz);
    parameters.seed = static_cast<std::uint64_t>(integer_option(vm, opt::seed));
    parameters.cases = static_cast<std::uint32_t>(integer_option(vm, opt::cases, 0, max_persons));
    parameters.recent_case_days =
        static_cast<std::uint32_t>(integer_option(vm, opt::case_days, 1, 36600));
    parameters.checkout_share = real_option(vm, opt::checkout_share);
    if (!(parameters.checkout_share >= 0 && parameters.checkout_share <= 1))
        throw input_error("--checkout-share: must be between 0 and 1");
    parameters.order = order_option(vm);
    parameters.ids = ids_option(vm);
    if (parameters.ids == id_style::resident && parameters.persons > max_resident_persons)
        throw input_error("--ids resident: at most " + std::to_string(max_resident_persons) +
                          " persons, not " + std::to_string(parameters.persons));

    const std::filesystem::path folder = text_option(vm, opt::out);
    create_output_folders(folder);

    const city_summary summary = generate_city(parameters, folder);
    if (!flag_option(vm, opt::quiet)) {
        const double seconds = clock.seconds();
        std::cerr << "ctrace gen: " << summary.scan_rows << " scan rows, " << summary.persons
                  << " persons, " << summary.places << " places, " << summary.cases
                  << " cases written to " << folder.string() << " (" << std::fixed;
        std::cerr.precision(1);
        std::cerr << static_cast<double>(summary.bytes) / 1e6 << " MB); ";
        std::cerr.precision(2);
        std::cerr << seconds << " s";
        std::cerr.precision(0);
        if (seconds > 0)
            std::cerr << " (" << static_cast<double>(summary.scan_rows) / seconds << " rows/s)";
        std::cerr << '\n';
    }
    return exit_ok;
}

} // namespace

command gen_command() {
    return {"gen", "generate a synthetic city: scans, places and cases", run_gen, print_gen_help,
            gen_options};
}

} // namespace ctrace::cli
