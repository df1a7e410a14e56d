"""Go's math.Log as amd64 computes it, bit for bit: values recorded from Go 1.19's own
``math.Log`` (``fmt.Printf("%016x", math.Float64bits(math.Log(x)))``), subnormals included, where
amd64 reads the exponent field as it is (so Go's log of 5e-324 is about -709.1, not -744.4), and
the scalar and numpy versions agreeing on any positive finite value."""

from __future__ import annotations

import math
import struct

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from perfkit.bench.gomath import go_log, go_logs

GO_LOG_BITS = {  # x -> Go's math.Log(x) bits on amd64
    5e-324: 0xC08628B76E3A7B61,
    1e-310: 0xC08628AE3F3C2FF6,
    2.2250738585072014e-308: 0xC086232BDD7ABCD2,
    2.225073858507201e-308: 0xC086232BDD7ABCD2,  # the largest subnormal: the same bits as the smallest normal
    101.85: 0x40127E7715633188,
    0.7071067811865476: 0xBFD62E42FEFA39EE,
    1e-300: 0xC085963447F87FB5,
    3.5: 0x3FF40B512EB53D60,
    1e300: 0x4085963447F87FB5,
}


def _bits(x: float) -> int:
    return struct.unpack("<Q", struct.pack("<d", x))[0]


@pytest.mark.parametrize(("x", "expected"), GO_LOG_BITS.items())
def test_go_log_is_gos_math_log(x: float, expected: int) -> None:
    assert _bits(go_log(x)) == expected
    assert _bits(float(go_logs(np.array([x]))[0])) == expected


def test_a_subnormals_log_is_gos_not_the_true_one() -> None:
    assert go_log(5e-324) == pytest.approx(-709.09, abs=0.01) and math.log(5e-324) == pytest.approx(-744.4, abs=0.1)


@given(st.lists(st.floats(min_value=5e-324, allow_infinity=False, allow_nan=False), min_size=1, max_size=20))
def test_scalar_and_numpy_agree(xs: list[float]) -> None:
    assert [_bits(go_log(x)) for x in xs] == [_bits(float(v)) for v in go_logs(np.array(xs))]
