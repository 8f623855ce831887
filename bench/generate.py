"""Seeded generator of realistic police extracts at any size (formats.md §1 and §2).

    python bench/generate.py --offences 1000000 --out bench/data/1m --seed 7

writes ``anmeldelser.csv`` and ``sigtelser.csv`` (Windows-1252, ``;``, Danish dates, the
headers users' files have) for the 11 municipalities of Københavns Vestegns Politi,
2016–2025, streaming in chunks so memory stays flat at any size.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import time
from pathlib import Path

import numpy as np

MUNICIPALITIES = {
    "165": ("Albertslund", ["Vester", "Øster", "Lund"], 27_800),
    "151": ("Ballerup", [], 48_700),
    "153": ("Brøndby", [], 35_600),
    "159": ("Gladsaxe", [], 69_600),
    "161": ("Glostrup", [], 23_200),
    "163": ("Herlev", [], 28_900),
    "167": ("Hvidovre", [], 53_700),
    "169": ("Høje-Taastrup", [], 51_700),
    "183": ("Ishøj", [], 23_500),
    "175": ("Rødovre", [], 40_700),
    "187": ("Vallensbæk", [], 16_500),
}
# (code, text, weight): police gerningskoder, weighted like a suburban crime picture
CODES = [
    ("75110", "Tyveri fra bil", 9), ("75120", "Butikstyveri", 12), ("75190", "Andre tyverier", 14),
    ("75150", "Cykeltyveri", 10), ("75310", "Indbrud i beboelse", 8),
    ("75320", "Indbrud i forretning", 3), ("73241", "Simpel vold", 6), ("73251", "Alvorligere vold", 2),
    ("84110", "Lov om euforiserende stoffer", 7), ("76319", "Røveri", 1), ("78110", "Hærværk", 8),
    ("71100", "Bedrageri", 9), ("61600", "Politiets initiativ", 2),
]
STREETS = ["Hyldespjældet", "Lundevej", "Topperne", "Bybuen", "Galgebakken", "Roskildevej",
           "Herstedvang", "Vridsløsevej", "Hovedgaden", "Stationsvej", "Skolevej", "Parkvej"]
OFFENCE_HEADER = ["Journalnummer", "Forhold", "Anmeldt dato", "Gerningsdato", "Gerningskode",
                  "Gerningskode tekst", "Gerningssted", "Postnr", "Kommunekode", "Bydel", "Initiativsag"]
CHARGE_HEADER = ["Journalnummer", "Forhold", "Person-ID", "Sigtelsesdato", "Fødselsår", "Køn",
                 "Bopælskommune", "Bopæl bydel"]
START = dt.date(2016, 1, 1)
DAYS = (dt.date(2025, 12, 31) - START).days + 1


def generate(*, offences: int, out: Path, seed: int, chunk: int = 100_000) -> dict[str, int]:
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    codes = np.array([c for c, _t, _w in CODES])
    texts = dict((c, t) for c, t, _w in CODES)
    weights = np.array([w for *_x, w in CODES], dtype=float)
    weights /= weights.sum()
    muni_codes = np.array(list(MUNICIPALITIES))
    muni_weights = np.array([p for _n, _d, p in MUNICIPALITIES.values()], dtype=float)
    muni_weights /= muni_weights.sum()
    n_charges = 0
    persons = max(1000, offences // 8)
    with (
        open(out / "anmeldelser.csv", "w", encoding="cp1252", newline="") as fo,
        open(out / "sigtelser.csv", "w", encoding="cp1252", newline="") as fc,
    ):
        wo = csv.writer(fo, delimiter=";")
        wc = csv.writer(fc, delimiter=";")
        wo.writerow(OFFENCE_HEADER)
        wc.writerow(CHARGE_HEADER)
        for first in range(0, offences, chunk):
            n = min(chunk, offences - first)
            code = rng.choice(codes, size=n, p=weights)
            muni = rng.choice(muni_codes, size=n, p=muni_weights)
            report_day = rng.integers(0, DAYS, size=n)
            lag = rng.integers(0, 6, size=n)
            street = rng.integers(0, len(STREETS), size=n)
            house = rng.integers(1, 120, size=n)
            district_pick = rng.integers(0, 3, size=n)
            charged = rng.random(n) < 0.25
            extra = rng.random(n) < 0.15
            for i in range(n):
                number = first + i
                report = START + dt.timedelta(days=int(report_day[i]))
                offence = report - dt.timedelta(days=int(lag[i]))
                journal = f"0400-{70000 + number // 99999:05d}-{number % 99999:05d}-{report.year % 100:02d}"
                name, districts, _pop = MUNICIPALITIES[str(muni[i])]
                district = districts[district_pick[i]] if districts else ""
                wo.writerow([
                    journal, 1, report.strftime("%d-%m-%Y"), offence.strftime("%d-%m-%Y"), code[i],
                    texts[str(code[i])], f"{STREETS[street[i]]} {house[i]}", "2620", muni[i], district,
                    "J" if code[i] == "84110" else "N",
                ])
                if charged[i]:
                    first_person = int(rng.integers(0, persons - 1))
                    for k in range(2 if extra[i] else 1):
                        person = first_person + k  # distinct persons on one offence
                        home = str(rng.choice(muni_codes)) if rng.random() < 0.8 else "101"
                        home_district = ""
                        if home == "165":
                            home_district = ["Vester", "Øster", "Lund"][person % 3]
                        charge_day = report + dt.timedelta(days=int(rng.integers(0, 60)))
                        wc.writerow([
                            journal, 1, f"P-{person:07d}", charge_day.strftime("%d-%m-%Y"),
                            1960 + person % 45, "M" if person % 5 else "K", home, home_district,
                        ])
                        n_charges += 1
    return {"offences": offences, "charges": n_charges}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--offences", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=Path("bench/data/100k"))
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    started = time.perf_counter()
    counts = generate(offences=args.offences, out=args.out, seed=args.seed)
    print(f"{counts} in {time.perf_counter() - started:.1f} s → {args.out}")


if __name__ == "__main__":
    main()
