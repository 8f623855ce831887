"""The help page's description of every file kind, and the template files, read from the parsers' own definitions.

The accepted spellings of a column and whether it is required come from the parsers (their ``*_ALIASES`` and
``*_REQUIRED``), so the help cannot say something the importer does not do. The meaning of each column and
the two example rows are written here; a test uploads each template as it is and expects a clean preview.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .parsers.dst import AREA_VARIABLES, TIME_VARIABLES
from .parsers.police import (
    CHARGE_ALIASES,
    CHARGE_REQUIRED,
    OFFENCE_ALIASES,
    OFFENCE_REQUIRED,
    PERSON_COLUMNS,
)
from .parsers.reference import (
    CATEGORY_ALIASES,
    CATEGORY_REQUIRED,
    KOMGRP_ALIASES,
    KOMGRP_REQUIRED,
    METRIC_ALIASES,
    METRIC_REQUIRED,
    MUNICIPALITY_BOUNDARY_PROPERTY,
    POPULATION_ALIASES,
    POPULATION_REQUIRED,
    STREET_ALIASES,
    STREET_REQUIRED,
)


@dataclass(frozen=True)
class Column:
    """One column of a file kind: its parser name, what it means, and its value in the two example rows."""

    key: str
    meaning: str | Promise
    examples: tuple[str, str]
    required: str | Promise | None = None  # None: read from the parser's required list


@dataclass(frozen=True)
class FileKind:
    kind: str  # as the upload form's Filtype and import_file --kind name it
    anchor: str
    title: str | Promise
    intro: str | Promise
    columns: tuple[Column, ...] = ()
    aliases: dict[str, list[str]] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    rules: tuple[str | Promise, ...] = ()
    formats: tuple[str, ...] = ("csv", "xlsx")
    template_name: str = ""

    def header(self, column: Column) -> str:
        """The heading a template uses: the parser's first spelling."""
        return self.aliases[column.key][0] if self.aliases.get(column.key) else column.key

    def rows(self) -> list[dict]:
        """The column table of the help page: heading, accepted spellings, required, meaning, example."""
        table = []
        for column in self.columns:
            spellings = list(dict.fromkeys(self.aliases.get(column.key, [])))
            if column.required is not None:
                required = column.required
            else:
                required = _("ja") if column.key in self.required else _("nej")
            table.append({"key": column.key, "heading": self.header(column), "spellings": spellings[1:],
                          "required": required, "meaning": column.meaning, "example": column.examples[0]})
        return table

    def template_rows(self) -> list[list[str]]:
        """The template's heading row and its two example rows."""
        return [[self.header(c) for c in self.columns], *[[c.examples[i] for c in self.columns] for i in (0, 1)]]


MUNICIPALITY_REQUIRED = _("ja, hvis kommunen ikke er valgt i formularen")
PERSON_REQUIRED = _("ja: Person-ID eller CPR")

