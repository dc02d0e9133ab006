"""Structure rules of the source tree, checked on every test run:

- the library's folders are its layers (LAYERS, lowest first; docs/
  architecture.md describes them): every C++ file sits in one, and includes
  run one way only, from a layer to itself or a lower one;
- no include cycle among the library's headers (public and internal);
- the HDF5 wrapper (lib/src/storage/h5.hpp) includes no ctrace domain header (only
  the error base);
- no command-line flag spelled in a library string: the library names
  parameters, the CLI adds flags;
- every 'semantics.md §N' cited in the code is a numbered heading there.
"""
import pathlib
import re
import sys
import unittest

ROOT = pathlib.Path(__file__).resolve().parents[2]
LIB = ROOT / "lib"
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')
FLAG = re.compile(r"(^|[\s'(\"])--[a-z]")


# The layers, lowest first. A file in lib/include/ctrace/LAYER/ or
# lib/src/LAYER/ may include headers of its own layer and of those before it.
LAYERS = ["core", "io", "model", "storage", "tracing", "analytics", "report", "workflow",
          "distributed"]
# Targets beside the core library: they may include any layer, and no layer
# includes them.
BESIDE = ["gen"]
# The one header allowed at the root of lib/include/ctrace: it includes them all.
UMBRELLA = "include/ctrace/ctrace.hpp"


def included(path):
    """The files that `path` includes, as paths relative to lib/."""
    edges = []
    for name in INCLUDE.findall(path.read_text(encoding="utf-8")):
        edges.append(("include/" if name.startswith("ctrace/") else "src/") + name)
    return edges


def header_graph():
    """Edges header -> included header, both as paths relative to lib/."""
    return {path.relative_to(LIB).as_posix(): included(path) for path in sorted(LIB.rglob("*.hpp"))}


def source_graph():
    """Edges file -> included header for every C++ file of the library."""
    return {path.relative_to(LIB).as_posix(): included(path)
            for path in sorted(LIB.rglob("*.[ch]pp"))}


def layer_of(key):
    """The layer folder of a path relative to lib/ ("src/tracing/trace.cpp" ->
    "tracing"), or None for a file at a root."""
    parts = key.split("/")
    parts = parts[2:] if parts[0] == "include" else parts[1:]
    return parts[0] if len(parts) > 1 else None


def upward_includes(graph):
    """Includes that run from a layer to a higher one, or into a target beside
    the library, as "file -> header"."""
    rank = {name: i for i, name in enumerate(LAYERS)}
    found = []
    for node, edges in sorted(graph.items()):
        if node == UMBRELLA:
            continue
        mine = layer_of(node)
        for target in edges:
            theirs = layer_of(target)
            if theirs in BESIDE:
                if mine != theirs:
                    found.append(f"{node} -> {target}")
            elif mine in BESIDE:
                continue
            elif theirs is None or rank[theirs] > rank[mine]:
                found.append(f"{node} -> {target}")
    return found


def find_cycle(graph):
    state = {}
    stack = []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in graph.get(node, []):
            if nxt not in graph:
                continue
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


class Layout(unittest.TestCase):
    def test_every_file_in_a_layer(self):
        folders = set(LAYERS) | set(BESIDE)
        stray = [key for key in source_graph() if key != UMBRELLA and layer_of(key) not in folders]
        self.assertEqual(stray, [])
        for root in (LIB / "src", LIB / "include" / "ctrace"):
            self.assertEqual(sorted(p.name for p in root.iterdir() if p.is_dir()), sorted(folders))

    def test_includes_run_down_the_layers(self):
        self.assertEqual(upward_includes(source_graph()), [])

    def test_layer_checker_finds_an_upward_include(self):
        graph = {"src/model/stays.cpp": ["include/ctrace/tracing/trace.hpp"],
                 "src/tracing/trace.cpp": ["include/ctrace/model/stays.hpp", "src/core/x.hpp"],
                 "src/core/time.cpp": ["include/ctrace/gen/generate.hpp"],
                 "src/gen/generate.cpp": ["include/ctrace/report/risk_list.hpp"]}
        self.assertEqual(upward_includes(graph),
                         ["src/core/time.cpp -> include/ctrace/gen/generate.hpp",
                          "src/model/stays.cpp -> include/ctrace/tracing/trace.hpp"])

    def test_architecture_names_every_folder(self):
        doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
        for folder in LAYERS + BESIDE:
            self.assertIn(f"`{folder}/`", doc)

    def test_no_include_cycle(self):
        graph = header_graph()
        self.assertGreater(len(graph), 30)
        self.assertIsNone(find_cycle(graph))

    def test_cycle_finder_finds_one(self):
        self.assertEqual(find_cycle({"a": ["b"], "b": ["c"], "c": ["a"]}), ["a", "b", "c", "a"])

    def test_h5_wrapper_includes_no_domain_header(self):
        included = header_graph()["src/storage/h5.hpp"]
        domain = [h for h in included if h.startswith("include/") and h != "include/ctrace/core/error.hpp"]
        self.assertEqual(domain, [])

    def test_no_flag_in_library_strings(self):
        flagged = []
        for path in sorted(LIB.rglob("*.[ch]pp")) + sorted(LIB.rglob("*.in")):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                code = line.split("//")[0] if '"' not in line.split("//")[0] else line
                for literal in STRING.findall(code):
                    if FLAG.search(literal):
                        flagged.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
        self.assertEqual(flagged, [])

    def test_flag_finder_finds_one(self):
        self.assertTrue(any(FLAG.search(x) for x in STRING.findall('throw e("give --tz a value");')))
        self.assertFalse(any(FLAG.search(x) for x in STRING.findall('for (; i > 0; --i) f("a");')))

    def test_semantics_citations_resolve(self):
        doc = (ROOT / "docs" / "semantics.md").read_text(encoding="utf-8")
        sections = set(re.findall(r"^#+\s*§?(\d+(?:\.\d+)?)[.\s]", doc, re.M))
        self.assertIn("4", sections)
        cited = set()
        for folder in ("lib", "apps", "tests"):
            for path in (ROOT / folder).rglob("*.[ch]pp"):
                for match in re.finditer(r"semantics\.md §(\d+(?:\.\d+)?)((?:,\s*§\d+(?:\.\d+)?)*)",
                                         path.read_text(encoding="utf-8")):
                    cited.add(match.group(1))
                    cited.update(re.findall(r"§(\d+(?:\.\d+)?)", match.group(2)))
        self.assertTrue(cited)
        self.assertEqual(sorted(cited - sections), [])


if __name__ == "__main__":
    sys.exit(unittest.main())
