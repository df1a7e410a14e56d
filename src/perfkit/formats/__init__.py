"""File formats: one module per kind of profile file (see :mod:`perfkit.files` for dispatch)."""