OFFENCE_COLUMNS = (
    Column("journal_number", _("Politiets journalnummer for sagen."), ("0400-70211-00123-16", "0400-70211-00124-16")),
    Column("forhold", _("Forholdets nummer i sagen (et helt tal fra 0). Tom: 1."), ("1", "2")),
    Column("report_date", _("Datoen, anmeldelsen blev modtaget. Bestemmer periode i tallene (som i DST's STRAF-tabeller)."),
           ("03-02-2016", "14-03-2016")),
    Column("offence_date", _("Datoen (evt. med klokkeslæt), gerningen fandt sted; kan vælges som datogrundlag."),
           ("01-02-2016 22:30", "13-03-2016")),
    Column("code", _("Politiets gerningskode, 5–6 cifre. Bestemmer gerningstypen via koderegler."), ("73241", "75310")),
    Column("code_text", _("Gerningskodens tekst; vises på datakvalitetssiden for ukendte koder."),
           ("Simpel vold", "Indbrud i beboelse")),
    Column("address", _("Gerningsstedets adresse; bruges med vejtabellen til at finde bydelen."),
           ("Hyldespjældet 10", "Roskildevej 20")),
    Column("postcode", _("Gerningsstedets postnummer, fire cifre (et bynavn efter cifrene ignoreres)."), ("2620", "2620")),
    Column("municipality", _("Gerningskommunen som DST-kode (165) eller navn (Albertslund)."), ("165", "Albertslund"),
           required=MUNICIPALITY_REQUIRED),
    Column("district", _("Bydelen, hvis politiet har den; ellers findes den via vejtabel eller koordinater."),
           ("Lund", "")),
    Column("x", _("Gerningsstedets X-koordinat (ETRS89/UTM zone 32N, meter)."), ("712345", "")),
    Column("y", _("Gerningsstedets Y-koordinat (ETRS89/UTM zone 32N, meter)."), ("6171234", "")),
    Column("police_initiated", _("Sag på politiets initiativ: J eller N (også Ja/Nej, 1/0)."), ("N", "J")),
)
CHARGE_COLUMNS = (
    Column("journal_number", _("Journalnummeret på den anmeldelse, sigtelsen hører til."),
           ("0400-70211-00123-16", "0400-70211-00124-16")),
    Column("forhold", _("Forholdets nummer i sagen. Tom: 1."), ("1", "2")),
    Column("person_id", _("Politiets løbenummer for den sigtede. Gemmes kun som en nøglet hash."), ("P-00017", "P-00018"),
           required=PERSON_REQUIRED),
    Column("cpr", _("CPR-nummer (ddmmåå-xxxx, også uden bindestreg, og 9 cifre når Excel har fjernet et foranstillet 0). "
                    "Gemmes aldrig: erstattes af en nøglet hash, og alder og køn udledes."), ("", ""),
           required=PERSON_REQUIRED),
    Column("charge_date", _("Datoen for sigtelsen."), ("12-03-2016", "20-03-2016")),
    Column("birth_year", _("Den sigtedes fødselsår (udledes af CPR, hvis det mangler)."), ("1998", "2001")),
    Column("age", _("Alder i stedet for fødselsår: regnes om til fødselsår ud fra sigtelsesdatoen."), ("", "")),
    Column("sex", _("Køn: M eller K (også Mand/Kvinde); udledes af CPR."), ("M", "K")),
    Column("home_municipality", _("Bopælskommune som DST-kode eller navn; tom eller 'Uoplyst' tælles som uoplyst."),
           ("169", "Albertslund")),
    Column("home_address", _("Bopælsadresse; læses ikke ind (kun bydelen bruges)."), ("", "")),
    Column("home_postcode", _("Bopælens postnummer; læses ikke ind."), ("", "")),
    Column("home_district", _("Bopælsbydel for sigtede, der bor i kommunen."), ("", "Vester")),
)
COMBINED_COLUMNS = (
    *[c for c in OFFENCE_COLUMNS if c.key not in ("x", "y")],
    Column("person_id", _("Den sigtedes løbenummer; tom på en anmeldelse uden sigtet."), ("P-00017", ""),
           required=_("nej (tom: anmeldelse uden sigtet)")),
    Column("charge_date", _("Datoen for sigtelsen."), ("12-03-2016", "")),
    Column("birth_year", _("Den sigtedes fødselsår."), ("1998", "")),
    Column("sex", _("Køn: M eller K."), ("M", "")),
    Column("home_municipality", _("Bopælskommune som DST-kode eller navn."), ("169", "")),
    Column("home_district", _("Bopælsbydel for sigtede, der bor i kommunen."), ("", "")),
)
KOMGRP_COLUMNS = (
    Column("sequence", _("Linjens løbenummer i klassifikationen; læses ikke."), ("1", "11")),
    Column("code", _("Gruppens kode (niveau 1) eller kommunens DST-kode (niveau 2)."), ("1", "165")),
    Column("level", _("1: en kommunegruppe; 2: en kommune i gruppen ovenover."), ("1", "2")),
    Column("title", _("Gruppens eller kommunens navn."), ("Hovedstadskommuner", "Albertslund")),
)
POPULATION_COLUMNS = (
    Column("district", _("Bydelens navn, som den hedder i systemet."), ("Vester", "Lund")),
    Column("date", _("Tælledatoen (DST tæller den 1. i hvert kvartal)."), ("01-01-2016", "01-01-2016")),
    Column("count", _("Antal indbyggere, et helt tal (tusindtalspunktum er tilladt: 9.170)."), ("1200", "9.170")),
    Column("sex", _("Køn: M, K eller tom for begge."), ("K", "")),
    Column("age", _("Alder: ét år (17) eller et interval (15-17); tom for alle aldre."), ("15-17", "")),
    Column("municipality", _("Kommunen som DST-kode eller navn, når filen dækker flere kommuner."), ("165", "165"),
           required=MUNICIPALITY_REQUIRED),
)
STREET_COLUMNS = (
    Column("street_name", _("Vejnavnet."), ("Hyldespjældet", "Roskildevej")),
    Column("house_from", _("Første husnummer i intervallet, evt. med bogstav (10A)."), ("1", "2")),
    Column("house_to", _("Sidste husnummer i intervallet."), ("99", "40")),
    Column("side", _("lige, ulige eller begge (tom: begge)."), ("begge", "lige")),
    Column("postcode", _("Postnummeret, fire cifre."), ("2620", "2620")),
    Column("district", _("Bydelen, adresserne hører til."), ("Lund", "Vester")),
    Column("street_code", _("Vejkoden (valgfri)."), ("0123", "")),
    Column("municipality", _("Kommunen som DST-kode eller navn."), ("165", "165"), required=MUNICIPALITY_REQUIRED),
)
METRIC_COLUMNS = (
    Column("name", _("Nøgletallets navn, fx 'Mentorforløb, aktive'."), ("Mentorforløb, aktive", "Andel utrygge")),
    Column("period", _("Perioden: år (2017), halvår (2017H2) eller kvartal (2017K3)."), ("2017H2", "2017")),
    Column("value", _("Værdien; decimalkomma er tilladt, et %-tegn betyder procent."), ("14", "12,5")),
    Column("district", _("Bydelen, hvis tallet gælder én bydel; tom for hele kommunen."), ("", "Lund")),
    Column("unit", _("antal eller procent (tom: antal, eller procent ved et %-tegn)."), ("antal", "procent")),
    Column("municipality", _("Kommunen som DST-kode eller navn."), ("165", "165"), required=MUNICIPALITY_REQUIRED),
)
CATEGORY_COLUMNS = (
    Column("category", _("Gerningstypens korte navn uden mellemrum (slug), fx vold."), ("vold", "vold")),
    Column("code", _("Kodepræfiks: politiets gerningskode (1–6 cifre, fx 7324 eller 73241) eller DST's OVERTRÆD-kode."),
           ("732", "1252")),
    Column("source", _("politi (politiets gerningskoder) eller dst (DST's OVERTRÆD-koder)."), ("politi", "dst")),
    Column("name", _("Visningsnavn, fx Vold."), ("Vold", "Vold")),
    Column("exclude", _("J: en undtagelse (koder med dette længere præfiks hører ikke med). Tom eller N: med."),
           ("N", "")),
    Column("municipality", _("Kommunen, hvis gerningstypen er en af dens rapportkategorier."), ("", "")),
)

