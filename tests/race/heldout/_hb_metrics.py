"""Helper module for heldout programs: a module global updated by a function of this module."""

hits = 0
level = 1


def record():
    global hits
    hits += 1


def current_level():
    return level * 10
