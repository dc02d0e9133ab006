// Tests of ctrace/tracing/profiles.hpp: the protocol profiles of
// docs/semantics.md §8.6 (the contract's exposure.md §8.6).
//
// The expected values are the table of §8.6 as written there (`2d`, `14d,7d`,
// none …), not the code's: each is read with the duration parser, whose
// results for those words are checked against seconds computed by hand.

#include "ctrace/core/error.hpp"
#include "ctrace/core/time.hpp"
#include "ctrace/tracing/profiles.hpp"
#include "test_helpers.hpp"

#include <algorithm>
#include <cstdint>
#include <doctest/doctest.h>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

using namespace ctrace;

namespace {

/// One row of the table of docs/semantics.md §8.6, as its text.
struct documented_profile {
    std::string_view name;
    std::string_view lookback;
    std::string_view quarantine;
    std::string_view monitoring; ///< "none": no monitoring (no tenth column)
    std::string_view min_overlap;
    std::string_view linger;
    std::uint32_t hops;
    std::string_view basis_names; ///< words the basis must name
};

constexpr documented_profile documented[] = {
    {"cn-ed8", "2d", "14d,7d", "7d,0", "15m", "0", 2, "8th edition"},
    {"cn-ed9", "4d", "7d,7d", "3d,0", "15m", "0", 2, "9th edition"},
    {"cwa", "4d", "14d", "none", "10m", "30m", 1, "Corona-Warn-App"},
};

} // namespace

