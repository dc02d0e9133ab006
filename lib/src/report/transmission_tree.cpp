#include "ctrace/report/transmission_tree.hpp"

#include "ctrace/io/csv.hpp"

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace ctrace {

namespace {

/// `document` with what XML 1.0 cannot carry as it is made safe. Boost
/// escapes only `& < > " '`, and ids are any UTF-8 but NUL: a CR would be
/// read back as LF, so it becomes `&#13;`; the other C0 controls but tab and
/// LF, and U+FFFE and U+FFFF, cannot be in an XML 1.0 document at all, so
/// they are written as the text `\xHH` and `\uFFFE`/`\uFFFF`.
std::string xml_safe(std::string_view document) {
    std::string out;
    out.reserve(document.size());
    static constexpr char hex[] = "0123456789ABCDEF";
    for (std::size_t i = 0; i < document.size(); ++i) {
        const auto c = static_cast<unsigned char>(document[i]);
        if (c == '\r') {
            out += "&#13;";
        } else if (c < 0x20 && c != '\t' && c != '\n') {
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 0xF];
        } else if (c == 0xEF && document.substr(i, 2) == "\xEF\xBF" && i + 2 < document.size() &&
                   (document[i + 2] == '\xBE' || document[i + 2] == '\xBF')) {
            out += document[i + 2] == '\xBE' ? "\\uFFFE" : "\\uFFFF";
            i += 2;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

} // namespace

namespace {

/// A value as Boost's GraphML writer encodes it (`encode_char_entities`: the
/// five XML entities, and a value of spaces only starting `&#32;`), then
/// made safe for XML 1.0.
void append_value(std::string& out, std::string_view value) {
    // Most values (times, numbers, resident ids) need nothing.
    const bool plain = (value.empty() || value.front() != ' ' || value.back() != ' ') &&
                       std::none_of(value.begin(), value.end(), [](char c) {
                           const auto u = static_cast<unsigned char>(c);
                           return u < 0x20 || u == 0xEF || c == '<' || c == '>' || c == '&' ||
                                  c == '"' || c == '\'';
                       });
    if (plain) {
        out += value;
        return;
    }
    std::string encoded;
    if (!value.empty() && value.find_first_not_of(' ') == std::string_view::npos) {
        encoded = "&#32;";
        encoded.append(value.size() - 1, ' ');
    } else {
        for (const char c : value) {
            switch (c) {
            case '<':
                encoded += "&lt;";
                break;
            case '>':
                encoded += "&gt;";
                break;
            case '&':
                encoded += "&amp;";
                break;
            case '"':
                encoded += "&quot;";
                break;
            case '\'':
                encoded += "&apos;";
                break;
            default:
                encoded += c;
                break;
            }
        }
    }
    out += xml_safe(encoded);
}

void append_data(std::string& out, const char* key, std::string_view value) {
    out += "      <data key=\"";
    out += key;
    out += "\">";
    append_value(out, value);
    out += "</data>\n";
}

} // namespace

// The document is the one `boost::write_graphml` writes for this tree (keys
// in name order, nodes in row order, edges grouped by source vertex in row
// order), written directly: through Boost's dynamic property maps it took
// 3.2 s for a tree of 293,736 persons, most of a daily job.
void write_transmission_tree(std::ostream& out, const risk_listing& listing) {
    const listing_index index(listing);
    const std::size_t n = listing.rows.size();
    // Edges by source, each source's in row order (as an adjacency list
    // keeps them); sources found first, so a broken link writes nothing.
    std::vector<std::size_t> source(n, 0);
    std::vector<std::size_t> edges_from(n + 1, 0);
    for (std::size_t row = 0; row < n; ++row) {
        if (listing.rows[row].hop == 0) continue;
        source[row] = index.source_of(row);
        ++edges_from[source[row] + 1];
    }
    for (std::size_t v = 0; v < n; ++v)
        edges_from[v + 1] += edges_from[v];
    std::vector<std::size_t> edge_rows(edges_from[n]);
    {
        std::vector<std::size_t> next(edges_from.begin(), edges_from.end() - 1);
        for (std::size_t row = 0; row < n; ++row)
            if (listing.rows[row].hop > 0) edge_rows[next[source[row]]++] = row;
    }

    checked_output written(out, "transmission tree");
    std::string text =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\" "
        "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
        "xsi:schemaLocation=\"http://graphml.graphdrawing.org/xmlns "
        "http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd\">\n"
        "  <key id=\"key0\" for=\"node\" attr.name=\"code\" attr.type=\"string\" />\n"
        "  <key id=\"key1\" for=\"edge\" attr.name=\"exposure_seconds\" attr.type=\"long\" />\n"
        "  <key id=\"key2\" for=\"node\" attr.name=\"first_exposure\" attr.type=\"string\" />\n"
        "  <key id=\"key3\" for=\"edge\" attr.name=\"first_exposure\" attr.type=\"string\" />\n"
        "  <key id=\"key4\" for=\"node\" attr.name=\"hop\" attr.type=\"int\" />\n"
        "  <key id=\"key5\" for=\"node\" attr.name=\"id\" attr.type=\"string\" />\n"
        "  <key id=\"key6\" for=\"node\" attr.name=\"label\" attr.type=\"string\" />\n"
        "  <key id=\"key7\" for=\"edge\" attr.name=\"last_exposure\" attr.type=\"string\" />\n"
        "  <key id=\"key8\" for=\"edge\" attr.name=\"place\" attr.type=\"string\" />\n"
        "  <graph id=\"G\" edgedefault=\"directed\" parse.nodeids=\"canonical\" "
        "parse.edgeids=\"canonical\" parse.order=\"nodesfirst\">\n";
    constexpr std::size_t flush_bytes = std::size_t{1} << 20;
    auto flush = [&](bool always) {
        if (always || text.size() >= flush_bytes) {
            written.write(text);
            text.clear();
        }
    };
    for (std::size_t row = 0; row < n; ++row) {
        const listed_person& p = listing.rows[row];
        text += "    <node id=\"n" + std::to_string(row) + "\">\n";
        append_data(text, "key0", p.code);
        append_data(text, "key2", p.hop > 0 ? format_time(p.first_exposure, listing.tz) : "");
        append_data(text, "key4", std::to_string(p.hop));
        append_data(text, "key5", p.person);
        append_data(text, "key6", p.person);
        text += "    </node>\n";
        flush(false);
    }
    for (std::size_t k = 0; k < edge_rows.size(); ++k) {
        const std::size_t row = edge_rows[k];
        const listed_person& p = listing.rows[row];
        text += "    <edge id=\"e" + std::to_string(k) + "\" source=\"n" +
                std::to_string(source[row]) + "\" target=\"n" + std::to_string(row) + "\">\n";
        append_data(text, "key1", std::to_string(p.exposure_seconds));
        append_data(text, "key3", format_time(p.first_exposure, listing.tz));
        append_data(text, "key7", format_time(p.last_exposure, listing.tz));
        append_data(text, "key8", p.via_place);
        text += "    </edge>\n";
        flush(false);
    }
    text += "  </graph>\n</graphml>\n";
    flush(true);
    written.finish();
}

} // namespace ctrace
