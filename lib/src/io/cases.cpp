#include "ctrace/io/cases.hpp"

#include "ctrace/core/error.hpp"
#include "ctrace/io/csv.hpp"
#include "io/row_errors.hpp"

#include <algorithm>
#include <unordered_set>

namespace ctrace {

namespace {

std::vector<index_case> read_cases_from(csv_reader& reader, id_table& persons,
                                        const case_read_options& options) {
    const std::string& name = reader.source_name();
    csv_record record;
    const csv_header header = detail::read_header(reader, record, options.columns);
    const auto person_col = static_cast<std::size_t>(header.require("person", name));
    const int from_col = header.find("from");
    const int onset_col = header.find("onset");
    const int to_col = header.find("to");
    const int negative_col = header.find("last_negative");
    if (options.require_onset && onset_col < 0)
        throw input_error(name + ": missing required column 'onset' in the header");
    if (from_col < 0 && onset_col < 0)
        throw input_error(name + ": missing required column 'from' or 'onset' in the header");

    std::vector<index_case> cases;
    detail::bad_row_sink bad(false); // bad rows of a cases file are always fatal
    auto reject = [&](std::string reason) { bad.add(record, std::move(reason)); };
    auto field = [&](int col) {
        return col >= 0 ? record.fields[static_cast<std::size_t>(col)] : std::string_view();
    };
    // A time that does not read is a bad row when the row needs it; else it
    // is left out (`out` untouched) and the row goes on.
    auto parse = [&](std::string_view column, std::string_view text, time_point& out,
                     bool needed = true) {
        const auto r = try_parse_time(text, options.time_layout, options.tz);
        if (!r) {
            if (needed) reject(detail::field_problem(column, r.error, text));
            return !needed;
        }
        out = r.value;
        return true;
    };

    std::unordered_set<person_index> seen;
    while (reader.next(record)) {
        if (detail::rejected_record(bad, record, header.size())) continue;
        const std::string_view person = record.fields[person_col];
        if (person.empty()) {
            reject("person is empty");
            continue;
        }
        index_case c;
        c.line = record.line;
        // A negative test bounds the look-back (§8.5); `from` still wins.
        const std::string_view negative_text = field(negative_col);
        time_point last_negative = 0;
        if (!negative_text.empty() && !parse("last_negative", negative_text, last_negative))
            continue;
        const bool has_from = !field(from_col).empty();
        const bool has_onset = !field(onset_col).empty();
        if (!has_onset && options.require_onset) {
            reject("onset is empty");
            continue;
        }
        // An onset that nothing needs (`from` is given, no negative test to
        // compare, no backward tracing) is kept when it reads and left out
        // when it does not: files the trace always took stay accepted.
        const bool onset_needed = !has_from || !negative_text.empty() || options.require_onset;
        if (has_onset && !parse("onset", field(onset_col), c.onset, onset_needed)) continue;
        const time_point onset = c.onset;
        if (has_onset && !negative_text.empty() && last_negative > onset) {
            reject("last_negative is later than the onset");
            continue;
        }
        if (has_from) {
            if (!parse("from", field(from_col), c.from)) continue;
        } else if (has_onset) {
            c.from = onset - options.lookback;
            if (!negative_text.empty()) c.from = std::max(c.from, last_negative);
        } else {
            reject("neither from nor onset is given");
            continue;
        }
        if (!field(to_col).empty()) {
            if (!parse("to", field(to_col), c.to)) continue;
        } else {
            c.to = options.until;
        }
        if (c.to <= c.from) {
            reject("the infectious window is empty (its end is not after its start)");
            continue;
        }
        c.person = persons.intern(person);
        if (!seen.insert(c.person).second) {
            reject("person '" + std::string(person) + "' is listed twice");
            continue;
        }
        cases.push_back(c);
    }
    bad.throw_if_strict(name);
    return cases;
}

/// On any failure, `persons` gets back the size it had.
std::vector<index_case> read_cases_or_restore(csv_reader& reader, id_table& persons,
                                              const case_read_options& options) {
    const std::size_t persons_before = persons.size();
    reader.set_invalid_text_reason(invalid_text_reason(options.encoding));
    try {
        return read_cases_from(reader, persons, options);
    } catch (...) {
        persons.truncate(persons_before);
        throw;
    }
}

} // namespace

std::vector<index_case> read_cases(std::istream& in, const std::string& source_name,
                                   id_table& persons, const case_read_options& options) {
    csv_reader reader(in, source_name);
    return read_cases_or_restore(reader, persons, options);
}

std::vector<index_case> read_cases(const std::filesystem::path& path, id_table& persons,
                                   const case_read_options& options) {
    if (needs_decoding(path, options.encoding)) {
        decoded_input in(path, options.encoding);
        return read_cases(in, path.string(), persons, options);
    }
    csv_reader reader(path);
    return read_cases_or_restore(reader, persons, options);
}

} // namespace ctrace
