"""The README is a user's page of at most 300 lines, and every relative link in it and in docs/
leads to a file that exists (and, for a link into a Markdown page, to a heading of that page)."""

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README_MAX_LINES = 300
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
FENCE = re.compile(r"^\s*(```|~~~)")


def markdown_pages():
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def prose(text, inline_code=False):
    """The text with fenced code blocks blanked out, and inline code spans too unless asked to keep
    them (a link written in code is code; a heading's anchor keeps its code's words)."""
    kept, in_fence = [], False
    for line in text.splitlines():
        if FENCE.match(line):
            in_fence = not in_fence
            kept.append("")
            continue
        kept.append("" if in_fence else line if inline_code else re.sub(r"`[^`]*`", "``", line))
    return "\n".join(kept)


def relative_links(text):
    """Every link target that is not a web address, a mail address or another scheme."""
    return [t for t in LINK.findall(prose(text)) if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", t)]


def heading_anchors(text):
    """The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces to
    hyphens, a repeated heading numbered -1, -2, ...; and any explicit <a id="..."> / name."""
    anchors, seen = set(), {}
    for line in prose(text, inline_code=True).splitlines():
        found = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if found:
            title = re.sub(r"`|\*\*|\*|__", "", found.group(1)).strip().lower()
            slug = re.sub(r"[^\w\- ]", "", title).replace(" ", "-")
            count = seen.get(slug, 0)
            seen[slug] = count + 1
            anchors.add(slug if count == 0 else f"{slug}-{count}")
    for text_id in re.findall(r"<a\s+(?:id|name)=\"([^\"]+)\"", text):
        anchors.add(text_id)
    return anchors


def broken_links(page):
    text = page.read_text(encoding="utf-8")
    broken = []
    for target in relative_links(text):
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists():
            broken.append(f"{page.relative_to(ROOT)}: {target} (no such file)")
        elif anchor and linked.suffix == ".md" and anchor not in heading_anchors(linked.read_text(encoding="utf-8")):
            broken.append(f"{page.relative_to(ROOT)}: {target} (no such heading)")
    return broken


def test_the_readme_is_a_page_of_at_most_300_lines():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").count("\n")
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines; move detail into docs/"


@pytest.mark.parametrize("page", markdown_pages(), ids=lambda p: os.path.relpath(p, ROOT))
def test_every_relative_link_leads_somewhere(page):
    assert broken_links(page) == []


def test_the_readme_links_every_page_of_docs():
    linked = {(ROOT / t.partition("#")[0]).resolve()
              for t in relative_links((ROOT / "README.md").read_text(encoding="utf-8"))}
    missing = [p.name for p in sorted((ROOT / "docs").glob("*.md")) if p.resolve() not in linked]
    assert missing == [], f"docs pages the README does not link: {missing}"


def test_a_broken_link_is_caught(tmp_path):
    page = tmp_path / "page.md"
    (tmp_path / "there.md").write_text("# A heading, with `code`\n")
    page.write_text("[ok](there.md#a-heading-with-code) [web](https://example.com) `[code](nowhere.md)`\n"
                    "[gone](nowhere.md) [bad anchor](there.md#nope)\n")
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        assert broken_links(page) == ["page.md: nowhere.md (no such file)", "page.md: there.md#nope (no such heading)"]
    finally:
        ROOT = saved
