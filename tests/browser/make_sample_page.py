#!/usr/bin/env python3
"""Fills the report page template with a JSON data file, as the library does.

Usage: make_sample_page.py TEMPLATE DATA.json OUT.html

A development aid for lib/src/report/html/report.html: the library
(write_html_report) puts the report's JSON where the template has its
placeholder, with "</" written "<\\/" so that no string in the data can end
the script element it stands in. This script does the same with a file.
"""

import json
import sys

PLACEHOLDER = "@CTRACE_REPORT_DATA@"


def main(argv):
    if len(argv) != 4:
        sys.stderr.write(__doc__)
        return 2
    template_path, data_path, out_path = argv[1:]
    with open(template_path, encoding="utf-8") as f:
        template = f.read()
    count = template.count(PLACEHOLDER)
    if count != 1:
        sys.stderr.write(f"{template_path}: the placeholder occurs {count} times, not once\n")
        return 2
    with open(data_path, encoding="utf-8") as f:
        text = f.read()
    json.loads(text)  # refuse a file that is not JSON, as the page would
    # In JSON, "<" can only be inside a string, where "\u003c" is "<".
    text = text.replace("<", "\\u003c")  # as the library writes it: no "</" or "<!--"
    with open(out_path, "w", encoding="utf-8") as f:
        f.write(template.replace(PLACEHOLDER, text))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
