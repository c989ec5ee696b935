"""Evaluation and benchmarks: how well the NLU triages, and how fast the bot answers.

A developer tool, not part of the installed `bot` package: run it from the
repository root as `python -m tools.evaluation <nlu|compare|bench>` (`cli`).

- `metrics`: intent scores as plain Python (no Rasa import): accuracy, macro-F1,
  per-intent precision/recall/F1, the out-of-scope false-triage rate, the share of
  business messages the fallback catches, the worst confusions.
- `datasets`: labelled examples from a TSV file (`intent<TAB>text`) or Rasa NLU YAML.
- `nlu`: parse texts with a trained Rasa model; the `nlu` command.
- `compare`: k-fold cross-validation of our pipeline, Rasa's default pipeline and
  TF-IDF + logistic regression on the same folds, plus the held-out file and the
  time of a full `rasa train` without cache; the `compare` command (`make eval`).
- `stack`: start and stop the real processes (`rasa run`, the action server, a
  bare `rasa init` bot) on free ports.
- `bench`: simulated buyers over the REST channel; the `bench` command (`make bench`).
- `report`: one module per report (`nlu`, `compare`, `bench`): printed summaries,
  Markdown tables and PNG charts (matplotlib, Agg backend).
- `cli`: the command line (`__main__`).
"""
