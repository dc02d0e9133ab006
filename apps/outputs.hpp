#pragma once
// Outputs of a command: staged, written, then committed together, so that a
// failed run writes none of them.

#include "ctrace/core/atomic_file.hpp"
#include "ctrace/core/error.hpp"
#include "ctrace/core/id_table.hpp"
#include "ctrace/core/time.hpp"
#include "ctrace/io/xlsx.hpp"
#include "ctrace/tracing/companions.hpp"
#include "ctrace/tracing/trace.hpp"
#include "options.hpp"

#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

namespace ctrace::cli {

/// A command's output: a file replaced atomically on commit, or stdout when
/// the path is "-" (written at commit, so a failed run prints nothing).
/// With `bom` the text starts with a UTF-8 byte-order mark (for Excel).
/// `dash_is_stdout` false makes "-" a file name like any other.
class staged_output {
public:
    explicit staged_output(const std::string& path, bool bom = false, bool dash_is_stdout = true);
    std::ostream& stream();
    /// The path as given ("-" for stdout).
    const std::string& path() const noexcept { return path_; }
    /// Runs `writer(stream())`; an `output_error` it throws (which names the
    /// library's output, "risk list" say) is thrown again naming this file.
    template <typename Writer>
    void write(Writer&& writer) {
        try {
            writer(stream());
        } catch (const output_error& e) {
            throw output_error(path_, e.reason());
        }
    }
    /// Throws `output_error` when a write failed; nothing is visible yet.
    void close();
    void commit();

private:
    std::string path_;
    std::optional<atomic_file> file_;
    std::ostringstream buffer_;
};

/// The UTF-8 byte-order mark.
inline constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";

/// Where a command's outputs go and how they are written, read once from
/// its parsed options (`output_options_from`): the writers below take this,
/// never the options.
struct output_options {
    /// The output files given, by option, as given ("-" is stdout): --out,
    /// --rejects, --hdf5, --graphml, --xlsx (a path; daily's is a switch),
    /// --links, --common-persons, --common-places, --summary, --companions.
    std::map<opt, std::string> files;
    /// --bom: CSV outputs start with a UTF-8 byte-order mark.
    bool bom = false;
    /// --lang: the language of the Excel workbooks' headers.
    header_language lang = header_language::en;
    /// The rejected rows name their scans file (more than one was read).
    bool rejects_name_files = false;

    /// The file given to `option`, or null.
    const std::string* file(opt option) const;
};

/// The output options of `vm`.
output_options output_options_from(const po::variables_map& vm);

/// Throws `input_error` when two of the output options `options` that are
/// given name the same file (the later commit would replace the earlier
/// output); "-" (stdout) is not a file.
void check_distinct_outputs(const output_options& outputs, std::initializer_list<opt> options);

/// Writes rejected rows as CSV `line,reason,raw` into `file`, made for the
/// --rejects path (commit it with the other outputs); nothing without --rejects.
void stage_rejects(const output_options& outputs, const std::vector<bad_row>& rejects,
                   std::optional<atomic_file>& file);

/// Writes the transmission tree of `result` as GraphML into `out`, made for
/// `path` (commit it with the other outputs); `persons`, `places` and `tz` as
/// for the risk list.
void stage_transmission_tree(const std::string& path, const trace_result& result,
                             const id_table& persons, const id_table& places, utc_offset tz,
                             std::optional<staged_output>& out);

/// The outputs of a trace, staged and then committed together so that a
/// failure writes none: the risk list to --out, the rows of `rejects` to
/// --rejects (when `rejects` is given), a snapshot to --hdf5 (written by
/// `write_hdf5` into the staged file; with --hdf5 only) and the
/// transmission tree to --graphml, the risk list as an Excel workbook
/// to --xlsx, and `companions` to --companions (when both are given).
void write_trace_outputs(const output_options& outputs, const trace_result& result,
                         const id_table& persons, const id_table& places, utc_offset tz,
                         const std::vector<bad_row>* rejects,
                         const std::function<void(atomic_path&)>& write_hdf5,
                         const std::vector<companion>* companions = nullptr);

/// Makes `book` for the Excel workbook at `path` (in the language of --lang),
/// lets `write` add its sheets and closes it: commit it with the other
/// outputs. Throws `input_error` for "-" (a workbook is no stream).
void stage_workbook(const output_options& outputs, const std::string& path,
                    std::optional<xlsx_workbook>& book,
                    const std::function<void(xlsx_workbook&)>& write);

/// `stage_workbook` at the path of --xlsx, when it is given.
void stage_xlsx_option(const output_options& outputs, std::optional<xlsx_workbook>& book,
                       const std::function<void(xlsx_workbook&)>& write);

/// The output options of `ctrace trace` (and `ctrace-mpi trace`): checked
/// to be distinct files, and named in the summary line.
inline constexpr std::initializer_list<opt> trace_output_options = {
    opt::out, opt::hdf5, opt::graphml, opt::rejects, opt::xlsx, opt::companions};

/// "contact level LEVEL; wrote A, B": the end of a summary line, naming the
/// contact level and every file the run wrote among the output options
/// `options` that were given ("-" is named "stdout"). Without `level`, only
/// the files.
std::string written_text(const output_options& outputs, std::initializer_list<opt> options,
                         std::optional<contact_level> level);

/// Says on stderr how many bad rows were skipped, and where they went.
void report_rejects(const char* command_name, const output_options& outputs,
                    const std::vector<bad_row>& rejects);

} // namespace ctrace::cli
