"""Markdown written in the app → sanitised HTML (no scripts, no event handlers, no styles)."""

import markdown as md
import nh3

ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "h3", "h4", "blockquote", "a", "table", "thead",
                "tbody", "tr", "th", "td", "code", "pre", "hr"}


def markdown_render(text: str) -> str:
    html = md.markdown(text or "", extensions=["tables", "sane_lists"])
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes={"a": {"href", "title"}},
                     url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer")