TEST_SUITE("profiles") {

    TEST_CASE("the durations of the profile table read as the seconds computed by hand") {
        constexpr duration minute = 60, day = 86400;
        CHECK(parse_duration("0") == 0);
        CHECK(parse_duration("10m") == 10 * minute);
        CHECK(parse_duration("15m") == 15 * minute);
        CHECK(parse_duration("30m") == 30 * minute);
        CHECK(parse_duration("2d") == 2 * day);
        CHECK(parse_duration("3d") == 3 * day);
        CHECK(parse_duration("4d") == 4 * day);
        CHECK(parse_duration("7d") == 7 * day);
        CHECK(parse_duration("14d") == 14 * day);
        CHECK(parse_hop_durations("14d,7d").by_hop() == std::vector<duration>{1209600, 604800});
        CHECK(parse_hop_durations("7d,0").by_hop() == std::vector<duration>{604800, 0});
    }

    TEST_CASE("every profile has the values of the table in docs/semantics.md §8.6") {
        for (const documented_profile& want : documented) {
            CAPTURE(want.name);
            const protocol_profile& got = find_profile(want.name);
            CHECK(got.name == want.name);
            CHECK(got.lookback == parse_duration(want.lookback));
            CHECK(got.quarantine == parse_hop_durations(want.quarantine));
            if (want.monitoring == "none") {
                CHECK_FALSE(got.monitoring.has_value());
            } else {
                REQUIRE(got.monitoring.has_value());
                CHECK(*got.monitoring == parse_hop_durations(want.monitoring));
            }
            CHECK(got.min_overlap == parse_duration(want.min_overlap));
            CHECK(got.linger == parse_duration(want.linger));
            CHECK(got.hops == want.hops);
            CHECK(ctrace::testing::contains(got.basis, want.basis_names));
        }
    }

    TEST_CASE("the profiles by hop: cn-ed8 gives close contacts 14 + 7 days, every hop beyond 7 + "
              "0") {
        const protocol_profile& ed8 = find_profile("cn-ed8");
        REQUIRE(ed8.monitoring.has_value());
        constexpr duration day = 86400;
        CHECK(ed8.quarantine.at_hop(1) == 14 * day);
        CHECK(ed8.monitoring->at_hop(1) == 7 * day);
        for (const std::uint32_t hop : {2u, 3u, 7u}) {
            CAPTURE(hop);
            CHECK(ed8.quarantine.at_hop(hop) == 7 * day);
            CHECK(ed8.monitoring->at_hop(hop) == 0);
        }
        const protocol_profile& ed9 = find_profile("cn-ed9");
        REQUIRE(ed9.monitoring.has_value());
        CHECK(ed9.quarantine.at_hop(1) == 7 * day);
        CHECK(ed9.quarantine.at_hop(2) == 7 * day);
        CHECK(ed9.monitoring->at_hop(1) == 3 * day);
        CHECK(ed9.monitoring->at_hop(2) == 0);
        CHECK(find_profile("cwa").quarantine.at_hop(1) == 14 * day);
    }

    TEST_CASE("protocol_profiles lists exactly the documented profiles, each once") {
        std::multiset<std::string> got;
        for (const protocol_profile& p : protocol_profiles())
            got.emplace(p.name);
        std::multiset<std::string> want;
        for (const documented_profile& d : documented)
            want.emplace(d.name);
        CHECK(got == want);
        // find_profile returns the listed entry itself.
        for (const protocol_profile& p : protocol_profiles())
            CHECK(&find_profile(p.name) == &p);
    }

    TEST_CASE("an unknown profile is a parameter_error for profile naming it and the known ones") {
        for (const std::string_view name : {"cn-ed10", "cn-ed", "", "cn_ed8"}) {
            CAPTURE(name);
            try {
                (void)find_profile(name);
                FAIL("an unknown profile was found");
            } catch (const parameter_error& e) {
                CHECK(e.parameter() == "profile");
                const std::string message = e.what();
                CHECK(ctrace::testing::contains(message, "'" + std::string(name) + "'"));
                for (const documented_profile& d : documented)
                    CHECK(ctrace::testing::contains(message, d.name));
            }
        }
    }

    // apply_profile: the rule that a parameter given explicitly wins.

    namespace {

    constexpr duration minutes = 60;
    constexpr duration days = 86400;

    } // namespace

    TEST_CASE(
        "profiles: find_profile knows cn-ed8, cn-ed9 and cwa, and names them when asked another") {
        CHECK(find_profile("cwa").hops == 1);
        CHECK(find_profile("cn-ed9").lookback == 4 * days);
        try {
            find_profile("who");
            FAIL("no error");
        } catch (const parameter_error& e) {
            CHECK(e.parameter() == "profile");
            CHECK(std::string(e.what()).find("cn-ed8, cn-ed9, cwa") != std::string::npos);
        }
    }

    TEST_CASE("profiles: with nothing given, a profile sets every tracing parameter it has") {
        trace_parameters parameters;
        parameters.latency = 3600; // not the profile's: kept
        apply_profile(find_profile("cwa"), {}, parameters);
        CHECK(parameters.profile == "cwa");
        CHECK(parameters.min_overlap == 10 * minutes);
        CHECK(parameters.linger == 30 * minutes);
        CHECK(parameters.hops == 1);
        CHECK(parameters.quarantine.by_hop().size() == 1);
        CHECK(parameters.quarantine.by_hop()[0] == 14 * days);
        CHECK(!parameters.monitoring);
        CHECK(parameters.latency == 3600);
        CHECK(profile_lookback(find_profile("cwa"), {}, 7 * days) == 4 * days);
    }

    TEST_CASE("profiles: a parameter given explicitly wins over the profile") {
        trace_parameters parameters;
        parameters.min_overlap = 5 * minutes;
        parameters.hops = 3;
        parameters.monitoring = hop_durations{days};
        const given_parameters given{profile_parameter::min_overlap, profile_parameter::hops,
                                     profile_parameter::monitoring};
        const protocol_profile& ed8 = find_profile("cn-ed8");
        apply_profile(ed8, given, parameters);
        CHECK(parameters.min_overlap == 5 * minutes);
        CHECK(parameters.hops == 3);
        REQUIRE(parameters.monitoring);
        CHECK(parameters.monitoring->by_hop()[0] == days);
        CHECK(parameters.linger == ed8.linger);
        CHECK(parameters.quarantine.by_hop() == ed8.quarantine.by_hop());

        CHECK(profile_lookback(ed8, {profile_parameter::lookback}, 7 * days) == 7 * days);
        CHECK(profile_lookback(ed8, given, 7 * days) == 2 * days);
    }

    TEST_CASE("profiles: backward tracing takes the profile's exposure model unless given") {
        sources_parameters parameters;
        parameters.incubation_min = 2 * days; // no profile sets it
        parameters.linger = 5 * minutes;
        apply_profile(find_profile("cwa"), {profile_parameter::linger}, parameters);
        CHECK(parameters.min_overlap == 10 * minutes);
        CHECK(parameters.linger == 5 * minutes);
        CHECK(parameters.incubation_min == 2 * days);
    }

} // TEST_SUITE
