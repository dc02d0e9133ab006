#pragma once
/// \file
/// Keyed pseudonyms for person ids, so that snapshots and risk lists can be
/// shared without identities.
///
/// The pseudonym of an id is the lowercase hex HMAC-SHA-256 of the id's bytes
/// under a secret key (the bytes of a key file): 64 characters, the same for
/// the same id and key, and not computable without the key. A bare hash would
/// not do: anyone could hash every plausible id (phone numbers, national id
/// numbers) and match. Pseudonyms cannot be reversed, even with the key: to
/// map them back one needs the candidate ids (`ctrace reveal`).

#include "ctrace/core/id_table.hpp"

#include <filesystem>
#include <iosfwd>
#include <string>
#include <string_view>
#include <unordered_map>

namespace ctrace {

class pseudonymizer {
public:
    /// Keys shorter than this many bytes are refused (128 bits).
    static constexpr std::size_t min_key_bytes = 16;

    /// Throws `input_error` when the key is shorter than `min_key_bytes`.
    explicit pseudonymizer(std::string key);
    /// Reads the key from a file (all its bytes). Throws `input_error` naming
    /// the file when it cannot be read or is too short.
    static pseudonymizer from_key_file(const std::filesystem::path& path);

    /// 64 lowercase hex characters.
    std::string pseudonym(std::string_view id) const;
    /// Identifies the key without revealing it (the first 16 hex characters
    /// of the HMAC of a fixed label): recorded in pseudonymised snapshots so
    /// that a second key is refused.
    const std::string& fingerprint() const noexcept { return fingerprint_; }

    /// Replaces every id of `ids` by its pseudonym, keeping indices. Throws
    /// `error` on a pseudonym collision (2^-128 odds: a sign of a bug); then
    /// `ids` is unchanged.
    void apply(id_table& ids) const;

    /// Reads the `person` column of a CSV file (a cases file, a list of ids)
    /// and returns `pseudonym -> id` for each distinct id. Throws
    /// `input_error` naming the file and line for a malformed file.
    std::unordered_map<std::string, std::string> reveal_table(std::istream& ids,
                                                              const std::string& source_name) const;

private:
    std::string key_;
    std::string fingerprint_;
};

/// Copies the CSV `in` to `out`, replacing every field equal to a key of
/// `table` by its value (pseudonyms of ids not in the table stay). Returns the
/// number of fields replaced. Throws `input_error` naming the file and line
/// for a malformed record, `output_error` when writing fails.
std::uint64_t reveal_csv(std::istream& in, const std::string& source_name, std::ostream& out,
                         const std::unordered_map<std::string, std::string>& table);

} // namespace ctrace
