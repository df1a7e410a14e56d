"""pprof's ``profile.proto`` as protobuf message classes, built at import time.

Why not generated ``_pb2`` code: generated modules are tied to the protoc version that made them.
A ``FileDescriptorProto`` assembled here works with any protobuf runtime (upb, C++ or pure
Python).  Field numbers follow github.com/google/pprof/proto/profile.proto (package
``perftools.profiles``, proto3).
"""

from __future__ import annotations

from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

__all__ = [
    "Function",
    "Label",
    "LazyProfile",
    "LazySample",
    "Line",
    "Location",
    "Mapping",
    "PackedIds",
    "Profile",
    "Sample",
    "ValueType",
]

_PACKAGE = "perftools.profiles"
_F = descriptor_pb2.FieldDescriptorProto

# (field name, number, scalar type or message name, repeated)
_MESSAGES: dict[str, list[tuple[str, int, int | str, bool]]] = {
    "Profile": [
        ("sample_type", 1, "ValueType", True),
        ("sample", 2, "Sample", True),
        ("mapping", 3, "Mapping", True),
        ("location", 4, "Location", True),
        ("function", 5, "Function", True),
        ("string_table", 6, _F.TYPE_STRING, True),
        ("drop_frames", 7, _F.TYPE_INT64, False),
        ("keep_frames", 8, _F.TYPE_INT64, False),
        ("time_nanos", 9, _F.TYPE_INT64, False),
        ("duration_nanos", 10, _F.TYPE_INT64, False),
        ("period_type", 11, "ValueType", False),
        ("period", 12, _F.TYPE_INT64, False),
        ("comment", 13, _F.TYPE_INT64, True),
        ("default_sample_type", 14, _F.TYPE_INT64, False),
        ("doc_url", 15, _F.TYPE_INT64, False),
    ],
    "ValueType": [
        ("type", 1, _F.TYPE_INT64, False),
        ("unit", 2, _F.TYPE_INT64, False),
    ],
    "Sample": [
        ("location_id", 1, _F.TYPE_UINT64, True),
        ("value", 2, _F.TYPE_INT64, True),
        ("label", 3, "Label", True),
    ],
    "Label": [
        ("key", 1, _F.TYPE_INT64, False),
        ("str", 2, _F.TYPE_INT64, False),
        ("num", 3, _F.TYPE_INT64, False),
        ("num_unit", 4, _F.TYPE_INT64, False),
    ],
    "Mapping": [
        ("id", 1, _F.TYPE_UINT64, False),
        ("memory_start", 2, _F.TYPE_UINT64, False),
        ("memory_limit", 3, _F.TYPE_UINT64, False),
        ("file_offset", 4, _F.TYPE_UINT64, False),
        ("filename", 5, _F.TYPE_INT64, False),
        ("build_id", 6, _F.TYPE_INT64, False),
        ("has_functions", 7, _F.TYPE_BOOL, False),
        ("has_filenames", 8, _F.TYPE_BOOL, False),
        ("has_line_numbers", 9, _F.TYPE_BOOL, False),
        ("has_inline_frames", 10, _F.TYPE_BOOL, False),
    ],
    "Location": [
        ("id", 1, _F.TYPE_UINT64, False),
        ("mapping_id", 2, _F.TYPE_UINT64, False),
        ("address", 3, _F.TYPE_UINT64, False),
        ("line", 4, "Line", True),
        ("is_folded", 5, _F.TYPE_BOOL, False),
    ],
    "Line": [
        ("function_id", 1, _F.TYPE_UINT64, False),
        ("line", 2, _F.TYPE_INT64, False),
        ("column", 3, _F.TYPE_INT64, False),
    ],
    "Function": [
        ("id", 1, _F.TYPE_UINT64, False),
        ("name", 2, _F.TYPE_INT64, False),
        ("system_name", 3, _F.TYPE_INT64, False),
        ("filename", 4, _F.TYPE_INT64, False),
        ("start_line", 5, _F.TYPE_INT64, False),
    ],
}


# Fast-read views of the same wire data (not part of profile.proto): a packed ``location_id``
# list and each Label are length-delimited on the wire, so they can be read as raw ``bytes``:
# hashable keys that need decoding only once per distinct stack or label, not once per sample.
_MESSAGES["LazySample"] = [
    ("location_id", 1, _F.TYPE_BYTES, False),
    ("value", 2, _F.TYPE_INT64, True),
    ("label", 3, _F.TYPE_BYTES, True),
]
_MESSAGES["LazyProfile"] = [
    (name, number, "LazySample" if name == "sample" else kind, repeated)
    for name, number, kind, repeated in _MESSAGES["Profile"]
]
#: wraps raw bytes as field 1, the same bytes a Sample with those packed location ids holds
_MESSAGES["PackedIds"] = [("raw", 1, _F.TYPE_BYTES, False)]


def _file_descriptor() -> descriptor_pb2.FileDescriptorProto:
    """The descriptor of profile.proto, field by field."""
    fdp = descriptor_pb2.FileDescriptorProto(name="perfkit/pprof_profile.proto", package=_PACKAGE, syntax="proto3")
    for message, fields in _MESSAGES.items():
        msg = fdp.message_type.add(name=message)
        for name, number, kind, repeated in fields:
            field = msg.field.add(name=name, number=number)
            field.label = _F.LABEL_REPEATED if repeated else _F.LABEL_OPTIONAL
            if isinstance(kind, str):
                field.type = _F.TYPE_MESSAGE
                field.type_name = f".{_PACKAGE}.{kind}"
            else:
                field.type = kind
    return fdp


def _build() -> dict[str, Any]:
    # a private pool, so another copy of profile.proto in the default pool cannot clash with ours
    pool = descriptor_pool.DescriptorPool()
    pool.Add(_file_descriptor())
    return {
        name: message_factory.GetMessageClass(pool.FindMessageTypeByName(f"{_PACKAGE}.{name}")) for name in _MESSAGES
    }


_CLASSES = _build()
Profile = _CLASSES["Profile"]
ValueType = _CLASSES["ValueType"]
Sample = _CLASSES["Sample"]
Label = _CLASSES["Label"]
Mapping = _CLASSES["Mapping"]
Location = _CLASSES["Location"]
Line = _CLASSES["Line"]
Function = _CLASSES["Function"]
LazySample = _CLASSES["LazySample"]
LazyProfile = _CLASSES["LazyProfile"]
PackedIds = _CLASSES["PackedIds"]
