#!/usr/bin/env python3
"""Checks that every #include and every call in the kernel goes down the
layers drawn in docs/architecture.md ("## Layers"), and fails on one that
goes up or sideways, printing file:line for each.

The document is the single source: its table `| rank | layer | files |`
gives each layer a rank (higher calls lower) and the files it owns (globs
over sources and headers), and its table `| from | to | why |` lists the
allowed exceptions (`from`: a file glob; `to`: symbols or header paths,
globs allowed). Layers of the same rank are siblings and do not call each
other. Calls are found from the kernel's objects (`make iso` builds them):
each object's undefined symbols are looked up among every object's global
definitions, so a call through a function pointer (shell commands, ktests,
PCI drivers, HCD ops, callbacks) is not a dependency, as the document says.

    check-layers.py [--build DIR] [--arch x86_64] [--doc docs/architecture.md]

Only the chosen architecture's folder under kernel/arch/ is checked (the
others are not built into the same kernel); its folder is on every file's
include path, as the Makefile's -Ikernel/arch/$(ARCH) puts it.

Prints "check-layers: N files, N includes, N calls, N violations" and
exits 1 when there is a violation or a file no layer owns.
"""
import argparse
import fnmatch
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Where the kernel sources are; each file's include path is its own folder,
# include/, kernel/arch/$(ARCH)/, and what the Makefile adds for its folder
# ("$(BUILD)/k/DIR/%: KERNEL_CFLAGS += -I...").
SOURCE_DIRS = ["kernel", "mm", "dma", "usb", "include", "tests/kernel"]
DIR_CFLAGS_RE = re.compile(r"^\$\(BUILD\)/k/(\S+)/%:\s*KERNEL_CFLAGS\s*\+=(.*)$", re.M)


def include_paths(arch):
    with open(os.path.join(ROOT, "Makefile")) as f:
        text = f.read()
    common = ["include", "kernel/arch/" + arch]
    paths = {"": common}
    for d, flags in DIR_CFLAGS_RE.findall(text):
        paths[d] = common + re.findall(r"-I(\S+)", flags)
    return paths


INCLUDE_PATH = {}
EXTENSIONS = (".c", ".S", ".h")
INCLUDE_RE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def parse_doc(path):
    """Returns ([(rank, layer, [globs])], [(from_glob, [to_globs], line)])."""
    layers, exceptions, table = [], [], None
    in_section = False
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            if line.startswith("## "):
                in_section = line.strip() == "## Layers"
                continue
            if not in_section:
                continue
            if not line.startswith("|"):
                table = None
                continue
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            header = [c.lower() for c in cells]
            if header[:3] == ["rank", "layer", "files"]:
                table = "layers"
            elif header[:3] == ["from", "to", "why"]:
                table = "exceptions"
            elif set(cells[0]) <= set("-: ") or table is None:
                continue
            elif table == "layers":
                layers.append((int(cells[0]), cells[1], re.findall(r"`([^`]+)`", cells[2])))
            else:
                exceptions.append((re.findall(r"`([^`]+)`", cells[0]),
                                   re.findall(r"`([^`]+)`", cells[1]), lineno))
    if not layers:
        sys.exit("check-layers: no `| rank | layer | files |` table under ## Layers in " + path)
    return layers, exceptions


def layer_of(path, layers):
    """The layer owning path: the most specific glob (longest literal prefix) wins."""
    best = None
    for rank, name, globs in layers:
        for g in globs:
            if fnmatch.fnmatchcase(path, g):
                key = len(g.split("*")[0])
                if best is None or key > best[0]:
                    best = (key, rank, name)
    return (best[1], best[2]) if best else None


def other_arch(rel, arch):
    parts = rel.split(os.sep)
    return parts[:2] == ["kernel", "arch"] and len(parts) > 2 and parts[2] != arch


def kernel_files(arch):
    out = []
    for d in SOURCE_DIRS:
        for dirpath, _, names in os.walk(os.path.join(ROOT, d)):
            rel = os.path.relpath(dirpath, ROOT)
            if other_arch(rel, arch):
                continue
            out += [os.path.join(rel, n) for n in sorted(names) if n.endswith(EXTENSIONS)]
    return sorted(set(out))


