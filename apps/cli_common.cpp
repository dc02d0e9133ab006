#include "cli_common.hpp"

#include "ctrace/atomic_file.hpp"
#include "ctrace/cases.hpp"
#include "ctrace/csv.hpp"
#include "ctrace/error.hpp"
#include "ctrace/graph.hpp"
#include "ctrace/store.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <iostream>
#include <unistd.h>

namespace ctrace::cli {

namespace {

/// Appends `text` as a JSON string (quotes, backslashes and control
/// characters escaped; UTF-8 passes through).
void add_json_string(std::string& out, std::string_view text) {
    out.push_back('"');
    for (const char c : text) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) {
                char escaped[8];
                std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
                out += escaped;
            } else {
                out.push_back(c);
            }
        }
    }
    out.push_back('"');
}

} // namespace

int exit_status_for(const std::exception& e) noexcept {
    if (dynamic_cast<const store_busy_error*>(&e) != nullptr) return exit_busy;
    if (dynamic_cast<const input_error*>(&e) != nullptr) return exit_bad_input;
    if (dynamic_cast<const po::error*>(&e) != nullptr) return exit_bad_input;
    return exit_internal;
}

int guarded(const char* command_name, const std::function<int()>& body) {
    try {
        return body();
    } catch (const bad_rows_error& e) {
        std::cerr << e.report() << "ctrace " << command_name << ": " << e.what()
                  << "; nothing written\n";
        return exit_status_for(e);
    } catch (const input_error& e) {
        std::cerr << "ctrace " << command_name << ": " << e.what() << '\n';
        return exit_status_for(e);
    } catch (const store_busy_error& e) {
        std::cerr << "ctrace " << command_name << ": " << e.what() << "; try again later\n";
        return exit_status_for(e);
    } catch (const po::error& e) {
        std::cerr << "ctrace " << command_name << ": " << e.what() << " (see 'ctrace help "
                  << command_name << "')\n";
        return exit_status_for(e);
    } catch (const std::bad_alloc&) {
        std::cerr << "ctrace " << command_name << ": out of memory\n";
        return exit_internal;
    } catch (const std::exception& e) {
        std::cerr << "ctrace " << command_name << ": internal error: " << e.what() << '\n';
        return exit_status_for(e);
    }
}

void json_line::key(std::string_view name) {
    if (text_.size() > 1) text_.push_back(',');
    add_json_string(text_, name);
    text_.push_back(':');
}

json_line& json_line::add(std::string_view name, std::string_view value) {
    key(name);
    add_json_string(text_, value);
    return *this;
}

json_line& json_line::add(std::string_view name, std::int64_t value) {
    key(name);
    text_ += std::to_string(value);
    return *this;
}

json_line& json_line::add(std::string_view name, std::uint64_t value) {
    key(name);
    text_ += std::to_string(value);
    return *this;
}

json_line& json_line::add(std::string_view name, double value) {
    key(name);
    char buffer[32];
    const int n = std::snprintf(buffer, sizeof buffer, "%.3f", value);
    text_.append(buffer, static_cast<std::size_t>(n));
    return *this;
}

void append_line(const std::string& path, const std::string& line) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) throw io_error(path + ": cannot open the log: " + std::strerror(errno));
    const ssize_t written = ::write(fd, line.data(), line.size());
    const int write_errno = errno;
    ::close(fd);
    if (written != static_cast<ssize_t>(line.size()))
        throw io_error(path + ": cannot append to the log: " + std::strerror(write_errno));
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

std::string seconds_text(double seconds) {
    std::ostringstream out;
    out.precision(2);
    out << std::fixed << seconds << " s";
    return out.str();
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
        ("scans", po::value<std::vector<std::string>>()->value_name("FILE")->composing(),
         "scan log CSV: person, place, time [, leave]; give it again to read several "
         "dumps as one, in that order")
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
    inputs.add(pseudonymize_option_description());
    // clang-format on
    return inputs;
}

po::options_description pseudonymize_option_description() {
    po::options_description privacy("Privacy");
    privacy.add_options()(
        "pseudonymize", po::value<std::string>()->value_name("KEYFILE"),
        "replace every person id by its HMAC-SHA-256 under the key in KEYFILE (at least 16 "
        "bytes) before anything is written; case ids are mapped with the same key");
    return privacy;
}

