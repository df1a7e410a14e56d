"""The fast path for JSON lines: a whole block read by polars' native NDJSON reader, taken only
when its columns are provably the ones msgspec would give.

Why: msgspec decodes a block in C, but every kept value becomes a Python object, is pulled out
of its record and turned back into a polars column.  polars' reader builds the columns
directly, without the GIL, so the next block is read while this one is analysed.

Why the checks: on valid JSON the two decoders disagree in three ways, all silent on polars'
side: a key given twice (polars keeps the first value, msgspec the last), a number, boolean or
object where a string column is expected (polars writes it as text), and a lone ``\\ud800``
escape (polars makes it ``\\x00``; msgspec refuses the line).  So a block is taken only when

* the ``"key"`` byte patterns of the chosen keys, plus the keys of any name spelled with a
  ``\\u`` escape, plus the surrogate escapes (``\\ud800``-``\\udfff``), number exactly the
  non-null values polars found.  Every occurrence of a chosen key is one of the first two, so
  equality means that no key is repeated or null, that escapes spell only chosen keys, and that
  there is no surrogate escape (a pair for an emoji too only costs the block its speed); ``\\u``
  escapes in values (``"zo\\u00eb"``, as Python's json writes any non-ASCII text) are fine;
* no value of a string column looks like polars' text for a number, ``true``, ``false``, an
  object or an array (a genuine string that does, such as ``"123"``, only costs the block its
  speed);

and number columns are read with polars' strict types (a string, boolean, object or fraction
where an integer is expected fails the block).  Anything else, including every line polars
cannot parse, leaves the block to msgspec and the line-by-line path, which reports bad lines
with their numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl

__all__ = ["NativeJson"]

#: polars' text for a JSON number (it writes floats out in full: 1e-7 is 0.0000001), boolean,
#: object or array read into a string column
_NOT_A_STRING = r"^(?:-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$|true$|false$|[\[{])"
#: a surrogate escape, or a \u escape inside a key (the rest of its string, then a colon)
_ESCAPES = r'\\u(?:[dD][89a-fA-F][0-9a-fA-F]{2}|[0-9a-fA-F]{4}(?:[^"\\]|\\.)*"[ \t\r\n]*:)'
_REGEX_META = frozenset("\\.+*?()|[]{}^$#&-~")


def _literal(text: str) -> str:
    """``text`` as a pattern of Rust's regex syntax, which polars uses."""
    return "".join("\\" + ch if ch in _REGEX_META else ch for ch in text)


class NativeJson:
    """Reads all-JSON blocks into the chosen flat keys' columns, or declines."""

    def __init__(self, schema: Mapping[str, pl.DataType | type[pl.DataType]]) -> None:
        self.schema = dict(schema)
        keys = "|".join(_literal(k) for k in self.schema)
        self._keys = f'"(?:{keys})"|{_ESCAPES}'
        self._strings = [k for k, t in self.schema.items() if t == pl.String]
        self.taken = 0  #: blocks read here
        self.declined = 0  #: blocks left to msgspec

    @classmethod
    def for_columns(
        cls, keys: Sequence[str], columns: Mapping[str, pl.Series], numeric_only: set[str], nested: set[str]
    ) -> NativeJson | None:
        """A reader for ``keys`` typed as the general path typed a first block (``columns``), or
        None when some key cannot be read natively with the same result.  ``numeric_only`` keys
        (durations with a unit, status, time) are only ever turned into floats, so they are read
        as floats whether a block holds integers or fractions."""
        schema: dict[str, pl.DataType | type[pl.DataType]] = {}
        for key in keys:
            if key in nested or "/" in key:  # a path into an object; "\/" could spell a key
                return None
            dtype = columns[key].dtype if key in columns else pl.String
            if key in numeric_only and dtype.is_numeric():
                schema[key] = pl.Float64
            elif dtype in (pl.String, pl.Int64):
                schema[key] = dtype
            else:
                return None
        return cls(schema) if schema else None

    def worth_trying(self) -> bool:
        """False once most blocks were declined (a log with a bad line in every block, or a
        type the checks refuse): then the check costs more than it saves."""
        return self.declined <= 2 * self.taken + 2

    def read(self, data: bytes) -> tuple[dict[str, pl.Series], int] | None:
        """(columns by key, number of records) of a block, or None to leave it to msgspec."""
        try:
            text = pl.Series("text", [data], dtype=pl.Binary).cast(pl.String)
            found = text.str.count_matches(self._keys).item()
            frame = pl.read_ndjson(data, schema=self.schema)
        except pl.exceptions.PolarsError:  # not UTF-8, or some line polars cannot take
            self._decline()
            return None
        if found != sum(len(frame) - frame[name].null_count() for name in self.schema):
            self._decline()
            return None
        if self._strings:
            looks = pl.any_horizontal(pl.col(self._strings).str.contains(_NOT_A_STRING)).any()
            if frame.select(looks).item():
                self._decline()
                return None
        self.taken += 1
        return {name: frame[name] for name in self.schema}, len(frame)

    def _decline(self) -> None:
        self.declined += 1
        return None
