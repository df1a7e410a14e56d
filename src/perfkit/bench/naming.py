"""Go benchmark names for pytest test ids.

``tests/bench/test_codec.py::TestOrders::test_encode_order[10]`` with parameter ``size=10``
becomes ``BenchmarkOrders/EncodeOrder/size=10``: the ``test`` prefixes go, snake_case becomes
CamelCase, classes and parameters become sub-benchmark levels as ``b.Run`` would nest them.
The same rule names perfkit's own results and pytest-benchmark's, so both line up in benchstat.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["benchmark_name", "camel", "name_from_nodeid", "package_of"]

_SPACE = re.compile(r"\s+")
_SCALARS = (str, int, float, bool, type(None))


def camel(identifier: str, prefix: str = "test") -> str:
    """``test_encode_order`` -> ``EncodeOrder``; ``TestCodec`` -> ``Codec``."""
    body = identifier
    if body.lower().startswith(prefix):
        body = body[len(prefix) :]
    parts = [p for p in body.split("_") if p]
    return "".join(p[0].upper() + p[1:] for p in parts) or identifier[:1].upper() + identifier[1:]


def _clean(text: str) -> str:
    """Go's testing package turns spaces in sub-benchmark names into underscores."""
    return _SPACE.sub("_", text.strip()) or "_"


def benchmark_name(
    function: str,
    classes: Sequence[str] = (),
    params: Mapping[str, Any] | None = None,
    param_id: str | None = None,
) -> str:
    """Full Go name (without ``-procs``) from a test's function, classes and parameters."""
    levels = [camel(c, "test") for c in classes] + [camel(function)]
    name = "Benchmark" + "/".join(levels)
    if params and all(isinstance(v, _SCALARS) for v in params.values()):
        name += "".join(f"/{_clean(str(k))}={_clean(str(v))}" for k, v in params.items())
    elif param_id:
        name += f"/{_clean(param_id)}"
    return name


def package_of(path: str) -> str:
    """The ``pkg:`` of a test file: its path without ``.py`` (``tests/bench/test_codec``)."""
    path = path.replace("\\", "/")
    return path[:-3] if path.endswith(".py") else path


def name_from_nodeid(nodeid: str, params: Mapping[str, Any] | None = None) -> tuple[str, str]:
    """(pkg, Go name) from a pytest node id such as ``a/test_x.py::TestY::test_z[1-2]``."""
    path, _, rest = nodeid.partition("::")
    param_id = None
    if rest.endswith("]") and "[" in rest:
        rest, _, param_id = rest[:-1].partition("[")
    parts = rest.split("::") if rest else [path]
    return package_of(path), benchmark_name(parts[-1], parts[:-1], params, param_id)
