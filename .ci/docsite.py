"""The guides of docs/*.md as antsibull-docs extra docs: docs/docsite/rst/<guide>.rst and docs/docsite/extra-docs.yml.

antsibull-docs only takes reStructuredText from docs/docsite/rst/, and the guides are Markdown
(what GitHub and the README link to, and some are rewritten by test suites: docs/reliability.md,
docs/benchmarks.md). So both files are generated, never committed (.gitignore), by `make docs`
and before `make test-build` packs the tarball. The Markdown the guides use is converted:
headings, paragraphs, bullet lists (nested blocks too), fenced code, pipe tables (`<br>` in a cell
becomes a line block), inline code, links, bold and emphasis, HTML comments, images. A link to
another guide becomes a :ref: to its page; other relative links point at the repository.

    python .ci/docsite.py
"""
import os
import re
import shutil
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = os.path.join(ROOT, "docs")
OUT = os.path.join(DOCS, "docsite", "rst")
PREFIX = "ansible_collections.mlops.elasticsearch.docsite."
# Sections of the docs site and their guides, in order; a guide not named here goes into the last one.
SECTIONS = [("Guides", ["decommissioning"])]
with open(os.path.join(ROOT, "galaxy.yml"), encoding="utf-8") as _f:
    _GALAXY = yaml.safe_load(_f)
REPOSITORY = _GALAXY["repository"].rstrip("/")
# The development documents (architecture, simulator, reliability, benchmarks) describe the
# repository, not the collection users install: galaxy.yml's build_ignore keeps them out of the
# tarball, and they stay out of the site too.
DEVELOPMENT = set(p[len("docs/"):-len(".md")] for p in _GALAXY["build_ignore"] if p.startswith("docs/") and p.endswith(".md"))
UNDERLINES = {1: "=", 2: "-", 3: "~", 4: "^"}
# An inline literal, emphasis or reference must be preceded and followed by these (or whitespace).
BEFORE = set(" \t-:/'\"<([{")
AFTER = set(" \t-.,:;!?\\/'\")]}>")


def escape(text):
    return re.sub(r"([\\`*_|])", r"\\\1", text)


def link_target(target, doc):
    """(kind, value): ('ref', label) for another guide, ('url', url) otherwise."""
    if "://" in target or target.startswith("mailto:"):
        return "url", target
    path, dummy, anchor = target.partition("#")
    resolved = os.path.normpath(os.path.join("docs", os.path.dirname(doc), path)) if path else "docs/" + doc
    if resolved.startswith("docs/") and resolved.endswith(".md") and "/" not in resolved[5:]:
        return "ref", PREFIX + resolved[5:-3]
    return "url", "%s/blob/main/%s%s" % (REPOSITORY, resolved, "#" + anchor if anchor else "")


INLINE = re.compile(r"(?P<code>`+)(?P<codetext>.+?)(?P=code)"
                    r"|!\[(?P<alt>[^\]]*)\]\((?P<img>[^)]+)\)"
                    r"|\[(?P<text>[^\]]+)\]\((?P<target>[^)\s]+)\)"
                    r"|\*\*(?P<bold>[^*]+?)\*\*"
                    r"|(?<![\w*])\*(?P<em>[^*\s][^*]*?)\*(?![\w*])"
                    r"|(?P<br><br\s*/?>)"
                    r"|\\(?P<escaped>[\\`*_|{}\[\]()#+\-.!<>])")


def inline(text, doc):
    """Markdown inline markup to RST, each construct separated from its neighbours as RST requires."""
    pieces = []  # (rst, is_markup)
    position = 0
    for match in INLINE.finditer(text):
        if match.start() > position:
            pieces.append((escape(text[position:match.start()]), False))
        position = match.end()
        if match.group("code"):
            code = match.group("codetext").strip()
            pieces.append(("``%s``" % code if "``" not in code else escape(code), True))
        elif match.group("img") is not None:
            pieces.append((escape(match.group("alt")), False))
        elif match.group("target"):
            kind, value = link_target(match.group("target"), doc)
            label = re.sub(r"`+([^`]*)`+", r"\1", match.group("text"))
            label = label.replace("<", "\\<").replace("`", "")
            pieces.append((":ref:`%s <%s>`" % (label, value) if kind == "ref" else "`%s <%s>`__" % (label, value), True))
        elif match.group("bold"):
            pieces.append(("**%s**" % escape(match.group("bold")), True))
        elif match.group("em"):
            pieces.append(("*%s*" % escape(match.group("em")), True))
        elif match.group("br"):
            pieces.append(("\n", False))
        else:
            pieces.append((escape(match.group("escaped")), False))
    if position < len(text):
        pieces.append((escape(text[position:]), False))
    out = ""
    for index, (rst, markup) in enumerate(pieces):
        if markup and out and out[-1] not in BEFORE and out[-1] != "\n":
            out += "\\ "
        out += rst
        following = pieces[index + 1][0] if index + 1 < len(pieces) else ""
        if markup and following and following[0] not in AFTER and following[0] != "\n":
            out += "\\ "
    return out


