#include "storage/snapshot_index.hpp"

#include "core/file_descriptor.hpp"
#include "ctrace/core/digest.hpp"
#include "ctrace/core/error.hpp"
#include "ctrace/storage/snapshot.hpp"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fcntl.h>
#include <libdeflate.h>
#include <sstream>

namespace ctrace::detail {

namespace {

constexpr std::string_view index_magic = "CTRACE-SNAPSHOT-INDEX 1\n";
constexpr std::size_t index_block_capacity = indexed_userblock_bytes - index_block_offset;

[[noreturn]] void damaged(const std::string& name, const std::string& what) {
    throw snapshot_error(name + ": corrupt snapshot: its index block " + what +
                         " (damaged or modified after writing; `ctrace verify` checks the whole "
                         "file)");
}

std::uint64_t number(std::string_view text, const std::string& name) {
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) damaged(name, "has a bad number");
    return value;
}

std::vector<std::string_view> words(std::string_view line) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (start <= line.size()) {
        const std::size_t space = std::min(line.find(' ', start), line.size());
        out.push_back(line.substr(start, space - start));
        start = space + 1;
    }
    return out;
}

} // namespace

const mapped_column_entry* index_directory::column(std::string_view name) const noexcept {
    for (const mapped_column_entry& c : columns)
        if (c.name == name) return &c;
    return nullptr;
}

std::uint32_t block_checksum(std::span<const unsigned char> bytes) noexcept {
    return libdeflate_crc32(0, bytes.data(), bytes.size());
}

std::vector<std::uint32_t> block_checksums(std::span<const unsigned char> bytes) {
    std::vector<std::uint32_t> out((bytes.size() + checked_block_bytes - 1) / checked_block_bytes);
    for (std::size_t k = 0; k < out.size(); ++k)
        out[k] = block_checksum(
            bytes.subspan(k * checked_block_bytes,
                          std::min(checked_block_bytes, bytes.size() - k * checked_block_bytes)));
    return out;
}

std::string format_index_directory(const index_directory& directory) {
    // One item a line, words separated by one space; names and values
    // without spaces or newlines (checked), so the text parses back exactly.
    std::ostringstream body;
    body << index_magic << "block_bytes " << checked_block_bytes << '\n';
    for (const mapped_column_entry& c : directory.columns)
        body << "column " << c.name << ' ' << c.element_bytes << ' ' << c.count << ' ' << c.offset
             << ' ' << c.checksums_offset << '\n';
    for (const auto& [key, value] : directory.attributes) {
        if (key.find_first_of(" \n") != std::string::npos ||
            value.find_first_of(" \n") != std::string::npos)
            throw error("index block: attribute '" + key + "' has a space or newline");
        body << "attribute " << key << ' ' << value << '\n';
    }
    std::string text = body.str();
    sha256 digest;
    digest.update(text);
    text += "sha256 " + digest.hex_digest() + '\n';
    if (text.size() >= index_block_capacity)
        throw error("index block: the directory does not fit in its block");
    return text;
}

std::optional<index_directory> read_index_directory(const file_descriptor& in,
                                                    const std::string& name) {
    if (!in.valid()) return std::nullopt; // the full reader names the problem
    std::string block(index_block_capacity, '\0');
    const ssize_t got = in.read_at(block, index_block_offset);
    if (got < 0) throw snapshot_error(name + ": cannot read (" + std::strerror(errno) + ")");
    block.resize(static_cast<std::size_t>(got));
    if (!block.starts_with(index_magic)) return std::nullopt;
    const std::size_t digest_at = block.find("\nsha256 ");
    if (digest_at == std::string::npos) damaged(name, "has no digest");
    const std::string_view text = std::string_view(block).substr(0, digest_at + 1);
    sha256 digest;
    digest.update(text);
    if (std::string_view(block).substr(digest_at + 8, 64) != digest.hex_digest())
        damaged(name, "does not match its digest");

    index_directory directory;
    std::size_t start = index_magic.size();
    while (start < text.size()) {
        const std::size_t end = text.find('\n', start);
        const std::vector<std::string_view> w = words(text.substr(start, end - start));
        start = end + 1;
        if (w[0] == "block_bytes") {
            if (w.size() != 2 || number(w[1], name) != checked_block_bytes)
                damaged(name, "has another block size");
        } else if (w[0] == "column" && w.size() == 6) {
            mapped_column_entry c;
            c.name = std::string(w[1]);
            c.element_bytes = static_cast<std::uint32_t>(number(w[2], name));
            c.count = number(w[3], name);
            c.offset = number(w[4], name);
            c.checksums_offset = number(w[5], name);
            directory.columns.push_back(std::move(c));
        } else if (w[0] == "attribute" && w.size() == 3) {
            directory.attributes[std::string(w[1])] = std::string(w[2]);
        } else {
            damaged(name, "has an unknown line");
        }
    }
    return directory;
}

void write_index_directory(const std::filesystem::path& file, const std::string& name,
                           const std::string& text) {
    const file_descriptor out(file, O_WRONLY);
    if (!out.valid())
        throw output_error(name, output_error::with_system_reason(
                                     "cannot reopen to write the index block", out.open_errno()));
    if (!out.write_all_at(text, index_block_offset))
        throw output_error(name,
                           output_error::with_system_reason("cannot write the index block", errno));
}

} // namespace ctrace::detail
