#pragma once
/// \file
/// A synthetic city: scan logs, places and index cases for demos, tests and
/// benchmarks, in the input formats of docs/semantics.md §1. Nothing in it is
/// a real person or place.
///
/// The model, in short:
/// - Persons live in households of 1 to 5: one or two working-age adults, the
///   rest children or retired grandparents. Households live in districts.
/// - On weekdays workers scan in at their workplace (mostly offices, some
///   schools and hospitals) and children at a school of their district; many
///   take the same bus line each morning and evening; workers go out for
///   lunch, everyone may run errands or go out in the evening. Retirees go to
///   markets, banks, hospitals and tea houses in the daytime.
/// - On weekends households go out together (same venue, same minutes) and
///   persons visit malls, restaurants, cinemas, KTVs, gyms and markets.
/// - Venue popularity is heavy-tailed: within a category of n places the place
///   of popularity rank r is chosen with weight 1/(r + 2 + k n) (Zipf–Mandelbrot),
///   k from 0.02 for malls and office towers to 0.1 for restaurants and buses,
///   which fill up; six errands in ten stay in the home district.
/// - About `checkout_share` of scans carry a check-out (`leave`); the others
///   rely on the place's dwell. Some persons scan the same place again a few
///   minutes later, and a few rows are exact duplicates (double submissions).
/// - Rows of `scans.csv` are in time order, as a server log would be, or
///   (`row_order::shuffled`) in a uniformly random order, as an unordered
///   database dump would be: the same rows either way.
/// - Ids are short and readable (`P0000001`, `M00001`) or look like real ones
///   (`id_style`): 18-character resident identity numbers or 64-hex-digit
///   pseudonyms for persons, `DL` and ten digits for places.
///
/// Output is a pure function of the parameters: the same parameters give the
/// same files, byte for byte, with any compiler and standard library (the
/// generator uses its own xoshiro256** generator, integer draws and only
/// IEEE-exact double operations, no std distributions or libm functions).

#include "ctrace/core/time.hpp"
#include "ctrace/core/types.hpp"

#include <cstdint>
#include <filesystem>

namespace ctrace {

/// The order of the rows of `scans.csv`.
enum class row_order {
    /// By scan time, day after day (rows of one second in generation order),
    /// as a server log.
    time,
    /// All rows of all days in a uniformly random order (a seeded
    /// permutation), as an unordered dump. The rows are exactly those of
    /// `time`. Done out of core: rows go to unnamed temporary files in the
    /// output folder (24 bytes a row, so about a third more disk space than
    /// scans.csv itself, freed at the end), and at most about 8 million rows
    /// are held in memory at once.
    shuffled,
};

/// How person and place ids look. Each person and each place has a distinct
/// id in every style; cases.csv and places.csv use the same ids as scans.csv.
enum class id_style {
    /// `P` and the person number from 1, zero-padded to at least 7 digits;
    /// places a category letter and their number, at least 5 digits
    /// (`P0000001`, `M00001`).
    short_ids,
    /// Persons: 18-character Chinese resident identity numbers (GB 11643):
    /// a region code of a Dalian district (`2102..`), a birth date
    /// YYYYMMDD from 1940 to 2021, a 3-digit sequence and the ISO 7064
    /// MOD 11-2 check character (0-9 or X). The person numbers are mapped
    /// through a seeded affine permutation of the `max_resident_persons`
    /// possible numbers, so there can be at most that many persons.
    /// Places: `DL` and 10 digits, through a seeded affine permutation of
    /// 0..10^10-1 (`DL1949111419`).
    resident,
    /// Persons: 64 lowercase hex digits, like HMAC-SHA-256 pseudonyms. The
    /// first 16 are a seeded bijective 64-bit mix of the person number (so
    /// ids are distinct), the other 48 further mixes of it. Places as for
    /// `resident`.
    hex,
};

/// How many distinct resident identity numbers `id_style::resident` can
/// give: 6 districts × 29951 birth dates × 1000 sequence numbers.
inline constexpr std::uint64_t max_resident_persons = 6ULL * 29951 * 1000;

struct city_parameters {
    std::uint64_t persons = 1000;
    std::uint32_t places = 50;
    std::uint32_t days = 14;
    std::uint64_t seed = 1;
    /// Local midnight of the first day: 2022-04-01T00:00:00+08:00 (a Friday).
    time_point start = 1648742400;
    /// The city's UTC offset: days start at local midnight, weekends are local
    /// Saturdays and Sundays, and cases.csv is written in this zone.
    utc_offset tz{8 * 3600};
    /// Index cases written to cases.csv (at most `persons`).
    std::uint32_t cases = 20;
    /// Index cases come to light at the end of the period, as when tracing
    /// runs: their infectious windows start within its last this many days
    /// (the default look-back of `ctrace trace`).
    std::uint32_t recent_case_days = 4;
    /// Share of index cases without an isolation time (`to` empty).
    double open_case_share = 0.3;
    /// Share of scans that carry a check-out time.
    double checkout_share = 0.3;
    /// Share of scans followed by a second scan of the same place a few minutes later.
    double rescan_share = 0.03;
    /// Share of scan rows written twice in a row.
    double duplicate_share = 0.01;
    /// The row order of scans.csv (the rows themselves do not depend on it).
    row_order order = row_order::time;
    /// With `row_order::shuffled`: rows per temporary bucket the shuffle aims
    /// at, from the expected row count (at most 512 buckets). About this many
    /// rows, 24 bytes each, are in memory at once. The order depends on it.
    std::uint64_t shuffle_bucket_rows = 8'000'000;
    /// The look of person and place ids (nothing else depends on it).
    id_style ids = id_style::short_ids;
};

/// Scan rows the model yields per person and day, on average (close to 4).
inline constexpr double scans_per_person_day = 4.0;

/// The number of persons that gives about `scans` scan rows over `days` days.
std::uint64_t persons_for_scans(std::uint64_t scans, std::uint32_t days);

/// A sensible place count for a city of `persons`: one place per 20 persons,
/// at least 20.
std::uint32_t default_places(std::uint64_t persons);

/// What `generate_city` wrote.
struct city_summary {
    std::uint64_t scan_rows = 0;
    std::uint64_t persons = 0;
    std::uint32_t places = 0;
    std::uint32_t cases = 0;
    std::uint64_t bytes = 0;
};

/// Writes `scans.csv` (`person,place,time,leave`, epoch seconds),
/// `places.csv` (`place,name,category,district,lat,lon,dwell`) and `cases.csv`
/// (`person,from,to,onset`, ISO 8601 in the city's zone; onset = from + the
/// default look-back) into `folder`, which must
/// exist. Each file is replaced atomically, and all three are renamed into
/// place only once all are complete. With `row_order::shuffled` the folder
/// also holds the unnamed temporaries of the shuffle (see `row_order`).
/// Throws `input_error` for unusable parameters (no persons, places or days,
/// shares outside [0, 1], a period beyond the representable times, more
/// persons than `max_resident_persons` with resident ids) and `output_error`
/// when writing fails.
city_summary generate_city(const city_parameters& parameters, const std::filesystem::path& folder);

} // namespace ctrace
