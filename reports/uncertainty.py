"""How sure a number is (domain.md, "How sure a number is (uncertainty and change)").

- a count n is a Poisson observation; its 95 % interval is the exact (Garwood) interval
  χ²(0.025; 2n) / 2 (0 when n = 0) to χ²(0.975; 2n + 2) / 2;
- a rate has its count's interval over the population (treated as exact); a missing population
  gives no interval (NaN), never an error;
- a change between two periods (or two areas) is the conditional binomial test: n2 given n1 + n2
  is Binomial(n1 + n2, p2 / (p1 + p2)) under "no change in the rate"; the two-sided exact p-value
  is ``scipy.stats.binomtest``'s;
- words follow the test: "steget"/"faldet" only when significant, else "på niveau med …";
- a trend over years is the annual change of a log-linear Poisson model (a small Poisson GLM fitted
  by Newton–Raphson), with its Wald interval.

Pure: numpy, pandas and scipy; no ORM, no HTTP, no settings (callers pass the significance level).
Everything works on whole columns of a figure's table; suppressed cells ("<3", "..") count as missing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _
from scipy import stats as sps

from common.formatting import number, significant_digits

from .periods import Period

LEVEL = 0.95
MINUS = "\u2212"  # the typographic minus of "−33 %"
FEW = 10  # counts below this carry the note "få tilfælde"


def as_numbers(values) -> np.ndarray:
    """A column (or list, or number) as floats; text such as "<3" or ".." becomes NaN."""
    series = values if isinstance(values, pd.Series) else pd.Series(np.atleast_1d(np.asarray(values, dtype=object)))
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)


def count_interval(counts, *, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """The exact Poisson (Garwood) interval of each count; NaN for a missing or negative count."""
    n = as_numbers(counts)
    tail = (1 - level) / 2
    low = np.full(n.shape, np.nan)
    high = np.full(n.shape, np.nan)
    valid = np.isfinite(n) & (n >= 0)
    positive = valid & (n > 0)
    low[valid & (n == 0)] = 0.0
    low[positive] = sps.chi2.ppf(tail, 2 * n[positive]) / 2
    high[valid] = sps.chi2.ppf(1 - tail, 2 * n[valid] + 2) / 2
    return low, high


def rate_interval(counts, population, *, per: float = 1000, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """The count's interval divided by the population × ``per``; NaN where the population is missing or 0."""
    low, high = count_interval(counts, level=level)
    people = as_numbers(population)
    known = np.isfinite(people) & (people > 0)
    scale = np.where(known, per / np.where(known, people, 1.0), np.nan)
    return low * scale, high * scale


