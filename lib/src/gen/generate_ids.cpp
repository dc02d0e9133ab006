#include "gen/generate_ids.hpp"

#include "ctrace/core/time.hpp"
#include "gen/generate_output.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <numeric>
#include <stdexcept>

namespace ctrace::generation {

namespace {

/// An invertible affine map n -> (a n + b) mod m, a coprime to m, with a and
/// b drawn from `random`.
class affine_permutation {
public:
    affine_permutation() = default;
    affine_permutation(std::uint64_t modulus, random_source& random) : modulus_(modulus) {
        do
            a_ = 1 + random.below(modulus - 1);
        while (std::gcd(a_, modulus) != 1);
        b_ = random.below(modulus);
    }
    std::uint64_t operator()(std::uint64_t n) const noexcept {
        return static_cast<std::uint64_t>((static_cast<unsigned __int128>(a_) * n + b_) % modulus_);
    }

private:
    std::uint64_t modulus_ = 1, a_ = 1, b_ = 0;
};

/// ISO 7064 MOD 11-2 weights of the 17 digits of a resident identity number
/// (2^(17 - i) mod 11), and the check character for each weighted sum mod 11.
constexpr std::array<std::uint32_t, 17> resident_weights = {7, 9, 10, 5,  8, 4, 2, 1, 6,
                                                            3, 7, 9,  10, 5, 8, 4, 2};
constexpr char resident_check[] = "10X98765432";

/// Region codes of Dalian districts: Zhongshan, Xigang, Shahekou, Ganjingzi,
/// Lüshunkou and Jinzhou.
constexpr std::array<std::uint32_t, 6> resident_regions = {210202, 210203, 210204,
                                                           210211, 210212, 210213};
constexpr std::int64_t first_birth_year = 1940;
constexpr std::int64_t last_birth_year = 2021;

std::uint32_t weighted_digit_sum(const char* digits, std::size_t count, std::size_t first_weight) {
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i < count; ++i)
        sum += static_cast<std::uint32_t>(digits[i] - '0') * resident_weights[first_weight + i];
    return sum;
}

constexpr std::array<char, 512> make_hex_pairs() {
    std::array<char, 512> pairs{};
    constexpr char digits[] = "0123456789abcdef";
    for (std::size_t i = 0; i < 256; ++i) {
        pairs[2 * i] = digits[i >> 4];
        pairs[2 * i + 1] = digits[i & 15];
    }
    return pairs;
}
constexpr std::array<char, 512> hex_pairs = make_hex_pairs();

char* put_hex64(char* out, std::uint64_t word) noexcept {
    for (int shift = 56; shift >= 0; shift -= 8) {
        const std::size_t byte = (word >> shift) & 0xff;
        *out++ = hex_pairs[2 * byte];
        *out++ = hex_pairs[2 * byte + 1];
    }
    return out;
}

} // namespace

/// 18-character resident identity numbers: region (6 digits), birth date
/// (8), sequence (3) and check character. Person n is number
/// permutation(n) of the region × date × sequence space, decomposed.
class person_id_writer::resident_ids {
public:
    static constexpr std::size_t length = 18;

    explicit resident_ids(random_source& random) {
        for (const std::uint32_t code : resident_regions) {
            region_text_.push_back({});
            put_fixed(region_text_.back().data(), code, 6);
            region_sum_.push_back(weighted_digit_sum(region_text_.back().data(), 6, 0));
        }
        const std::int64_t first = days_from_civil(first_birth_year, 1, 1);
        const std::int64_t end = days_from_civil(last_birth_year + 1, 1, 1);
        for (std::int64_t day = first; day < end; ++day) {
            const civil_date date = civil_from_days(day);
            date_text_.push_back({});
            char* p = date_text_.back().data();
            put_fixed(
                put_fixed(put_fixed(p, static_cast<std::uint64_t>(date.year), 4), date.month, 2),
                date.day, 2);
            date_sum_.push_back(weighted_digit_sum(p, 8, 6));
        }
        const std::uint64_t modulus = std::uint64_t{region_text_.size()} * date_text_.size() * 1000;
        if (modulus != max_resident_persons)
            throw std::logic_error("resident id space differs from max_resident_persons");
        permutation_ = affine_permutation(modulus, random);
    }

