"""Downloading an admin changelist's export (django-import-export) in a test."""

from __future__ import annotations

import re


def admin_export(client, changelist: str, fmt: str) -> bytes:
    """The export of every row of ``changelist`` (e.g. "/admin/reports/charge/") as ``fmt`` ("csv", "xlsx")."""
    url = changelist.rstrip("/") + "/export/"
    form = client.get(url).content.decode()
    options = dict((label.strip().lower(), value) for value, label in
                   re.findall(r'<option value="(\d+)"[^>]*>\s*([^<]+)', form))
    fields = re.findall(r'<input type="checkbox" name="(\w+resource_\w+)"', form)
    response = client.post(url, {"format": options[fmt], "resource": "0", **{f: "on" for f in fields}})
    assert response.status_code == 200, response.content[:500]
    return b"".join(response.streaming_content) if response.streaming else response.content
