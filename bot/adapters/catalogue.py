"""The message catalogue: every sentence a seller, agent or operator reads
outside the chat (the chat's own text lives in domain.yml).

Files are `bot/catalogue/<language>/<area>.yml`, nested mappings of strings
with `{placeholders}`. Keys are dotted paths: `t("reason.late_delivery", ...)`.
English is the reference; every language must define the same keys with the
same placeholders (tests/unit/test_catalogue.py checks).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from string import Formatter
from typing import Any

import yaml

CATALOGUE_DIR = Path(__file__).resolve().parent.parent / "catalogue"
DEFAULT_LANGUAGE = "en"
SUPPORTED_LANGUAGES = ("en", "zh")

# libyaml's loader when PyYAML was built with it: the same documents, read ten
# times faster (every `csba` command reads the catalogue).
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _flatten(prefix: str, node: Any, out: dict[str, str], origin: Path) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), value, out, origin)
    elif isinstance(node, str):
        if prefix in out:
            raise ValueError(f"{origin}: duplicate catalogue key {prefix!r}")
        out[prefix] = node
    else:
        raise ValueError(f"{origin}: catalogue key {prefix!r} must be a string")


@cache
def catalogue(language: str) -> dict[str, str]:
    """All messages of one language, keyed by dotted path."""
    messages: dict[str, str] = {}
    folder = CATALOGUE_DIR / language
    for path in sorted(folder.glob("*.yml")):
        area = path.stem
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER) or {}
        _flatten(area, data, messages, path)
    return messages


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(template) if name}


def language_or_default(language: str | None) -> str:
    return language if language in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, language: str | None = DEFAULT_LANGUAGE, /, **params: Any) -> str:
    """Render message `key` in `language` (English when unsupported).

    A missing key or placeholder raises KeyError: a silent blank would reach a user.
    """
    template = catalogue(language_or_default(language))[key]
    return template.format_map(params)