# the StatBank API CSV's columns (the other two forms carry the same variables in their own layout)
DST_ALIASES = {"area": ["OMRÅDE", *sorted(AREA_VARIABLES - {"OMRÅDE"})], "variable": ["OVERTRÆD"],
               "time": ["TID", *sorted(TIME_VARIABLES - {"TID"})], "value": ["INDHOLD"]}
DST_REQUIRED = ("area", "time", "value")
DST_COLUMNS = (
    Column("area", _("Området: kode (165), navn (Albertslund) eller begge (165 Albertslund); 000 er hele landet, "
                     "081–085 regionerne."), ("165 Albertslund", "165 Albertslund")),
    Column("variable", _("Tabellens øvrige variable, én kolonne hver (STRAF11: OVERTRÆD; FOLK1A fx KØN og ALDER): "
                         "kode, navn eller begge."), ("TOT Forbrydelser i alt", "TOT Forbrydelser i alt")),
    Column("time", _("Perioden: kvartal (2016K1, på engelsk 2016Q1) eller år (2016)."), ("2016K1", "2016K2")),
    Column("value", _("Værdien; '..' betyder manglende eller fortrolig. Decimalkomma eller -punktum."), ("401", "..")),
)

GENERAL_RULES = (
    _("Filen læses og kontrolleres helt, før noget gemmes; har den fejl, gemmes intet, og alle fejl vises med række, "
      "kolonne, værdi og årsag."),
    _("Tegnsæt: UTF-8 (med eller uden BOM) eller Windows-1252. Skilletegn: semikolon, komma eller tabulator."),
    _("Excel: .xlsx (første ark, eller arket der hedder som filtypen, fx 'Anmeldelser'). Gem gamle .xls-filer som .xlsx."),
    _("Datoer: dd-mm-åååå, dd.mm.åååå, dd/mm/åååå eller åååå-mm-dd, evt. med klokkeslæt; Excel-datoer læses som datoer. "
      "Datoer før 1900 eller efter i dag afvises."),
    _("Tal: decimalkomma eller -punktum; tusindtalspunktum i antal (9.170)."),
    _("Overskrifter genkendes uanset store/små bogstaver, mellemrum, tegnsætning og æ/ø/å-stavemåde."),
    _("En kolonne med navne indlæses aldrig; en ukendt kolonne ignoreres. Samme kolonne to gange afvises."),
    _("Ukendte, men harmløse ting (en ukendt gerningskode, en adresse uden bydel) er advarsler: rækkerne indlæses og "
      "vises på datakvalitetssiden."),
    _("Den samme fil to gange ændrer intet. En kørsel kan rulles tilbage fra dens side."),
)

