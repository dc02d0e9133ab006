"""Structure rules of the source tree, checked on every test run:

- no include cycle among the library's headers (public and internal);
- the HDF5 wrapper (lib/src/h5.hpp) includes no ctrace domain header (only
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


def header_graph():
    """Edges header -> included header, both as paths relative to lib/."""
    headers = {}
    for path in list((LIB / "include" / "ctrace").glob("*.hpp")) + list((LIB / "src").glob("*.hpp")):
        key = path.relative_to(LIB).as_posix()
        edges = []
        for name in INCLUDE.findall(path.read_text(encoding="utf-8")):
            if name.startswith("ctrace/"):
                edges.append("include/" + name)
            else:
                edges.append("src/" + name)
        headers[key] = edges
    return headers


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
    def test_no_include_cycle(self):
        graph = header_graph()
        self.assertGreater(len(graph), 30)
        self.assertIsNone(find_cycle(graph))

    def test_cycle_finder_finds_one(self):
        self.assertEqual(find_cycle({"a": ["b"], "b": ["c"], "c": ["a"]}), ["a", "b", "c", "a"])

    def test_h5_wrapper_includes_no_domain_header(self):
        included = header_graph()["src/h5.hpp"]
        domain = [h for h in included if h.startswith("include/") and h != "include/ctrace/error.hpp"]
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
