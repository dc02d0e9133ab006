#include "data_loading.hpp"

#include "exit_status.hpp"
#include "progress.hpp"

#include <iostream>

namespace ctrace::cli {

loaded_data load_data(const char* command_name, const po::variables_map& vm,
                      progress_reporter& progress, bool digests) {
    loaded_data loaded = ctrace::load_data(data_source_from(vm, progress, digests));
    progress.done();
    print_notes(command_name, loaded.notes);
    return loaded;
}

prepared_cases read_cases_for_trace(const po::variables_map& vm, utc_offset tz,
                                    const std::string& cases_path, bool digest) {
    return read_index_cases(trace_request_from(vm, tz, cases_path, digest));
}

void print_notes(const char* command_name, const std::vector<data_note>& notes) {
    for (const data_note& note : notes) {
        std::cerr << "ctrace " << command_name << ": note: " << note.text;
        if (const std::string_view flag = flag_of(note.parameter); !flag.empty())
            std::cerr << " (" << flag << ")";
        std::cerr << '\n';
    }
}

void warn_cases_without_stays(const char* command_name, const id_table& persons,
                              std::span<const person_index> cases, std::string_view rest) {
    for (const person_index p : cases)
        std::cerr << "ctrace " << command_name << ": warning: index case '" << persons[p]
                  << "' has no scans" << rest << '\n';
}

} // namespace ctrace::cli
