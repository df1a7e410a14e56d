"""The profile commands (``profile``, ``flame``, ``top``, ``peek``, ``graph``, ``list``,
``convert``): one module per command, each with its ``register(app)``, so running a command or
asking its ``--help`` loads only its own module (``perfkit.cli.COMMANDS``); :mod:`.flags` holds
the pprof flags they share and :mod:`.profile_io` reading inputs and writing outputs.

Thin by design: each command checks what the user typed (files, regexes, sample types, the
target command) so mistakes become one ``perfkit: <input>: <problem; fix>`` line, then calls the
library (collectors, files, views) and prints. Views and collectors are imported inside the
commands, and this package imports nothing, so ``--help`` and shell completion stay fast.
"""
