"""`python -m bot.entrypoints.rasa.runtime <rasa arguments>`: Rasa's own command line
(`run`, `shell`, ...) with the project's fixes installed first. The Procfile,
`make shell` and the test stacks start Rasa this way. For `shell` it is also quiet
keeps a message typed under buttons and loads the model faster (runtime/shell.py)."""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:2] == ["shell"]:
        from bot import config
        from bot.entrypoints.rasa.runtime import shell

        if not shell.wants_logs(sys.argv[2:]):
            config.quiet_tensorflow_logs()  # before TensorFlow is imported
            shell.silence_library_warnings()
        sys.argv[1:] = shell.quiet_arguments(sys.argv[1:])

    from bot.entrypoints.rasa.runtime import install_patches

    install_patches()
    if sys.argv[1:2] == ["shell"]:
        from bot.entrypoints.rasa.runtime import shell

        shell.install_button_input()
        shell.install_eager_weight_building()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
