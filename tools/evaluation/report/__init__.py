"""The reports of the evaluation tools, one module per report: `nlu`, `compare`
and `bench` (a printed summary, Markdown, JSON and PNG files under reports/).

Shared: `tables` (cells, plain-text and Markdown tables, REPORTS_DIR), `charts`
(PNG files, matplotlib's Agg backend) and `scores` (tables of NLU scores, used by
the `nlu` and `compare` reports). Every sentence and heading comes from the message
catalogue (`bot/catalogue/<lang>/eval.yml`).
"""