KINDS: tuple[FileKind, ...] = (
    FileKind(
        "offences", "fil-anmeldelser", _("Anmeldelser (politiets udtræk)"),
        _("Én række pr. forhold. En senere fil med samme journalnummer og forhold opdaterer anmeldelsen. "
          "Angiv 'Erstat periode' for at fjerne anmeldelser i perioden, som ikke står i den nye fil."),
        OFFENCE_COLUMNS, OFFENCE_ALIASES, tuple(OFFENCE_REQUIRED),
        (_("Afvises: en gerningskode, der ikke er 5–6 cifre; et forhold, der ikke er et helt tal; en ukendt kommune; "
           "samme journalnummer og forhold to gange; et postnummer, der ikke er fire cifre; tekster, der er for lange."),
         _("Bydelen findes i denne rækkefølge: kolonnen Bydel, kommunens vejtabel, koordinaten inden for en "
           "bydelsgrænse; ellers 'ukendt bydel' (tælles med i kommunens tal)."),
         _("En gerningsdato efter anmeldelsesdatoen og en koordinat uden for Danmark giver en advarsel.")),
        template_name="skabelon-anmeldelser",
    ),
    FileKind(
        "charges", "fil-sigtelser", _("Sigtelser (politiets udtræk)"),
        _("Én række pr. sigtet person pr. forhold. En sigtelse, hvis anmeldelse ikke er indlæst endnu, gemmes og "
          "kobles, når anmeldelsen kommer."),
        CHARGE_COLUMNS, CHARGE_ALIASES, tuple(CHARGE_REQUIRED),
        (_("CPR-numre gemmes aldrig: hver celle i en CPR-kolonne er et CPR-nummer (der hashes) eller en rækkefejl "
           "med værdien maskeret. Navne indlæses aldrig."),
         _("Afvises: et CPR-nummer uden gyldig fødselsdato, et fødselsår der ikke er et årstal, et køn der ikke er "
           "M/K, en ukendt bopælskommune, samme sigtelse to gange.")),
        template_name="skabelon-sigtelser",
    ),
    FileKind(
        "police", "fil-kombineret", _("Kombineret ark (anmeldelser og sigtelser)"),
        _("Anmeldelsens og sigtelsens kolonner i samme række: én række pr. (forhold, sigtet person); en anmeldelse "
          "uden sigtet står på en række med tomme personkolonner. Genkendes på overskrifterne og indlæses som "
          "begge dele. Alle kolonner fra anmeldelser og sigtelser kan bruges."),
        COMBINED_COLUMNS, {**CHARGE_ALIASES, **OFFENCE_ALIASES}, tuple(OFFENCE_REQUIRED),
        (_("Gentages et forhold på flere rækker (én pr. sigtet), skal anmeldelsens kolonner være ens; ellers afvises "
           "rækken."),),
        template_name="skabelon-kombineret",
    ),
    FileKind(
        "population", "fil-befolkning", _("Befolkning pr. bydel"),
        _("Indbyggere i hver bydel på en tælledato, evt. fordelt på køn og alder. Bruges til tal pr. 1.000 indbyggere "
          "(befolkningen midt i perioden)."),
        POPULATION_COLUMNS, POPULATION_ALIASES, tuple(POPULATION_REQUIRED),
        (_("Afvises: en række uden bydel, et antal der ikke er et helt tal, en dato uden for 1900–2100, samme bydel, "
           "dato, køn og alder to gange."),),
        template_name="skabelon-befolkning",
    ),
    FileKind(
        "dst", "fil-dst", _("Danmarks Statistik (FOLK1A, STRAF11, STRAF22)"),
        _("Statistikbankens tabeller: FOLK1A (befolkning den 1. i kvartalet), STRAF11 (anmeldte forbrydelser efter "
          "gerningskommune, kvartal) og STRAF22 (anmeldelser og sigtelser efter kommune, år). Tre former kan "
          "indlæses: CSV fra Statistikbankens API, CSV hentet på statbank.dk og PC-Axis (.px). Skabelonen er "
          "API-formen; den kommer ikke som Excel, fordi DST-filer indlæses som CSV eller .px."),
        DST_COLUMNS, DST_ALIASES, DST_REQUIRED, formats=("csv",), template_name="dst-STRAF11-skabelon",
        rules=(_("Manglende eller fortrolige værdier ('..') gemmes som manglende, aldrig som 0."),
               _("Ukendte områder, perioder og værdier, der ikke er tal, afvises med filens linjenummer. "
                 "Christiansø (411) springes over.")),
    ),
    FileKind(
        "streets", "fil-vejtabel", _("Vejtabel (adresse → bydel)"),
        _("Hvilke husnumre på hvilke veje hører til hvilken bydel. Bruges til at placere anmeldelser uden bydel."),
        STREET_COLUMNS, STREET_ALIASES, tuple(STREET_REQUIRED),
        (_("Afvises: et husnummer, der ikke er et tal (evt. med bogstav), 'Husnr fra' større end 'Husnr til', "
           "intervaller, der giver samme adresse to bydele."),),
        template_name="skabelon-vejtabel",
    ),
    FileKind(
        "boundaries", "fil-graenser", _("Bydelsgrænser (GeoJSON)"),
        _("En GeoJSON FeatureCollection med ét Polygon eller MultiPolygon pr. bydel, i WGS84 (længde-/breddegrad) "
          "eller ETRS89/UTM32N (angivet i crs, eller genkendt på koordinater i meter). Egenskaben med bydelens navn "
          "vælges ved upload (standard: name, navn eller bydel). Bydelene skal findes i den valgte kommune."),
        formats=("geojson",), template_name="skabelon-bydelsgraenser",
        rules=(_("Afvises: ugyldige polygoner (kanten krydser sig selv, ringen er ikke lukket), grænser uden for "
                 "Danmark, samme bydel to gange, ukendte bydele."),),
    ),
    FileKind(
        "metrics", "fil-noegletal", _("Nøgletal"),
        _("Tal til halvårsrapporten, som ikke kommer fra politiet: fx sager på niveau 1/2/3, aktive mentorforløb, "
          "hjemmebesøg, andel utrygge i tryghedsmålingen."),
        METRIC_COLUMNS, METRIC_ALIASES, tuple(METRIC_REQUIRED),
        (_("Afvises: en ukendt periode, en værdi der ikke er et tal, en procent uden for 0–100, samme nøgletal, "
           "periode og bydel to gange."),),
        template_name="skabelon-noegletal",
    ),
    FileKind(
        "categories", "fil-gerningstyper", _("Gerningstyper (koderegler)"),
        _("Reglerne for hvilke koder en gerningstype dækker. En kode hører til gerningstypen, når den begynder med et "
          "af dens præfikser og ikke med et længere undtagelsespræfiks; gerningstyper kan overlappe. En fil erstatter "
          "reglerne for de gerningstyper, den nævner, og alle anmeldelser kategoriseres igen."),
        CATEGORY_COLUMNS, CATEGORY_ALIASES, tuple(CATEGORY_REQUIRED),
        (_("Afvises: en kilde, der ikke er politi eller dst, en politikode med andet end 1–6 cifre, et kort navn med "
           "mellemrum, samme regel to gange."),),
        template_name="skabelon-gerningstyper",
    ),
    FileKind(
        "komgrp", "fil-kommunegrupper", _("Kommunegrupper (KOMGRP fra Danmarks Statistik)"),
        _("Danmarks Statistiks klassifikation KOMGRP, som den hentes fra dst.dk (CSV med semikolon): grupperne på "
          "niveau 1 (Hovedstadskommuner, Storbykommuner, Provinsbykommuner, Oplandskommuner, Landkommuner) og under "
          "hver gruppe dens kommuner på niveau 2. Hver kommune i filen får gruppen ovenover; sammenligningssiden "
          "bruger grupperne. Kommunegrupperne er fælles for alle kommuner: kun en systemansvarlig eller en "
          "superbruger kan indlæse dem."),
        KOMGRP_COLUMNS, KOMGRP_ALIASES, tuple(KOMGRP_REQUIRED),
        (_("Afvises: en ukendt kommunekode, et andet niveau end 1 og 2, en kommune før den første gruppe eller to "
           "gange, en fil uden kommuner (niveau 2)."),),
        template_name="skabelon-kommunegrupper",
    ),
    FileKind(
        "mun_bounds", "fil-kommunegraenser", _("Kommunegrænser (GeoJSON)"),
        _("Kommunernes grænser som GeoJSON FeatureCollection (fx Danmarks Statistiks kommunegrænser fra DAGI), ét "
          "Polygon eller MultiPolygon pr. kommune i WGS84 eller ETRS89/UTM32N. Kommunens navn står i egenskaben "
          "label_dk (en anden egenskab kan vælges ved upload). Grænserne forenkles til kortets detaljeringsgrad "
          "(ca. 200 m, fire decimaler), og en tredje koordinat (højde) fjernes. Kommunegrænserne er fælles for "
          "alle kommuner: kun en systemansvarlig eller en superbruger kan indlæse dem."),
        formats=("geojson",), template_name="skabelon-kommunegraenser",
        rules=(_("Afvises: et navn, der ikke er en af de 98 kommuner, ugyldige polygoner, grænser uden for "
                 "Danmark, samme kommune to gange. Christiansø er ikke en kommune og springes over."),),
    ),
)
BY_KIND = {k.kind: k for k in KINDS}
assert set(PERSON_COLUMNS) <= set(CHARGE_ALIASES)  # the person columns the help describes are the parser's

