#include "outputs.hpp"

#include "ctrace/io/csv.hpp"
#include "ctrace/report/companion_list.hpp"
#include "ctrace/report/risk_list.hpp"
#include "ctrace/report/transmission_tree.hpp"
#include "ctrace/tracing/explain.hpp"
#include "exit_status.hpp"

#include <cctype>
#include <cerrno>
#include <filesystem>
#include <iostream>
#include <utility>
#include <vector>

namespace ctrace::cli {

staged_output::staged_output(const std::string& path, bool bom, bool dash_is_stdout)
    : path_(path == "-" && dash_is_stdout ? "stdout" : path) {
    if (path != "-" || !dash_is_stdout) file_.emplace(path);
    if (bom) stream() << utf8_bom;
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
    errno = 0;
    std::cout.write(text.data(), static_cast<std::streamsize>(text.size()));
    std::cout.flush();
    if (!std::cout)
        throw output_error("stdout", output_error::with_system_reason("cannot write", errno));
}

const std::string* output_options::file(opt option) const {
    const auto given = files.find(option);
    return given == files.end() ? nullptr : &given->second;
}

output_options output_options_from(const po::variables_map& vm) {
    static constexpr opt file_options[] = {
        opt::out,   opt::rejects,        opt::hdf5,          opt::graphml, opt::xlsx,
        opt::links, opt::common_persons, opt::common_places, opt::summary, opt::companions};
    output_options outputs;
    for (const opt option : file_options)
        // --xlsx is a path for most commands and a switch for daily.
        if (const std::string* path = value_if<std::string>(vm, option))
            outputs.files.emplace(option, *path);
    outputs.bom = bom_option(vm);
    if (has(vm, opt::lang)) outputs.lang = lang_option(vm);
    if (const auto* scans = value_if<std::vector<std::string>>(vm, opt::scans))
        outputs.rejects_name_files = scans->size() > 1;
    return outputs;
}

void check_distinct_outputs(const output_options& outputs, std::initializer_list<opt> options) {
    std::vector<std::pair<std::filesystem::path, opt>> seen;
    for (const opt option : options) {
        const std::string* given = outputs.file(option);
        if (given == nullptr || *given == "-") continue;
        // Excel opens a workbook by its extension; and `xlsx = true` in a
        // configuration file shared with daily (where --xlsx is a switch)
        // must not become a file named "true".
        std::error_code ec;
        if (option == opt::xlsx && !std::filesystem::is_character_file(*given, ec)) {
            std::string extension = std::filesystem::path(*given).extension();
            for (char& c : extension)
                c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            if (extension != ".xlsx")
                throw input_error("--xlsx: '" + *given +
                                  "' does not end in .xlsx (a workbook's name must; --xlsx is a "
                                  "switch for daily only)");
        }
        const std::filesystem::path path = std::filesystem::absolute(*given).lexically_normal();
        for (const auto& [other_path, other] : seen)
            if (other_path == path)
                throw input_error(flag(other) + " and " + flag(option) +
                                  " name the same file: " + *given);
        seen.emplace_back(path, option);
    }
}

void stage_rejects(const output_options& outputs, const std::vector<bad_row>& rejects,
                   std::optional<atomic_file>& file) {
    const std::string* path = outputs.file(opt::rejects);
    if (path == nullptr) return;
    file.emplace(*path);
    if (outputs.bom) file->stream() << utf8_bom;
    const std::string buffer = rejects_csv(rejects, outputs.rejects_name_files);
    file->stream() << buffer;
    file->close();
}

void stage_transmission_tree(const std::string& path, const trace_result& result,
                             const id_table& persons, const id_table& places, utc_offset tz,
                             std::optional<staged_output>& out) {
    out.emplace(path, false, false);
    out->write([&](std::ostream& stream) {
        write_transmission_tree(stream, risk_listing_of(result, persons, places, tz));
    });
    out->close();
}

void write_trace_outputs(const output_options& outputs, const trace_result& result,
                         const id_table& persons, const id_table& places, utc_offset tz,
                         const std::vector<bad_row>* rejects,
                         const std::function<void(atomic_path&)>& write_hdf5,
                         const std::vector<companion>* companions) {
    std::optional<atomic_file> rejects_file;
    if (rejects) stage_rejects(outputs, *rejects, rejects_file);
    std::optional<staged_output> companions_out;
    if (const std::string* path = outputs.file(opt::companions); path && companions) {
        companions_out.emplace(*path, outputs.bom);
        companions_out->write([&](std::ostream& stream) {
            write_companion_list(stream, *companions, persons, places, tz);
        });
        companions_out->close();
    }
    staged_output out(outputs.files.at(opt::out), outputs.bom);
    out.write([&](std::ostream& stream) { write_risk_list(stream, result, persons, places, tz); });
    out.close();
    std::optional<atomic_path> hdf5_out;
    if (const std::string* hdf5 = outputs.file(opt::hdf5)) {
        hdf5_out.emplace(*hdf5);
        write_hdf5(*hdf5_out);
    }
    std::optional<staged_output> graphml_out;
    if (const std::string* graphml = outputs.file(opt::graphml))
        stage_transmission_tree(*graphml, result, persons, places, tz, graphml_out);
    std::optional<xlsx_workbook> workbook;
    stage_xlsx_option(outputs, workbook, [&](xlsx_workbook& book) {
        write_risk_list(book, result, persons, places, tz);
    });
    if (rejects_file) rejects_file->commit();
    if (hdf5_out) hdf5_out->commit();
    if (graphml_out) graphml_out->commit();
    if (workbook) workbook->commit();
    if (companions_out) companions_out->commit();
    out.commit();
}

void stage_workbook(const output_options& outputs, const std::string& path,
                    std::optional<xlsx_workbook>& book,
                    const std::function<void(xlsx_workbook&)>& write) {
    if (path == "-")
        throw input_error("--xlsx: an Excel workbook cannot go to stdout: give a file name");
    book.emplace(path, outputs.lang);
    write(*book);
    book->close();
}

void stage_xlsx_option(const output_options& outputs, std::optional<xlsx_workbook>& book,
                       const std::function<void(xlsx_workbook&)>& write) {
    if (const std::string* path = outputs.file(opt::xlsx))
        stage_workbook(outputs, *path, book, write);
}

void report_rejects(const char* command_name, const output_options& outputs,
                    const std::vector<bad_row>& rejects) {
    if (rejects.empty()) return;
    const std::string* path = outputs.file(opt::rejects);
    std::cerr << program_name() << " " << command_name << ": " << rejects.size()
              << " bad scan rows skipped"
              << (path != nullptr ? " (written to " + *path + ")" : std::string()) << '\n';
}

std::string written_text(const output_options& outputs, std::initializer_list<opt> options,
                         std::optional<contact_level> level) {
    std::string text;
    if (level) text = "contact level " + std::string(contact_level_name(*level)) + "; ";
    std::string files;
    for (const opt option : options) {
        const std::string* path = outputs.file(option);
        if (path == nullptr) continue;
        files += (files.empty() ? "" : ", ") + (*path == "-" ? std::string("stdout") : *path);
    }
    return text + (files.empty() ? "wrote nothing" : "wrote " + files);
}

} // namespace ctrace::cli
