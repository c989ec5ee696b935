"""`python -m tools.evaluation <nlu|compare|bench>`: see tools.evaluation.cli."""

from tools.evaluation.cli import main

raise SystemExit(main())