# two districts of Albertslund, roughly where they lie (WGS84); replace names and coordinates with your own
BOUNDARIES_TEMPLATE = {
    "type": "FeatureCollection",
    "features": [
        {"type": "Feature", "properties": {"navn": "Vester"},
         "geometry": {"type": "Polygon", "coordinates": [[[12.30, 55.66], [12.34, 55.66], [12.34, 55.69],
                                                          [12.30, 55.69], [12.30, 55.66]]]}},
        {"type": "Feature", "properties": {"navn": "Lund"},
         "geometry": {"type": "Polygon", "coordinates": [[[12.34, 55.64], [12.38, 55.64], [12.38, 55.67],
                                                          [12.34, 55.67], [12.34, 55.64]]]}},
    ],
}
# two municipalities, roughly where they lie (WGS84), named as DST's municipality map names them
MUNICIPALITY_BOUNDARIES_TEMPLATE = {
    "type": "FeatureCollection",
    "features": [
        {"type": "Feature", "properties": {MUNICIPALITY_BOUNDARY_PROPERTY: "Albertslund"},
         "geometry": {"type": "Polygon", "coordinates": [[[12.30, 55.64], [12.38, 55.64], [12.38, 55.69],
                                                          [12.30, 55.69], [12.30, 55.64]]]}},
        {"type": "Feature", "properties": {MUNICIPALITY_BOUNDARY_PROPERTY: "Ishøj"},
         "geometry": {"type": "Polygon", "coordinates": [[[12.30, 55.58], [12.38, 55.58], [12.38, 55.63],
                                                          [12.30, 55.63], [12.30, 55.58]]]}},
    ],
}
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
}


