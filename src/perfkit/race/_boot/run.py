"""``python run.py script.py ARGS`` / ``python run.py -m module ARGS`` under the race detector."""

import sys

import _perfkit_race_boot

_perfkit_race_boot.load("main").run(sys.argv[1:])
