#include "ctrace/tracing/profiles.hpp"

#include "ctrace/core/error.hpp"

#include <array>
#include <string>

namespace ctrace {

namespace {

constexpr duration minutes = 60;
constexpr duration days = 86400;

const std::array<protocol_profile, 3>& all_profiles() {
    static const std::array<protocol_profile, 3> profiles{{
        {"cn-ed8", 2 * days, hop_durations{14 * days, 7 * days}, hop_durations{7 * days, 0},
         15 * minutes, 0, 2,
         "China's COVID-19 prevention and control protocol, 8th edition (2021): close contacts "
         "14 days of centralised quarantine and 7 days of home health monitoring from the last "
         "exposure; contacts of close contacts 7 days; look-back 2 days before onset or "
         "sampling"},
        {"cn-ed9", 4 * days, hop_durations{7 * days, 7 * days}, hop_durations{3 * days, 0},
         15 * minutes, 0, 2,
         "9th edition (June 2022): close contacts 7 days of centralised quarantine and 3 days "
         "of home health monitoring; contacts of close contacts 7 days of home quarantine"},
        {"cwa", 4 * days, hop_durations{14 * days}, std::nullopt, 10 * minutes, 30 * minutes, 1,
         "Corona-Warn-App presence tracing: check-ins under 10 minutes ignored, the case's "
         "check-out extended by its stay up to 30 minutes, no chains"},
    }};
    return profiles;
}

/// The rule of profiles (§8.6), in one place: `value` keeps what the user
/// gave for `parameter`, else takes the profile's `profile_value`.
template <typename T>
void unless_given(const given_parameters& given, profile_parameter parameter, T& value,
                  const T& profile_value) {
    if (!given.contains(parameter)) value = profile_value;
}

} // namespace

std::span<const protocol_profile> protocol_profiles() {
    return all_profiles();
}

const protocol_profile& find_profile(std::string_view name) {
    std::string known;
    for (const protocol_profile& p : all_profiles()) {
        if (p.name == name) return p;
        known += (known.empty() ? "" : ", ") + std::string(p.name);
    }
    throw parameter_error("profile",
                          "no protocol profile '" + std::string(name) + "' (known: " + known + ")");
}

void apply_profile(const protocol_profile& profile, const given_parameters& given,
                   trace_parameters& parameters) {
    parameters.profile = std::string(profile.name);
    unless_given(given, profile_parameter::min_overlap, parameters.min_overlap,
                 profile.min_overlap);
    unless_given(given, profile_parameter::linger, parameters.linger, profile.linger);
    unless_given(given, profile_parameter::hops, parameters.hops, profile.hops);
    unless_given(given, profile_parameter::quarantine, parameters.quarantine, profile.quarantine);
    unless_given(given, profile_parameter::monitoring, parameters.monitoring, profile.monitoring);
}

void apply_profile(const protocol_profile& profile, const given_parameters& given,
                   sources_parameters& parameters) {
    unless_given(given, profile_parameter::min_overlap, parameters.min_overlap,
                 profile.min_overlap);
    unless_given(given, profile_parameter::linger, parameters.linger, profile.linger);
}

duration profile_lookback(const protocol_profile& profile, const given_parameters& given,
                          duration lookback) {
    unless_given(given, profile_parameter::lookback, lookback, profile.lookback);
    return lookback;
}

} // namespace ctrace
