"""Numbers (and labels inside sentences) as people read them, shared by the engine's
messages, the reports and the app.

Whole numbers without decimals ("100 mg/day", not "100.0 mg/day"), a range only when its ends
differ ("1050 mg/day", not "1050-1050 mg/day"), units in the singular for one ("1 week"),
and no probability shown as "0%".
"""

from __future__ import annotations

import math
from collections.abc import Sequence

DASH = "–"  # en dash between the ends of a range


def number(x: float) -> str:
    """A quantity without needless decimals: 100, 12.5, 0.25 (at most two decimals)."""
    if abs(x - round(x)) < 1e-9:
        return str(round(x))
    return f"{x:.2f}".rstrip("0").rstrip(".")


def span(lo: float, hi: float, unit: str = "") -> str:
    """A range with its unit, or one number when both ends are the same: "900–3600 mg/day",
    "1050 mg/day"."""
    text = number(lo) if number(lo) == number(hi) else f"{number(lo)}{DASH}{number(hi)}"
    return f"{text} {unit}".rstrip()


def daily_mg(values: Sequence[float] | None, unit: str = "mg") -> str:
    """A daily dose range in mg, or in ``unit`` ("mg PE": phenytoin sodium equivalents);
    "—" when there is none."""
    return "—" if not values else span(values[0], values[-1], f"{unit}/day")


def plural(n: float, word: str, many: str | None = None) -> str:
    """A count with its noun: "1 week", "2 weeks", "1.5 weeks", "1 failed trial"."""
    return f"{number(n)} {word if number(n) == '1' else many or word + 's'}"


def weeks(values: Sequence[float]) -> str:
    """A duration in weeks from one value or a [lo, hi] range: "1 week", "2–4 weeks"; in
    days when it starts below a week ("4–7 days")."""
    lo, hi = values[0], values[-1]
    if lo < 1:
        d_lo, d_hi = round(lo * 7), round(hi * 7)
        return plural(d_lo, "day") if d_lo == d_hi else span(d_lo, d_hi, "days")
    return plural(lo, "week") if number(lo) == number(hi) else span(lo, hi, "weeks")


def age(years: float) -> str:
    """An age in completed units, as ages are told: "34 years", "11.9 years", "8 months"
    below two years, "9 days" below a month (1.97 years is 23 months, not 24, beside a label
    that starts at 2 years: review O M3). A hair's tolerance keeps stored fractions whole
    (7 months stored as 0.5833 years is 7 months)."""
    if years * 12 < 0.99:  # 1 month is stored as 0.0833 years
        return plural(math.floor(years * 365.25 + 0.01), "day")
    if years < 2:
        return plural(math.floor(years * 12 + 0.01), "month")
    return plural(math.floor(years * 10 + 0.001) / 10, "year")


def signed_percent(x: float) -> str:
    """A change in percent with its sign: "+25%", "−50%", "0%"."""
    if abs(x) < 0.05:
        return "0%"
    return f"{'+' if x > 0 else '−'}{number(round(abs(x), 1))}%"


def higher_lower(x: float) -> str:
    """A change in percent in words: "50% lower", "25% higher", "unchanged"."""
    if abs(x) < 0.05:
        return "unchanged"
    return f"{number(round(abs(x), 1))}% {'higher' if x > 0 else 'lower'}"


def change_words(x: float) -> str:
    """A net change of the standard dose in words: "50% lower than the standard dose"."""
    return "the standard dose" if abs(x) < 0.05 else f"{higher_lower(x)} than the standard dose"


def percent(p: float) -> str:
    """A probability as a percentage: whole numbers from 10%, one decimal from 1%, and
    "< 1%" below (never "0%")."""
    value = p * 100
    if value >= 10:
        return f"{round(value)}%"
    return f"{number(round(value, 1))}%" if value >= 1 else "< 1%"


def percent_interval(lo: float, hi: float) -> str:
    """An uncertainty interval: "35–61%", "< 1% to 3.6%"."""
    low, high = percent(lo), percent(hi)
    if low.startswith("<") or high.startswith("<"):
        return low if low == high else f"{low} to {high}"
    return f"{low[:-1]}{DASH}{high}"


def probability(p: float | None, interval: list[float] | None) -> str:
    """A probability with its 95% uncertainty interval, e.g. "2.2% (95% interval < 1% to
    3.6%)"."""
    if p is None:
        return "not estimated"
    if not interval:
        return percent(p)
    return f"{percent(p)} (95% interval {percent_interval(*interval)})"


def listing(items: Sequence[str]) -> str:
    """Items in a sentence: 'a', 'a and b', 'a, b and c'."""
    return " and ".join([", ".join(items[:-1]), items[-1]] if len(items) > 1 else items)


def syndrome_phrase(label: str) -> str:
    """A syndrome's name inside a sentence: 'Juvenile myoclonic epilepsy' -> 'juvenile
    myoclonic epilepsy'; an eponym ('Dravet syndrome', 'Lennox-Gastaut syndrome') or a name
    led by an acronym ('CDKL5 deficiency disorder') keeps its capital (review Y C4)."""
    first, _, rest = label.partition(" ")
    eponym = rest.startswith("syndrome") or any(c.isupper() for c in first[1:])
    return label if eponym else label[:1].lower() + label[1:]


def phrase(label: str) -> str:
    """A label or sentence inside another sentence: 'Synaptic vesicle ...' -> 'synaptic
    vesicle ...'; an acronym ('GABA-A receptor ...', 'T-type ...') keeps its capitals."""
    return label[:1].lower() + label[1:] if label[1:2].islower() else label
