"""Recognise an uncompressed profile.proto message by its first bytes (what ``zcat`` of a
``.pb.gz`` gives, whatever its name).

Producers order fields as they like (Go's runtime starts with ``time_nanos`` and ``period_type``,
pprof with ``sample_type``), so instead of one magic number the head is walked field by field:
every tag must be one of profile.proto's top-level fields with its wire type, and the ValueTypes
and strings met on the way must read as such.
"""

from __future__ import annotations

__all__ = ["looks_like_profile"]

#: profile.proto's top-level fields and their wire types (0 varint, 2 length-delimited);
#: ``comment`` (13) is a repeated int64, packed or not
_WIRE_TYPES = {
    1: {2},
    2: {2},
    3: {2},
    4: {2},
    5: {2},
    6: {2},
    7: {0},
    8: {0},
    9: {0},
    10: {0},
    11: {2},
    12: {0},
    13: {0, 2},
    14: {0},
    15: {0},
}
#: fields that must hold a small message of varints only (ValueType)
_VALUE_TYPE_FIELDS = {1, 11}


def _varint(data: bytes, pos: int) -> tuple[int, int] | None:
    """The varint at ``pos`` and the position after it, or None if cut off or over 10 bytes."""
    value = shift = 0
    for i in range(pos, min(pos + 10, len(data))):
        byte = data[i]
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, i + 1
        shift += 7
    return None


def looks_like_profile(head: bytes) -> bool:
    """Every field in ``head`` is a profile.proto field with its wire type, lengths fit, the
    ValueTypes and strings read as such, and there is at least one message or string (every
    profile has a sample_type); a field may be cut off only by the end of ``head``.  Text fails
    at its first bytes: most letters are not valid field tags here."""
    pos, size, nested = 0, len(head), False
    while pos < size:
        tag = _varint(head, pos)
        if tag is None:
            return nested and size - pos < 10
        number, wire = tag[0] >> 3, tag[0] & 7
        if wire not in _WIRE_TYPES.get(number, ()):
            return False
        value = _varint(head, tag[1])
        if value is None:
            return nested and size - tag[1] < 10
        if wire == 0:
            pos = value[1]
            continue
        nested = True
        start, end = value[1], value[1] + value[0]
        if end > size:
            return True  # cut off by the sniffing window
        body = head[start:end]
        if number in _VALUE_TYPE_FIELDS and not _value_type(body):
            return False
        if number == 6:
            try:
                body.decode("utf-8")
            except UnicodeDecodeError:
                return False
        pos = end
    return nested


def _value_type(body: bytes) -> bool:
    """``body`` is a ValueType: only varint fields 1 and 2."""
    pos = 0
    while pos < len(body):
        if body[pos] not in (0x08, 0x10):
            return False
        value = _varint(body, pos + 1)
        if value is None:
            return False
        pos = value[1]
    return True
