#include "exit_status.hpp"

#include "ctrace/core/error.hpp"
#include "ctrace/io/reading_hints.hpp"
#include "ctrace/storage/store.hpp"
#include "options.hpp"

#include <boost/program_options/errors.hpp>
#include <iostream>
#include <new>
#include <optional>
#include <string_view>
#include <utility>

namespace ctrace::cli {

namespace {
const char* current_program_name = "ctrace";
} // namespace

const char* program_name() noexcept {
    return current_program_name;
}
void set_program_name(const char* name) noexcept {
    current_program_name = name;
}

std::string flag_of(std::string_view parameter) {
    static constexpr std::pair<std::string_view, opt> flags[] = {
        {"tz", opt::tz},
        {"default_dwell", opt::dwell},
        {"pseudonyms", opt::pseudonymize},
        {"snapshot", opt::snapshot},
        {"contact_level", opt::contact_level},
        {"quarantine", opt::quarantine},
        {"monitoring", opt::monitoring},
        {"incubation_min", opt::incubation_min},
        {"incubation_max", opt::incubation_max},
        {"min_cases", opt::min_cases},
        {"linger", opt::linger},
        {"stay_end", opt::stay_end},
        {"companion_window", opt::companion_window},
        {"zone_quiet", opt::zone_quiet},
        {"screening", opt::screening},
        {"lang", opt::lang},
    };
    for (const auto& [name, option] : flags)
        if (name == parameter) return flag(option);
    return {};
}

namespace {

/// How to give an encoding: for every input, or for one.
std::string encoding_advice(const std::string& encoding) {
    if (encoding == "gb18030")
        return "give --encoding gb18030 (or --scans-encoding, --cases-encoding or "
               "--places-encoding gb18030 for this file alone)";
    return "give this file's own encoding with --scans-encoding, --cases-encoding or "
           "--places-encoding " +
           encoding;
}

/// The advice a reading hint gives, in the command line's words.
std::string advice_for(const reading_hint& hint) {
    if (hint.what == reading_hint::kind::encoding)
        return "these rows are not UTF-8 but valid GB18030 (GBK), as Excel and many platforms "
               "save Chinese text: " +
               encoding_advice(hint.encoding);
    std::string samples;
    for (const std::string& sample : hint.samples)
        samples += (samples.empty() ? "'" : ", '") + sample + "'";
    const std::string example = hint.layout.value_or("%d.%m.%Y %H:%M");
    return "the '" + hint.column + "' column holds times like " + samples +
           ", which are none of the default forms (epoch seconds, epoch milliseconds, "
           "YYYYMMDD[HHMM[SS]], ISO 8601 2022-04-05T20:41:00+08:00, 2022/4/5 20:41); " +
           (hint.layout ? "give their layout: --time-format '" + example + "'"
                        : "give their layout with --time-format (strptime-style: %Y %m %d %H %M "
                          "%S %z), e.g. --time-format '" +
                              example + "'");
}

} // namespace

std::string message_for(const std::exception& e) {
    if (const auto* wrong = dynamic_cast<const encoding_error*>(&e))
        return std::string(e.what()) + "; " + encoding_advice(wrong->suggested_encoding());
    if (const auto* p = dynamic_cast<const parameter_error*>(&e)) {
        const std::string flag = flag_of(p->parameter());
        if (!flag.empty()) return flag + ": " + e.what();
    }
    return e.what();
}

int exit_status_for(const std::exception& e) noexcept {
    if (dynamic_cast<const store_busy_error*>(&e) != nullptr) return exit_busy;
    if (dynamic_cast<const output_error*>(&e) != nullptr) return exit_output_failed;
    if (dynamic_cast<const input_error*>(&e) != nullptr) return exit_bad_input;
    if (dynamic_cast<const boost::program_options::error*>(&e) != nullptr) return exit_bad_input;
    return exit_internal;
}

int guarded(const char* command_name, const std::function<int()>& body) {
    const std::string prefix = std::string(program_name()) + " " + command_name + ": ";
    try {
        return body();
    } catch (const bad_rows_error& e) {
        std::cerr << e.report() << prefix << e.what() << "; nothing written\n";
        if (const std::optional<reading_hint> hint = reading_hint_of(e))
            std::cerr << prefix << "hint: " << advice_for(*hint) << '\n';
        return exit_status_for(e);
    } catch (const input_error& e) {
        std::cerr << prefix << message_for(e) << '\n';
        return exit_status_for(e);
    } catch (const output_error& e) {
        std::cerr << prefix << e.what() << '\n';
        return exit_status_for(e);
    } catch (const store_busy_error& e) {
        std::cerr << prefix << e.what() << "; try again later\n";
        return exit_status_for(e);
    } catch (const boost::program_options::error& e) {
        std::cerr << prefix << e.what() << " (see '" << program_name() << " help " << command_name
                  << "')\n";
        return exit_status_for(e);
    } catch (const std::bad_alloc&) {
        std::cerr << prefix << "out of memory\n";
        return exit_internal;
    } catch (const std::exception& e) {
        std::cerr << prefix << "internal error: " << e.what() << '\n';
        return exit_status_for(e);
    }
}

} // namespace ctrace::cli
