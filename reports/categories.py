"""Offence categories: which codes belong to which category, from the rules (domain.md).

A code belongs to a category when it matches one of the category's include prefixes for
its source and no *longer* exclude prefix of it. The answer is materialised in
``CategoryCode`` for every code in ``OffenceCode`` so figures can join on it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from .models import CategoryCode, CategoryRule, OffenceCategory, OffenceCode
from .versioning import data_changed


@dataclass(frozen=True)
class Rule:
    category: str
    source: str
    prefix: str
    exclude: bool = False


def categories_for_code(code: str, source: str, rules: Iterable[Rule]) -> set[str]:
    """The category slugs ``code`` belongs to under ``rules`` (pure; categories may overlap)."""
    best_include: dict[str, int] = {}
    best_exclude: dict[str, int] = {}
    for rule in rules:
        if rule.source != source or not code.startswith(rule.prefix):
            continue
        target = best_exclude if rule.exclude else best_include
        target[rule.category] = max(target.get(rule.category, -1), len(rule.prefix))
    return {
        category
        for category, length in best_include.items()
        if best_exclude.get(category, -1) <= length
    }


def membership(codes: Iterable[tuple[str, str]], rules: Iterable[Rule]) -> set[tuple[str, str, str]]:
    """All (category slug, source, code) memberships for (source, code) pairs."""
    rules = list(rules)
    result: set[tuple[str, str, str]] = set()
    for source, code in codes:
        for category in categories_for_code(code, source, rules):
            result.add((category, source, code))
    return result


def stored_rules() -> list[Rule]:
    return [
        Rule(r.category.slug, r.source, r.prefix, r.exclude)
        for r in CategoryRule.objects.select_related("category")
    ]


def category_membership_refresh() -> dict[str, dict[str, int]]:
    """Recompute ``CategoryCode`` from all rules and known codes.

    Returns, per category slug, how many codes entered and left it. Runs in one
    transaction; it touches only the small code tables, never the offences.
    """
    wanted = membership(OffenceCode.objects.values_list("source", "code"), stored_rules())
    slug_to_id = dict(OffenceCategory.objects.values_list("slug", "id"))
    current = {
        (slug, source, code): pk
        for pk, slug, source, code in CategoryCode.objects.values_list(
            "pk", "category__slug", "source", "code"
        )
    }
    added = wanted - current.keys()
    removed = current.keys() - wanted
    changes: dict[str, dict[str, int]] = defaultdict(lambda: {"added": 0, "removed": 0})
    with transaction.atomic():
        CategoryCode.objects.filter(pk__in=[current[key] for key in removed]).delete()
        CategoryCode.objects.bulk_create(
            [CategoryCode(category_id=slug_to_id[s], source=src, code=c) for s, src, c in added]
        )
        if added or removed:
            data_changed()
    for slug, _source, _code in added:
        changes[slug]["added"] += 1
    for slug, _source, _code in removed:
        changes[slug]["removed"] += 1
    return dict(changes)


def offence_codes_register(*, source: str, codes: dict[str, str]) -> int:
    """Add codes (code → text) not yet known and refresh membership if any were new.

    Returns the number of new codes. Importers call this with the codes of a file.
    """
    known = set(OffenceCode.objects.filter(source=source).values_list("code", flat=True))
    new = [OffenceCode(source=source, code=c, text=(t or "")[:200]) for c, t in codes.items() if c not in known]
    if new:
        OffenceCode.objects.bulk_create(new, ignore_conflicts=True)
        category_membership_refresh()
    missing_text = set(
        OffenceCode.objects.filter(source=source, text="", code__in=list(codes)).values_list(
            "code", flat=True
        )
    )
    for code in missing_text:
        if codes.get(code):
            OffenceCode.objects.filter(source=source, code=code).update(text=codes[code][:200])
    return len(new)
