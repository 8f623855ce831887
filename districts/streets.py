"""Normalising street names so that the street table and police addresses meet."""

import re
import unicodedata

_SPACES = re.compile(r"[\s.\-]+")


def street_key(name: str) -> str:
    """Case-, whitespace- and punctuation-insensitive key for a street name.

    Danish letters are kept (Ø is not O); "Hyldespjældet", " hyldespjældet " and
    "HYLDESPJÆLDET" all give the same key.
    """
    text = unicodedata.normalize("NFC", str(name)).casefold()
    return _SPACES.sub(" ", text).strip()
