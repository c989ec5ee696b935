"""`python -m bot.entrypoints.rasa.runtime <rasa arguments>`: Rasa's own command line
(`run`, `shell`, ...) with the project's fixes installed first. The Procfile,
`make shell` and the test stacks start Rasa this way. For `shell` it is also quiet
keeps a message typed under buttons and loads the model faster (runtime/shell.py).

`run` without `--auth-token` takes the HTTP API's token from `RASA_TOKEN`
(`api_token_arguments`): a token on the command line is readable by every local
user (`ps`, /proc/<pid>/cmdline), the environment only by the process's owner."""

from __future__ import annotations

import sys

from bot import config


def api_token_arguments(arguments: list[str]) -> list[str]:
    """`arguments` with `--auth-token $RASA_TOKEN` added to a `run` that has
    none (only in this process: the command line `ps` shows stays as it was)."""
    if arguments[:1] != ["run"] or "--auth-token" in arguments:
        return arguments
    token = config.rasa_token()
    return [*arguments, "--auth-token", token] if token else arguments


def main() -> None:
    sys.argv[1:] = api_token_arguments(sys.argv[1:])
    if sys.argv[1:2] == ["shell"]:
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
