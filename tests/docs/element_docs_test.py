#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Every element page lists exactly the properties, signals and pad templates that GStreamer's
registry shows for that element (what gst-inspect-1.0 prints), so the docs cannot drift.

A page documents an element in tables whose first header cell is `property`, `signal` or `pad`; the
names are the backticked words of each row's first cell. An element's tables are those of its page
or, on a page shared by several elements, of its own `## <element>` section; dtlsenc and dtlsdec
share one table (a property may belong to either). Only what the element's own class adds counts
(GstObject's `name`, GstBin's `async-handling` and the like are GStreamer's).

    element_docs_test.py DOCS_DIR     (GST_PLUGIN_PATH selects our plugins)
"""
import json
import os
import re
import sys

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GObject, Gst  # noqa: E402

# element -> (page, section heading or None for the whole page, elements sharing its tables)
PAGES = {
    "srtpenc": ("srtpenc.md", None, ("srtpenc",)),
    "srtpdec": ("srtpdec.md", None, ("srtpdec",)),
    "dtlsenc": ("dtlsenc-dtlsdec.md", None, ("dtlsenc", "dtlsdec")),
    "dtlsdec": ("dtlsenc-dtlsdec.md", None, ("dtlsenc", "dtlsdec")),
    "dtlssrtpenc": ("dtlssrtpenc-dtlssrtpdec.md", "dtlssrtpenc", ("dtlssrtpenc",)),
    "dtlssrtpdec": ("dtlssrtpenc-dtlssrtpdec.md", "dtlssrtpdec", ("dtlssrtpdec",)),
    "dtlssrtpdemux": ("dtlssrtpenc-dtlssrtpdec.md", "dtlssrtpdemux", ("dtlssrtpdemux",)),
}
GSTREAMER_TYPES = {"GObject", "GInitiallyUnowned", "GstObject", "GstElement", "GstBin"}


def section(text, heading):
    if heading is None:
        return text
    match = re.search(rf"^## {re.escape(heading)}\b.*?$(.*?)(?=^## |\Z)", text, re.M | re.S)
    return match.group(1) if match else ""


def documented(text):
    """{'property': set, 'signal': set, 'pad': set} from the tables of `text`."""
    found = {"property": set(), "signal": set(), "pad": set()}
    kind = None
    for line in text.splitlines():
        if not line.startswith("|"):
            kind = None
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if kind is None:
            header = {"template": "pad"}.get(cells[0].lower(), cells[0].lower())
            kind = header if header in found else "other"
            continue
        if kind == "other" or set(cells[0]) <= set("-: "):
            continue
        found[kind].update(re.findall(r"`([^`]+)`", cells[0]))
    return found


def registered(factory_name):
    element = Gst.ElementFactory.make(factory_name, None)
    if element is None:
        return None
    gtype = type(element).__gtype__
    properties = {p.name for p in element.list_properties()
                  if p.owner_type.name not in GSTREAMER_TYPES}
    signals = set()
    t = gtype
    while t.name not in GSTREAMER_TYPES:
        signals.update(GObject.signal_name(i) for i in GObject.signal_list_ids(t))
        t = t.parent
    pads = {t.name_template for t in element.get_factory().get_static_pad_templates()}
    return {"property": properties, "signal": signals, "pad": pads}


def main():
    docs = sys.argv[1]
    Gst.init(None)
    cases = []
    for name, (page, heading, sharing) in PAGES.items():
        path = os.path.join(docs, "elements", page)
        text = section(open(path).read(), heading)
        ours = registered(name)
        if ours is None:
            cases.append((name, [f"no element {name} in the registry"]))
            continue
        shared = {kind: set() for kind in ours}
        for other in sharing:
            for kind, names in registered(other).items():
                shared[kind] |= names
        listed = documented(text)
        problems = []
        for kind in ("property", "signal", "pad"):
            missing = sorted(ours[kind] - listed[kind])
            extra = sorted(listed[kind] - shared[kind])
            if missing:
                problems.append(f"{kind} not in {page}: {missing}")
            if extra:
                problems.append(f"{page} lists {kind} that {'/'.join(sharing)} lack: {extra}")
        cases.append((name, problems))
        print(f"[{'  OK  ' if not problems else ' FAIL '}] {name}" +
              ("" if not problems else ": " + "; ".join(problems)), flush=True)
    output = os.environ.get("GTEST_OUTPUT", "")
    if output.startswith("json:") and output.endswith("/"):
        directory = output[len("json:"):]
        os.makedirs(directory, exist_ok=True)
        failures = sum(1 for _, p in cases if p)
        report = {"tests": len(cases), "failures": failures, "errors": 0, "name": "AllTests",
                  "testsuites": [{"name": "ElementDocs", "tests": len(cases), "failures": failures,
                                  "testsuite": [{"name": n, "classname": "ElementDocs",
                                                 "failures": [{"failure": "; ".join(p)}] if p else []}
                                                for n, p in cases]}]}
        with open(os.path.join(directory, "element_docs_test.json"), "w") as f:
            json.dump(report, f, indent=2)
    return 1 if any(p for _, p in cases) else 0


if __name__ == "__main__":
    sys.exit(main())
