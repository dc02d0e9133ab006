#include "storage/stay_rows.hpp"

#include "ctrace/core/digest.hpp"
#include "ctrace/storage/snapshot.hpp"

#include <bit>
#include <cstring>
#include <fstream>
#include <iterator>

namespace ctrace::detail {

namespace {

constexpr char magic[16] = "ctrace-rows 2\n\0";
static_assert(std::endian::native == std::endian::little,
              "the rows file is little-endian, written and read as stored in memory");

template <typename T>
void put(std::string& out, const std::vector<T>& column) {
    // An empty vector's data() may be null, which memcpy must not be given.
    if (!column.empty())
        out.append(reinterpret_cast<const char*>(column.data()), column.size() * sizeof(T));
}

void put_count(std::string& out, std::uint64_t n) {
    out.append(reinterpret_cast<const char*>(&n), sizeof n);
}

[[noreturn]] void bad_rows(const std::filesystem::path& path, const std::string& why) {
    throw snapshot_error(path.string() + ": " + why);
}

} // namespace

std::string stay_rows_bytes(const stay_rows& rows) {
    std::string out(magic, sizeof magic);
    put_count(out, rows.stays());
    put_count(out, rows.start.size());
    put(out, rows.code);
    put(out, rows.start);
    put(out, rows.end);
    put(out, rows.checked_out);
    return out;
}

stay_rows read_stay_rows(const std::filesystem::path& path, const std::string& sha256_hex,
                         std::uint64_t stays) {
    std::ifstream in(path, std::ios::binary);
    if (!in) bad_rows(path, "cannot open the rows file");
    const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (in.bad()) bad_rows(path, "cannot read the rows file");
    sha256 digest;
    digest.update(bytes);
    if (digest.hex_digest() != sha256_hex)
        bad_rows(path, "the rows file is damaged (its SHA-256 is not the one the index records)");
    std::size_t at = 0;
    const auto take = [&](void* into, std::size_t size) {
        if (bytes.size() - at < size) bad_rows(path, "the rows file is cut short");
        if (size == 0) return; // `into` may be an empty vector's null data()
        std::memcpy(into, bytes.data() + at, size);
        at += size;
    };
    char head[sizeof magic];
    take(head, sizeof head);
    if (std::memcmp(head, magic, 12) != 0) bad_rows(path, "not a ctrace rows file");
    if (std::memcmp(head, magic, sizeof magic) != 0)
        bad_rows(path, "a rows file of another version than this ctrace reads (2)");
    std::uint64_t n = 0, m = 0;
    take(&n, sizeof n);
    take(&m, sizeof m);
    if (n != stays)
        bad_rows(path,
                 "holds the rows of " + std::to_string(n) + " stays, not " + std::to_string(stays));
    // Sizes are checked against the bytes there before anything is allocated.
    if (m > bytes.size() || n > bytes.size() || n * 4 + m * 17 != bytes.size() - at)
        bad_rows(path, "the rows file's size does not match its counts");
    stay_rows rows;
    rows.code.resize(n);
    rows.start.resize(m);
    rows.end.resize(m);
    rows.checked_out.resize(m);
    take(rows.code.data(), n * 4);
    take(rows.start.data(), m * 8);
    take(rows.end.data(), m * 8);
    take(rows.checked_out.data(), m);
    rows.listed_begin.resize(n + 1);
    for (std::size_t i = 0; i < n; ++i)
        rows.listed_begin[i + 1] = rows.listed_begin[i] + (rows.code[i] < 2 ? 0 : rows.code[i]);
    if (rows.listed_begin.back() != m)
        bad_rows(path, "the rows file's counts of rows per stay do not add up to its rows");
    return rows;
}

} // namespace ctrace::detail