def table(lines, doc):
    rows = []
    for line in lines:
        cells = re.split(r"(?<!\\)\|", line.strip().strip("|") if not line.strip().endswith("\\|") else line.strip()[1:])
        rows.append([c.strip() for c in cells])
    header, body = rows[0], rows[2:]
    out = [".. list-table::", "   :header-rows: 1", ""]
    for row in [header] + body:
        row = (row + [""] * len(header))[:len(header)]
        for number, cell in enumerate(row):
            converted = inline(cell, doc).split("\n")
            if len(converted) > 1:
                converted = ["| " + part.strip() if part.strip() else "|" for part in converted]
            marker = "   * - " if number == 0 else "     - "
            out.append(marker + converted[0] if converted[0] else marker.rstrip())
            out.extend("       " + part for part in converted[1:])
    return out + [""]


def blocks(lines, doc, depth_offset=0):
    """Markdown lines to RST lines."""
    out = []
    index = 0
    paragraph = []

    def flush():
        if paragraph:
            out.extend(inline(" ".join(p.strip() for p in paragraph), doc).split("\n"))
            out.append("")
            del paragraph[:]

    while index < len(lines):
        line = lines[index]
        fence = re.match(r"^```(\w*)\s*$", line)
        heading = re.match(r"^(#{1,4}) (.*)$", line)
        item = re.match(r"^([-*]|\d+\.) (.*)$", line)
        if not line.strip():
            flush()
            index += 1
        elif fence:
            flush()
            body = []
            index += 1
            while not re.match(r"^```\s*$", lines[index]):
                body.append(lines[index])
                index += 1
            index += 1
            lang = {"sh": "shell", "": "text"}.get(fence.group(1), fence.group(1))
            out.extend([".. code-block:: " + lang, ""] + ["  " + b if b.strip() else "" for b in body] + [""])
        elif heading:
            flush()
            level = len(heading.group(1)) + depth_offset
            title = inline(heading.group(2), doc)
            if level == 1:
                out.extend(["=" * len(title), title, "=" * len(title), ""])
            else:
                out.extend([title, UNDERLINES[level] * len(title), ""])
            index += 1
        elif line.startswith("<!--"):
            flush()
            comment = [line]
            while "-->" not in lines[index]:
                index += 1
                comment.append(lines[index])
            index += 1
            text = " ".join(comment).replace("<!--", "").replace("-->", "").strip()
            out.extend([".. " + text, ""])
        elif line.startswith("|") and index + 1 < len(lines) and re.match(r"^\|[\s:|-]+\|\s*$", lines[index + 1]):
            flush()
            rows = []
            while index < len(lines) and lines[index].startswith("|"):
                rows.append(lines[index])
                index += 1
            out.extend(table(rows, doc))
        elif item and not paragraph:
            flush()
            marker = item.group(1)
            indent = len(marker) + 1
            body = [item.group(2)]
            index += 1
            while index < len(lines):
                nxt = lines[index]
                if nxt.startswith(" " * indent) or (not nxt.strip() and index + 1 < len(lines)
                                                    and lines[index + 1].startswith(" " * indent)):
                    body.append(nxt[indent:])
                    index += 1
                else:
                    break
            converted = blocks(body, doc)
            while converted and not converted[-1]:
                converted.pop()
            bullet = "- " if marker in "-*" else "#. "
            out.append(bullet + converted[0])
            out.extend((" " * len(bullet) + c) if c else "" for c in converted[1:])
            if index < len(lines) and not lines[index].strip():
                out.append("")
            elif index < len(lines) and not re.match(r"^([-*]|\d+\.) ", lines[index]):
                out.append("")
        else:
            paragraph.append(line)
            index += 1
    flush()
    return out


def convert(name):
    with open(os.path.join(DOCS, name + ".md"), encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    body = blocks(lines, name + ".md")
    header = [".. Generated by .ci/docsite.py (make docs) from docs/%s.md: edit that file instead." % name, "",
              ".. _%s%s:" % (PREFIX, name), ""]
    return "\n".join(header + body).rstrip() + "\n"


def main():
    guides = sorted(f[:-3] for f in os.listdir(DOCS) if f.endswith(".md") and f[:-3] not in DEVELOPMENT)
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    sections = []
    for title, names in SECTIONS:
        present = [n for n in names if n in guides]
        if title == SECTIONS[-1][0]:
            present += [g for g in guides if not any(g in ns for dummy, ns in SECTIONS)]
        if present:
            sections.append({"title": title, "toctree": present})
    for name in guides:
        with open(os.path.join(OUT, name + ".rst"), "w", encoding="utf-8") as handle:
            handle.write(convert(name))
    with open(os.path.join(DOCS, "docsite", "extra-docs.yml"), "w", encoding="utf-8") as handle:
        handle.write("---\n# Generated by .ci/docsite.py (make docs) from docs/*.md: do not edit.\nsections:\n")
        for section in sections:
            handle.write("  - title: %s\n    toctree:\n" % section["title"])
            handle.writelines("      - %s\n" % name for name in section["toctree"])
    print("docsite: %s -> docs/docsite/rst/ and docs/docsite/extra-docs.yml" % ", ".join("docs/%s.md" % g for g in guides))


if __name__ == "__main__":
    sys.exit(main())
