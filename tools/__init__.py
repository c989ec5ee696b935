"""Developer tools, not part of the installed app (pyproject.toml packages only
bot* and actions*). Run from the repository root:

- `python -m tools.evaluation`: NLU evaluation, comparison with baselines and the
  load benchmark (`make eval`, `make bench`);
- `python -m tools.bench_console`: the agent console's list page at 10,000
  conversations (`make bench-console`);
- `tools.devstack`: the bot's real processes on free ports, for the e2e and browser
  tests and the load benchmark.
"""
