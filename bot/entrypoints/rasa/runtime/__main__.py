"""`python -m bot.entrypoints.rasa.runtime <rasa arguments>`: Rasa's own command line
(`run`, `shell`, ...) with the project's fixes installed first. The Procfile,
`make shell` and the test stacks start Rasa this way."""

from __future__ import annotations

import sys


def main() -> None:
    from bot.entrypoints.rasa.runtime import install_patches

    install_patches()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
