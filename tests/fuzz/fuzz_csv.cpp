// Fuzz target: any bytes as a scans, cases and places file. Each reader must
// either return or throw a ctrace::error (a clean refusal); anything else
// (a crash, a sanitizer finding, another exception, a hang) is a bug.
//
// Beyond "no crash" it checks what strict and --skip-bad reading promise:
// strict reading accepts a file exactly when --skip-bad rejects no row, and
// then both read the same visits.
//
// The same bytes are also read as an export: through a file (so gzip and zstd
// streams are recognised and decompressed), transcoded from GB18030, with
// Chinese column names mapped to ctrace's and a time layout; as the cases of
// backward tracing (every case with an onset); and as a risk list given to
// `explain`, whose every listed person is explained and whose tree is
// written (a chain that loops or breaks must be refused, not followed).

#include "ctrace/core/error.hpp"
#include "ctrace/io/cases.hpp"
#include "ctrace/io/scans.hpp"
#include "ctrace/report/transmission_tree.hpp"
#include "ctrace/tracing/explain.hpp"

#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <sys/mman.h>
#include <unistd.h>

namespace {

bool same_visits(const ctrace::scan_log& a, const ctrace::scan_log& b) {
    if (a.visits.size() != b.visits.size()) return false;
    for (std::size_t i = 0; i < a.visits.size(); ++i) {
        const ctrace::visit& x = a.visits[i];
        const ctrace::visit& y = b.visits[i];
        if (x.person != y.person || x.place != y.place || x.start != y.start || x.end != y.end)
            return false;
    }
    return a.persons.size() == b.persons.size() && a.places.size() == b.places.size();
}

/// Reads `bytes` as an exported scans file (see the file comment).
void read_as_export(const std::string& bytes) {
    const int fd = ::memfd_create("fuzz-export", MFD_CLOEXEC);
    if (fd < 0) return;
    if (::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size())) {
        const std::string path = "/proc/self/fd/" + std::to_string(fd);
        ctrace::scan_read_options options;
        options.encoding = ctrace::input_encoding::gb18030;
        options.skip_bad = true;
        options.columns.set("person", "身份证号");
        options.columns.set("place", "场所码");
        options.columns.set("time", "扫码时间");
        options.time_layout = ctrace::time_format::compile("%Y/%m/%d %H:%M");
        try {
            (void)ctrace::read_scans(std::filesystem::path(path), {}, options);
        } catch (const ctrace::error&) {
        }
        try {
            (void)ctrace::read_places(std::filesystem::path(path),
                                      {{}, ctrace::input_encoding::gb18030});
        } catch (const ctrace::error&) {
        }
    }
    ::close(fd);
}

/// Reads `bytes` as a risk list, explains every listed person and writes
/// the transmission tree.
void read_as_listing(const std::string& bytes) {
    try {
        std::istringstream in(bytes);
        const ctrace::risk_listing listing = ctrace::read_risk_listing(in, "fuzz.csv");
        for (const ctrace::listed_person& row : listing.rows) {
            try {
                const ctrace::explanation chain = ctrace::explain(listing, row.person);
                std::ostringstream text;
                ctrace::write_explanations(text, {&chain, 1}, listing.tz,
                                           ctrace::explanation_format::csv);
            } catch (const ctrace::error&) {
            }
        }
        std::ostringstream tree;
        ctrace::write_transmission_tree(tree, listing);
    } catch (const ctrace::error&) {
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string bytes(reinterpret_cast<const char*>(data), size);
    ctrace::scan_read_options options;
    options.tz.seconds = 8 * 3600;

    bool strict_ok = false;
    ctrace::scan_log strict;
    try {
        std::istringstream in(bytes);
        strict = ctrace::read_scans(in, "fuzz.csv", {}, options);
        strict_ok = true;
    } catch (const ctrace::error&) {
    }
    options.skip_bad = true;
    try {
        std::istringstream in(bytes);
        const ctrace::scan_log lenient = ctrace::read_scans(in, "fuzz.csv", {}, options);
        if (strict_ok && (!lenient.rejects.empty() || !same_visits(strict, lenient))) std::abort();
        if (!strict_ok && lenient.rejects.empty()) std::abort();
    } catch (const ctrace::error&) {
        // A bad header or encoding refuses the whole file in both modes.
        if (strict_ok) std::abort();
    }

    try {
        std::istringstream in(bytes);
        ctrace::id_table persons;
        ctrace::read_cases(in, "fuzz.csv", persons, {});
    } catch (const ctrace::error&) {
    }
    try {
        std::istringstream in(bytes);
        ctrace::read_places(in, "fuzz.csv");
    } catch (const ctrace::error&) {
    }
    try {
        std::istringstream in(bytes);
        ctrace::id_table persons;
        ctrace::case_read_options backward;
        backward.require_onset = true;
        ctrace::read_cases(in, "fuzz.csv", persons, backward);
    } catch (const ctrace::error&) {
    }
    read_as_listing(bytes);
    read_as_export(bytes);
    return 0;
}
