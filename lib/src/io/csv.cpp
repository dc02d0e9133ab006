#include "ctrace/io/csv.hpp"

#include "core/file_descriptor.hpp"
#include "ctrace/core/digest.hpp"
#include "ctrace/core/error.hpp"
#include "ctrace/io/decoded_input.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fcntl.h>
#include <istream>
#include <limits>
#include <optional>
#include <ostream>
#include <unistd.h>

namespace ctrace {

namespace {

constexpr std::size_t full_buffer_bytes = std::size_t{4} << 20;
constexpr std::size_t first_buffer_bytes = std::size_t{64} << 10;

/// Bytes an unquoted field's scan must stop at: the delimiters, a quote, and
/// the bytes that call for a NUL/UTF-8 check (NUL, >= 0x80). One table load
/// per byte instead of a comparison per kind.
constexpr std::array<bool, 256> unquoted_stop_bytes = [] {
    std::array<bool, 256> stop{};
    stop[','] = stop['\n'] = stop['"'] = stop[0] = true;
    for (std::size_t c = 0x80; c < 256; ++c)
        stop[c] = true;
    return stop;
}();

} // namespace

bool is_plain_ascii_without_nul(std::string_view s) noexcept {
    constexpr std::uint64_t high = 0x8080808080808080ULL;
    constexpr std::uint64_t ones = 0x0101010101010101ULL;
    std::size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
        std::uint64_t w;
        std::memcpy(&w, s.data() + i, 8);
        if ((w & high) != 0 || ((w - ones) & ~w & high) != 0) return false;
    }
    for (; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c == 0 || c >= 0x80) return false;
    }
    return true;
}

