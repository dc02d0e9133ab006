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
    // One option per paragraph reads better than clang-format's packed chain.
    // clang-format off
    const city_parameters city; // the library's defaults
    po::options_description city_options("City");
    city_options.add_options()
        ("persons", po::value<std::int64_t>()->value_name("N"),
         "number of persons (this or --scans is required)")
        ("scans", po::value<std::int64_t>()->value_name("N"),
         "instead of --persons: about N scan rows in all (persons = N / (days * 4))")
        ("places", po::value<std::int64_t>()->value_name("M"),
         "number of places (default: persons / 20, at least 20)")
        ("days", po::value<std::int64_t>()->default_value(city.days)->value_name("D"),
         "number of days")
        ("start", po::value<std::string>()->default_value(format_time(city.start, city.tz)),
         "local midnight of the first day")
        ("tz", po::value<std::string>()->default_value(format_utc_offset(city.tz)),
         "the city's UTC offset (weekends, times in cases.csv)")
        ("seed", po::value<std::int64_t>()->default_value(static_cast<std::int64_t>(city.seed))
             ->value_name("S"),
         "random seed: the same options give the same files")
        ("cases", po::value<std::int64_t>()->default_value(city.cases)->value_name("K"),
         "index cases written to cases.csv")
        ("case-days", po::value<std::int64_t>()->default_value(city.recent_case_days)
             ->value_name("N"),
         "infectious windows of the cases start within the last N days")
        ("checkout-share", po::value<double>()->default_value(city.checkout_share,
                                                              shortest_text(city.checkout_share))
             ->value_name("X"),
         "share of scans with a check-out time");
    po::options_description output("Output");
    output.add_options()
        ("out", po::value<std::string>()->value_name("DIR"),
         "folder for scans.csv, places.csv and cases.csv, created if missing (required)")
        ("order", po::value<std::string>()->default_value("time")->value_name("time|shuffled"),
         "row order of scans.csv: 'time' (as a server log) or 'shuffled' (all rows in a "
         "uniformly random order, as an unordered dump; needs about 24 bytes per row of "
         "temporary disk space in DIR)")
        ("ids", po::value<std::string>()->default_value("short")->value_name("short|resident|hex"),
         "id style: 'short' (P0000001, M00001), 'resident' (18-character resident identity "
         "numbers with check character, at most 179706000 persons; places DL and 10 digits) or "
         "'hex' (64 hex digits like HMAC-SHA-256 pseudonyms; places DL and 10 digits)")
        ("quiet,q", po::bool_switch(), "no summary line on stderr");
    // clang-format on
    po::options_description all;
    all.add(city_options).add(output);
    all.add(common_option_descriptions());
    return all;
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
    const std::string& value = vm["order"].as<std::string>();
    if (value == "time") return row_order::time;
    if (value == "shuffled") return row_order::shuffled;
    throw input_error("--order: must be time or shuffled, not '" + value + "'");
}

id_style ids_option(const po::variables_map& vm) {
    const std::string& value = vm["ids"].as<std::string>();
    if (value == "short") return id_style::short_ids;
    if (value == "resident") return id_style::resident;
    if (value == "hex") return id_style::hex;
    throw input_error("--ids: must be short, resident or hex, not '" + value + "'");
}

/// An integer option within [low, high], named in the error.
std::int64_t integer_option(const po::variables_map& vm, const char* name, std::int64_t low,
                            std::int64_t high) {
    const std::int64_t value = vm[name].as<std::int64_t>();
    if (value < low || value > high)
        throw input_error(std::string("--") + name + ": must be between " + std::to_string(low) +
                          " and " + std::to_string(high) + ", not " + std::to_string(value));
    return value;
}

int run_gen(const std::vector<std::string>& args) {
    const po::variables_map vm = parse(args, gen_options());
    if (vm.count("help")) {
        print_gen_help();
        return exit_ok;
    }
    const stopwatch clock;
    if (!vm.count("out")) throw input_error("--out is required");
    if (vm.count("persons") == vm.count("scans"))
        throw input_error("give exactly one of --persons and --scans");

    city_parameters parameters;
    parameters.days = static_cast<std::uint32_t>(integer_option(vm, "days", 1, 36600));
    constexpr std::int64_t max_persons = std::numeric_limits<std::uint32_t>::max() - 1;
    if (vm.count("persons")) {
        parameters.persons =
            static_cast<std::uint64_t>(integer_option(vm, "persons", 1, max_persons));
    } else {
        const auto scans = static_cast<std::uint64_t>(
            integer_option(vm, "scans", 1, std::numeric_limits<std::int64_t>::max()));
        parameters.persons = persons_for_scans(scans, parameters.days);
        if (parameters.persons > static_cast<std::uint64_t>(max_persons))
            throw input_error("--scans: too many scans for the number of days");
    }
    parameters.places =
        vm.count("places")
            ? static_cast<std::uint32_t>(integer_option(vm, "places", 1, max_persons))
            : default_places(parameters.persons);
    parameters.tz = tz_option(vm);
    parameters.start = time_option(vm, "start", parameters.tz);
    parameters.seed = static_cast<std::uint64_t>(vm["seed"].as<std::int64_t>());
    parameters.cases = static_cast<std::uint32_t>(integer_option(vm, "cases", 0, max_persons));
    parameters.recent_case_days =
        static_cast<std::uint32_t>(integer_option(vm, "case-days", 1, 36600));
    parameters.checkout_share = vm["checkout-share"].as<double>();
    if (!(parameters.checkout_share >= 0 && parameters.checkout_share <= 1))
        throw input_error("--checkout-share: must be between 0 and 1");
    parameters.order = order_option(vm);
    parameters.ids = ids_option(vm);
    if (parameters.ids == id_style::resident && parameters.persons > max_resident_persons)
        throw input_error("--ids resident: at most " + std::to_string(max_resident_persons) +
                          " persons, not " + std::to_string(parameters.persons));

    const std::filesystem::path folder = vm["out"].as<std::string>();
    create_output_folders(folder);

    const city_summary summary = generate_city(parameters, folder);
    if (!vm["quiet"].as<bool>()) {
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
