#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""goslab's layers: which file of goslab/ calls which, and that no file
calls a file in a layer above its own.

The call graph is read from the sources (no build needed): every function
and variable defined with external linkage in a goslab/*.c file is that
file's; a .c file that names one defined in another file has an arrow to
it. Inline functions and function-like macros of goslab/*.h are expanded
where they are used: an arrow is what ends up in the object file. Test
code (goslab/tests/, included at the end of a file in a test build) is
not read.

usage: layers.py [--check] [--graph] [--root DIR]
  --graph  print every arrow between files, with the names behind it
  --check  print the upward arrows; exit 1 if there is one (the default)
"""
import argparse
import os
import re
import sys

# Bottom up; files on one line are one layer and may call each other.
LAYERS = [
    ["sizeclass", "mpagealloc", "mspan"],
    ["report"],
    ["mfixalloc"],
    ["mheap"],
    ["stats", "profile", "trace"],
    ["objhooks"],
    ["mcentral"],
    ["mcache"],
    ["cache"],
    ["kmalloc", "stack"],
    ["mgcscavenge"],
    ["debugfs", "redirect"],
    ["main"],
]

LEVEL = {name: i for i, layer in enumerate(LAYERS) for name in layer}

IDENT = re.compile(r"[A-Za-z_]\w*")
KEYWORDS = {"if", "for", "while", "switch", "return", "sizeof", "do",
            "typeof", "__typeof__", "defined"}
# Macros that define a variable named by their last argument.
DEFINERS = re.compile(r"^(?:LIST_HEAD|DEFINE_\w+)\s*\((.*)\)\s*$", re.S)


def strip(text):
    """Comments, strings and character literals out; newlines kept."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("\n" * text.count("\n", i, j))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(" 0 ")
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def macros(text):
    """Function-like #defines: name -> body. Preprocessor lines blanked."""
    found = {}
    lines = text.replace("\\\n", " ").split("\n")
    for k, line in enumerate(lines):
        s = line.strip()
        if not s.startswith("#"):
            continue
        m = re.match(r"#\s*define\s+(\w+)\(([^)]*)\)(.*)", s)
        if m:
            found[m.group(1)] = m.group(3)
        lines[k] = ""
    return found, "\n".join(lines)


def top_level(text):
    """(head, body) of each top-level item: head is the text before its
    '{' or ';', body what is between its braces (None for a ';' item)."""
    items = []
    depth = 0
    start = 0
    body_start = None
    head = None
    parens = 0
    for i, c in enumerate(text):
        if c == "(":
            parens += 1
        elif c == ")":
            parens -= 1
        elif c == "{":
            if depth == 0:
                head = text[start:i]
                body_start = i + 1
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                items.append((head, text[body_start:i]))
                # A struct or initializer goes on to its ';'.
                start = i + 1
                head = None
        elif c == ";" and depth == 0 and parens == 0:
            items.append((text[start:i], None))
            start = i + 1
    return items


def defined_name(head, body):
    """The name a top-level item defines with external linkage, or None."""
    h = head.strip()
    if not h or re.match(r"(static|extern|typedef)\b", h):
        return None
    m = DEFINERS.match(h)
    if m and body is None:
        arg = m.group(1).split(",")[-1].strip()
        return arg if IDENT.fullmatch(arg) else None
    if body is None and re.match(r"\w+\s*\(", h):
        return None			# static_assert(), EXPORT_SYMBOL() ...
    if re.search(r"(?<![=!<>])=(?!=)", h):
        h = h.split("=", 1)[0]
    elif "(" in h:
        if body is None:
            return None		# a prototype, or a macro like EXPORT_SYMBOL
        ids = IDENT.findall(h[:h.index("(")])
        return ids[-1] if ids else None
    elif body is not None:
        return None			# a struct, union or enum
    ids = IDENT.findall(re.sub(r"\[.*?\]", "", h))
    return ids[-1] if len(ids) >= 2 else None


def read(path):
    with open(path, encoding="utf-8") as f:
        return strip(f.read())


def analyse(root):
    src = os.path.join(root, "goslab")
    cfiles = sorted(f[:-2] for f in os.listdir(src) if f.endswith(".c"))
    hfiles = sorted(f for f in os.listdir(src) if f.endswith(".h"))

    owner = {}		# out-of-line name -> file
    uses = {}		# file -> identifiers it names
    inline = {}		# header inline or macro name -> identifiers it names

    for h in hfiles:
        found, text = macros(read(os.path.join(src, h)))
        for name, body in found.items():
            inline[name] = set(IDENT.findall(body))
        for head, body in top_level(text):
            if body is None or "(" not in head or "=" in head:
                continue
            if not re.search(r"\binline\b", head):
                continue
            ids = IDENT.findall(head[:head.index("(")])
            if ids:
                inline[ids[-1]] = set(IDENT.findall(body))

    for f in cfiles:
        _, text = macros(read(os.path.join(src, f + ".c")))
        for head, body in top_level(text):
            d = defined_name(head, body)
            if d and d not in KEYWORDS:
                owner.setdefault(d, f)
        uses[f] = set(IDENT.findall(text))

    def expand(names, seen):
        out = set()
        for n in names:
            if n in owner:
                out.add(n)
            if n in inline and n not in seen:
                seen.add(n)
                out |= expand(inline[n], seen)
        return out

    edges = {}
    for f in cfiles:
        for n in expand(uses[f], set()):
            g = owner[n]
            if g != f:
                edges.setdefault((f, g), set()).add(n)
    return cfiles, edges


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--graph", action="store_true")
    ap.add_argument("--root", default=os.path.join(os.path.dirname(
        os.path.abspath(__file__)), ".."))
    a = ap.parse_args()

    cfiles, edges = analyse(a.root)
    unknown = [f for f in cfiles if f not in LEVEL]
    up = sorted((f, g) for (f, g) in edges
                if f in LEVEL and g in LEVEL and LEVEL[g] > LEVEL[f])

    def show(pairs):
        for f, g in pairs:
            print(f"  {f} -> {g}: {', '.join(sorted(edges[(f, g)]))}")

    if a.graph:
        print(f"{len(edges)} arrows between {len(cfiles)} files:")
        show(sorted(edges, key=lambda e: (LEVEL.get(e[0], 99), e)))
    for f in unknown:
        print(f"goslab/{f}.c is in no layer: add it to LAYERS in {sys.argv[0]}")
    if up:
        print(f"{len(up)} upward arrow(s) (a file calling a layer above it):")
        show(up)
    elif not a.graph:
        print(f"no upward arrow among {len(cfiles)} files")
    return 1 if up or unknown else 0


if __name__ == "__main__":
    sys.exit(main())
