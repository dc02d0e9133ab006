#include "data_loading.hpp"

#include "exit_status.hpp"
#include "progress.hpp"

#include <iostream>
#include <sstream>

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

std::string rows_text(const loaded_data& loaded) {
    const dataset& data = loaded.ingested.data;
    std::ostringstream out;
    if (loaded.from_snapshot)
        out << "snapshot of " << data.rows_read << " rows";
    else
        out << data.rows_read << " rows read (" << data.rows_rejected << " rejected)";
    return out.str();
}

std::string traced_data_text(const loaded_data& loaded, std::size_t persons_with_stays,
                             std::size_t cases) {
    const dataset& data = loaded.ingested.data;
    std::ostringstream out;
    const std::size_t stays = loaded.indexed ? loaded.indexed->stays : data.stays.size();
    const std::size_t places = loaded.indexed ? loaded.indexed->places : data.places.size();
    out << rows_text(loaded) << ", " << stays << " stays, " << persons_with_stays << " persons, "
        << places << " places, " << cases << " cases";
    return out.str();
}

void print_notes(const char* command_name, const std::vector<data_note>& notes) {
    for (const data_note& note : notes) {
        std::cerr << program_name() << " " << command_name << ": note: " << note.text;
        if (const std::string flag = flag_of(note.parameter); !flag.empty())
            std::cerr << " (" << flag << ")";
        std::cerr << '\n';
    }
}

void warn_cases_without_stays(const char* command_name, const id_table& persons,
                              std::span<const person_index> cases, std::string_view rest) {
    for (const person_index p : cases)
        std::cerr << program_name() << " " << command_name << ": warning: index case '"
                  << persons[p] << "' has no scans" << rest << '\n';
}

} // namespace ctrace::cli
