"""Every link between the project's Markdown pages names a file that is there and, after a
`#`, a heading that page has, so a reader who follows the docs never lands nowhere."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINK = re.compile(r"\]\(([^()\s]*)\)")
HEADING = re.compile(r"^#{1,6} (.*?)\s*#*$", re.MULTILINE)
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def pages() -> list[Path]:
    """The project's Markdown pages: every `.md` outside hidden folders (the environment, git's own)."""
    return sorted(page for page in ROOT.rglob("*.md")
                  if not any(part.startswith(".") for part in page.relative_to(ROOT).parts[:-1]))


def anchor(heading: str) -> str:
    """The anchor a Markdown renderer gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    heading = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    found: set[str] = set()
    for heading in HEADING.findall(FENCE.sub("", page.read_text(encoding="utf-8"))):
        name = anchor(heading)
        n = 0
        while (name if n == 0 else f"{name}-{n}") in found:
            n += 1
        found.add(name if n == 0 else f"{name}-{n}")
    return found


def broken_links(pages: list[Path], root: Path) -> tuple[int, list[str]]:
    """How many links between pages there are, and those that land nowhere."""
    checked, broken = 0, []
    headings: dict[Path, set[str]] = {}  # each linked page's anchors, read once in this call
    for page in pages:
        for target in LINK.findall(FENCE.sub("", page.read_text(encoding="utf-8"))):
            if re.match(r"[a-z]+:", target):
                continue
            checked += 1
            path, _, fragment = target.partition("#")
            linked = (page.parent / path).resolve() if path else page
            where = f"{page.relative_to(root)}: ({target})"
            if not linked.exists():
                broken.append(f"{where} names no file")
            elif fragment and linked.suffix == ".md":
                if linked not in headings:
                    headings[linked] = anchors(linked)
                if fragment not in headings[linked]:
                    broken.append(f"{where} names no heading of {linked.relative_to(root)}")
    return checked, broken


def test_every_link_between_the_docs_lands_on_a_file_and_a_heading():
    checked, broken = broken_links(pages(), ROOT)
    assert broken == []
    assert checked > 100  # the guide, the rules' README and the architecture link to each other


def test_a_link_to_a_missing_page_or_heading_is_found(tmp_path):
    (tmp_path / "docs").mkdir()
    guide = tmp_path / "docs" / "guide.md"
    guide.write_text("# Guide\n\n## 5.1 Refusals: what a party will not do\n\n"
                     "See [the table](#51-refusals-what-a-party-will-not-do), [gone](#52-offers),\n"
                     "[rules](../rules/README.md) and [the web](https://example.org/).\n"
                     "```\n[not a link](#inside-a-fence)\n```\n", encoding="utf-8")
    checked, broken = broken_links([guide], tmp_path)
    assert checked == 3
    assert broken == ["docs/guide.md: (#52-offers) names no heading of docs/guide.md",
                      "docs/guide.md: (../rules/README.md) names no file"]
