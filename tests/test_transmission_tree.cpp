// Tests of the transmission tree as GraphML (ctrace/report/transmission_tree.hpp):
// the document is read back with a small reader of its own (keys, nodes,
// edges and their data) and checked against the tiny example's risk list by
// hand.

#include "ctrace/core/error.hpp"
#include "ctrace/report/transmission_tree.hpp"
#include "ctrace/tracing/explain.hpp"
#include "test_helpers.hpp"

#include <doctest/doctest.h>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

using namespace ctrace;
using ctrace::testing::contains;
using ctrace::testing::fixture;
using ctrace::testing::listed_row;

namespace {

/// XML's five entities back to their characters.
std::string unescaped(const std::string& text) {
    static const std::pair<std::string, std::string> entities[] = {
        {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"}, {"&amp;", "&"}};
    std::string out;
    for (std::size_t i = 0; i < text.size();) {
        bool replaced = false;
        for (const auto& [entity, character] : entities)
            if (text.compare(i, entity.size(), entity) == 0) {
                out += character;
                i += entity.size();
                replaced = true;
                break;
            }
        if (!replaced) out += text[i++];
    }
    return out;
}

/// A GraphML document as read back: data by key name.
struct graphml {
    struct key {
        std::string for_what, name, type;
    };
    std::map<std::string, key> keys; // by key id
    std::string edge_default;
    std::vector<std::string> node_ids;
    std::vector<std::map<std::string, std::string>> nodes;
    struct edge {
        std::string source, target;
        std::map<std::string, std::string> data;
    };
    std::vector<edge> edges;

    /// The node whose `id` data is `person`, or null.
    const std::map<std::string, std::string>* node(const std::string& person) const {
        for (const auto& n : nodes)
            if (n.at("id") == person) return &n;
        return nullptr;
    }
    /// The node's position (`nN`) of `person`.
    std::string node_id(const std::string& person) const {
        for (std::size_t i = 0; i < nodes.size(); ++i)
            if (nodes[i].at("id") == person) return node_ids[i];
        return "";
    }
    /// The type of the key `name` for nodes or edges.
    std::string type_of(const std::string& for_what, const std::string& name) const {
        for (const auto& [id, k] : keys)
            if (k.for_what == for_what && k.name == name) return k.type;
        return "";
    }
};

graphml read_graphml_text(const std::string& text) {
    graphml g;
    const std::regex key_pattern(
        R"re(<key id="([^"]+)" for="(node|edge)" attr\.name="([^"]+)" attr\.type="([^"]+)")re");
    for (std::sregex_iterator it(text.begin(), text.end(), key_pattern), end; it != end; ++it)
        g.keys[(*it)[1]] = {(*it)[2], (*it)[3], (*it)[4]};
    std::smatch m;
    if (std::regex_search(text, m, std::regex(R"re(<graph id="G" edgedefault="([a-z]+)")re")))
        g.edge_default = m[1];
    const std::regex data_pattern(R"re(<data key="([^"]+)">([^<]*)</data>)re");
    const auto data_of = [&](const std::string& body) {
        std::map<std::string, std::string> data;
        for (std::sregex_iterator it(body.begin(), body.end(), data_pattern), end; it != end; ++it)
            data[g.keys.at((*it)[1]).name] = unescaped((*it)[2]);
        return data;
    };
    const std::regex node_pattern(R"re(<node id="([^"]+)">([\s\S]*?)</node>)re");
    for (std::sregex_iterator it(text.begin(), text.end(), node_pattern), end; it != end; ++it) {
        g.node_ids.push_back((*it)[1]);
        g.nodes.push_back(data_of((*it)[2]));
    }
    const std::regex edge_pattern(
        R"re(<edge id="[^"]+" source="([^"]+)" target="([^"]+)">([\s\S]*?)</edge>)re");
    for (std::sregex_iterator it(text.begin(), text.end(), edge_pattern), end; it != end; ++it)
        g.edges.push_back({(*it)[1], (*it)[2], data_of((*it)[3])});
    return g;
}

std::string tree_text(const risk_listing& listing) {
    std::ostringstream out;
    write_transmission_tree(out, listing);
    return out.str();
}

} // namespace

TEST_SUITE("transmission_tree") {

    TEST_CASE("the tiny example's tree: a node per listed person, an edge per contact") {
        const risk_listing listing = read_risk_listing(fixture("tiny/risk.csv"));
        const std::string text = tree_text(listing);
        CHECK(text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<graphml"));
        const graphml g = read_graphml_text(text);
        CHECK(g.edge_default == "directed");
        // The keys and their types.
        CHECK(g.keys.size() == 9);
        CHECK(g.type_of("node", "id") == "string");
        CHECK(g.type_of("node", "label") == "string");
        CHECK(g.type_of("node", "hop") == "int");
        CHECK(g.type_of("node", "code") == "string");
        CHECK(g.type_of("node", "first_exposure") == "string");
        CHECK(g.type_of("edge", "place") == "string");
        CHECK(g.type_of("edge", "first_exposure") == "string");
        CHECK(g.type_of("edge", "last_exposure") == "string");
        CHECK(g.type_of("edge", "exposure_seconds") == "long");

        // 12 listed, 2 of them index cases: 12 nodes in the order listed, 10 edges.
        REQUIRE(g.nodes.size() == 12);
        REQUIRE(g.edges.size() == 10);
        const char* const order[] = {"C1",      "C9", "K", "E", "B", "J",
                                     "Li, Wei", "A",  "D", "H", "I", "G"};
        for (std::size_t i = 0; i < 12; ++i) {
            CHECK(g.nodes[i].at("id") == order[i]);
            CHECK(g.nodes[i].at("label") == order[i]);
            CHECK(g.node_ids[i] == "n" + std::to_string(i));
        }
        const auto& c1 = *g.node("C1");
        CHECK(c1.at("hop") == "0");
        CHECK(c1.at("code") == "red");
        CHECK(c1.at("first_exposure").empty());
        const auto& d = *g.node("D");
        CHECK(d.at("hop") == "2");
        CHECK(d.at("code") == "yellow");
        CHECK(d.at("first_exposure") == "2022-04-19T13:00:00+08:00");

        // Each non-case has exactly one incoming edge, from its via_person.
        const std::pair<const char*, const char*> links[] = {
            {"C1", "K"}, {"C1", "E"}, {"C1", "B"}, {"C1", "J"}, {"K", "Li, Wei"},
            {"B", "A"},  {"B", "D"},  {"B", "H"},  {"J", "I"},  {"D", "G"}};
        for (std::size_t i = 0; i < 10; ++i) {
            CHECK(g.edges[i].source == g.node_id(links[i].first));
            CHECK(g.edges[i].target == g.node_id(links[i].second));
        }
        // D -> G: G,3,yellow,2022-04-20T09:20:00+08:00,2022-04-20T10:00:00+08:00,…,2400,D,B03
        const auto& to_g = g.edges[9].data;
        CHECK(to_g.at("place") == "B03");
        CHECK(to_g.at("first_exposure") == "2022-04-20T09:20:00+08:00");
        CHECK(to_g.at("last_exposure") == "2022-04-20T10:00:00+08:00");
        CHECK(to_g.at("exposure_seconds") == "2400");
        // H's exposure sums both sources (B and E), the edge is from B.
        CHECK(g.edges[7].data.at("exposure_seconds") == "7200");
    }

    TEST_CASE("ids are escaped for XML") {
        risk_listing listing;
        listing.rows = {listed_row("<C&1>", 0),
                        listed_row("say \"hi\" 'x'", 1, "<C&1>", "K04,豪华KTV")};
        const std::string text = tree_text(listing);
        CHECK(contains(text, "&lt;C&amp;1&gt;"));
        CHECK(contains(text, "say &quot;hi&quot; &apos;x&apos;"));
        CHECK_FALSE(contains(text, "<C&1>"));
        const graphml g = read_graphml_text(text);
        REQUIRE(g.nodes.size() == 2);
        CHECK(g.nodes[0].at("id") == "<C&1>");
        CHECK(g.nodes[1].at("id") == "say \"hi\" 'x'");
        REQUIRE(g.edges.size() == 1);
        CHECK(g.edges[0].source == "n0");
        CHECK(g.edges[0].target == "n1");
        CHECK(g.edges[0].data.at("place") == "K04,豪华KTV");
        // 01:00 to 01:15 UTC, the listing's zone.
        CHECK(g.edges[0].data.at("first_exposure") == "1970-01-01T01:00:00Z");
        CHECK(g.edges[0].data.at("last_exposure") == "1970-01-01T01:15:00Z");
        CHECK(g.edges[0].data.at("exposure_seconds") == "900");
    }

    TEST_CASE("regression: ids with characters XML 1.0 cannot hold still give a valid document") {
        // Boost writes control characters raw: a CR would be read back as LF,
        // and \x01 or U+FFFE make the document not well-formed.
        risk_listing listing;
        listing.rows = {listed_row("a\x01"
                                   "b",
                                   0),
                        listed_row("line\rend\ttab", 1,
                                   "a\x01"
                                   "b",
                                   "P\xEF\xBF\xBE")};
        const std::string text = tree_text(listing);
        CHECK(contains(text, ">a\\x01b</data>"));
        CHECK(contains(text, ">line&#13;end\ttab</data>"));
        CHECK(contains(text, ">P\\uFFFE</data>"));
        for (const char c : text) {
            const auto u = static_cast<unsigned char>(c);
            CHECK_FALSE((u < 0x20 && u != '\t' && u != '\n'));
        }
        CHECK_FALSE(contains(text, "\xEF\xBF\xBE"));
    }

    TEST_CASE("an empty listing is a graph without nodes") {
        const graphml g = read_graphml_text(tree_text(risk_listing{}));
        CHECK(g.edge_default == "directed");
        CHECK(g.nodes.empty());
        CHECK(g.edges.empty());
    }

    TEST_CASE("a broken link throws input_error naming the person, and writes nothing") {
        risk_listing listing;
        listing.source = "list.csv";
        listing.rows = {listed_row("A", 0), listed_row("B", 1, "A", "M"),
                        listed_row("C", 2, "Z", "M")};
        std::ostringstream out;
        try {
            write_transmission_tree(out, listing);
            FAIL("no exception");
        } catch (const input_error& e) {
            CHECK(std::string(e.what()) ==
                  "list.csv: the chain breaks at 'C', hop 2: its via_person 'Z' is not listed");
        }
        CHECK(out.str().empty());
        // A cycle, which has no index case to end at.
        listing.rows = {listed_row("B", 1, "C", "M"), listed_row("C", 2, "B", "M")};
        CHECK_THROWS_AS(write_transmission_tree(out, listing), input_error);
        CHECK(out.str().empty());
    }

    TEST_CASE("a failing stream throws output_error") {
        testing::failing_write_buf buffer;
        std::ostream broken(&buffer);
        risk_listing listing;
        listing.rows = {listed_row("A", 0)};
        try {
            write_transmission_tree(broken, listing);
            FAIL("no exception");
        } catch (const output_error& e) {
            CHECK(e.target() == "transmission tree");
        }
    }
} // TEST_SUITE
