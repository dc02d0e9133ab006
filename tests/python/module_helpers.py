"""What the tests of the Python module share: the fixtures' folders, the
built executable, and writing a DataFrame with `ctrace.to_csv`."""

import os
import subprocess
import warnings
from pathlib import Path

import ctrace

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"
TINY = FIXTURES / "tiny"
DOORS = FIXTURES / "doors"
FIELD = FIXTURES / "field"
SOURCES = FIXTURES / "sources"
CTRACE = os.environ.get("CTRACE_BIN", str(REPO / "build" / "apps" / "ctrace"))


def cli(*args, expect=0):
    """Runs ctrace; its stdout as bytes (the lists are written with --out -),
    or its stderr as text when it is to fail (`expect` another status)."""
    done = subprocess.run([CTRACE, *map(str, args)], capture_output=True)
    assert done.returncode == expect, (args, done.returncode, done.stderr.decode())
    return done.stdout if expect == 0 else done.stderr.decode()


def written(frame, tmp_path, name="out.csv", **options):
    """The bytes `ctrace.to_csv` writes for `frame`."""
    path = tmp_path / name
    ctrace.to_csv(frame, path, **options)
    return path.read_bytes()


def quietly(call, *args, **kwargs):
    """Calls without failing on the DataWarnings the CLI prints as warnings."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ctrace.DataWarning)
        return call(*args, **kwargs)