bool is_valid_utf8(std::string_view s) noexcept {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const auto* end = p + s.size();
    while (p < end) {
        const unsigned c = *p;
        if (c < 0x80) {
            ++p;
            continue;
        }
        std::size_t n;
        unsigned min, cp;
        if ((c & 0xE0) == 0xC0) {
            n = 1, min = 0x80, cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2, min = 0x800, cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3, min = 0x10000, cp = c & 0x07;
        } else {
            return false;
        }
        if (static_cast<std::size_t>(end - p) <= n) return false;
        for (std::size_t i = 1; i <= n; ++i) {
            if ((p[i] & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        p += n + 1;
    }
    return true;
}

// ---------------------------------------------------------------------------

struct csv_reader::source {
    std::istream* stream = nullptr;
    detail::file_descriptor file;
    std::uint64_t position = 0;                                      // next byte to read (file)
    std::uint64_t limit = std::numeric_limits<std::uint64_t>::max(); // end of range (file)
    /// Bytes of the file before this offset went to the digest: bytes read
    /// again after a rewind (`skip_overlong_record`) are not hashed twice.
    std::uint64_t hashed_until = 0;
    /// Reads up to `n` bytes; returns 0 only at end of input.
    std::size_t read(char* into, std::size_t n, const std::string& name) {
        if (stream != nullptr) {
            stream->read(into, static_cast<std::streamsize>(n));
            const auto got = static_cast<std::size_t>(stream->gcount());
            if (got == 0 && stream->bad()) throw io_error(name + ": read error");
            return got;
        }
        n = static_cast<std::size_t>(std::min<std::uint64_t>(n, limit - position));
        if (n == 0) return 0;
        const ssize_t got = file.read_at({into, n}, position);
        if (got < 0) throw io_error(name + ": read error: " + std::strerror(errno));
        position += static_cast<std::uint64_t>(got);
        return static_cast<std::size_t>(got);
    }
};

csv_reader::csv_reader(std::istream& in, std::string source_name)
    : source_(std::make_unique<source>()), source_name_(std::move(source_name)) {
    source_->stream = &in;
}

csv_reader::csv_reader(const std::filesystem::path& path)
    : csv_reader(path, 0, std::numeric_limits<std::uint64_t>::max()) {}

csv_reader::csv_reader(const std::filesystem::path& path, std::uint64_t begin, std::uint64_t end)
    : source_(std::make_unique<source>()), source_name_(path.string()) {
    source_->file = detail::file_descriptor(path, O_RDONLY);
    if (!source_->file.valid())
        throw io_error(source_name_ +
                       ": cannot open: " + std::strerror(source_->file.open_errno()));
    ::posix_fadvise(source_->file.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
    source_->position = begin;
    source_->limit = end;
    at_start_ = begin == 0; // a byte-order mark can only open the file
}

csv_reader::~csv_reader() = default;

int csv_reader::file_descriptor() const noexcept {
    return source_->file.get();
}

void csv_reader::restart(std::uint64_t begin, std::uint64_t end) {
    source_->position = begin;
    source_->limit = end;
    begin_ = end_ = 0;
    eof_ = false;
    at_start_ = begin == 0;
    ended_inside_quotes_ = false;
    line_ = 1;
    consumed_ = 0;
}

std::size_t csv_reader::fill() {
    if (begin_ > 0) {
        std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
    }
    // Start small (a cases file is a few hundred bytes; zeroing megabytes for
    // it costs more than reading it) and double while reads fill the buffer,
    // up to the full size.
    if (buffer_.empty())
        buffer_.resize(first_buffer_bytes);
    else if (end_ == buffer_.size() || (last_fill_full_ && buffer_.size() < full_buffer_bytes))
        buffer_.resize(buffer_.size() * 2);
    const std::size_t wanted = buffer_.size() - end_;
    const std::uint64_t read_from = source_->position;
    const std::size_t got = source_->read(buffer_.data() + end_, wanted, source_name_);
    last_fill_full_ = got == wanted;
    if (got == 0) eof_ = true;
    if (digest_ != nullptr && got > 0) {
        std::size_t fresh = 0; // bytes already hashed, read again
        if (source_->stream == nullptr) {
            fresh = static_cast<std::size_t>(std::min<std::uint64_t>(
                got, source_->hashed_until - std::min(source_->hashed_until, read_from)));
            source_->hashed_until = std::max(source_->hashed_until, read_from + got);
        }
        if (got > fresh) digest_->update({buffer_.data() + end_ + fresh, got - fresh});
    }
    end_ += got;
    if (at_start_ && end_ - begin_ >= 3) {
        if (std::memcmp(buffer_.data() + begin_, "\xEF\xBB\xBF", 3) == 0) {
            begin_ += 3;
            consumed_ += 3;
        }
        at_start_ = false;
    } else if (at_start_ && eof_) {
        at_start_ = false;
    }
    return got;
}

bool csv_reader::next(csv_record& record) {
    for (;;) {
        // Skip blank lines (LF, CRLF, or a lone CR ending the input).
        while (begin_ < end_ && !at_start_) {
            const char c = buffer_[begin_];
            std::size_t blank = 0;
            if (c == '\n') {
                blank = 1;
            } else if (c == '\r' && begin_ + 1 < end_) {
                blank = buffer_[begin_ + 1] == '\n' ? 2 : 0;
            } else if (c == '\r' && eof_) {
                blank = 1;
            } else if (c == '\r') {
                break; // the next byte decides
            }
            if (blank == 0) break;
            begin_ += blank;
            consumed_ += blank;
            ++line_;
        }
        if (begin_ < end_ && !at_start_ && (begin_ + 1 < end_ || buffer_[begin_] != '\r' || eof_)) {
            // parse_record only declines when the record may continue past
            // the buffered input, which cannot happen at end of input.
            if (parse_record(record, eof_)) return true;
            // All the buffered bytes belong to the one record.
            if (end_ - begin_ > max_row_bytes_) {
                skip_overlong_record(record);
                return true;
            }
        } else if (eof_ && !at_start_) {
            return false;
        }
        fill();
    }
}

bool csv_reader::parse_record(csv_record& record, bool at_eof) {
    const char* const base = buffer_.data();
    const char* const start = base + begin_;
    const char* const stop = base + end_;
    const char* p = start;
    const char* error = nullptr;
    // Fields are views into the buffer, which stays put until the record is
    // done (a `false` return discards them). Fields with doubled quotes are
    // unescaped at the end, once the record's size is known.
    record.fields.clear();
    doubled_fields_.clear();
    bool quoted = false;        // a quoted field may hold line breaks and any byte
    bool unusual_bytes = false; // an unquoted field held NUL or a byte >= 0x80

    const char* term_start = nullptr; // where the line terminator starts
    const char* after = nullptr;      // first byte after the record and its terminator

    auto find_line_end = [&](const char* from) -> bool {
        const void* nl = std::memchr(from, '\n', static_cast<std::size_t>(stop - from));
        if (nl == nullptr) {
            if (!at_eof) return false;
            term_start = after = stop;
            return true;
        }
        const char* n = static_cast<const char*>(nl);
        term_start = (n > start && n[-1] == '\r') ? n - 1 : n;
        after = n + 1;
        return true;
    };

    for (;;) {
        if (p < stop && *p == '"') {
            const char* field_start = ++p;
            bool doubled = false;
            quoted = true;
            for (;;) {
                const void* q = std::memchr(p, '"', static_cast<std::size_t>(stop - p));
                if (q == nullptr) {
                    if (!at_eof) return false;
                    // No quote follows anywhere, so the lines after this one
                    // hold no quotes either and can be read as they are.
                    error = "unterminated quote";
                    ended_inside_quotes_ = true;
                    find_line_end(field_start);
                    goto done;
                }
                p = static_cast<const char*>(q);
                if (p + 1 == stop && !at_eof) return false; // is it "" or a closing quote?
                if (p + 1 < stop && p[1] == '"') {
                    doubled = true;
                    p += 2;
                    continue;
                }
                break;
            }
            if (doubled) doubled_fields_.push_back(record.fields.size());
            record.fields.emplace_back(field_start, static_cast<std::size_t>(p - field_start));
            ++p; // closing quote
            if (p == stop) {
                if (!at_eof) return false;
                term_start = after = stop;
                goto done;
            }
            if (*p == ',') {
                ++p;
                continue;
            }
            if (*p == '\n' || (*p == '\r' && p + 1 < stop && p[1] == '\n')) {
                term_start = p;
                after = *p == '\n' ? p + 1 : p + 2;
                goto done;
            }
            if (*p == '\r' && p + 1 == stop) {
                if (!at_eof) return false;
                term_start = p; // a lone CR ending the input
                after = stop;
                goto done;
            }
            error = "text after a closing quote";
            if (!find_line_end(p)) return false;
            goto done;
        }
        // Unquoted field: up to ',', LF or CRLF.
        const char* field_start = p;
        for (;;) {
            while (p < stop && !unquoted_stop_bytes[static_cast<unsigned char>(*p)])
                ++p;
            if (p == stop || *p == ',' || *p == '\n') break;
            if (*p == '"') {
                if (error == nullptr) error = "quote inside an unquoted field";
            } else {
                unusual_bytes = true;
            }
            ++p;
        }
        if (p == stop && !at_eof) return false;
        const char* field_end = p;
        // CR belongs to the terminator before LF, and at the very end of input.
        if (field_end > field_start && field_end[-1] == '\r' && (p < stop ? *p == '\n' : at_eof))
            --field_end;
        record.fields.emplace_back(field_start, static_cast<std::size_t>(field_end - field_start));
        if (p < stop && *p == ',') {
            ++p;
            continue;
        }
        term_start = field_end;
        after = p < stop ? p + 1 : p;
        goto done;
    }

done:
    record.raw = std::string_view(start, static_cast<std::size_t>(term_start - start));
    record.line = line_;
    // Unquoted, a record's only line break is its terminator.
    line_ += quoted ? static_cast<std::uint64_t>(std::count(start, after, '\n'))
                    : (after > term_start && after[-1] == '\n' ? 1 : 0);
    const auto length = static_cast<std::size_t>(after - start);
    begin_ += length;
    consumed_ += length;

    if (error == nullptr && (quoted || unusual_bytes) && !is_plain_ascii_without_nul(record.raw)) {
        if (std::memchr(record.raw.data(), '\0', record.raw.size()) != nullptr)
            error = "NUL byte";
        else if (!is_valid_utf8(record.raw))
            error = invalid_text_reason_;
    }

    if (!doubled_fields_.empty()) {
        unescaped_.clear();
        unescaped_.reserve(record.raw.size()); // views into it must not move
        for (const std::size_t i : doubled_fields_) {
            const std::string_view field = record.fields[i];
            const std::size_t at = unescaped_.size();
            for (std::size_t k = 0; k < field.size(); ++k) {
                unescaped_.push_back(field[k]);
                if (field[k] == '"') ++k; // the second of a doubled quote
            }
            record.fields[i] = std::string_view(unescaped_.data() + at, unescaped_.size() - at);
        }
    }
    if (error == nullptr)
        for (const std::string_view field : record.fields)
            if (field.size() > max_field_bytes) {
                error = "field longer than 1024 bytes";
                break;
            }
    record.error = error;
    // A row that fitted in the buffer is as bad as one that did not.
    if (record.raw.size() > max_row_bytes_) mark_overlong(record, record.raw);
    return true;
}

void csv_reader::set_max_row_bytes(std::size_t bytes) {
    if (bytes < min_max_row_bytes || bytes > max_max_row_bytes)
        throw parameter_error("max-row-bytes", "must be from " + std::to_string(min_max_row_bytes) +
                                                   " to " + std::to_string(max_max_row_bytes) +
                                                   ", not " + std::to_string(bytes));
    max_row_bytes_ = bytes;
}

void csv_reader::mark_overlong(csv_record& record, std::string_view first_bytes) {
    std::size_t kept = std::min(first_bytes.size(), overlong_row_kept_bytes);
    // Not in the middle of a UTF-8 character, when the cut falls in one.
    for (std::size_t back = 0; back < 3 && kept > 0 && kept < first_bytes.size() &&
                               (static_cast<unsigned char>(first_bytes[kept]) & 0xC0) == 0x80;
         ++back)
        --kept;
    overlong_raw_.assign(first_bytes.substr(0, kept));
    overlong_raw_ += overlong_row_marker;
    overlong_reason_ = "row longer than " + std::to_string(max_row_bytes_) + " bytes";
    record.fields.clear();
    record.raw = overlong_raw_;
    record.error = overlong_reason_.c_str();
}

namespace {

/// Where a record being read past stands (`skip_overlong_record`): the
/// states of RFC 4180 as `parse_record` reads it, reduced to finding the
/// record's end.
enum class skip_state {
    field_start, ///< at the first byte of a field
    unquoted,    ///< in an unquoted field (a stray quote stays unquoted)
    quoted,      ///< in a quoted field
    after_quote, ///< just after a quote in a quoted field: "" or the close
    to_line_end, ///< text after a closing quote: the record ends at LF
};

/// Reads `[p, stop)` from `state`; returns the position of the LF that ends
/// the record, or null when the record goes on past `stop`. Adds the LFs
/// inside the record to `line_ends`.
const char* find_record_end(const char* p, const char* stop, skip_state& state,
                            std::uint64_t& line_ends) {
    while (p < stop) {
        switch (state) {
        case skip_state::quoted: {
            const char* q =
                static_cast<const char*>(std::memchr(p, '"', static_cast<std::size_t>(stop - p)));
            const char* until = q == nullptr ? stop : q;
            line_ends += static_cast<std::uint64_t>(std::count(p, until, '\n'));
            if (q == nullptr) return nullptr;
            p = q + 1;
            state = skip_state::after_quote;
            break;
        }
        case skip_state::after_quote:
        case skip_state::field_start: {
            const char c = *p;
            const bool after_quote = state == skip_state::after_quote;
            if (c == '\n') return p;
            ++p;
            if (c == '"')
                state = skip_state::quoted;
            else if (c == ',')
                state = skip_state::field_start;
            else
                state = after_quote ? skip_state::to_line_end : skip_state::unquoted;
            break;
        }
        case skip_state::unquoted:
            while (p < stop && *p != ',' && *p != '\n')
                ++p;
            if (p == stop) return nullptr;
            if (*p == '\n') return p;
            ++p;
            state = skip_state::field_start;
            break;
        case skip_state::to_line_end: {
            const void* nl = std::memchr(p, '\n', static_cast<std::size_t>(stop - p));
            return static_cast<const char*>(nl);
        }
        }
    }
    return nullptr;
}

} // namespace

void csv_reader::skip_overlong_record(csv_record& record) {
    const std::uint64_t first_line = line_;
    const std::uint64_t record_begin = consumed_; // bytes consumed before the record
    const std::uint64_t file_offset_at_begin = source_->position - (end_ - begin_);
    // The buffer holds more than the maximum row size of the record, so its
    // first line, when no longer than that, is in it. A file is read again
    // after that line when the record's quote never closes, as
    // `parse_record` resumes after an unterminated quote.
    std::optional<std::string> first_line_text;
    std::uint64_t first_line_bytes = 0; // with its line end
    if (const void* nl = std::memchr(buffer_.data() + begin_, '\n', end_ - begin_)) {
        const auto length =
            static_cast<std::size_t>(static_cast<const char*>(nl) - (buffer_.data() + begin_));
        std::string_view line(buffer_.data() + begin_, length);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.size() <= max_row_bytes_) {
            first_line_text.emplace(line);
            first_line_bytes = length + 1;
        }
    }
    const std::string first_bytes(buffer_.data() + begin_,
                                  std::min(end_ - begin_, overlong_row_kept_bytes + 4));

    skip_state state = skip_state::field_start;
    std::uint64_t line_ends = 0;
    bool ended = false;
    for (;;) {
        const char* const start = buffer_.data() + begin_;
        const char* const stop = buffer_.data() + end_;
        const char* const nl = find_record_end(start, stop, state, line_ends);
        const char* const until = nl == nullptr ? stop : nl + 1;
        consumed_ += static_cast<std::uint64_t>(until - start);
        begin_ += static_cast<std::size_t>(until - start);
        if (nl != nullptr) {
            ++line_ends;
            ended = true;
            break;
        }
        begin_ = end_ = 0;
        if (fill() == 0) break; // end of input inside the record
    }

    record.line = first_line;
    if (!ended && state == skip_state::quoted) {
        ended_inside_quotes_ = true;
        if (first_line_text && source_->stream == nullptr) {
            source_->position = file_offset_at_begin + first_line_bytes;
            begin_ = end_ = 0;
            eof_ = false;
            consumed_ = record_begin + first_line_bytes;
            line_ = first_line + 1;
            overlong_raw_ = std::move(*first_line_text);
            record.fields.clear();
            record.raw = overlong_raw_;
            record.error = "unterminated quote";
            return;
        }
    }
    line_ += line_ends;
    mark_overlong(record, first_bytes);
}

// ---------------------------------------------------------------------------

csv_header::csv_header(const csv_record& record, const std::string& source_name) {
    if (record.error != nullptr) {
        const std::string where = source_name + ":" + std::to_string(record.line);
        // Chinese headers saved by Excel or a platform are GB18030 (GBK)
        // more often than not: say so, and show them as they would read.
        if (!is_valid_utf8(record.raw))
            if (const std::optional<std::string> text = gb18030_to_utf8(record.raw))
                throw encoding_error(where +
                                         ": the header is not valid UTF-8 but reads as GB18030: '" +
                                         text->substr(0, 120) + (text->size() > 120 ? "...'" : "'"),
                                     "gb18030");
        // The other way round: a UTF-8 file (a cases file typed by hand)
        // read as GB18030 beside an export.
        if (std::string_view(record.error) == invalid_text_reason(input_encoding::gb18030))
            throw encoding_error(where + ": the header is not valid GB18030 (a UTF-8 file?)",
                                 "utf-8");
        throw input_error(where + ": malformed header: " + record.error);
    }
    names_.assign(record.fields.begin(), record.fields.end());
    as_read_ = names_;
    for (std::size_t i = 0; i < names_.size(); ++i)
        for (std::size_t j = 0; j < i; ++j)
            if (names_[i] == names_[j])
                throw input_error(source_name + ":" + std::to_string(record.line) + ": column '" +
                                  names_[i] + "' appears twice in the header");
}

csv_header::csv_header(const csv_record& record, const std::string& source_name,
                       const column_names& names)
    : csv_header(record, source_name) {
    // Positions first, then renames: a mapping may swap two names.
    std::vector<std::pair<std::size_t, const std::string*>> renamed;
    for (const auto& [name, header_name] : names.pairs()) {
        const int at = find(header_name);
        if (at < 0)
            throw input_error(source_name + ": no column '" + header_name + "' (given for '" +
                              name + "') in the header; " + columns_as_read());
        renamed.emplace_back(static_cast<std::size_t>(at), &name);
    }
    for (const auto& [name, header_name] : names.pairs()) {
        const int own = find(name);
        // The file's own column of that name is not the one asked for.
        if (own >= 0 && names_[static_cast<std::size_t>(own)] != header_name)
            names_[static_cast<std::size_t>(own)].clear();
    }
    for (const auto& [at, name] : renamed)
        names_[at] = *name;
}

column_names column_names::parse(std::string_view text, std::span<const std::string_view> known,
                                 const std::string& parameter) {
    column_names names;
    std::string known_list;
    for (const std::string_view k : known)
        known_list += (known_list.empty() ? "" : ", ") + std::string(k);
    while (!text.empty()) {
        const std::size_t comma = text.find(',');
        const std::string_view pair = text.substr(0, comma);
        text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
        const std::size_t equals = pair.find('=');
        if (equals == std::string_view::npos || equals == 0 || equals + 1 == pair.size())
            throw parameter_error(parameter,
                                  "expected NAME=COLUMN pairs separated by commas, not '" +
                                      std::string(pair) + "'");
        const std::string name(pair.substr(0, equals));
        if (std::find(known.begin(), known.end(), name) == known.end())
            throw parameter_error(parameter,
                                  "no column '" + name + "' to map (known: " + known_list + ")");
        const std::string header_name(pair.substr(equals + 1));
        for (const auto& [given, given_header] : names.pairs_) {
            if (given == name)
                throw parameter_error(parameter, "column '" + name + "' mapped twice");
            if (given_header == header_name)
                throw parameter_error(parameter, "'" + given + "' and '" + name +
                                                     "' both mapped to column '" + header_name +
                                                     "'");
        }
        names.set(name, header_name);
    }
    return names;
}

void column_names::set(std::string name, std::string header_name) {
    pairs_.emplace_back(std::move(name), std::move(header_name));
}

int csv_header::find(std::string_view name) const noexcept {
    for (std::size_t i = 0; i < names_.size(); ++i)
        if (names_[i] == name) return static_cast<int>(i);
    return -1;
}

std::string csv_header::columns_as_read() const {
    // Enough to recognise the file, not a wall of text for a 500-column one.
    constexpr std::size_t max_shown = 24, max_name_bytes = 40;
    if (as_read_.empty()) return "the header has no columns";
    std::string text = "the header has " + std::to_string(as_read_.size()) + " column" +
                       (as_read_.size() == 1 ? "" : "s") + ": ";
    for (std::size_t i = 0; i < as_read_.size() && i < max_shown; ++i) {
        if (i > 0) text += ", ";
        text += "'";
        text += std::string_view(as_read_[i]).substr(0, max_name_bytes);
        text += as_read_[i].size() > max_name_bytes ? "...'" : "'";
    }
    if (as_read_.size() > max_shown) text += ", ...";
    return text;
}

int csv_header::require(std::string_view name, const std::string& source_name) const {
    const int at = find(name);
    if (at < 0)
        throw input_error(source_name + ": missing required column '" + std::string(name) +
                          "' in the header (the first line must name the columns); " +
                          columns_as_read());
    return at;
}

void append_csv_field(std::string& out, std::string_view field) {
    // One pass over the bytes (find_first_of calls memchr for each byte).
    const bool plain = std::none_of(field.begin(), field.end(), [](char c) {
        return c == ',' || c == '"' || c == '\r' || c == '\n';
    });
    if (plain) {
        out.append(field);
        return;
    }
    out.push_back('"');
    for (const char c : field) {
        if (c == '"') out.push_back('"');
        out.push_back(c);
    }
    out.push_back('"');
}

checked_output::checked_output(std::ostream& out, std::string what)
    : out_(out), what_(std::move(what)) {}

void checked_output::write(std::string_view bytes) {
    const bool was_good = static_cast<bool>(out_);
    errno = 0;
    out_.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (was_good && !out_) failure_errno_ = errno;
}

void checked_output::finish() {
    if (out_) {
        errno = 0;
        out_.flush();
        if (!out_) failure_errno_ = errno;
    }
    if (!out_)
        throw output_error(what_, output_error::with_system_reason("cannot write", failure_errno_));
}

csv_writer::csv_writer(std::ostream& out, std::string what)
    : out_(std::in_place, out, std::move(what)), buffer_(own_buffer_) {}

csv_writer::csv_writer(std::string& into) : buffer_(into) {}

void csv_writer::separate() {
    if (row_started_) buffer_.push_back(',');
    row_started_ = true;
}

csv_writer& csv_writer::field(std::string_view text) {
    separate();
    append_csv_field(buffer_, text);
    return *this;
}

csv_writer& csv_writer::field(std::int64_t value) {
    separate();
    char text[24];
    buffer_.append(text, std::to_chars(text, text + sizeof text, value).ptr);
    return *this;
}

csv_writer& csv_writer::field(std::uint64_t value) {
    separate();
    char text[24];
    buffer_.append(text, std::to_chars(text, text + sizeof text, value).ptr);
    return *this;
}

csv_writer& csv_writer::time(time_point t, utc_offset tz) {
    separate();
    append_time(buffer_, t, tz);
    return *this;
}

csv_writer& csv_writer::number(double value) {
    separate();
    char text[32];
    buffer_.append(text, std::to_chars(text, text + sizeof text, value).ptr);
    return *this;
}

csv_writer& csv_writer::raw(std::string_view text) {
    separate();
    buffer_.append(text);
    return *this;
}

void csv_writer::end_row() {
    buffer_.push_back('\n');
    row_started_ = false;
    constexpr std::size_t flush_bytes = 1 << 20;
    if (out_ && buffer_.size() >= flush_bytes) write_buffer();
}

void csv_writer::write_buffer() {
    out_->write(buffer_);
    buffer_.clear();
}

void csv_writer::finish() {
    if (!out_) return;
    write_buffer();
    out_->finish();
}

std::string rejects_csv(const std::vector<bad_row>& rows, bool with_file) {
    std::string out = with_file ? "file,line,reason,raw\n" : "line,reason,raw\n";
    for (const bad_row& row : rows) {
        if (with_file) {
            append_csv_field(out, row.file);
            out.push_back(',');
        }
        out += std::to_string(row.line);
        out.push_back(',');
        append_csv_field(out, row.reason);
        out.push_back(',');
        append_csv_field(out, row.raw);
        out.push_back('\n');
    }
    return out;
}

} // namespace ctrace