def template_file(kind: str, fmt: str) -> tuple[bytes, str]:
    """A template for ``kind`` in ``fmt`` (its bytes and file name); KeyError for a kind or format there is none of."""
    spec = BY_KIND[kind]
    if fmt not in spec.formats:
        raise KeyError(fmt)
    name = f"{spec.template_name}.{fmt}"
    if kind in ("boundaries", "mun_bounds"):
        template = BOUNDARIES_TEMPLATE if kind == "boundaries" else MUNICIPALITY_BOUNDARIES_TEMPLATE
        return json.dumps(template, ensure_ascii=False, indent=1).encode(), name
    rows = spec.template_rows()
    if fmt == "csv":  # as Danish Excel writes it: semicolons, and a BOM so Excel reads UTF-8
        text = io.StringIO()
        csv.writer(text, delimiter=";", lineterminator="\r\n").writerows(rows)
        return ("\ufeff" + text.getvalue()).encode("utf-8"), name
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(spec.title)[:31].replace("/", "-")
    for row in rows:
        sheet.append(row)  # text cells: leading zeros (0800, 0123) stay
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            cell.number_format = "@"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue(), name


@dataclass(frozen=True)
class Definition:
    """What a figure (or a notion behind the figures) means; ``anchor`` is what "Om tallene" links to."""

    anchor: str
    title: str | Promise
    paragraphs: tuple[str | Promise, ...]


