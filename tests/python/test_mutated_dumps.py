"""Thousands of mutated dumps and snapshots through the ctrace executable: it
must refuse them cleanly (exit 2, the file named, nothing written) or read
them (exit 0), never crash (a signal, exit 1), hang or leave a partial output.

Seeded, so a failure reproduces; the failing input is kept and its path
printed. Under `scripts/test --sanitize` CTRACE_BIN is the sanitizer build.

    CTRACE_BIN=build/apps/ctrace /usr/bin/python3 tests/python/test_mutated_dumps.py -v

CTRACE_MUTATIONS sets how many dumps (default 1000).
"""

import gzip
import os
import random
import shutil
import subprocess
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
TINY = REPO / "tests" / "fixtures" / "tiny"
CTRACE = os.environ.get("CTRACE_BIN", str(REPO / "build" / "apps" / "ctrace"))
COUNT = int(os.environ.get("CTRACE_MUTATIONS") or 1000)
# One process per run: skip the re-exec that turns on huge pages.
os.environ["CTRACE_NO_HUGEPAGES"] = "1"
TIMEOUT = 60  # seconds per run; generous for sanitizer builds on a busy machine

# Bytes that parsers have to think about.
NASTY = [b"\0", b"\xff", b"\xc3", b"\xe2\x82", b"\xef\xbb\xbf", b'"', b'""', b",", b"\r", b"\n",
         b"\r\n", b"-", b"+", b":", b"T", b"Z", b" ", b"9" * 25, b"-9" * 10, b"2022-02-29",
         b"24:00", b"+18:01", b"x" * 1100, "豪华".encode()]


def mutate(data: bytes, rng: random.Random) -> bytes:
    data = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        op = rng.randrange(7)
        at = rng.randint(0, len(data))
        if op == 0 and data:  # flip a byte
            data[min(at, len(data) - 1)] = rng.randrange(256)
        elif op == 1:  # insert nasty bytes
            data[at:at] = rng.choice(NASTY)
        elif op == 2:  # delete a range
            data[at:at + rng.randint(1, 40)] = b""
        elif op == 3:  # duplicate a range
            data[at:at] = data[at:at + rng.randint(1, 200)]
        elif op == 4:  # truncate
            del data[at:]
        elif op == 5:  # swap two lines
            lines = bytes(data).split(b"\n")
            if len(lines) > 2:
                i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
                lines[i], lines[j] = lines[j], lines[i]
                data = bytearray(b"\n".join(lines))
        else:  # random bytes
            data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
    return bytes(data)


