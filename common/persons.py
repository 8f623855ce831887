"""Person keys (domain.md, "Data protection"): CPR numbers and police person ids → keyed hashes. Pure.

Nothing a file says about who a person is reaches the database as it is written: a CPR number
becomes ``cpr:`` + an HMAC of its ten digits, a police person id (Person-ID, Løbenummer) becomes
``pid:`` + an HMAC of the id in a domain of its own, so an id can never give a CPR number's key.
Both use ``PERSON_KEY_SECRET``; the same secret gives the same key in every import.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re

# ASCII digits only (\d would take Arabic-Indic and other Unicode digits too). The written forms of
# formats.md §2: 010203-1234, 0102031234, 010203 1234, 010203/1234; a whole number read from a
# spreadsheet may end in ".0".
_CPR_FORMS = re.compile(r"^([0-9]{6})(?:[ \u00a0]*[-/][ \u00a0]*|[ \u00a0]+)?([0-9]{4})(?:\.0+)?$")
# Excel stores 0102031234 as the number 102031234: nine digits are a CPR number with its leading 0 lost
_CPR_NINE = re.compile(r"^([0-9]{9})(?:\.0+)?$")
# A person id that is a CPR number in one of its ten-digit forms (then it is treated as one)
CPR_LIKE = r"\s*[0-9]{6}(?:\s*[-/]\s*|\s+)?[0-9]{4}\s*"
PERSON_KEY = re.compile(r"^(?:cpr|pid):[0-9a-f]{40}$")
_PERSON_ID_DOMAIN = b"person-id\x00"  # a CPR key hashes ten digits: an id's message can never be one


def cpr_digits(value: str) -> str | None:
    """The ten digits of a CPR number in any of its written forms, or None when ``value`` is none of them."""
    text = value.strip()
    match = _CPR_FORMS.match(text)
    if match:
        return match.group(1) + match.group(2)
    match = _CPR_NINE.match(text)
    return "0" + match.group(1) if match else None


def cpr_person(cpr: str, *, secret: str) -> tuple[str, int, str]:
    """CPR number → (keyed hash person key, birth year, sex). The CPR itself is not kept.

    ``ValueError`` (a Danish reason that never repeats the value) when it is no CPR number.
    """
    digits = cpr_digits(cpr)
    if digits is None:
        raise ValueError("CPR-nummeret har ikke formen ddmmåå-xxxx")
    day, month, yy, serial = digits[0:2], digits[2:4], digits[4:6], digits[6:]
    year, seventh = int(yy), int(serial[0])
    if seventh <= 3:
        century = 1900
    elif seventh in (4, 9):
        century = 2000 if year <= 36 else 1900
    else:
        century = 2000 if year <= 57 else 1800
    try:
        dt.date(century + year, int(month), int(day))
    except ValueError as exc:
        raise ValueError("CPR-nummeret indeholder ikke en gyldig fødselsdato") from exc
    return cpr_key(digits, secret=secret), century + year, "M" if int(serial[-1]) % 2 else "K"


def cpr_key(digits: str, *, secret: str) -> str:
    """The person key of a CPR number's ten digits (unchanged since the first import: keys stay stable)."""
    return "cpr:" + hmac.new(secret.encode(), digits.encode(), hashlib.sha256).hexdigest()[:40]


def person_id_key(value: str, *, secret: str) -> str:
    """The person key of a police person id (Person-ID, Løbenummer, Sigtet ID)."""
    message = _PERSON_ID_DOMAIN + value.strip().encode()
    return "pid:" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:40]


def person_mask(value: str) -> str:
    """A person cell as an error may show it: its shape, never a digit or letter of it."""
    text = value.strip()
    masked = re.sub(r"\w", "*", text[:16])
    return masked + ("…" if len(text) > 16 else "") if text else ""


def person_rekey(value: str, *, secret: str) -> str:
    """A stored person key as an import now writes it (for values stored before keys were all hashed).

    A key already hashed is kept; a CPR number in any written form (nine digits included: a CPR
    column was kept as it was when none of its cells had six digits, a dash and four) gets its CPR
    key; anything else was a police person id.
    """
    if PERSON_KEY.match(value):
        return value
    digits = cpr_digits(value)
    if digits is not None:
        try:
            return cpr_person(digits, secret=secret)[0]
        except ValueError:
            pass
    return person_id_key(value, secret=secret)
