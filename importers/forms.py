from typing import cast

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from comparisons.dst_meta import tables
from districts.models import Municipality

KIND_CHOICES = [
    ("auto", _("Genkend automatisk")), ("offences", _("Anmeldelser")), ("charges", _("Sigtelser")),
    ("police", _("Politiudtræk (anmeldelser og sigtelser)")), ("population", _("Befolkning pr. bydel")),
    ("dst", _("Danmarks Statistik")), ("streets", _("Vejtabel")), ("boundaries", _("Bydelsgrænser (GeoJSON)")),
    ("categories", _("Gerningstyper (koderegler)")), ("metrics", _("Nøgletal")),
    ("komgrp", _("Kommunegrupper (KOMGRP fra Danmarks Statistik)")), ("mun_bounds", _("Kommunegrænser (GeoJSON)")),
]
ALLOWED_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".px", ".geojson", ".json")


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Fil"), help_text=_("CSV, Excel (.xlsx), PC-Axis (.px) eller GeoJSON"))
    kind = forms.ChoiceField(label=_("Filtype"), choices=KIND_CHOICES, initial="auto")
    municipality = forms.ModelChoiceField(label=_("Kommune"), queryset=Municipality.objects.none(), required=False,
                                          help_text=_("Bruges når filen ikke selv angiver kommunen"))
    replace_from = forms.DateField(label=_("Erstat periode fra"), required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}))
    replace_to = forms.DateField(label=_("Erstat periode til"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}))
    dst_table = forms.ChoiceField(label=_("DST-tabel"), required=False,
                                  help_text=_("fx STRAF11, hvis filen mangler titellinjen"))
    dst_fixed = forms.MultipleChoiceField(
        label=_("DST faste værdier"), required=False,
        help_text=_("Den værdi, der var valgt for en variabel uden egen kolonne i filen, fx Overtrædelser i alt"))
    boundary_property = forms.CharField(label=_("Egenskab med bydelsnavn (GeoJSON)"), required=False, max_length=50)

    def __init__(self, *args, municipalities=None, **kwargs):
        super().__init__(*args, **kwargs)
        if municipalities is not None:
            cast(forms.ModelChoiceField, self.fields["municipality"]).queryset = municipalities
        cast(forms.ChoiceField, self.fields["dst_table"]).choices = [("", "—"), *dst_table_choices()]
        cast(forms.ChoiceField, self.fields["dst_fixed"]).choices = dst_fixed_choices()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("Filen er %(size).1f MB; grænsen er %(limit).0f MB. Del den op, fx pr. kvartal.")
                % {"size": upload.size / 1024 / 1024, "limit": limit / 1024 / 1024}
            )
        if not upload.name.lower().endswith(ALLOWED_SUFFIXES):
            raise forms.ValidationError(
                _("Filtypen %(name)s kan ikke indlæses. Brug CSV, .xlsx, .px eller GeoJSON.") % {"name": upload.name}
            )
        return upload

    def clean(self):
        data = super().clean()
        if data is None:  # Form.clean returns the cleaned data; typed as optional
            data = self.cleaned_data
        start, end = data.get("replace_from"), data.get("replace_to")
        if bool(start) != bool(end):
            raise forms.ValidationError(_("Angiv både start og slut for perioden, der skal erstattes."))
        if start and end and end < start:
            raise forms.ValidationError(_("Slutdatoen for perioden ligger før startdatoen."))
        return data

    def options(self) -> dict:
        data = self.cleaned_data
        options: dict[str, object] = {}
        if data.get("replace_from"):
            options["replace_period"] = (data["replace_from"].isoformat(), data["replace_to"].isoformat())
        if data.get("dst_table"):
            options["dst_table"] = data["dst_table"].strip().upper()
        if data.get("dst_fixed"):
            pairs = [p.split("=", 1) for p in data["dst_fixed"] if "=" in p]
            options["dst_fixed"] = {k.strip().upper(): v.strip() for k, v in pairs}
        if data.get("boundary_property"):
            options["boundary_property"] = data["boundary_property"].strip()
        return options


def dst_table_choices() -> list[tuple[str, str]]:
    return [(name, f"{name} – {meta.title}") for name, meta in sorted(tables().items())]


def dst_fixed_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Each variable's values (all tables' metadata), grouped by variable: "OVERTRÆD=TOT" → its label.

    Ages one by one are left out (a FOLK1A download with one age selected is no population total).
    """
    groups: dict[str, dict[str, str]] = {}
    for meta in tables().values():
        for variable, values in meta.values.items():
            label = f"{meta.labels.get(variable, variable)} ({variable})"
            for value in values:
                if variable == "ALDER" and value.level > 0:
                    continue
                groups.setdefault(label, {}).setdefault(f"{variable}={value.code}", f"{value.code} {value.label}")
    return [(label, list(values.items())) for label, values in groups.items()]
