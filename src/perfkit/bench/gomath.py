"""Go's ``math.Log`` and ``math.Exp`` as they compute on amd64, so benchstat's geometric means
match Go's to the last bit (its CSV prints them in full).

* ``Log``: the fdlibm method: ``x = 2^k (1+f)``, ``log(1+f) = f - s(f - R)`` with
  ``s = f/(2+f)`` and a degree-14 polynomial R, ``k ln 2`` split in two parts.
* ``Exp``: Shibata's method (SLEEF): ``x = k ln 2 + r``, ``exp(r/16)`` by its Taylor series, then
  squared four times as ``y(y+2)``. Go runs it with fused multiply-adds when the CPU has AVX and
  FMA, which rounds differently, so both variants are here.

Elsewhere (and for any value these do not cover) Python's own functions serve.
"""

from __future__ import annotations

import math
import platform
import struct
from fractions import Fraction
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = ["go_exp", "go_log", "go_logs"]


def _bits(b: int) -> float:
    return struct.unpack("<d", struct.pack("<Q", b))[0]


_HSQRT2 = 7.07106781186547524401e-01
_LN2HI = _bits(0x3FE62E42FEE00000)
_LN2LO = _bits(0x3DEA39EF35793C76)
_L = [_bits(b) for b in (0x3FE5555555555593, 0x3FD999999997FA04, 0x3FD2492494229359, 0x3FCC71C51D8E78AF,
                          0x3FC7466496CB03DE, 0x3FC39A09D078C69F, 0x3FC2F112DF3E5244)]  # fmt: skip


def go_log(x: float) -> float:
    """Go's math.Log on amd64."""
    if x == 0:
        return -math.inf
    if x < 0 or x != x:
        return math.nan
    if math.isinf(x):
        return x
    # frexp as amd64's Log does it, from the bits: mantissa under 0.5's exponent, and the exponent
    # field less 1022 (a subnormal's field is 0, so it is not normalised first, unlike math.frexp)
    bits = struct.unpack("<Q", struct.pack("<d", x))[0]
    f1 = _bits((bits & 0x000FFFFFFFFFFFFF) | 0x3FE0000000000000)
    k = float(((bits >> 52) & 0x7FF) - 0x3FE)
    if f1 <= _HSQRT2:  # amd64 compares "not less than", so the boundary goes down
        k -= 1
        f1 *= 2
    f = f1 - 1
    s = f / (2 + f)
    s2 = s * s
    s4 = s2 * s2
    l1, l2, l3, l4, l5, l6, l7 = _L
    t1 = s2 * (l1 + s4 * (l3 + s4 * (l5 + s4 * l7)))
    t2 = s4 * (l2 + s4 * (l4 + s4 * l6))
    r = t1 + t2
    hfsq = 0.5 * f * f
    return k * _LN2HI - ((hfsq - (s * (hfsq + r) + k * _LN2LO)) - f)


def go_logs(xs: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """:func:`go_log` of every positive, finite value of a numpy array (the same operations,
    elementwise, so the same bits)."""
    import numpy as np

    bits = np.ascontiguousarray(xs, dtype=np.float64).view(np.uint64)
    f1 = ((bits & np.uint64(0x000FFFFFFFFFFFFF)) | np.uint64(0x3FE0000000000000)).view(np.float64)
    k = (((bits >> np.uint64(52)) & np.uint64(0x7FF)).astype(np.int64) - 0x3FE).astype(np.float64)
    low = f1 <= _HSQRT2
    k = np.where(low, k - 1, k)
    f1 = np.where(low, f1 * 2, f1)
    f = f1 - 1
    s = f / (2 + f)
    s2 = s * s
    s4 = s2 * s2
    l1, l2, l3, l4, l5, l6, l7 = _L
    t1 = s2 * (l1 + s4 * (l3 + s4 * (l5 + s4 * l7)))
    t2 = s4 * (l2 + s4 * (l4 + s4 * l6))
    r = t1 + t2
    hfsq = 0.5 * f * f
    return k * _LN2HI - ((hfsq - (s * (hfsq + r) + k * _LN2LO)) - f)


_LOG2E = 1.4426950408889634073599246810018920
_LN2U = 0.69314718055966295651160180568695068359375
_LN2L = 0.28235290563031577122588448175013436025525412068e-12
_OVERFLOW = 7.09782712893384e02
_TAYLOR = (2.4801587301587301587e-5, 1.9841269841269841270e-4, 1.3888888888888888889e-3,
           8.3333333333333333333e-3, 4.1666666666666666667e-2, 1.6666666666666666667e-1, 0.5, 1.0)  # fmt: skip


def _fma(a: float, b: float, c: float) -> float:
    """a*b + c rounded once."""
    fma = getattr(math, "fma", None)
    if fma is not None:
        return fma(a, b, c)
    return float(Fraction(a) * Fraction(b) + Fraction(c))


@cache
def _cpu_has_fma() -> bool:
    """Go takes its fused path when the CPU has AVX and FMA (Linux: the flags of /proc/cpuinfo)."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return {"avx", "fma"} <= flags  # the kernel lists them only when usable
    except OSError:
        pass
    return False


def go_exp(x: float) -> float:
    """Go's math.Exp on amd64 (elsewhere Python's math.exp)."""
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return math.exp(x)
    if x != x or x == math.inf:
        return x
    if x == -math.inf:
        return 0.0
    if x > _OVERFLOW:
        return math.inf
    k = round(_LOG2E * x)  # CVTSD2SL rounds to nearest, ties to even, as Python's round
    kf = float(k)
    fused = _cpu_has_fma()
    if fused:
        r = _fma(-kf, _LN2U, x)
        r = _fma(-kf, _LN2L, r)
    else:
        r = x - kf * _LN2U
        r = r - kf * _LN2L
    r *= 0.0625
    poly = _TAYLOR[0]
    for c in _TAYLOR[1:]:
        poly = _fma(poly, r, c) if fused else poly * r + c
    y = r * poly
    for _ in range(3 if fused else 4):
        y = y * (y + 2.0)
    y = _fma(y, y + 2.0, 1.0) if fused else y + 1.0
    biased = k + 0x3FF
    if biased <= 0:
        if biased < -52:
            return 0.0
        return y * _bits((biased + 0x3FE) << 52) * _bits(1 << 52)
    if biased >= 0x7FF:
        return math.inf
    return y * _bits(biased << 52)