def figure_anchor(slug: str) -> str:
    return f"figur-{slug}"


BASICS: tuple[Definition, ...] = (
    Definition("periode", _("Perioder og datogrundlag"), (
        _("En periode er et kalenderår, et halvår (H1 = januar–juni, H2 = juli–december) eller et kvartal. "
          "En anmeldelse hører som standard til perioden for sin anmeldelsesdato, som i Danmarks Statistiks "
          "STRAF-tabeller; gerningsdatoen kan vælges i filtrene."),
        _("Sigtelser hører til deres anmeldelses periode, kommune og gerningsbydel, ikke til sigtelsesdatoen."),
    )),
    Definition("befolkning", _("Befolkningen midt i perioden"), (
        _("Tal pr. 1.000 indbyggere bruger befolkningen på periodens midtpunkt: 1. juli for et år, 1. april for H1, "
          "1. oktober for H2 og den 15. i kvartalets midterste måned."),
        _("Findes der ingen optælling på midtpunktet, interpoleres lineært mellem de nærmeste optællinger før og "
          "efter, når begge ligger inden for 12 måneder; ellers bruges den nærmeste optælling inden for 92 dage; "
          "ellers mangler befolkningen og tallet (vist som manglende, aldrig som 0)."),
    )),
    Definition("gerningstyper", _("Gerningstyper"), (
        _("En gerningstype er en navngiven samling af koder, fx tyveri, vold, indbrud og lov om euforiserende "
          "stoffer. Den defineres af koderegler (præfikser, der tages med, og længere præfikser, der undtages) for "
          "både politiets gerningskoder og DST's OVERTRÆD-koder. Gerningstyper kan overlappe; en figur over flere "
          "gerningstyper tæller hver anmeldelse én gang."),
    )),
)
FIGURE_DEFINITIONS: dict[str, tuple[str | Promise, ...]] = {
    "reports-by-period": (
        _("Antal anmeldte forhold pr. bydel pr. periode, pr. gerningstype. Anmeldelser uden kendt bydel tælles med "
          "i kommunens tal og vises som deres egen søjle."),
    ),
    "reports-per-1000": (
        _("Anmeldelser ÷ befolkningen midt i perioden × 1.000, for de valgte gerningstyper tilsammen (hver "
          "anmeldelse én gang). Eksempel fra DKE's rapport for 2016: Lund 70, Øster 64, Vester 29."),
    ),
    "offence-mix": (
        _("For én periode: anmeldelser pr. gerningstype pr. bydel, som antal og pr. 1.000 indbyggere."),
    ),
    "reports-share": (
        _("For hver gerningstype: bydelens tal pr. 1.000 indbyggere ÷ summen af alle bydeles tal pr. 1.000 × 100 %. "
          "Andelen er altså korrigeret for indbyggertal. Eksempel: indbrud Øster 41 %, Lund 32 %, Vester 27 %."),
    ),
    "charges-by-category": (
        _("Antal sigtelser for anmeldelser i kommunen, efter anmeldelsens gerningsbydel og gerningstype. Den nyeste "
          "periode er som regel undervurderet, fordi sigtelser kommer efter anmeldelsen; figuren siger det for de "
          "seneste 12 måneder."),
    ),
    "charges-share": (
        _("Hver bydels andel af sigtelserne pr. gerningstype (den rene andel, ikke korrigeret for indbyggertal)."),
    ),
    "charged-persons-residence": (
        _("Forskellige sigtede personer for kriminalitet i kommunen i perioden, efter bopælskommune og – for dem, der "
          "bor i kommunen – bopælsbydel. En person tælles én gang pr. periode med bopælen fra sin første sigtelse i "
          "perioden. Personer uden oplyst bopæl står i rækken 'Uoplyst'."),
    ),
    "young-charged-share": (
        _("Forskellige sigtede personer i aldersgruppen (standard 15–17 og 18–25 år), der bor i kommunen, ÷ "
          "indbyggere i samme alder midt i perioden × 100 %. Alderen er den, personen fylder i gerningsåret, og "
          "bopælen den fra personens første sigtelse i perioden."),
    ),
    "municipality-comparison": (
        _("Anmeldelser pr. 1.000 indbyggere fra Danmarks Statistik (STRAF11 eller STRAF22 over FOLK1A midt i "
          "perioden) for kommunen ved siden af politikredsen, en kommunegruppe eller valgte kommuner."),
    ),
}
COMPARISON_COLUMNS = ("period", "municipality_code", "municipality", "category", "reports", "population",
                      "reports_per_1000")
