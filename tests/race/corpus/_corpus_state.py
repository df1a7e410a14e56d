"""Module state shared by r_module_global.py (not a program of its own)."""

counter = 0
