#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Runs every recipe of README.md as a reader would, so the README cannot drift.

A recipe is a set of fenced shell blocks, each preceded by a marker naming the recipe and the
terminal it is typed into:

    <!-- recipe NAME TERMINAL -->
    ```sh
    ...
    ```

and one expectation per recipe, which says in which terminal's output how many lines must match:

    <!-- recipe-expect NAME TERMINAL COUNT REGEX -->

The terminals of a recipe start in order (each as `bash -e` with the block as its script, in its own
process group, 2 s apart, terminal 1 first: receivers and servers come first in the README), in a
scratch directory where `build` is the build directory and `examples`, `scripts` and `tools` are the
repository's, as for a reader who built with `meson setup build`. The recipe passes when the
expectation is met within the deadline; then every terminal's process group is ended by its PID. As
root the whole program runs in a network namespace of its own (loopback only), so fixed ports cannot
collide with anything else.

    readme_recipes_test.py README.md BUILD_DIR
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

NETNS_MARK = "SECMEDIA_RECIPES_NETNS"
DEADLINE_S = 45
MARKER = re.compile(r"<!--\s*recipe\s+(\S+)\s+(\d+)\s*-->\s*\n```(?:sh|bash)\n(.*?)```", re.DOTALL)
EXPECT = re.compile(r"<!--\s*recipe-expect\s+(\S+)\s+(\d+)\s+(\d+)\s+(.*?)\s*-->")


def enter_network_namespace():
    if os.environ.get(NETNS_MARK) == "1":
        subprocess.run(["ip", "link", "set", "lo", "up"], check=True, timeout=10)
        return
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return
    if subprocess.run(["unshare", "--net", "true"], capture_output=True, timeout=10).returncode:
        return
    env = dict(os.environ, **{NETNS_MARK: "1"})
    sys.stdout.flush()
    os.execvpe("unshare", ["unshare", "--net", "--", sys.executable, os.path.abspath(__file__)]
               + sys.argv[1:], env)


def parse(readme_text):
    recipes = {}
    for name, terminal, script in MARKER.findall(readme_text):
        recipes.setdefault(name, {"terminals": {}, "expect": None})["terminals"][int(terminal)] = script
    for name, terminal, count, pattern in EXPECT.findall(readme_text):
        if name in recipes:
            recipes[name]["expect"] = (int(terminal), int(count), re.compile(pattern))
    return recipes


def run_recipe(name, recipe, workdir, env):
    terminal, count, pattern = recipe["expect"]
    processes = {}
    outputs = {}
    try:
        for number in sorted(recipe["terminals"]):
            log = open(os.path.join(workdir, f"{name}-{number}.log"), "wb")
            outputs[number] = log.name
            processes[number] = subprocess.Popen(
                ["bash", "-e", "-c", recipe["terminals"][number]], cwd=workdir, env=env,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            time.sleep(2)
        deadline = time.monotonic() + DEADLINE_S
        matched = 0
        while time.monotonic() < deadline:
            with open(outputs[terminal], "rb") as f:
                text = f.read().decode(errors="replace")
            matched = sum(1 for line in text.splitlines() if pattern.search(line))
            if matched >= count:
                return True, f"{matched} lines match"
            if processes[terminal].poll() is not None and matched < count:
                break
            time.sleep(0.5)
        tails = {n: open(p, "rb").read().decode(errors="replace")[-1500:] for n, p in outputs.items()}
        return False, f"{matched} of {count} lines matching {pattern.pattern!r}; output: {tails}"
    finally:
        for process in processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def write_report(cases):
    output = os.environ.get("GTEST_OUTPUT", "")
    if not output.startswith("json:") or not output.endswith("/"):
        return
    directory = output[len("json:"):]
    os.makedirs(directory, exist_ok=True)
    failures = sum(1 for _, ok, _ in cases if not ok)
    report = {"tests": len(cases), "failures": failures, "errors": 0, "name": "AllTests",
              "testsuites": [{"name": "ReadmeRecipes", "tests": len(cases), "failures": failures,
                              "testsuite": [{"name": name, "classname": "ReadmeRecipes",
                                             "failures": [] if ok else [{"failure": why}]}
                                            for name, ok, why in cases]}]}
    with open(os.path.join(directory, "readme_recipes_test.json"), "w") as f:
        json.dump(report, f, indent=2)


def main():
    readme, build_dir = sys.argv[1], os.path.realpath(sys.argv[2])
    enter_network_namespace()
    source = os.path.dirname(os.path.realpath(readme))
    recipes = parse(open(readme).read())
    cases = []
    workdir = tempfile.mkdtemp(prefix="secmedia-recipes-")
    try:
        os.symlink(build_dir, os.path.join(workdir, "build"))
        for name in ("examples", "scripts", "tools"):
            os.symlink(os.path.join(source, name), os.path.join(workdir, name))
        env = dict(os.environ)
        # A reader's environment: the README's own export lines select our plugins.
        env.pop("GST_PLUGIN_PATH", None)
        env["GST_REGISTRY"] = os.path.join(workdir, "registry.bin")
        if not recipes:
            cases.append(("recipes_found", False, "no recipe markers in README.md"))
        for name, recipe in recipes.items():
            if recipe["expect"] is None:
                cases.append((name, False, "no recipe-expect marker"))
                continue
            started = time.monotonic()
            ok, why = run_recipe(name, recipe, workdir, env)
            print(f"[{'  OK  ' if ok else ' FAIL '}] {name} ({time.monotonic() - started:.1f} s): "
                  f"{why}", flush=True)
            cases.append((name, ok, why))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    write_report(cases)
    return 1 if any(not ok for _, ok, _ in cases) else 0


if __name__ == "__main__":
    sys.exit(main())
