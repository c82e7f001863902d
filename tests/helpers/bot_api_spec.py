"""The Telegram Bot API as data (``tests/data/bot-api-spec.json``), and checks against it.

The fake Bot API uses it both ways: every call the bot makes is checked (a real method, every
required field present, no unknown field, each value of the declared type), and every object
the fake returns or pushes is checked (every required field, no field the API does not have).
Abstract types (``BotCommandScope``, ``ChatMember``...) accept any of their subtypes, told apart
by the discriminator their descriptions state ("Scope type, must be all_group_chats").
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["SPEC_PATH", "BotApiSpec", "spec"]

# Vendored from the public telegram-bot-api-spec project (MIT, see tests/data/LICENSE-bot-api-spec).
SPEC_PATH = Path(__file__).resolve().parents[1] / "data" / "bot-api-spec.json"

_ARRAY = "Array of "
_DISCRIMINATOR = re.compile(r"(?:must be|always) (?!one of)[“\"]?([a-z_]+)[”\"]?")


class BotApiSpec:
    """Methods and types of the Bot API, with their fields."""

    def __init__(self, path: Path = SPEC_PATH) -> None:
        data = json.loads(path.read_text(encoding="utf-8"))
        self.version: str = data["version"]
        self.methods: dict[str, dict[str, Any]] = data["methods"]
        self.types: dict[str, dict[str, Any]] = data["types"]

    def fields(self, owner: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
        return {f["name"]: f for f in owner.get("fields", [])}

    # Calls ------------------------------------------------------------------------------------

    def check_call(self, method: str, params: Mapping[str, Any]) -> list[str]:
        """What is wrong with calling ``method`` with ``params`` (already decoded); [] if nothing."""
        fields = self.fields(self.methods[method])
        problems = [f"unknown parameter {name!r}" for name in params if name not in fields]
        for name, field in fields.items():
            if name not in params:
                if field["required"]:
                    problems.append(f"parameter {name!r} is required")
                continue
            problems += self.check_value(params[name], field["types"], name)
        return problems

    def decode_form(self, method: str, form: Mapping[str, str]) -> dict[str, Any]:
        """Form or query values (all strings) as the API reads them: JSON for all but strings."""
        fields = self.fields(self.methods.get(method, {}))
        decoded: dict[str, Any] = {}
        for name, raw in form.items():
            types = fields.get(name, {}).get("types", ["String"])
            if types == ["String"] or types == ["InputFile", "String"]:
                decoded[name] = raw
                continue
            try:
                decoded[name] = json.loads(raw)
            except ValueError:
                decoded[name] = raw  # chat_id "@channelname", or a bad value check_call reports
        return decoded

    # Values and objects -----------------------------------------------------------------------

    def check_value(self, value: Any, types: list[str], where: str) -> list[str]:
        """Problems of ``value`` as one of ``types`` (Integer, String, Array of X, a type name)."""
        best: list[str] | None = None
        for kind in types:
            problems = self._check_kind(value, kind, where)
            if not problems:
                return []
            if best is None or len(problems) < len(best):
                best = problems
        return best or [f"{where}: no type to check against"]

    def _check_kind(self, value: Any, kind: str, where: str) -> list[str]:
        if kind.startswith(_ARRAY):
            if not isinstance(value, list):
                return [f"{where}: expected an array, got {type(value).__name__}"]
            return [
                p
                for i, item in enumerate(value)
                for p in self.check_value(item, [kind[len(_ARRAY) :]], f"{where}[{i}]")
            ]
        simple = {
            "Integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
            "Float": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
            "Boolean": lambda v: isinstance(v, bool),
            "True": lambda v: v is True,
            "String": lambda v: isinstance(v, str),
            "InputFile": lambda v: isinstance(v, str | bytes),
        }
        if kind in simple:
            return [] if simple[kind](value) else [f"{where}: expected {kind}, got {value!r:.60}"]
        return self.check_object(kind, value, where)

    def check_object(self, type_name: str, value: Any, where: str | None = None) -> list[str]:
        """Problems of ``value`` as a ``type_name`` object: missing required or unknown fields."""
        where = where or type_name
        spec_type = self.types.get(type_name)
        if spec_type is None:
            return [f"{where}: unknown type {type_name}"]
        if not isinstance(value, dict):
            return [f"{where}: expected a {type_name} object, got {value!r:.60}"]
        subtypes = spec_type.get("subtypes")
        if subtypes:
            candidates = [s for s in subtypes if self._discriminated(s, value)] or subtypes
            return self.check_value(value, candidates, where)
        fields = self.fields(spec_type)
        problems = [f"{where}: {type_name} has no field {name!r}" for name in value if name not in fields]
        for name, field in fields.items():
            if name in value:
                problems += self.check_value(value[name], field["types"], f"{where}.{name}")
                if spec_type.get("subtype_of"):
                    problems += self._check_discriminator(field, value[name], f"{where}.{name}")
            elif field["required"]:
                problems.append(f"{where}: {type_name} requires field {name!r}")
        return problems

    def _discriminated(self, subtype: str, value: Mapping[str, Any]) -> bool:
        """Whether ``value``'s discriminator (e.g. ``type``) names ``subtype``."""
        for field in self.types.get(subtype, {}).get("fields", []):
            match = _DISCRIMINATOR.search(field.get("description", ""))
            if match and field["required"] and field["types"] == ["String"]:
                return value.get(field["name"]) == match.group(1)
        return False

    def _check_discriminator(self, field: Mapping[str, Any], value: Any, where: str) -> list[str]:
        match = _DISCRIMINATOR.search(field.get("description", ""))
        if match and field["required"] and field["types"] == ["String"] and value != match.group(1):
            return [f"{where}: must be {match.group(1)!r}, got {value!r}"]
        return []


@cache
def spec() -> BotApiSpec:
    """The spec, loaded once per test session."""
    return BotApiSpec()
