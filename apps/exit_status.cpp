#include "exit_status.hpp"

#include "ctrace/error.hpp"
#include "ctrace/store.hpp"

#include <boost/program_options/errors.hpp>
#include <iostream>
#include <new>
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

std::string_view flag_of(std::string_view parameter) {
    static constexpr std::pair<std::string_view, std::string_view> flags[] = {
        {"tz", "--tz"},
        {"default_dwell", "--dwell"},
        {"pseudonyms", "--pseudonymize"},
        {"snapshot", "--snapshot"},
        {"contact_level", "--contact-level"},
        {"quarantine", "--quarantine"},
        {"monitoring", "--monitoring"},
        {"incubation_min", "--incubation-min"},
        {"incubation_max", "--incubation-max"},
        {"min_cases", "--min-cases"},
        {"linger", "--linger"},
    };
    for (const auto& [name, flag] : flags)
        if (name == parameter) return flag;
    return {};
}

std::string message_for(const std::exception& e) {
    if (const auto* p = dynamic_cast<const parameter_error*>(&e)) {
        const std::string_view flag = flag_of(p->parameter());
        if (!flag.empty()) return std::string(flag) + ": " + e.what();
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
