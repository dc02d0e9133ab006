#include "cli_common.hpp"

#include "ctrace/atomic_file.hpp"
#include "ctrace/csv.hpp"
#include "ctrace/error.hpp"

#include <filesystem>
#include <iostream>
#include <unistd.h>

namespace ctrace::cli {

int guarded(const char* command_name, const std::function<int()>& body) {
    try {
        return body();
    } catch (const bad_rows_error& e) {
        std::cerr << e.report() << "ctrace " << command_name << ": " << e.what()
                  << "; nothing written\n";
        return exit_bad_input;
    } catch (const input_error& e) {
        std::cerr << "ctrace " << command_name << ": " << e.what() << '\n';
        return exit_bad_input;
    } catch (const po::error& e) {
        std::cerr << "ctrace " << command_name << ": " << e.what() << " (see 'ctrace help "
                  << command_name << "')\n";
        return exit_bad_input;
    } catch (const std::bad_alloc&) {
        std::cerr << "ctrace " << command_name << ": out of memory\n";
        return exit_internal;
    } catch (const std::exception& e) {
        std::cerr << "ctrace " << command_name << ": internal error: " << e.what() << '\n';
        return exit_internal;
    }
}

po::variables_map parse(const std::vector<std::string>& args,
                        const po::options_description& options) {
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(options).run(), vm);
    po::notify(vm);
    return vm;
}

namespace {
template <typename F>
auto with_option_name(const char* name, const std::string& text, F&& parse_value) {
    try {
        return parse_value(text);
    } catch (const parse_error& e) {
        throw input_error(std::string("--") + name + ": " + e.what());
    }
}
} // namespace

duration duration_option(const po::variables_map& vm, const char* name) {
    return with_option_name(name, vm[name].as<std::string>(),
                            [](const std::string& t) { return parse_duration(t); });
}

time_point time_option(const po::variables_map& vm, const char* name, utc_offset tz) {
    return with_option_name(name, vm[name].as<std::string>(),
                            [tz](const std::string& t) { return parse_time(t, tz); });
}

utc_offset tz_option(const po::variables_map& vm) {
    return with_option_name("tz", vm["tz"].as<std::string>(),
                            [](const std::string& t) { return parse_utc_offset(t); });
}

progress_reporter::progress_reporter(const char* command_name, bool quiet)
    : command_name_(command_name), enabled_(!quiet && ::isatty(STDERR_FILENO) == 1) {}

void progress_reporter::bytes(const char* what, std::uint64_t done, std::uint64_t total) {
    if (!enabled_) return;
    std::cerr << "\rctrace " << command_name_ << ": " << what << ' ' << (done >> 20) << " MiB";
    if (total > 0) std::cerr << " of " << (total >> 20) << " MiB (" << done * 100 / total << "%)";
    std::cerr << "   " << std::flush;
    dirty_ = true;
}

void progress_reporter::done() {
    if (dirty_) std::cerr << "\r\033[K" << std::flush;
    dirty_ = false;
}

std::uint64_t file_size_or_zero(const std::string& path) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    return ec ? 0 : size;
}

std::string required(const po::variables_map& vm, const char* name) {
    if (!vm.count(name)) throw input_error(std::string("--") + name + " is required");
    return vm[name].as<std::string>();
}

po::options_description ingest_option_descriptions() {
    po::options_description inputs("Scan data");
    // clang-format off
    inputs.add_options()
        ("scans", po::value<std::string>()->value_name("FILE"),
         "scan log CSV: person, place, time [, leave]")
        ("places", po::value<std::string>()->value_name("FILE"),
         "places CSV: place [, dwell, category, name, district, lat, lon]")
        ("dwell", po::value<std::string>()->default_value("60m"),
         "stay length of a scan without check-out, unless the place has its own dwell")
        ("tz", po::value<std::string>()->default_value("+00:00"),
         "UTC offset of times without one, and of the times written")
        ("threads", po::value<std::int64_t>()->default_value(0)->value_name("N"),
         "threads reading the scans (0 = one per core); large sorts use every core")
        ("skip-bad", po::bool_switch(), "leave bad scan rows out instead of stopping")
        ("rejects", po::value<std::string>()->value_name("FILE"),
         "with --skip-bad: write the rows left out here (CSV line,reason,raw)");
    // clang-format on
    return inputs;
}

ingest_options ingest_options_from(const po::variables_map& vm, progress_reporter& progress,
                                   bool digests) {
    ingest_options options;
    const std::string scans = required(vm, "scans");
    options.scans = scans;
    if (vm.count("places")) options.places = vm["places"].as<std::string>();
    options.read.tz = tz_option(vm);
    options.read.default_dwell = duration_option(vm, "dwell");
    options.read.skip_bad = vm["skip-bad"].as<bool>();
    const std::int64_t threads = vm["threads"].as<std::int64_t>();
    if (threads < 0 || threads > 1024)
        throw input_error("--threads: must be between 0 (one per core) and 1024, not " +
                          std::to_string(threads));
    options.read.threads = static_cast<unsigned>(threads);
    const std::uint64_t total = file_size_or_zero(scans);
    options.read.progress = [&progress, total](std::uint64_t done) {
        progress.bytes("reading scans", done, total);
    };
    options.digests = digests;
    return options;
}

void stage_rejects(const po::variables_map& vm, const std::vector<bad_row>& rejects,
                   std::optional<atomic_file>& file) {
    if (!vm.count("rejects")) return;
    file.emplace(vm["rejects"].as<std::string>());
    std::string buffer = "line,reason,raw\n";
    for (const bad_row& row : rejects) {
        buffer += std::to_string(row.line);
        buffer.push_back(',');
        append_csv_field(buffer, row.reason);
        buffer.push_back(',');
        append_csv_field(buffer, row.raw);
        buffer.push_back('\n');
    }
    file->stream() << buffer;
    file->close();
}

void report_rejects(const char* command_name, const po::variables_map& vm,
                    const std::vector<bad_row>& rejects) {
    if (rejects.empty()) return;
    std::cerr << "ctrace " << command_name << ": " << rejects.size() << " bad scan rows skipped"
              << (vm.count("rejects") ? " (written to " + vm["rejects"].as<std::string>() + ")"
                                      : std::string())
              << '\n';
}

} // namespace ctrace::cli
