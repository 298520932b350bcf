#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""N DTLS-SRTP associations in one process, ours against gst-plugins-bad's, at several N.

Runs tests/bench/dtls_scale_harness (one process per run and implementation: ours by
GST_PLUGIN_PATH=<build>/gst, gst-plugins-bad's without it, each with a registry of its own), the
implementations in an order drawn at random for every round, each run bounded by a timeout (the
process is killed by its PID when it passes). Prints a table, one RATIO line per figure and, with
--json, writes every sample for tests/bench/report.py.

    scale_bench.py BUILD_DIR [--sizes 10,100,1000] [--rounds 10:5,100:4,1000:3] [--timeout 120]
                   [--json FILE]
"""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ratio as R  # noqa: E402

IMPLS = ("ours", "gst-plugins-bad")
FIELDS = ("create", "connect", "threads", "threads_total", "heap_per_side", "rss_per_side")


def run_one(harness, plugin_dir, registry_dir, impl, n, timeout):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GST_PLUGIN_PATH", "GST_REGISTRY"))}
    if impl == "ours":
        env["GST_PLUGIN_PATH"] = plugin_dir
    env["GST_REGISTRY"] = os.path.join(registry_dir, f"registry-{impl}.bin")
    env["GST_REGISTRY_FORK"] = "no"
    env.setdefault("GST_DEBUG", "*:1")
    # The harness's own deadline is a little shorter than the kill, so that it can say how far it got.
    args = [harness, f"--associations={n}", f"--timeout={max(1, timeout - 10)}"]
    try:
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:  # subprocess.run kills the child by its PID
        return {"error": f"killed after {timeout} s"}
    result, plugins = None, []
    for line in done.stdout.splitlines():
        if line.startswith("PLUGIN "):
            plugins.append(line.split()[2])
        elif line.startswith("RESULT "):
            parts = line.split()
            result = {"n": int(parts[1])}
            for item in parts[2:]:
                key, value = item.split("=")
                result[key] = float(value)
        elif line.startswith("FAIL "):
            return {"error": line[5:]}
    if done.returncode != 0 or result is None:
        return {"error": f"exit {done.returncode}: {done.stderr[-500:]}"}
    ours_file = os.path.join(plugin_dir, "libgstdtls.so")
    if any((p == ours_file) != (impl == "ours") for p in plugins):
        return {"error": f"{impl} loaded {plugins}"}
    result["total"] = result["create"] + result["connect"]
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("build_dir")
    parser.add_argument("--sizes", default="10,100,1000")
    parser.add_argument("--rounds", default="10:5,100:4,1000:3")
    parser.add_argument("--timeout", type=int, default=120)
    parser.add_argument("--json")
    args = parser.parse_args()
    build = os.path.realpath(args.build_dir)
    harness = os.path.join(build, "tests", "bench", "dtls_scale_harness")
    plugin_dir = os.path.join(build, "gst")
    sizes = [int(s) for s in args.sizes.split(",")]
    rounds = {int(k): int(v) for k, v in (p.split(":") for p in args.rounds.split(","))}
    samples = {impl: {n: [] for n in sizes} for impl in IMPLS}
    errors = []
    rng = random.Random()
    with tempfile.TemporaryDirectory(prefix="secmedia-scale-") as registry_dir:
        # The rounds of every N in one shuffled list, the implementations in random order within a
        # round: drift of the machine falls on both and on every N alike.
        schedule = [(n, r) for n in sizes for r in range(rounds.get(n, 3))]
        rng.shuffle(schedule)
        for n, _ in schedule:
            order = list(IMPLS)
            rng.shuffle(order)
            for impl in order:
                result = run_one(harness, plugin_dir, registry_dir, impl, n, args.timeout)
                if "error" in result:
                    errors.append(f"{impl} N={n}: {result['error']}")
                    print(f"# {impl} N={n}: {result['error']}", flush=True)
                else:
                    samples[impl][n].append(result)

    print("# scale: N associations (2N sides: dtlsenc + dtlsdec each) in one pipeline, no sinks; "
          "medians of the runs; create = make, add and link; connect = set_state(PLAYING) to "
          "on-key-received on all 4N elements")
    print(f"# {'impl':<16} {'N':>5} {'runs':>4} {'create s':>9} {'connect s':>10} {'total s':>8} "
          f"{'ms/assoc':>9} {'threads':>8} {'heap/side':>10} {'rss/side':>10}")
    for n in sizes:
        for impl in IMPLS:
            runs = samples[impl][n]
            if not runs:
                print(f"  {impl:<16} {n:>5} {0:>4}  (no run completed)")
                continue
            med = {k: R.median([r[k] for r in runs]) for k in FIELDS + ("total",)}
            print(f"  {impl:<16} {n:>5} {len(runs):>4} {med['create']:>9.3f} {med['connect']:>10.3f} "
                  f"{med['total']:>8.3f} {med['total'] / n * 1e3:>9.3f} {med['threads']:>8.0f} "
                  f"{med['heap_per_side']:>10.0f} {med['rss_per_side']:>10.0f}")

    def values(impl, n, key, per=1.0):
        return [r[key] / per for r in samples[impl][n]]

    lines = []
    for n in sizes:
        if samples["ours"][n] and samples["gst-plugins-bad"][n]:
            for key, figure in (("total", "all-connected"), ("create", "create"),
                                ("connect", "connect"), ("heap_per_side", "heap-per-side"),
                                ("rss_per_side", "rss-per-side"), ("threads", "threads")):
                lines.append(R.format_ratio("scale", f"{figure}/N={n}",
                                            R.ratio_of(values("ours", n, key),
                                                       values("gst-plugins-bad", n, key)),
                                            "gst-plugins-bad"))
    for impl in IMPLS:
        if 100 in sizes and 1000 in sizes and samples[impl][100] and samples[impl][1000]:
            name = "per-association" if impl == "ours" else "per-association-gst-plugins-bad"
            lines.append(R.format_ratio("scale", f"{name}/N=1000",
                                        R.ratio_of(values(impl, 1000, "total", 1000),
                                                   values(impl, 100, "total", 100)), "N=100"))
    for line in lines:
        print(line)
    for error in errors:
        print(f"# failed: {error}")
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"samples": {impl: {str(n): runs for n, runs in by_n.items()}
                                   for impl, by_n in samples.items()},
                       "errors": errors}, out, indent=1)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