READING: tuple[Definition, ...] = (
    Definition("usikkerhed", _("Hvor sikkert er et tal?"), (
        _("Et antal behandles som en Poisson-observation; dets 95 %-interval er det eksakte (Garwood) interval. "
          "Eksempel: 29 anmeldelser giver 19,42–41,65. Et tal pr. 1.000 får antallets interval divideret med "
          "befolkningen."),
        _("En ændring mellem to perioder testes med en eksakt binomialtest (med befolkningen i begge perioder). "
          "Tekster siger kun 'steget' eller 'faldet', når ændringen er statistisk sikker (p < 0,05); ellers 'på niveau "
          "med' og '(ikke statistisk sikker)'. Antal under 10 får noten 'få tilfælde'."),
    )),
    Definition("smaa-tal", _("Små tal og offentlig visning"), (
        _("Sigtelser og sigtede personer er personoplysninger. Indloggede medarbejdere ser de præcise tal. I "
          "offentlig visning vises tal under 3 ikke, og tal, der ellers ville afsløre et lille tal, skjules også "
          "(vist som »..«)."),
    )),
    Definition("tal-i-filer", _("Tal på skærmen og i filer"), (
        _("Skærm og PDF bruger dansk talformat (1.814; 40,5); tal pr. 1.000 med én decimal, andele i hele procent. "
          "Hver figur kan hentes i fire former. 'CSV' og 'JSON' er til programmer: kolonnenavne på engelsk (fx "
          "reports_per_1000), uafrundede tal med decimalpunktum og antal som hele tal; CSV-filen er UTF-8 med BOM, så "
          "æ, ø og å vises rigtigt. 'CSV (dansk Excel)' åbner direkte i dansk Excel: semikolon mellem kolonnerne, "
          "decimalkomma, overskrifter som på siden og tal afrundet som på siden. 'Excel' (XLSX) har de uafrundede tal "
          "vist med sidens decimaler og et ark 'Om tallene' med kommune, filtre, enhed, kilde og hvor langt data "
          "rækker. En periode uden data er tom i filerne, aldrig 0."),
    )),
)
