// Tests of protocol profiles (ctrace/tracing/profiles.hpp; docs/semantics.md
// §8.6): a profile sets what the user did not give, and nothing else.

#include "ctrace/core/error.hpp"
#include "ctrace/tracing/profiles.hpp"

#include <doctest/doctest.h>

using namespace ctrace;

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
