"""Units and numbers the way Go's benchstat shows them.

* **Tidying**: ``ns`` becomes ``sec`` and ``MB`` becomes ``B`` in a unit's numerator (``ns/op`` ->
  ``sec/op``, factor 1e-9), so scaled values never read "µns/op".
* **Class**: a unit counting bytes (``B``, ``MB`` or ``bytes`` in the numerator, e.g. ``B/op``,
  ``text-bytes``) takes binary prefixes (Ki, Mi ...); every other unit takes SI prefixes.
* **Scaling**: a row shares one prefix, chosen by its smallest non-zero value so that value keeps at
  least three significant digits (``1.718µ``, ``10.76Ki``); thresholds come from the printed
  form, so ``999.96`` is shown as ``1.000k``, never ``1000``.
* **Go's ``%v``** for floats (shortest round-trip digits, exponent form below 1e-4 and from 1e6),
  used where benchstat prints raw numbers (CSV, warnings).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["Scaler", "common_scale", "go_f", "go_signed", "go_v", "go_v_many", "is_binary", "scale", "tidy_unit"]

_SEPARATORS = "*/-"


def _is_space(ch: str) -> bool:
    """Go's unicode.IsSpace (Python's str.isspace also counts U+001C..U+001F)."""
    return ch.isspace() and not "\x1c" <= ch <= "\x1f"


def _tokens(unit: str) -> list[tuple[str, int, bool]]:
    """(token, position, in the denominator) for the words of a unit: ``*`` starts the numerator
    again, ``/`` the denominator; ``-`` and spaces only separate."""
    out = []
    i, n, denom = 0, len(unit), False
    while i < n:
        ch = unit[i]
        if ch == "*":
            denom = False
        elif ch == "/":
            denom = True
        elif not (ch == "-" or _is_space(ch)):
            start = i
            while i < n and unit[i] not in _SEPARATORS and not _is_space(unit[i]):
                i += 1
            out.append((unit[start:i], start, denom))
            continue
        i += 1
    return out


_FAST_TIDY = {"ns/op": ("sec/op", 1e-9), "MB/s": ("B/s", 1e6), "B/op": ("B/op", 1.0), "allocs/op": ("allocs/op", 1.0)}


@lru_cache(maxsize=4096)
def tidy_unit(unit: str) -> tuple[str, float]:
    """The tidied unit and the factor taking a value there (``ns/op`` -> (``sec/op``, 1e-9))."""
    fast = _FAST_TIDY.get(unit)
    if fast is not None:
        return fast
    if "ns" not in unit and "MB" not in unit:
        return unit, 1.0
    factor = 1.0
    edits = []
    for token, pos, denom in _tokens(unit):
        if denom:
            continue
        if token == "ns":
            edits.append((pos, 2, "sec"))
            factor /= 1e9
        elif token == "MB":
            edits.append((pos, 2, "B"))
            factor *= 1e6
    for pos, length, text in reversed(edits):
        unit = unit[:pos] + text + unit[pos + length :]
    return unit, factor


@lru_cache(maxsize=4096)
def is_binary(unit: str) -> bool:
    """Does the unit count bytes in its numerator (so it takes Ki, Mi ... prefixes)?"""
    return any(not denom and token in ("B", "MB", "bytes") for token, _, denom in _tokens(unit))


# ------------------------------------------------------------------------------------ formatting
def go_f(x: float, prec: int) -> str:
    """Go's ``strconv.FormatFloat(x, 'f', prec, 64)``: Python's, except for Inf and NaN."""
    if math.isfinite(x):
        return f"{x:.{prec}f}"
    return "NaN" if math.isnan(x) else ("+Inf" if x > 0 else "-Inf")


def go_signed(x: float, prec: int) -> str:
    """Go's ``%+.Nf``: always a sign (``+0.00``, ``-17.20``, ``+Inf``, ``+NaN``)."""
    if math.isfinite(x):
        return f"{x:+.{prec}f}"
    return "+NaN" if math.isnan(x) else ("+Inf" if x > 0 else "-Inf")