def _search(values, d: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """scipy's ``_binary_search_for_binom_tst`` on whole arrays: per element the index i in [lo, hi] with
    values(i) <= d < values(i + 1), ``values`` ascending over the range (one search per element, all at once)."""
    lo, hi = lo.copy(), hi.copy()
    found = np.full(lo.shape, -1, dtype=np.int64)
    done = np.zeros(lo.shape, dtype=bool)
    while True:
        active = ~done & (lo < hi)
        if not active.any():
            break
        mid = lo + (hi - lo) // 2
        value = values(mid)
        equal = active & (value == d)
        lo = np.where(active & (value < d), mid + 1, lo)
        hi = np.where(active & (value > d), mid - 1, hi)
        found[equal] = mid[equal]
        done |= equal
    last = np.where(values(lo) <= d, lo, lo - 1)
    return np.where(done, found, last)


def binom_two_sided(k, n, p) -> np.ndarray:
    """``scipy.stats.binomtest(k, n, p).pvalue`` (two-sided) for arrays: scipy's own algorithm – the outcomes
    on the other side of the mode whose probability is at most that of k (relative tolerance 1e-7) – with the
    search done for all elements at once; a loop over binomtest took ~5 ms a row. n = 0 gives 1."""
    k = np.asarray(k, dtype=np.int64)
    n = np.asarray(n, dtype=np.int64)
    p = np.asarray(p, dtype=float)
    result = np.ones(k.shape)
    some = n > 0
    if not some.any():
        return result
    k, n, p = k[some], n[some], p[some]
    d = sps.binom.pmf(k, n, p)
    rerr = 1 + 1e-7
    mean = p * n
    pval = np.ones(k.shape)
    below = k < mean
    if below.any():
        kb, nb, pb, db = k[below], n[below], p[below], d[below]
        ix = _search(lambda x: -sps.binom.pmf(x, nb, pb), -db * rerr, np.ceil(pb * nb).astype(np.int64), nb.copy())
        y = nb - ix + (db * rerr == sps.binom.pmf(ix, nb, pb)).astype(np.int64)
        pval[below] = sps.binom.cdf(kb, nb, pb) + sps.binom.sf(nb - y, nb, pb)
    above = k > mean
    if above.any():
        ka, na, pa, da = k[above], n[above], p[above], d[above]
        ix = _search(lambda x: sps.binom.pmf(x, na, pa), da * rerr, np.zeros(ka.shape, dtype=np.int64),
                     np.floor(pa * na).astype(np.int64))
        y = ix + 1
        pval[above] = sps.binom.cdf(y - 1, na, pa) + sps.binom.sf(ka - 1, na, pa)
    result[some] = np.minimum(1.0, pval)
    return result


def change_p_value(before, now, population_before=None, population_now=None) -> np.ndarray:
    """Two-sided exact p-value of "no change in the rate" from ``before`` to ``now`` (domain.md).

    n_now given n_before + n_now is Binomial(n_before + n_now, p_now / (p_before + p_now)). Without both
    populations (a count figure, the unknown district) the periods are taken as of equal exposure (1/2),
    i.e. the counts themselves are compared. NaN where either count is missing; 1 when both are 0.
    """
    n1, n2 = as_numbers(before), as_numbers(now)
    if population_before is None or population_now is None:
        share = np.full(n1.shape, 0.5)
    else:
        p1, p2 = as_numbers(population_before), as_numbers(population_now)
        known = np.isfinite(p1) & np.isfinite(p2) & (p1 > 0) & (p2 > 0)
        share = np.where(known, p2 / np.where(known, p1 + p2, 1.0), 0.5)
    result = np.full(n1.shape, np.nan)
    valid = np.isfinite(n1) & np.isfinite(n2) & (n1 >= 0) & (n2 >= 0)
    later = np.round(n2[valid]).astype(np.int64)
    result[valid] = binom_two_sided(later, later + np.round(n1[valid]).astype(np.int64), share[valid])
    return result


def significant(p_value, alpha: float) -> bool:
    """A change is significant when p < alpha; a missing p-value is never significant."""
    return p_value is not None and not (isinstance(p_value, float) and math.isnan(p_value)) and p_value < alpha


# --- words that follow the test ------------------------------------------------------------------------------

def pct_text(value: float, *, signed: bool = False) -> str:
    """A change in whole per cent, Danish: "24 %", or signed "−33 %" / "+12 %"."""
    rounded = round(abs(value))
    sign = "" if not signed or rounded == 0 else ("+" if value > 0 else MINUS)
    return f"{sign}{rounded:,d} %".replace(",", ".")


def change_words(*, before, now, change_pct: float | None, p_value, alpha: float, reference: str) -> str:
    """The words of a change against ``reference`` (e.g. "året før", "2015"), following the test (domain.md).

    "steget 12 %" / "faldet 24 %" only for a significant change, else "på niveau med året før (−33 %, ikke
    statistisk sikker)"; counts below 10 add "få tilfælde".
    """
    pct = None if change_pct is None or (isinstance(change_pct, float) and math.isnan(change_pct)) else change_pct
    if significant(p_value, alpha):
        rising = pct > 0 if pct is not None else float(now) > float(before)
        if pct is None:  # from 0
            text = _("steget fra %(before)s") % {"before": _count(before)} if rising else _("faldet")
        else:
            text = (_("steget %(pct)s") if rising else _("faldet %(pct)s")) % {"pct": pct_text(pct)}
        notes = []
    else:
        text = _("på niveau med %(reference)s") % {"reference": reference}
        notes = [pct_text(pct, signed=True)] if pct is not None else []
        notes.append(_("ikke statistisk sikker"))
    if _few(before) or _few(now):
        notes.append(_("få tilfælde"))
    return f"{text} ({', '.join(notes)})" if notes else text


def _few(value) -> bool:
    try:
        return float(value) < FEW
    except (TypeError, ValueError):
        return False


def _count(value) -> str:
    return f"{int(round(float(value))):,d}".replace(",", ".")


def p_text(p_value) -> str:
    """A p-value for a table or tooltip, two significant digits: "p = 0,082", "p = 0,25", "p < 0,001", "" when
    missing."""
    if p_value is None or (isinstance(p_value, float) and math.isnan(p_value)):
        return ""
    if p_value < 0.001:
        return "p < " + number(0.001, 3)
    return "p = " + significant_digits(p_value, 2)


# --- trend over years ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Trend:
    annual_pct: float  # average change per year, per cent
    low_pct: float
    high_pct: float
    p_value: float  # Wald test of "no trend"
    periods: int


def poisson_trend(years: Iterable[float], counts: Iterable[float], population: Iterable[float] | None = None,
                  *, level: float = LEVEL) -> Trend | None:
    """The log-linear Poisson trend log E[n_t] = a + b·t (+ log population_t), fitted by Newton–Raphson.

    ``years`` are the periods' times in years (e.g. 2016.5); the annual change is exp(b) − 1 with the Wald
    interval exp(b ± z·se) − 1. Periods with a missing count (or population, when given) are left out; None
    when fewer than three periods remain or fewer than two of them have reports (no finite estimate).
    """
    t = np.asarray(list(years), dtype=float)
    y = as_numbers(list(counts))
    offset = np.zeros_like(t)
    valid = np.isfinite(t) & np.isfinite(y) & (y >= 0)
    if population is not None:
        people = as_numbers(list(population))
        valid &= np.isfinite(people) & (people > 0)
        offset = np.log(np.where(valid, people, 1.0))
    t, y, offset = t[valid], y[valid], offset[valid]
    if len(t) < 3 or len(np.unique(t[y > 0])) < 2:
        return None
    x = np.column_stack([np.ones_like(t), t - t.mean()])
    beta = np.array([math.log(y.sum() / np.exp(offset).sum()), 0.0])
    for _step in range(100):
        mu = np.exp(x @ beta + offset)
        hessian = x.T @ (mu[:, None] * x)
        step = np.linalg.solve(hessian, x.T @ (y - mu))
        beta = beta + step
        if np.max(np.abs(step)) < 1e-10:
            break
    else:
        return None
    mu = np.exp(x @ beta + offset)
    covariance = np.linalg.inv(x.T @ (mu[:, None] * x))
    slope, se = float(beta[1]), float(math.sqrt(covariance[1, 1]))
    if not (math.isfinite(slope) and math.isfinite(se)) or se == 0:
        return None
    z = float(sps.norm.ppf(1 - (1 - level) / 2))
    return Trend(annual_pct=math.expm1(slope) * 100, low_pct=math.expm1(slope - z * se) * 100,
                 high_pct=math.expm1(slope + z * se) * 100, p_value=float(2 * sps.norm.sf(abs(slope / se))),
                 periods=len(t))


def period_years(labels: Iterable[str]) -> list[float]:
    """Each period's midpoint in years (2016 → 2016.50, 2016H1 → 2016.25), the time axis of a trend."""
    result = []
    for label in labels:
        mid = Period.parse(label).midpoint
        result.append(mid.year + (mid.timetuple().tm_yday - 1) / 365.25)
    return result


def trend_words(trend: Trend, *, alpha: float) -> str:
    """ "faldet i gennemsnit 4 % om året (2–6 %)" when significant, else "på niveau (…, ikke statistisk sikker)"."""
    if trend.p_value < alpha:
        low, high = sorted((abs(trend.low_pct), abs(trend.high_pct)))
        words = _("steget i gennemsnit %(pct)s om året (%(low)s–%(high)s)") if trend.annual_pct > 0 else \
            _("faldet i gennemsnit %(pct)s om året (%(low)s–%(high)s)")
        return words % {"pct": pct_text(trend.annual_pct), "low": f"{round(low):d}", "high": pct_text(high)}
    return _("på niveau: i gennemsnit %(pct)s om året (%(low)s til %(high)s, ikke statistisk sikker)") % {
        "pct": pct_text(trend.annual_pct, signed=True), "low": pct_text(trend.low_pct, signed=True),
        "high": pct_text(trend.high_pct, signed=True)}