std::shared_ptr<const pseudonymizer> pseudonymizer_from(const po::variables_map& vm) {
    if (!vm.count("pseudonymize")) return nullptr;
    return std::make_shared<const pseudonymizer>(
        pseudonymizer::from_key_file(vm["pseudonymize"].as<std::string>()));
}

void match_pseudonyms(const char* command_name, const std::string& source, snapshot& data,
                      const pseudonymizer* key) {
    const std::string& stored = data.parameters.pseudonym_key;
    if (key == nullptr) {
        if (!stored.empty())
            std::cerr << "ctrace " << command_name << ": note: " << source
                      << " holds pseudonymised person ids (key fingerprint " << stored
                      << "): case ids match only as pseudonyms; give --pseudonymize KEYFILE to "
                         "use real case ids\n";
        return;
    }
    if (stored.empty()) {
        key->apply(data.persons);
        data.parameters.pseudonym_key = key->fingerprint();
    } else if (stored != key->fingerprint()) {
        throw input_error(source + ": pseudonymised with another key (fingerprint " + stored +
                          ", given " + key->fingerprint() + ")");
    }
}

po::options_description tracing_option_descriptions() {
    po::options_description tracing("Tracing (durations: seconds or NdNhNmNs; times: epoch "
                                    "seconds or ISO 8601)");
    // clang-format off
    tracing.add_options()
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
         "infectious window start before onset, for cases without 'from'");
    // clang-format on
    return tracing;
}

trace_parameters trace_parameters_from(const po::variables_map& vm, utc_offset tz) {
    trace_parameters parameters;
    parameters.min_overlap = duration_option(vm, "min-overlap");
    const std::int64_t hops = vm["hops"].as<std::int64_t>();
    if (hops < 0 || hops > 1'000'000)
        throw input_error("--hops: must be between 0 and 1000000, not " + std::to_string(hops));
    parameters.hops = static_cast<std::uint32_t>(hops);
    parameters.latency = duration_option(vm, "latency");
    if (vm.count("until")) parameters.until = time_option(vm, "until", tz);
    parameters.quarantine = duration_option(vm, "quarantine");
    return parameters;
}

prepared_cases read_cases_for_trace(const po::variables_map& vm, utc_offset tz,
                                    const std::string& cases_path, bool digest) {
    prepared_cases prepared;
    trace_record& record = prepared.record;
    record.tz = tz;
    record.parameters = trace_parameters_from(vm, tz);
    record.lookback = duration_option(vm, "lookback");
    case_read_options case_options;
    case_options.tz = tz;
    case_options.lookback = record.lookback;
    case_options.until = record.parameters.until;
    prepared.pseudonyms = pseudonymizer_from(vm);
    record.cases = read_cases(std::filesystem::path(cases_path), prepared.case_ids, case_options);
    record.inputs.push_back(describe_input("cases", cases_path, record.cases.size(), digest));
    return prepared;
}

person_place_graph attach_cases(snapshot& data, prepared_cases& prepared) {
    std::vector<std::string> ids;
    for (const index_case& c : prepared.record.cases) {
        const std::string_view id = prepared.case_ids[c.person];
        ids.push_back(prepared.pseudonyms ? prepared.pseudonyms->pseudonym(id) : std::string(id));
    }
    const std::vector<std::string_view> views(ids.begin(), ids.end());
    const std::vector<person_index> indices = data.persons.intern_few(views);
    for (std::size_t k = 0; k < indices.size(); ++k)
        prepared.record.cases[k].person = indices[k];
    return build_person_place_graph(data.stays, data.persons.size());
}

void trace_cases(snapshot& data, prepared_cases& prepared,
                 const std::function<void()>& graph_built) {
    trace_record& record = prepared.record;
    const person_place_graph graph = attach_cases(data, prepared);
    if (graph_built) graph_built();
    record.result =
        trace(data.stays, graph, data.persons, data.places, record.cases, record.parameters);
}

