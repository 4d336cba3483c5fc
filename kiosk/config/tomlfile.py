"""Reading an operator's TOML file (the configuration, a layout profile) and wording its first
problem as ``FILE: key: what is wrong``, never echoing a value (it may be a secret or a CPR)."""

from __future__ import annotations

import codecs
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

#: Windows editors save "UTF-8 with BOM"; tomllib then reports "Invalid statement (at line 1,
#: column 1)" about a first line that looks right, and in a secret file the mark would become part
#: of the secret. Shared by every reader of operator files.
BOM_PROBLEM = "starts with a UTF-8 byte order mark (BOM); save the file as UTF-8 without BOM"


def has_bom(raw: bytes) -> bool:
    return raw.startswith(codecs.BOM_UTF8)


class FileProblem(Exception):
    """A problem in an operator's file, worded for the operator: ``FILE: key: what is wrong``."""

    def __init__(self, path: Path | str, key: str, problem: str) -> None:
        self.path, self.key, self.problem = Path(path), key, problem
        where = f"{path}: {key}: " if key else f"{path}: "
        super().__init__(f"{where}{problem}")


def read_toml(path: Path, error: type[FileProblem]) -> dict[str, Any]:
    """The parsed file; raise ``error`` when it cannot be read or is not UTF-8 TOML."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise error(path, "", "file not found") from None
    except OSError as exc:
        raise error(path, "", f"cannot read file: {exc.strerror or exc}") from None
    if has_bom(raw):
        raise error(path, "", BOM_PROBLEM)
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise error(path, "", "file is not UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise error(path, "", f"not valid TOML: {exc}") from None


def dotted_key(loc: tuple[int | str, ...]) -> str:
    """``a.b[2].c`` from a pydantic error location, without pydantic's internal steps."""
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts[-1:] = [f"{parts[-1]}[{part}]"] if parts else [f"[{part}]"]
        elif not str(part).startswith(("function-", "literal[")) and part not in ("dict", "list"):
            parts.append(str(part))
    return ".".join(parts)


def first_problem(exc: ValidationError) -> tuple[str, str, dict[str, Any]]:
    """Key and wording of the first validation error, and the error itself."""
    first: Any = exc.errors()[0]
    if first["type"] == "extra_forbidden":
        problem = "unknown key"
    elif first["type"] == "missing":
        problem = "required key is missing"
    else:
        problem = str(first["msg"]).removeprefix("Value error, ")
    return dotted_key(first["loc"]), problem, first
