#pragma once
// Glue between the options and the library's workflows (ctrace/workflow/pipeline.hpp):
// load the data and read the cases as a command asks, and say on stderr what
// the library notes.

#include "ctrace/workflow/pipeline.hpp"
#include "options.hpp"

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ctrace::cli {

class progress_reporter;

/// Loads the stays of --scans or --snapshot (see `data_source_from`); the
/// library's notes go to stderr.
loaded_data load_data(const char* command_name, const po::variables_map& vm,
                      progress_reporter& progress, bool digests);

/// Reads the cases file with the tracing options of `vm` (first, so that a bad
/// one fails in milliseconds).
prepared_cases read_cases_for_trace(const po::variables_map& vm, utc_offset tz,
                                    const std::string& cases_path, bool digest);

/// For summary lines: "snapshot of N rows" or "N rows read (M rejected)".
std::string rows_text(const loaded_data& loaded);
/// `rows_text`, then ", S stays, P persons, L places, C cases" (P: the
/// persons with stays, as counted before the cases were attached).
std::string traced_data_text(const loaded_data& loaded, std::size_t persons_with_stays,
                             std::size_t cases);

/// Prints each note as "ctrace COMMAND: note: ... (FLAG)".
void print_notes(const char* command_name, const std::vector<data_note>& notes);

/// Warns on stderr about each of `cases` (those without a stay, as
/// `trace_result::cases_without_stays` lists them): "index case 'ID' has no
/// scans" followed by `rest` (e.g. " in the store; listed without contacts").
void warn_cases_without_stays(const char* command_name, const id_table& persons,
                              std::span<const person_index> cases, std::string_view rest);

} // namespace ctrace::cli
