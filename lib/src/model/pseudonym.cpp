#include "ctrace/model/pseudonym.hpp"

#include "ctrace/core/error.hpp"
#include "ctrace/io/csv.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace ctrace {

namespace {

std::string hmac_sha256_hex(const std::string& key, std::string_view message) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest,
             &length) == nullptr)
        throw error("pseudonym: HMAC-SHA-256 failed");
    static constexpr char hex[] = "0123456789abcdef";
    std::string out(std::size_t{length} * 2, '0');
    for (unsigned int i = 0; i < length; ++i) {
        out[2 * i] = hex[digest[i] >> 4];
        out[2 * i + 1] = hex[digest[i] & 15];
    }
    return out;
}

} // namespace

pseudonymizer::pseudonymizer(std::string key) : key_(std::move(key)) {
    if (key_.size() < min_key_bytes)
        throw input_error("pseudonym key too short: " + std::to_string(key_.size()) +
                          " bytes, at least " + std::to_string(min_key_bytes) +
                          " (make one with: head -c 32 /dev/urandom > key)");
    if (key_.size() > static_cast<std::size_t>(INT32_MAX))
        throw input_error("pseudonym key too long");
    fingerprint_ = hmac_sha256_hex(key_, "ctrace pseudonym key fingerprint").substr(0, 16);
}

pseudonymizer pseudonymizer::from_key_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw input_error(path.string() + ": cannot read the key: " + std::strerror(errno));
    std::string key((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) throw input_error(path.string() + ": cannot read the key");
    try {
        return pseudonymizer(std::move(key));
    } catch (const input_error& e) {
        throw input_error(path.string() + ": " + e.what());
    }
}

std::string pseudonymizer::pseudonym(std::string_view id) const {
    return hmac_sha256_hex(key_, id);
}

void pseudonymizer::apply(id_table& ids) const {
    id_table renamed;
    renamed.reserve(ids.size(), ids.size() * 64);
    for (id_table::index_type i = 0; i < ids.size(); ++i)
        if (renamed.intern(pseudonym(ids[i])) != i)
            throw error("pseudonym: two ids got the same pseudonym");
    ids = std::move(renamed);
}

namespace {
[[noreturn]] void malformed(const std::string& source_name, const csv_record& record) {
    throw input_error(source_name + ":" + std::to_string(record.line) + ": " + record.error);
}
} // namespace

std::unordered_map<std::string, std::string>
pseudonymizer::reveal_table(std::istream& ids, const std::string& source_name) const {
    csv_reader reader(ids, source_name);
    csv_record record;
    if (!reader.next(record)) throw input_error(source_name + ": empty file (no header)");
    if (record.error != nullptr) malformed(source_name, record);
    const csv_header header(record, source_name);
    const auto column = static_cast<std::size_t>(header.require("person", source_name));
    std::unordered_map<std::string, std::string> table;
    while (reader.next(record)) {
        if (record.error != nullptr) malformed(source_name, record);
        if (record.fields.size() <= column || record.fields[column].empty())
            throw input_error(source_name + ":" + std::to_string(record.line) + ": no person id");
        const std::string id(record.fields[column]);
        table.emplace(pseudonym(id), id);
    }
    return table;
}

std::uint64_t reveal_csv(std::istream& in, const std::string& source_name, std::ostream& out,
                         const std::unordered_map<std::string, std::string>& table) {
    csv_reader reader(in, source_name);
    csv_writer writer(out, "revealed " + source_name);
    csv_record record;
    std::uint64_t replaced = 0;
    while (reader.next(record)) {
        if (record.error != nullptr) malformed(source_name, record);
        for (const std::string_view field : record.fields) {
            const auto found = table.find(std::string(field));
            if (found == table.end()) {
                writer.field(field);
            } else {
                writer.field(found->second);
                ++replaced;
            }
        }
        writer.end_row();
    }
    writer.finish();
    return replaced;
}

} // namespace ctrace