class MutatedInputs(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = Path(tempfile.mkdtemp(prefix="ctrace-mutated-"))
        cls.kept = cls.tmp / "failing"
        cls.seeds = {name: (TINY / f"{name}.csv").read_bytes() for name in ("scans", "cases", "places")}
        cls.seeds["epoch-scans"] = (REPO / "data" / "scans.csv").read_bytes()[:6000]
        cls.snapshot = cls.tmp / "tiny.h5"
        subprocess.run([CTRACE, "snapshot", "--scans", TINY / "scans.csv", "--places", TINY / "places.csv",
                        "--tz", "+08:00", "--out", cls.snapshot, "-q"], check=True)

    @classmethod
    def tearDownClass(cls):
        if not cls.kept.exists():
            shutil.rmtree(cls.tmp, ignore_errors=True)

    def run_ctrace(self, args, inputs, label):
        out = self.tmp / "out.csv"
        out.unlink(missing_ok=True)
        try:
            run = subprocess.run([CTRACE, *map(str, args), "--out", str(out)], capture_output=True,
                                 timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.keep(inputs, label)
            self.fail(f"{label}: no answer in {TIMEOUT} s (a hang?)")
        stderr = run.stderr.decode(errors="replace")
        if run.returncode not in (0, 2) or "internal error" in stderr:
            self.keep(inputs, label)
            self.fail(f"{label}: exit status {run.returncode}: {stderr[-2000:]}")
        if run.returncode == 2:
            if out.exists():
                self.keep(inputs, label)
                self.fail(f"{label}: refused but wrote its output")
            if not any(str(p) in stderr or p.name in stderr for p in inputs) and "--" not in stderr:
                self.keep(inputs, label)
                self.fail(f"{label}: refusal names no file: {stderr[:500]}")
        leftovers = [p.name for p in self.tmp.iterdir() if ".tmp-" in p.name]
        if leftovers:
            self.fail(f"{label}: temporaries left: {leftovers}")
        return run.returncode

    def keep(self, inputs, label):
        self.kept.mkdir(exist_ok=True)
        for p in inputs:
            shutil.copy(p, self.kept / f"{label}-{p.name}")
        print(f"failing inputs kept in {self.kept}")

    def test_mutated_dumps(self):
        rng = random.Random(20221123)
        outcomes = {0: 0, 2: 0}
        for i in range(COUNT):
            target = rng.choice(["scans", "scans", "scans", "epoch-scans", "cases", "places"])
            files = {name: self.tmp / f"{name}.csv" for name in ("scans", "cases", "places")}
            files["scans"].write_bytes(self.seeds["epoch-scans" if target == "epoch-scans" else "scans"])
            files["cases"].write_bytes(self.seeds["cases"])
            files["places"].write_bytes(self.seeds["places"])
            name = "scans" if target == "epoch-scans" else target
            files[name].write_bytes(mutate(files[name].read_bytes(), rng))
            args = ["trace", "--scans", files["scans"], "--places", files["places"], "--cases", files["cases"],
                    "--tz", "+08:00", "--hops", str(rng.randint(0, 4)), "-q"]
            if rng.random() < 0.5:
                args += ["--skip-bad", "--rejects", self.tmp / "rejects.csv"]
            outcomes[self.run_ctrace(args, [files[name]], f"dump{i}")] += 1
        print(f"{COUNT} mutated dumps: {outcomes[0]} read, {outcomes[2]} refused")
        self.assertGreater(outcomes[0], 0)
        self.assertGreater(outcomes[2], 0)

    def test_mutated_compressed_and_gb18030_dumps(self):
        # The tiny scans as an export would send them: GB18030 text, gzip or
        # zstd; the compressed bytes (or the text) mutated, then read with
        # --encoding gb18030: exit 0 or 2, a refusal naming the file.
        rng = random.Random(20261129)
        text = self.seeds["scans"].decode("utf-8").encode("gb18030")
        packed = {"gz": gzip.compress(text, mtime=0), "txt": text}
        if shutil.which("zstd"):
            packed["zst"] = subprocess.run(["zstd", "-q", "-c"], input=text, capture_output=True,
                                           check=True).stdout
        outcomes = {0: 0, 2: 0}
        for i in range(max(60, COUNT // 5)):
            kind = rng.choice(sorted(packed))
            scans = self.tmp / f"export.csv.{kind}"
            scans.write_bytes(mutate(packed[kind], rng))
            args = ["trace", "--scans", scans, "--places", TINY / "places.csv", "--cases",
                    TINY / "cases.csv", "--tz", "+08:00", "--encoding", "gb18030", "-q"]
            if rng.random() < 0.5:
                args += ["--skip-bad"]
            outcomes[self.run_ctrace(args, [scans], f"export{i}")] += 1
        print(f"mutated exports: {outcomes[0]} read, {outcomes[2]} refused")
        self.assertGreater(outcomes[2], 0)

    def test_mutated_snapshots(self):
        rng = random.Random(7)
        original = self.snapshot.read_bytes()
        damaged = self.tmp / "damaged.h5"
        refused = 0
        for i in range(max(50, COUNT // 10)):
            data = bytearray(original)
            if rng.random() < 0.3:
                del data[rng.randint(0, len(data)):]  # truncated
            else:
                for _ in range(rng.randint(1, 8)):
                    data[rng.randrange(len(data))] = rng.randrange(256)
            damaged.write_bytes(bytes(data))
            status = self.run_ctrace(["trace", "--snapshot", damaged, "--cases", TINY / "cases.csv", "-q"],
                                     [damaged], f"snapshot{i}")
            refused += status == 2
        self.assertGreater(refused, 0)


if __name__ == "__main__":
    unittest.main()