void warn_cases_without_stays(const char* command_name, const id_table& persons,
                              std::span<const person_index> cases, std::string_view rest) {
    for (const person_index p : cases)
        std::cerr << "ctrace " << command_name << ": warning: index case '" << persons[p]
                  << "' has no scans" << rest << '\n';
}

po::options_description snapshot_option_description() {
    po::options_description snapshot("Snapshot");
    snapshot.add_options()("snapshot", po::value<std::string>()->value_name("FILE.h5"),
                           "read the stays from this snapshot (from 'ctrace snapshot') "
                           "instead of --scans");
    return snapshot;
}

void check_data_options(const po::variables_map& vm) {
    const bool from_snapshot = vm.count("snapshot") > 0;
    if (from_snapshot && vm.count("scans"))
        throw input_error("give either --scans or --snapshot, not both");
    if (!from_snapshot && !vm.count("scans"))
        throw input_error("--scans (or --snapshot) is required");
    if (!from_snapshot) return;
    for (const char* ignored : {"places", "rejects"})
        if (vm.count(ignored))
            throw input_error(std::string("--") + ignored +
                              " does not apply with --snapshot (its stays are already made)");
    if (vm["skip-bad"].as<bool>() || !vm["dwell"].defaulted())
        throw input_error("--skip-bad and --dwell do not apply with --snapshot");
}

loaded_data load_data(const char* command_name, const po::variables_map& vm,
                      progress_reporter& progress, bool digests, std::vector<input_file>* inputs) {
    check_data_options(vm);
    loaded_data loaded;
    loaded.from_snapshot = vm.count("snapshot") > 0;
    if (loaded.from_snapshot) {
        const std::string path = vm["snapshot"].as<std::string>();
        loaded.ingested.data = read_snapshot(path);
        match_pseudonyms(command_name, path, loaded.ingested.data, pseudonymizer_from(vm).get());
        if (inputs != nullptr)
            inputs->push_back(
                describe_input("snapshot", path, loaded.ingested.data.rows_read, digests));
    } else {
        loaded.ingested = ingest(ingest_options_from(vm, progress, digests));
    }
    progress.done();
    return loaded;
}

staged_output::staged_output(const std::string& path) {
    if (path != "-") file_.emplace(path);
}

std::ostream& staged_output::stream() {
    return file_ ? file_->stream() : buffer_;
}

void staged_output::close() {
    if (file_) file_->close();
}

void staged_output::commit() {
    if (file_) {
        file_->commit();
        return;
    }
    const std::string text = std::move(buffer_).str();
    std::cout.write(text.data(), static_cast<std::streamsize>(text.size()));
    std::cout.flush();
    if (!std::cout) throw io_error("stdout: write failed");
}

ingest_options ingest_options_from(const po::variables_map& vm, progress_reporter& progress,
                                   bool digests) {
    ingest_options options;
    if (!vm.count("scans")) throw input_error("--scans is required");
    std::uint64_t total = 0;
    for (const std::string& scans : vm["scans"].as<std::vector<std::string>>()) {
        options.scans.emplace_back(scans);
        total += file_size_or_zero(scans);
    }
    if (vm.count("places")) options.places = vm["places"].as<std::string>();
    options.read.tz = tz_option(vm);
    options.read.default_dwell = duration_option(vm, "dwell");
    options.read.skip_bad = vm["skip-bad"].as<bool>();
    const std::int64_t threads = vm["threads"].as<std::int64_t>();
    if (threads < 0 || threads > 1024)
        throw input_error("--threads: must be between 0 (one per core) and 1024, not " +
                          std::to_string(threads));
    options.read.threads = static_cast<unsigned>(threads);
    options.read.progress = [&progress, total](std::uint64_t done) {
        progress.bytes("reading scans", done, total);
    };
    options.digests = digests;
    options.pseudonyms = pseudonymizer_from(vm);
    return options;
}

void stage_rejects(const po::variables_map& vm, const std::vector<bad_row>& rejects,
                   std::optional<atomic_file>& file) {
    if (!vm.count("rejects")) return;
    file.emplace(vm["rejects"].as<std::string>());
    const std::string buffer =
        rejects_csv(rejects, vm["scans"].as<std::vector<std::string>>().size() > 1);
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