def resolve_include(src, name):
    here = os.path.dirname(src)
    dirs = [here] + INCLUDE_PATH.get(here, INCLUDE_PATH[""])
    for d in dirs:
        p = os.path.normpath(os.path.join(d, name))
        if os.path.isfile(os.path.join(ROOT, p)):
            return p
    return None


def allowed(src, target, exceptions, used):
    for froms, tos, lineno in exceptions:
        if (any(fnmatch.fnmatchcase(src, f) for f in froms) and
                any(fnmatch.fnmatchcase(target, t) for t in tos)):
            used.add(lineno)
            return True
    return False


def direction(a, b):
    """None if layer a may use layer b, else 'up' or 'sideways'."""
    if a[1] == b[1] or a[0] > b[0]:
        return None
    return "sideways" if a[0] == b[0] else "up"


def symbols(obj):
    out = subprocess.run([os.environ.get("NM", "nm"), obj], capture_output=True, text=True, check=True).stdout
    defined, undefined = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == "U":
            undefined.add(parts[1])
        elif len(parts) == 3 and parts[1] in "TDBRCGSVW":
            defined.add(parts[2])
    return defined, undefined


def first_use(src, sym):
    word = re.compile(r"\b%s\b" % re.escape(sym))
    with open(os.path.join(ROOT, src), errors="replace") as f:
        for lineno, line in enumerate(f, 1):
            if word.search(line) and not INCLUDE_RE.match(line):
                return lineno
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.environ.get("BUILD", "build"))
    ap.add_argument("--arch", default=os.environ.get("ARCH", "x86_64"))
    ap.add_argument("--doc", default=os.path.join(ROOT, "docs", "architecture.md"))
    args = ap.parse_args()
    INCLUDE_PATH.update(include_paths(args.arch))
    layers, exceptions = parse_doc(args.doc)
    files = kernel_files(args.arch)
    problems, owner, used = [], {}, set()
    for f in files:
        owner[f] = layer_of(f, layers)
        if owner[f] is None:
            problems.append("%s:1: no layer owns this file (add it to the table in %s)"
                            % (f, os.path.relpath(args.doc, ROOT)))

    def check(src, lineno, target, what):
        a, b = owner.get(src), owner.get(target)
        if a is None or b is None:
            return
        way = direction(a, b)
        if way and not allowed(src, target if what == "include" else what, exceptions, used):
            kind = "include of %s" % target if what == "include" else "call of %s()" % what
            where = "" if what == "include" else ", defined in %s" % target
            problems.append("%s:%d: %s goes %s: layer %s (rank %d) -> %s (rank %d)%s"
                            % (src, lineno, kind, way, a[1], a[0], b[1], b[0], where))

    n_includes = 0
    for src in files:
        with open(os.path.join(ROOT, src), errors="replace") as f:
            for lineno, line in enumerate(f, 1):
                m = INCLUDE_RE.match(line)
                if not m:
                    continue
                target = resolve_include(src, m.group(1))
                if target is None:
                    problems.append("%s:%d: cannot find \"%s\" on the include path"
                                    % (src, lineno, m.group(1)))
                    continue
                n_includes += 1
                check(src, lineno, target, "include")

    defs, undefs = {}, {}
    for src in files:
        if src.endswith(".h"):
            continue
        obj = os.path.join(args.build, "k", src + ".o")
        if not os.path.isfile(obj):
            sys.exit("check-layers: %s is missing; run `make iso` first" % obj)
        d, u = symbols(obj)
        undefs[src] = u
        for s in d:
            defs[s] = src
    n_calls = 0
    for src, syms in sorted(undefs.items()):
        for sym in sorted(syms):
            if sym in defs and defs[sym] != src:
                n_calls += 1
                check(src, first_use(src, sym), defs[sym], sym)

    for p in problems:
        print(p)
    for _, _, lineno in exceptions:
        if lineno not in used:
            print("%s:%d: note: this exception is no longer needed"
                  % (os.path.relpath(args.doc, ROOT), lineno))
    print("check-layers: %d files, %d includes, %d calls, %d violations"
          % (len(files), n_includes, n_calls, len(problems)))
    if problems:
        print("Each line names the first use; move the code, add a seam, or add a row "
              "with the reason to the exceptions table under \"## Layers\" in %s."
              % os.path.relpath(args.doc, ROOT))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
