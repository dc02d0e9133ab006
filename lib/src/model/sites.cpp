#include "ctrace/model/sites.hpp"

#include "ctrace/core/error.hpp"
#include "ctrace/model/stays.hpp"

#include <algorithm>
#include <string>

namespace ctrace {

contact_level parse_contact_level(std::string_view text) {
    if (text == "code") return contact_level::code;
    if (text == "site") return contact_level::site;
    throw parameter_error("contact_level",
                          "expected 'code' or 'site', not '" + std::string(text) + "'");
}

std::string_view contact_level_name(contact_level level) noexcept {
    return level == contact_level::site ? "site" : "code";
}

std::string_view site_of(const place_table& places, place_index row,
                         std::string_view code) noexcept {
    if (places.has_site && row < places.size() && !places.site[row].empty())
        return places.site[row];
    return code;
}

void require_sites(const place_table& places) {
    if (places.has_site) return;
    throw parameter_error("contact_level",
                          places.size() == 0
                              ? "site level needs the places file's 'site' column (the venue of "
                                "each door code), and no places file was given"
                              : "site level needs the places file's 'site' column (the venue of "
                                "each door code), and the places file has none");
}

code_sites site_of_codes(const place_table& codes, const id_table& places) {
    // Each code's site, interned in code order: the places file's codes come
    // first, so do their sites.
    code_sites out;
    out.site_of.resize(places.size());
    for (std::size_t x = 0; x < places.size(); ++x) {
        const auto code = static_cast<place_index>(x);
        out.site_of[x] = out.sites.intern(
            site_of(codes, x < codes.size() ? code : id_table::npos, places[code]));
        if (x + 1 == codes.size()) out.listed_sites = out.sites.size();
    }
    return out;
}

void roll_up_to_sites(dataset& data) {
    if (data.parameters.level == contact_level::site) return;
    require_sites(data.place_info);
    const place_table& codes = data.place_info;
    const bool has_sites = codes.has_site;
    code_sites mapped = site_of_codes(codes, data.places);
    id_table& sites = mapped.sites;
    const std::vector<std::uint32_t>& site_of = mapped.site_of;
    const std::size_t listed_sites = mapped.listed_sites;

    place_table info = place_table_with_columns_of(codes);
    info.has_site = has_sites;
    for (std::size_t s = 0; s < listed_sites; ++s) {
        const std::string_view id = sites[static_cast<place_index>(s)];
        info.ids.intern(id);
        // The site's own row, when the places file lists the site as a place.
        const place_index own = codes.ids.find(id);
        const bool listed = own != id_table::npos;
        const auto text = [&](const std::vector<std::string>& column) {
            return listed && !column.empty() ? column[own] : std::string();
        };
        info.dwell.push_back(listed && !codes.dwell.empty() ? codes.dwell[own] : -1);
        info.category.push_back(text(codes.category));
        info.name.push_back(text(codes.name));
        info.district.push_back(text(codes.district));
        info.lat.push_back(text(codes.lat));
        info.lon.push_back(text(codes.lon));
        info.site.push_back(has_sites ? std::string(id) : std::string());
        info.min_overlap.push_back(-1);
    }
    if (codes.has_min_overlap)
        for (std::size_t x = 0; x < codes.size(); ++x) {
            const duration m = codes.min_overlap[x];
            duration& at_site = info.min_overlap[site_of[x]];
            if (m >= 0 && (at_site < 0 || m < at_site)) at_site = m;
        }

    std::vector<visit> visits;
    visits.reserve(data.stays.size());
    for (std::size_t i = 0; i < data.stays.size(); ++i)
        visits.push_back({data.stays.person[i], site_of[data.stays.place[i]], data.stays.start[i],
                          data.stays.end[i]});
    data.stays = {};
    data.stays = build_stays(std::move(visits), data.persons.size(), sites.size());
    data.places = std::move(sites);
    data.place_info = std::move(info);
    data.parameters.level = contact_level::site;
}

} // namespace ctrace
