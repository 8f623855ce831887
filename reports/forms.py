from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from .periods import Period, PeriodError

# The longest span a page or download shows at once (the data begin in 2007).
MAX_YEARS = 50


class FigureFilterForm(forms.Form):
    """Filters of the dashboard; kept in the query string so a view can be bookmarked."""

    KIND_CHOICES = [("Y", _("År")), ("H", _("Halvår")), ("K", _("Kvartal"))]
    BASIS_CHOICES = [("report", _("Anmeldelsesdato")), ("offence", _("Gerningsdato"))]
    MEASURE_CHOICES = [("", _("hver figur som standard")), ("count", _("antal")), ("per1000", _("pr. 1.000")),
                       ("share", _("andel"))]

    period_from = forms.CharField(label=_("Fra periode"), max_length=7, help_text=_("fx 2016, 2016H2 eller 2016K3"))
    period_to = forms.CharField(label=_("Til periode"), max_length=7)
    categories = forms.MultipleChoiceField(label=_("Gerningstyper"), required=False,
                                           widget=forms.CheckboxSelectMultiple)
    districts = forms.MultipleChoiceField(label=_("Bydele"), required=False, widget=forms.CheckboxSelectMultiple)
    date_basis = forms.ChoiceField(label=_("Datogrundlag"), choices=BASIS_CHOICES, initial="report", required=False)
    measure = forms.ChoiceField(label=_("Vis som"), choices=MEASURE_CHOICES, initial="", required=False,
                                help_text=_("skifter hver figur, der findes sådan"))
    intervals = forms.BooleanField(
        label=_("Vis usikkerhed"), required=False,
        help_text=_("95 %-intervaller i tabeller, diagrammer og downloads, og p-værdien for ændringen"),
    )

    partial = forms.BooleanField(
        label=_("Medtag delvist dækkede perioder i udviklingen"), required=False,
        help_text=_("En periode, data kun dækker en del af, er som standard ikke med i udviklingen over perioderne"),
    )

    def __init__(self, *args, categories=(), districts=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["categories"]).choices = list(categories)
        cast(forms.ChoiceField, self.fields["districts"]).choices = list(districts)

    def _period(self, name):
        try:
            return str(Period.parse(self.cleaned_data[name]))
        except PeriodError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def clean_period_from(self):
        return self._period("period_from")

    def clean_period_to(self):
        return self._period("period_to")

    def clean(self):
        data = cast(dict, super().clean())
        start, end = data.get("period_from"), data.get("period_to")
        if start and end:
            first, last = Period.parse(start), Period.parse(end)
            if first.kind != last.kind:
                raise forms.ValidationError(_("Fra- og til-periode skal være af samme slags (år, halvår eller kvartal)."))
            if last < first:
                raise forms.ValidationError(_("Til-perioden ligger før fra-perioden."))
            if last.year - first.year >= MAX_YEARS:  # a page of 1,200 quarters took seconds and 10 MB
                raise forms.ValidationError(_("Vælg højst %(years)s år ad gangen (fra %(first)s til %(last)s er "
                                              "for mange).") % {"years": MAX_YEARS, "first": first, "last": last})
        return data
