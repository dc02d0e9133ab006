#pragma once
// Person and place ids of the synthetic city in the styles of `id_style`
// (internal to ctrace): short ids, resident identity numbers, hex pseudonyms
// and DL place ids. Each style but the short one maps person and place
// numbers through a seeded bijection, so ids are distinct and look unordered.

#include "ctrace/gen/generate.hpp"
#include "gen/generate_places.hpp"
#include "gen/generate_random.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ctrace::generation {

/// Ids are a letter and zero-padded number, at least `min_digits` wide and
/// wide enough for the largest number, so they all have the same length.
struct id_format {
    char prefix;
    std::size_t digits;

    char* put(char* out, std::uint64_t number) const noexcept;
    std::string text(std::uint64_t number) const;
};

/// Person ids in the chosen style, written by person index (from 0).
class person_id_writer {
public:
    explicit person_id_writer(const city_parameters& parameters);
    ~person_id_writer();
    person_id_writer(const person_id_writer&) = delete;
    person_id_writer& operator=(const person_id_writer&) = delete;

    /// Writes the id of `person` at `out` (at most 64 characters); returns the end.
    char* put(char* out, std::uint64_t person) const noexcept;
    std::string text(std::uint64_t person) const;

private:
    // The styles' tables and keys: only generate_ids.cpp needs to see them.
    class resident_ids;
    class hex_ids;

    id_style style_;
    id_format short_;
    std::unique_ptr<const resident_ids> resident_; ///< with `id_style::resident`
    std::unique_ptr<const hex_ids> hex_;           ///< with `id_style::hex`
};

/// Place ids, preformatted, all of one length: `<category letter><number>`
/// (numbers from 1) for short ids, else `DL` and 10 digits.
std::vector<std::string> place_ids(const place_set& set, const city_parameters& parameters);

} // namespace ctrace::generation
