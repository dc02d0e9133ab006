#include "outputs.hpp"

#include "ctrace/io/csv.hpp"
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

void check_distinct_outputs(const po::variables_map& vm, std::initializer_list<const char*> names) {
    std::vector<std::pair<std::filesystem::path, const char*>> seen;
    for (const char* name : names) {
        if (!vm.count(name) || vm[name].as<std::string>() == "-") continue;
        // Excel opens a workbook by its extension; and `xlsx = true` in a
        // configuration file shared with daily (where --xlsx is a switch)
        // must not become a file named "true".
        std::error_code ec;
        if (std::string_view(name) == "xlsx" &&
            !std::filesystem::is_character_file(vm[name].as<std::string>(), ec)) {
            std::string extension = std::filesystem::path(vm[name].as<std::string>()).extension();
            for (char& c : extension)
                c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            if (extension != ".xlsx")
                throw input_error("--xlsx: '" + vm[name].as<std::string>() +
                                  "' does not end in .xlsx (a workbook's name must; --xlsx is a "
                                  "switch for daily only)");
        }
        const std::filesystem::path path =
            std::filesystem::absolute(vm[name].as<std::string>()).lexically_normal();
        for (const auto& [other_path, other] : seen)
            if (other_path == path)
                throw input_error(std::string("--") + other + " and --" + name +
                                  " name the same file: " + vm[name].as<std::string>());
        seen.emplace_back(path, name);
    }
}

void stage_rejects(const po::variables_map& vm, const std::vector<bad_row>& rejects,
                   std::optional<atomic_file>& file) {
    if (!vm.count("rejects")) return;
    file.emplace(vm["rejects"].as<std::string>());
    if (bom_option(vm)) file->stream() << utf8_bom;
    const std::string buffer =
        rejects_csv(rejects, vm["scans"].as<std::vector<std::string>>().size() > 1);
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

void write_trace_outputs(const po::variables_map& vm, const std::string& out_path,
                         const trace_result& result, const id_table& persons,
                         const id_table& places, utc_offset tz, const std::vector<bad_row>* rejects,
                         const std::function<void(atomic_path&)>& write_hdf5) {
    std::optional<atomic_file> rejects_file;
    if (rejects) stage_rejects(vm, *rejects, rejects_file);
    staged_output out(out_path, bom_option(vm));
    out.write([&](std::ostream& stream) { write_risk_list(stream, result, persons, places, tz); });
    out.close();
    std::optional<atomic_path> hdf5_out;
    if (vm.count("hdf5")) {
        hdf5_out.emplace(vm["hdf5"].as<std::string>());
        write_hdf5(*hdf5_out);
    }
    std::optional<staged_output> graphml_out;
    if (vm.count("graphml"))
        stage_transmission_tree(vm["graphml"].as<std::string>(), result, persons, places, tz,
                                graphml_out);
    std::optional<xlsx_workbook> workbook;
    stage_xlsx_option(vm, workbook, [&](xlsx_workbook& book) {
        write_risk_list(book, result, persons, places, tz);
    });
    if (rejects_file) rejects_file->commit();
    if (hdf5_out) hdf5_out->commit();
    if (graphml_out) graphml_out->commit();
    if (workbook) workbook->commit();
    out.commit();
}

void stage_workbook(const po::variables_map& vm, const std::string& path,
                    std::optional<xlsx_workbook>& book,
                    const std::function<void(xlsx_workbook&)>& write) {
    if (path == "-")
        throw input_error("--xlsx: an Excel workbook cannot go to stdout: give a file name");
    book.emplace(path, lang_option(vm));
    write(*book);
    book->close();
}

void stage_xlsx_option(const po::variables_map& vm, std::optional<xlsx_workbook>& book,
                       const std::function<void(xlsx_workbook&)>& write) {
    if (vm.count("xlsx")) stage_workbook(vm, vm["xlsx"].as<std::string>(), book, write);
}

void report_rejects(const char* command_name, const po::variables_map& vm,
                    const std::vector<bad_row>& rejects) {
    if (rejects.empty()) return;
    std::cerr << program_name() << " " << command_name << ": " << rejects.size()
              << " bad scan rows skipped"
              << (vm.count("rejects") ? " (written to " + vm["rejects"].as<std::string>() + ")"
                                      : std::string())
              << '\n';
}

std::string written_text(const po::variables_map& vm, std::initializer_list<const char*> outputs,
                         std::optional<contact_level> level) {
    std::string text;
    if (level) text = "contact level " + std::string(contact_level_name(*level)) + "; ";
    std::string files;
    for (const char* name : outputs) {
        if (!vm.count(name)) continue;
        const po::variable_value& value = vm[name];
        // --xlsx is a path for most commands and a switch for daily.
        if (value.value().type() != typeid(std::string)) continue;
        const std::string& path = value.as<std::string>();
        files += (files.empty() ? "" : ", ") + (path == "-" ? std::string("stdout") : path);
    }
    return text + (files.empty() ? "wrote nothing" : "wrote " + files);
}

} // namespace ctrace::cli