    char* put(char* out, std::uint64_t person) const noexcept {
        const std::uint64_t number = permutation_(person);
        const auto sequence = static_cast<std::uint32_t>(number % 1000);
        const std::uint64_t rest = number / 1000;
        const std::size_t date = rest % date_text_.size();
        const std::size_t region = rest / date_text_.size();
        std::memcpy(out, region_text_[region].data(), 6);
        std::memcpy(out + 6, date_text_[date].data(), 8);
        put_fixed(out + 14, sequence, 3);
        const std::uint32_t sum =
            region_sum_[region] + date_sum_[date] + (sequence / 100) * resident_weights[14] +
            (sequence / 10 % 10) * resident_weights[15] + (sequence % 10) * resident_weights[16];
        out[17] = resident_check[sum % 11];
        return out + length;
    }

private:
    std::vector<std::array<char, 6>> region_text_;
    std::vector<std::uint32_t> region_sum_;
    std::vector<std::array<char, 8>> date_text_;
    std::vector<std::uint32_t> date_sum_;
    affine_permutation permutation_;
};

/// 64 lowercase hex digits, like HMAC-SHA-256 pseudonyms: four seeded mixes,
/// the first a bijection of the person number.
class person_id_writer::hex_ids {
public:
    static constexpr std::size_t length = 64;

    explicit hex_ids(random_source& random) {
        for (std::uint64_t& key : keys_)
            key = random.next();
    }

    char* put(char* out, std::uint64_t person) const noexcept {
        std::uint64_t word = mix64(person + keys_[0]);
        out = put_hex64(out, word);
        for (std::size_t i = 1; i < keys_.size(); ++i) {
            word = mix64(word ^ keys_[i]);
            out = put_hex64(out, word);
        }
        return out;
    }

private:
    std::array<std::uint64_t, 4> keys_{};
};

char* id_format::put(char* out, std::uint64_t number) const noexcept {
    *out = prefix;
    return put_fixed(out + 1, number, digits);
}

std::string id_format::text(std::uint64_t number) const {
    std::string s(digits + 1, ' ');
    put(s.data(), number);
    return s;
}

person_id_writer::person_id_writer(const city_parameters& parameters)
    : style_(parameters.ids), short_{'P',
                                     std::max<std::size_t>(7, decimal_digits(parameters.persons))} {
    random_source random(parameters.seed, 5);
    if (style_ == id_style::resident) resident_ = std::make_unique<const resident_ids>(random);
    if (style_ == id_style::hex) hex_ = std::make_unique<const hex_ids>(random);
}

person_id_writer::~person_id_writer() = default;

char* person_id_writer::put(char* out, std::uint64_t person) const noexcept {
    switch (style_) {
    case id_style::resident:
        return resident_->put(out, person);
    case id_style::hex:
        return hex_->put(out, person);
    case id_style::short_ids:
        break;
    }
    return short_.put(out, person + 1);
}

std::string person_id_writer::text(std::uint64_t person) const {
    std::array<char, hex_ids::length> buffer{};
    return {buffer.data(), put(buffer.data(), person)};
}

/// Place ids, preformatted, all of one length: `<category letter><number>`
/// (numbers from 1) for short ids, else `DL` and 10 digits.
std::vector<std::string> place_ids(const place_set& set, const city_parameters& parameters) {
    std::vector<std::string> ids;
    ids.reserve(set.category_of.size());
    if (parameters.ids == id_style::short_ids) {
        const id_format format{'?',
                               std::max<std::size_t>(5, decimal_digits(set.category_of.size()))};
        for (std::size_t p = 0; p < set.category_of.size(); ++p) {
            std::string id = format.text(p + 1);
            id[0] = categories[set.category_of[p]].prefix;
            ids.push_back(std::move(id));
        }
        return ids;
    }
    random_source random(parameters.seed, 6);
    const affine_permutation permutation(10'000'000'000ULL, random);
    for (std::size_t p = 0; p < set.category_of.size(); ++p) {
        std::string id = "DL0000000000";
        put_fixed(id.data() + 2, permutation(p), 10);
        ids.push_back(std::move(id));
    }
    return ids;
}

} // namespace ctrace::generation
