"""Statistics Denmark files → long table. Pure (formats.md §4).

Three delivery forms: the StatBank API CSV (long, ``;``, INDHOLD), the statbank.dk website
CSV (wide, one column per period, label rows, title and footnotes) and PC-Axis ``.px``.
Output columns: row (the file's line), table, area_code, area_name, dims
(``"KØN=TOT|OVERTRÆD=1320"``), period (``2016K1``, ``2016``, ``2016M01``), value (NaN for ``..``:
missing, never 0), column and cell (where the value stands in the file and its text, for messages).

The cells, variables and areas: ``dst_cells``; the CSV forms: ``dst_csv``; PC-Axis: ``dst_px``.
"""

from __future__ import annotations

import re

from .common import decode_bytes
from .dst_cells import (  # the public names of the DST parsers stay importable here
    AREA_VARIABLES,
    TIME_VARIABLES,
    AreaResolver,
    looks_like_dst,
    period_normalise,
    some_names,
    variable_name,
)
from .dst_csv import api_csv_parse, resaved_long_parse, website_csv_parse
from .dst_px import px_parse
from .police import Parsed


def dst_parse(data: bytes, *, file_name: str, municipalities: dict[str, str], table: str | None = None,
              fixed: dict[str, str] | None = None) -> Parsed:
    fixed = {variable_name(k): v for k, v in (fixed or {}).items()}
    areas = AreaResolver(municipalities)
    if file_name.lower().endswith(".px") or data.lstrip(b"\xef\xbb\xbf")[:16].upper().startswith(
            (b"CHARSET", b"AXIS-VERSION")):
        parsed = px_parse(data, file_name=file_name, areas=areas, table=table, fixed=fixed)
        parsed.warnings += areas.warnings()
        return parsed
    decoded = decode_bytes(data, file_name=file_name)
    lines = [line for line in decoded.text.splitlines() if line.strip()]
    first = lines[0] if lines else ""
    if "INDHOLD" in first.upper() and ";" in first:
        parsed = api_csv_parse(decoded.text, file_name=file_name, areas=areas, table=table, fixed=fixed)
    elif re.match(r'^\s*"?(tid|kvartal|år)"?\s*[,;]', first, re.IGNORECASE):
        parsed = resaved_long_parse(decoded.text, file_name=file_name, areas=areas, table=table, fixed=fixed)
    else:
        parsed = website_csv_parse(decoded.text, file_name=file_name, areas=areas, table=table, fixed=fixed)
    if decoded.damaged_letters or areas.damaged:
        parsed.warnings.append(
            "Filens danske bogstaver er ødelagt (�), sandsynligvis fordi den er gemt med forkert tegnsæt. "
            f"Områdenavne er genkendt ud fra de øvrige bogstaver: {some_names(sorted(areas.damaged))}."
        )
    parsed.warnings += areas.warnings()
    return parsed


__all__ = ["AREA_VARIABLES", "TIME_VARIABLES", "dst_parse", "looks_like_dst", "period_normalise"]