def go_v(x: float) -> str:
    """Go's ``fmt.Sprint(x)`` for a float64: shortest digits; exponent form when the decimal
    exponent is below -4 or at least 6 (``1e+06``, ``1.5e-05``, ``123456``)."""
    text = repr(x)
    if "e" in text:
        if "e-" in text:  # Python and Go agree below 1e-4
            return text
    elif 1e-4 <= abs(x) < 1e6:
        return text[:-2] if text.endswith(".0") else text
    if not math.isfinite(x):
        return go_f(x, 0)
    if x == 0:
        return "-0" if math.copysign(1.0, x) < 0 else "0"
    sign = "-" if x < 0 else ""
    mantissa, _, exp_text = repr(abs(x)).partition("e")
    whole, _, frac = mantissa.partition(".")
    digits = (whole + frac).lstrip("0")
    # decimal exponent of the first significant digit
    exp = (len(whole) - 1 if whole != "0" else -(len(frac) - len(frac.lstrip("0"))) - 1) + int(exp_text or 0)
    digits = digits.rstrip("0") or "0"
    if exp < -4 or exp >= 6:
        body = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{sign}{body}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    if exp < 0:
        return f"{sign}0.{'0' * (-exp - 1)}{digits}"
    if len(digits) <= exp + 1:
        return sign + digits + "0" * (exp + 1 - len(digits))
    return f"{sign}{digits[: exp + 1]}.{digits[exp + 1 :]}"


def go_v_many(values: list[float]) -> list[str]:
    """:func:`go_v` of many values: ``repr`` of each, then numpy picks out the few that need
    more (``.0`` to strip from whole numbers in [1e-4, 1e6), and 0, >= 1e6, Inf, NaN for
    :func:`go_v` itself); below 1e-4 Python's exponent form is already Go's."""
    import numpy as np

    texts = list(map(repr, values))
    if not texts:
        return texts
    x = np.array(values, dtype=np.float64)
    with np.errstate(all="ignore"):
        size = np.abs(x)
        plain = (size >= 1e-4) & (size < 1e6)
        whole = plain & (x == np.trunc(x))
        zero = x == 0
        other = ~plain & ~((size < 1e-4) & (size > 0)) & ~zero
    for i in np.flatnonzero(whole).tolist():
        texts[i] = texts[i][:-2]
    for i in np.flatnonzero(zero).tolist():
        texts[i] = "0" if texts[i] == "0.0" else "-0"
    for i in np.flatnonzero(other).tolist():
        texts[i] = go_v(values[i])
    return texts


@dataclass(frozen=True)
class Scaler:
    """Digits after the point, the value of one prefix, and the prefix."""

    prec: int
    factor: float
    prefix: str

    def format(self, value: float) -> str:
        return go_f(value / self.factor, self.prec) + self.prefix


def _thresholds(factor: float, prefix: str, t100: float, t10: float, t1: float) -> tuple:
    return factor, prefix, t100, t10, t1


def _si_factors() -> list[tuple]:
    out = []
    for i, prefix in enumerate(["T", "G", "M", "k", "", "m", "µ", "n"]):
        exp = 12 - 3 * i
        # thresholds parsed from the printed form, so the choice matches how printing rounds
        out.append(
            _thresholds(10.0**exp, prefix, float(f"99.995e{exp}"), float(f"9.9995e{exp}"), float(f".99995e{exp}"))
        )
    return out


def _iec_factors() -> list[tuple]:
    out = []
    for i, prefix in enumerate(["Ti", "Gi", "Mi", "Ki", ""]):
        exp = 40 - 10 * i
        out.append(
            _thresholds(
                2.0**exp,
                prefix,
                float.fromhex(f"0x1.8ffae147ae148p{6 + exp}"),  # 99.995 * 2**exp
                float.fromhex(f"0x1.3ffbe76c8b439p{3 + exp}"),  # 9.9995 * 2**exp
                float.fromhex(f"0x1.fff972474538fp{exp - 1}"),  # .99995 * 2**exp
            )
        )
    return out


_SI = _si_factors()
_IEC = _iec_factors()
_SIGFIGS = [float(f"9.9995e{e}") for e in range(-1, -9, -1)]  # below the smallest prefix: more digits


def common_scale(values: Iterable[float], binary: bool) -> Scaler:
    """One prefix for every value of a row: the one that shows its smallest non-zero magnitude
    with at least three significant digits."""
    smallest = 0.0
    for v in values:
        v = abs(v)
        if v != 0 and (smallest == 0 or v < smallest):
            smallest = v
    if smallest == 0:
        return Scaler(3, 1.0, "")
    factors = _IEC if binary else _SI
    for factor, prefix, t100, t10, t1 in factors:
        if smallest >= t100:
            return Scaler(1, factor, prefix)
        if smallest >= t10:
            return Scaler(2, factor, prefix)
        if smallest >= t1:
            return Scaler(3, factor, prefix)
    factor, prefix = factors[-1][0], factors[-1][1]
    value = smallest / factor
    for i, threshold in enumerate(_SIGFIGS):
        if value >= threshold or i == len(_SIGFIGS) - 1:
            return Scaler(i + 3, factor, prefix)
    raise AssertionError("not reachable")


def scale(value: float, binary: bool) -> str:
    """One value with its own prefix (the geomean row)."""
    return common_scale([value], binary).format(value)
