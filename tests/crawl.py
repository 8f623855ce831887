"""Walk the app as one user: every link and form target reachable from a page, fetched once per path."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

SKIP_PREFIXES = ("/static/", "/media/")


class _Targets(HTMLParser):
    """Links (a href) and form targets (form action, button formaction) of one page, with their text."""

    def __init__(self):
        super().__init__()
        self.targets: list[tuple[str, str]] = []  # (url, what: "a" / "form")

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "a" and attributes.get("href"):
            self.targets.append((attributes["href"], "a"))
        elif tag == "form":
            self.targets.append((attributes.get("action") or "", "form"))
        elif tag in ("button", "input") and attributes.get("formaction"):
            self.targets.append((attributes["formaction"], "form"))


def page_targets(page: str, base: str) -> list[tuple[str, str]]:
    parser = _Targets()
    parser.feed(page)
    result = []
    for href, kind in parser.targets:
        url = urljoin(base, href)
        parts = urlsplit(url)
        if parts.scheme in ("mailto", "javascript") or (parts.netloc and parts.netloc != "testserver"):
            continue
        if href.startswith("#"):
            continue
        result.append((parts.path + (f"?{parts.query}" if parts.query else ""), kind))
    return result


def crawl(client, start: str = "/", *, limit: int = 400) -> dict[str, tuple[int, str]]:
    """path → (status of a GET, the page that links to it), each path fetched once (the first query seen).

    A form's target is fetched with GET too: the access policy answers 403 before the view's own method check
    (405), so a target the user may not use still shows as 403.
    """
    seen: dict[str, tuple[int, str]] = {}
    queue: list[tuple[str, str]] = [(start, "(start)")]
    while queue and len(seen) < limit:
        url, source = queue.pop(0)
        path = urlsplit(url).path
        if path in seen or path.startswith(SKIP_PREFIXES):
            continue
        response = client.get(url)
        seen[path] = (response.status_code, source)
        content_type = response.get("Content-Type", "")
        if response.status_code != 200 or not content_type.startswith("text/html"):
            continue
        page = response.content.decode()
        for target, _kind in page_targets(page, url):
            if urlsplit(target).path not in seen:
                queue.append((target, url))
    return seen
