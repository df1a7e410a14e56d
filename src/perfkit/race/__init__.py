"""``perfkit race``: a happens-before data-race detector for Python threads and asyncio.

This package must import nothing from the rest of perfkit: it is loaded into every process
under test, often before ``perfkit`` itself could be imported (see ``_boot``).
"""
