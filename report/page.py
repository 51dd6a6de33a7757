"""The report's HTML: one self-contained page (inline style, no script, no network) that shows
PNG files kept beside it in a folder. Functions return HTML text; every text is escaped."""

import base64
import os
import re
from html import escape
from typing import List, Sequence, Tuple

STYLE = """
body { font-family: -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; margin: 24px auto;
       max-width: 1320px; padding: 0 16px; color: #222; line-height: 1.4; }
h1 { font-size: 1.6em; margin-bottom: 4px; } h2 { margin-top: 36px; border-bottom: 1px solid #ddd; }
h3 { margin-bottom: 6px; } p.note { color: #555; font-size: 0.92em; margin: 4px 0 10px; }
table.facts { border-collapse: collapse; font-size: 0.92em; }
table.facts td { padding: 2px 14px 2px 0; vertical-align: top; } table.facts td:first-child { color: #666; }
.columns { display: flex; gap: 40px; align-items: flex-start; } nav a { margin-right: 14px; }
figure { margin: 8px 0 14px; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { font-size: 0.85em; color: #555; }
figure.pixels img { width: 100%; image-rendering: pixelated; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; }
.card { border: 1px solid #ccc; border-left: 5px solid var(--mark); padding: 4px; font-size: 0.8em;
        background: #fafafa; }
.card img { display: block; height: 110px; } .card .when { font-weight: 600; }
.hit { --mark: #2ca02c; } .false-alarm { --mark: #d62728; } .miss { --mark: #ff7f0e; }
.detected { --mark: #d62728; } .scene { --mark: #1f77b4; } .scene img { height: 72px; }
"""


def page(title: str, body: Sequence[str]) -> str:
    """A complete HTML document."""
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
            + "\n".join(body) + "\n</body>\n</html>\n")


def heading(text: str, level: int = 2, anchor: str = "") -> str:
    identifier = f' id="{escape(anchor)}"' if anchor else ""
    return f"<h{level}{identifier}>{escape(text)}</h{level}>"


def note(text: str) -> str:
    return f'<p class="note">{escape(text)}</p>'


def navigation(links: Sequence[Tuple[str, str]]) -> str:
    """Links to the page's sections: (anchor, text)."""
    return "<nav>" + "".join(f'<a href="#{escape(a)}">{escape(t)}</a>' for a, t in links) + "</nav>"


def facts(rows: Sequence[Tuple[str, str]], css_class: str = "facts") -> str:
    """A two-column table of names and values."""
    cells = "".join(f"<tr><td>{escape(name)}</td><td>{escape(value)}</td></tr>" for name, value in rows)
    return f'<table class="{css_class}">{cells}</table>'


def facts_in_columns(rows: Sequence[Tuple[str, str]], columns: int) -> str:
    """The rows of a long facts table side by side in `columns` tables, read down then across."""
    per_column = max(1, -(-len(rows) // columns))
    tables = [facts(rows[start:start + per_column]) for start in range(0, len(rows), per_column)]
    return '<div class="columns">' + "".join(tables) + "</div>"


def figure(src: str, alt: str, caption: str = "", css_class: str = "") -> str:
    """A picture that opens at full size when clicked (the browser's zoom works on it too);
    css_class "pixels" stretches a small picture to the page's width without blurring it."""
    attribute = f' class="{escape(css_class)}"' if css_class else ""
    below = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
    return (f'<figure{attribute}><a href="{escape(src)}"><img src="{escape(src)}" alt="{escape(alt)}"></a>'
            f"{below}</figure>")


def cards(kind: str, items: Sequence[Tuple[str, List[str]]]) -> str:
    """Before/after pictures with their caption lines; `kind` is the CSS class of the group
    (hit, false-alarm, miss, detected), which colours the card's edge."""
    html = []
    for src, lines in items:
        caption = "".join(f'<div class="{"when" if n == 0 else "what"}">{escape(line)}</div>'
                          for n, line in enumerate(lines))
        html.append(f'<div class="card {kind}"><img src="{escape(src)}" alt="{escape(lines[0])}">{caption}</div>')
    return '<div class="cards">' + "".join(html) + "</div>"


def embed_pictures(html: str, folder: str, prefix: str) -> str:
    """The page with every picture `prefix/<name>` put inside it as a data URI (read from
    `folder`), and the links that opened them alone dropped: one file that shows everything
    where no sibling folder can follow it (a notebook's output, an e-mail)."""
    html = re.sub(r'<a href="' + re.escape(prefix) + r'/[^"]+">(<img [^>]+>)</a>', r"\1", html)

    def data_uri(match: "re.Match") -> str:
        with open(os.path.join(folder, match.group(1)), "rb") as handle:
            return 'src="data:image/png;base64,' + base64.b64encode(handle.read()).decode("ascii") + '"'

    return re.sub(r'src="' + re.escape(prefix) + r'/([^"]+)"', data_uri, html)
