"""`python -m bot.entrypoints.cli`: the `csba` command."""

from bot.entrypoints.cli import main

raise SystemExit(main())
