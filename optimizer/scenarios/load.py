"""Reading a scenario file (JSON or YAML; ``base`` inline or a path relative to the file)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Union

import yaml
from pydantic import ValidationError

from optimizer.scenarios.model import Scenario


class ScenarioFileError(ValueError):
    """The scenario file cannot be read or is invalid; the message names the file and field."""


def parse_scenario(data: dict[str, Any], base_dir: Union[str, Path, None] = None, source: str = "scenario") -> Scenario:
    """A Scenario from parsed data. A string ``base`` is a Problem JSON path, relative to ``base_dir``."""
    if not isinstance(data, dict):
        raise ScenarioFileError(f"{source}: the top level must be a mapping, got {type(data).__name__}")
    data = dict(data)
    base = data.get("base")
    if isinstance(base, str):
        path = Path(base)
        if not path.is_absolute() and base_dir is not None:
            path = Path(base_dir) / path
        try:
            data["base"] = json.loads(path.read_text())
        except OSError as exc:
            raise ScenarioFileError(f"{source}: base: cannot read {path}: {exc.strerror}") from None
        except json.JSONDecodeError as exc:
            raise ScenarioFileError(f"{source}: base: {path} is not JSON: {exc}") from None
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        lines = [f"{source}: {'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}" for e in exc.errors()[:20]]
        raise ScenarioFileError("\n".join(lines)) from None


def load_scenario(path: Union[str, Path]) -> Scenario:
    """Read ``path`` (``.json``, ``.yaml`` or ``.yml``; other names are tried as YAML, a JSON
    superset)."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise ScenarioFileError(f"cannot read {path}: {exc.strerror}") from None
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise ScenarioFileError(f"{path}: not valid {'JSON' if path.suffix.lower() == '.json' else 'YAML'}: {exc}") from None
    return parse_scenario(data, path.parent, str(path))
