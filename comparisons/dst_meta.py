"""Statistics Denmark tables' own metadata: variables, their codes and labels, and the areas that are no
municipality. Read from ``fixtures/dst/meta/*.csv`` (data, not code; see the README there). Pure: no ORM.
"""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

META_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "dst" / "meta"
TIME_VARIABLE = "TID"


def label_key(text: str) -> str:
    """Labels compared without case, spacing or Unicode form ("Indbrud i beboelser" = "indbrud i  beboelser")."""
    return " ".join(unicodedata.normalize("NFC", str(text)).casefold().split())


@dataclass(frozen=True)
class Value:
    code: str
    label: str
    level: int
    parent: str


@dataclass
class TableMeta:
    table: str
    title: str
    variables: list[str]  # DST's order, TID last
    labels: dict[str, str]  # variable → its label in website titles ("overtrædelsens art")
    values: dict[str, list[Value]] = field(default_factory=dict)

    def code_of(self, variable: str, cell: str) -> str | None:
        """A cell's code for ``variable``: the code itself, "1320 Indbrud i beboelser" or the label."""
        values = self.values.get(variable)
        if not values:
            return None
        text = str(cell).strip()
        by_code = {v.code: v for v in values}
        if text in by_code:
            return text
        head, _, rest = text.partition(" ")
        if head in by_code and rest:
            return head
        key = label_key(text)
        return next((v.code for v in values if label_key(v.label) == key), None)

    def label_of(self, variable: str, code: str) -> str:
        return next((v.label for v in self.values.get(variable, []) if v.code == code), code)

    @property
    def label_variables(self) -> list[str]:
        """The variables a website CSV may give a label column: all but the time."""
        return [v for v in self.variables if v != TIME_VARIABLE]


def _read(name: str) -> list[dict[str, str]]:
    with (META_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


@lru_cache(maxsize=1)
def tables() -> dict[str, TableMeta]:
    result: dict[str, TableMeta] = {}
    for row in sorted(_read("variables.csv"), key=lambda r: (r["table"], int(r["position"]))):
        meta = result.setdefault(row["table"], TableMeta(row["table"], row["title"], [], {}))
        meta.variables.append(row["variable"])
        meta.labels[row["variable"]] = row["label"]
    for row in _read("values.csv"):
        if row["table"] in result:
            result[row["table"]].values.setdefault(row["variable"], []).append(
                Value(row["code"], row["label"], int(row["level"] or 0), row["parent"]))
    return result


def table_meta(table: str | None) -> TableMeta | None:
    return tables().get(str(table or "").upper())


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    kind: str  # country, region, skipped (known, but no municipality: Christiansø, "uoplyst")
    other_names: tuple[str, ...]


@lru_cache(maxsize=1)
def areas() -> dict[str, Area]:
    """The areas of DST's OMRÅDE beside the 98 municipalities (000, 081–085, 411, 998)."""
    return {r["code"]: Area(r["code"], r["name"], r["kind"], tuple(n for n in r["other_names"].split("|") if n))
            for r in _read("areas.csv")}


def offence_groups(table: str = "STRAF11") -> list[tuple[str, list[Value]]]:
    """OVERTRÆD as DST groups it: each total or group (levels 0–2) with the values directly under it."""
    meta = table_meta(table)
    values = meta.values.get("OVERTRÆD", []) if meta else []
    heads = [v for v in values if v.level <= 2]
    groups = []
    for head in heads:
        children = [v for v in values if v.parent == head.code and v.level == 3]
        groups.append((head.label, [head, *children]))
    return groups
