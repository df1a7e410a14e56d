"""perfkit bench: Go's benchmark workflow (``go test -bench``, ``benchstat``) for pytest.

Library entry points (the CLI commands are thin layers over these):

* :func:`perfkit.bench.storage.load_results` reads Go benchmark text, perfkit JSON or
  pytest-benchmark JSON into a :class:`~perfkit.bench.results.ResultSet`;
* :func:`perfkit.bench.benchstat.build_tables` compares result sets, and
  :func:`perfkit.bench.render.render` prints the tables;
* :func:`perfkit.bench.runner.run_benchmarks` runs pytest benchmarks with the plugin.
"""
