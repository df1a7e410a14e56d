"""Start the race detector in every Python process that inherits ``PERFKIT_RACE_ENABLE=1``."""

import os

import _perfkit_race_boot

if os.environ.get("PERFKIT_RACE_ENABLE") == "1":
    _perfkit_race_boot.load("bootstrap").install()
_perfkit_race_boot.chain_sitecustomize()
