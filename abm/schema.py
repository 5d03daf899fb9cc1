"""One schema engine for every config file: declare a field once, get validation and its docs row.

A config section is a frozen dataclass whose fields are declared with `setting` (a value: its type
comes from the annotation; default, allowed range, unit and a one-line meaning from the call) or
`section` (a nested table). `build` turns a raw TOML table into the typed dataclass and refuses an
unknown key (naming a close match, else the valid ones), a missing required field, a wrong type, a
choice outside a ``Literal``, a number out of range or not finite, each with one `ConfigError` line
naming the dotted field and the fix. `reference_markdown` writes the table of every field of a schema
root (field, type, default, range, unit, meaning) that the docs hold and their tests check.

Supported field types: ``int``, ``float``, ``bool``, ``str``, ``Literal[...]``, `abm.paths.YearPath`,
a nested dataclass (a section), ``tuple[T, ...]`` of scalars (a list), ``dict[str, Any]`` (a raw table
another module validates) and ``dict[str, T]`` of scalars (a named map; nested tables read as dotted
keys). A field with ``parse=`` is read by that function (for tables whose keys come from elsewhere).
Dataclass fields declared without `setting` / `section` are not part of the file (e.g. ``source``).

>>> @dataclass(frozen=True)
... class Run:
...     ticks: int = setting(50, lo=1, hi=1000, unit="years", doc="years to simulate")
>>> build(Run, {"ticks": 3}, "run").ticks
3
>>> build(Run, {"tick": 3}, "run")
Traceback (most recent call last):
...
abm.errors.ConfigError: run.tick: unknown field (fix: did you mean ticks?)
>>> build(Run, {"ticks": 0}, "run")
Traceback (most recent call last):
...
abm.errors.ConfigError: run.ticks: 0 is below the minimum 1 (fix: use a value from 1 to 1000 years, e.g. ticks = 50)
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import math
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from abm.errors import ConfigError, shown
from abm.paths import YearPath

#: Key of the field metadata that holds a field's `Setting`.
SCHEMA_KEY = "abm.schema"
#: An unknown key's fix lists the valid ones up to this many; a schema with more names its ``REFERENCE``
#: document (a class attribute) instead, so that the line stays readable.
MAX_LISTED = 20
#: Integers beyond this (int64) are refused as too large before any range check (a float cannot hold more).
MAX_INTEGER = 2**63 - 1
#: The years a year path may name (calendar years; a key outside is a typo, not a policy).
YEAR_KEYS = (1900, 3200)  # the years a run can reach: run.start_year 1900-2200 plus up to 1000 ticks


@dataclass(frozen=True)
class Setting:
    """What a field declares beside its type: range, unit, meaning, and how to read it."""

    lo: float | None = None
    hi: float | None = None
    unit: str = ""
    doc: str = ""
    required: bool = False
    finite: bool = True              # refuse NaN and inf (float fields)
    min_len: int = 0                 # lists, tables and text: at least this many items (text: non-blank)
    unique: bool = False             # lists: every item once
    example: str = ""                # a valid value, for the fix of a missing or empty field
    source: str = ""                 # where the number comes from (carbon factors)
    kind: str = ""                   # the docs' type cell, when the annotation does not say it well
    shown: str = ""                  # the docs' default cell, when the default does not print well
    parse: Callable[[Any, str], Any] | None = None  # reads the raw value itself: (value, dotted field)


@dataclass(frozen=True)
class FieldSpec:
    """One field of a schema dataclass: its name, resolved type, default and `Setting`."""

    name: str
    type: Any
    default: Any
    setting: Setting

    @property
    def is_section(self) -> bool:
        return dataclasses.is_dataclass(self.type) and self.type is not YearPath and self.setting.parse is None


def setting(default: Any = dataclasses.MISSING, *, lo: float | None = None, hi: float | None = None,
            unit: str = "", doc: str = "", finite: bool = True, min_len: int = 0, unique: bool = False,
            example: str = "", source: str = "", kind: str = "", shown: str = "",
            parse: Callable[[Any, str], Any] | None = None) -> Any:
    """A field of a config file; without a default it is required (declare such classes kw_only)."""
    meta = {SCHEMA_KEY: Setting(lo=lo, hi=hi, unit=unit, doc=doc, required=default is dataclasses.MISSING,
                                finite=finite, min_len=min_len, unique=unique, example=example, source=source,
                                kind=kind, shown=shown, parse=parse)}
    if isinstance(default, (dict, list)):
        return dataclasses.field(default_factory=functools.partial(type(default), default), metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def section(cls: type, *, doc: str = "", required: bool = False, example: str = "") -> Any:
    """A nested table of the file, built from its own schema dataclass `cls`."""
    meta = {SCHEMA_KEY: Setting(doc=doc, required=required, example=example)}
    if required:
        return dataclasses.field(metadata=meta)
    return dataclasses.field(default_factory=cls, metadata=meta)


@functools.cache
def fields_of(cls: type) -> tuple[FieldSpec, ...]:
    """The file's fields of schema dataclass `cls`, in declaration order (pure: cached per class)."""
    hints = typing.get_type_hints(cls)
    out = []
    for f in dataclasses.fields(cls):
        if SCHEMA_KEY not in f.metadata:
            continue
        if f.default is not dataclasses.MISSING:
            default = f.default
        elif f.default_factory is not dataclasses.MISSING:
            default = f.default_factory()
        else:
            default = dataclasses.MISSING
        out.append(FieldSpec(f.name, hints[f.name], default, f.metadata[SCHEMA_KEY]))
    return tuple(out)


# --------------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------------
def build(cls: type, raw: Any, where: str = "") -> Any:
    """Schema dataclass `cls` from the TOML table `raw`; every error names ``where.field`` and the fix."""
    table = expect_table(raw, where)
    specs = {spec.name: spec for spec in fields_of(cls)}
    for key in table:
        if key not in specs:
            refuse_unknown(str(key), list(specs), where, getattr(cls, "REFERENCE", ""))
    values = {}
    for spec in specs.values():
        name = dotted(where, spec.name)
        if spec.name in table:
            values[spec.name] = read_value(spec, table[spec.name], name)
        elif spec.setting.required:
            raise ConfigError(name, "is required", _missing_fix(spec, name))
    return cls(**values)


def read_value(spec: FieldSpec, value: Any, where: str) -> Any:
    """One field's value, checked against its type and `Setting`."""
    s, tp = spec.setting, _unless_none(spec.type)
    if tp is not spec.type:
        spec = dataclasses.replace(spec, type=tp)
    if s.parse is not None:
        out = s.parse(value, where)
    elif tp is YearPath:
        out = YearPath.parse(_year_path_values(spec, value, where), where, s.lo, s.hi)
    elif spec.is_section:
        out = build(tp, value, where)
    elif typing.get_origin(tp) is tuple:
        out = _read_list(spec, value, where)
    elif typing.get_origin(tp) is dict:
        out = _read_table(spec, value, where)
    else:
        out = _read_scalar(spec, tp, value, where)
    if s.min_len and _size(out) < s.min_len:
        raise ConfigError(where, "is empty", s.example and f"write e.g. {_leaf(where)} = {s.example}")
    return out


def _read_scalar(spec: FieldSpec, tp: Any, value: Any, where: str) -> Any:
    if typing.get_origin(tp) is Literal:
        choices = typing.get_args(tp)
        if isinstance(value, bool) or value not in choices:
            raise ConfigError(where, f"{shown(value)} is not a valid choice", f"use one of {', '.join(map(repr, choices))}")
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(where, f"expected true or false, got {shown(value)}", "write true or false")
        return value
    if tp is str:
        if not isinstance(value, str):
            example = _example(spec, '"text"')
            raise ConfigError(where, f"expected a string, got {shown(value)}",
                              f"write it in quotes, e.g. {_leaf(where)} = {example}")
        return value
    if tp in (int, float):
        return _read_number(spec, tp, value, where)
    raise TypeError(f"unsupported field type {tp!r} for {where}")  # a schema bug, not a user error


def _read_number(spec: FieldSpec, tp: type, value: Any, where: str) -> int | float:
    s = spec.setting
    word = "an integer" if tp is int else "a number"
    fix = f"write {word}, e.g. {_leaf(where)} = {_example(spec, '1')}"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(where, f"expected {word}, got {shown(value)}", fix)
    if isinstance(value, float) and not math.isfinite(value) and (s.finite or tp is int):
        raise ConfigError(where, f"{value} is not a finite number", fix)
    if tp is int and value != int(value):
        raise ConfigError(where, f"expected an integer, got {shown(value)}", fix)
    if s.lo is not None and value < s.lo:  # compared before any conversion: a huge integer is refused here
        raise ConfigError(where, f"{shown(value, 40)} is below the minimum {s.lo}", _range_fix(spec, where))
    if s.hi is not None and value > s.hi:
        raise ConfigError(where, f"{shown(value, 40)} is above the maximum {s.hi}", _range_fix(spec, where))
    if isinstance(value, int) and abs(value) > MAX_INTEGER:  # no range said, but beyond int64 (and maybe a float)
        raise ConfigError(where, f"{shown(value, 40)} is too large", fix)
    return tp(value)


def _year_path_values(spec: FieldSpec, value: Any, where: str) -> Any:
    """A year path's raw numbers checked as numbers of the field, and its keys as calendar years, before
    `YearPath.parse` turns them into floats (an integer beyond a float, or year 10**20, would crash there)."""
    if isinstance(value, YearPath):
        return value
    number = dataclasses.replace(spec, type=float)
    fix = "write e.g. 0.5 or { 2020 = 0.5, 2030 = 0.3 }"
    if not isinstance(value, (dict, int, float)) or isinstance(value, bool) or value == {}:
        raise ConfigError(where, f"expected a number or a {{year = value}} table, got {shown(value)}", fix)
    if not isinstance(value, dict):
        return _read_number(number, float, value, where) if isinstance(value, int) else value
    for key, item in value.items():
        year = str(key).strip()
        if not (year.isascii() and year.isdigit()) or len(year) > 4 or not YEAR_KEYS[0] <= int(year) <= YEAR_KEYS[1]:
            raise ConfigError(where, f"key {shown(key, 40)} is not a year",
                              f"use calendar years ({YEAR_KEYS[0]}-{YEAR_KEYS[1]}) as keys, e.g. 2030 = 0.4")
        if isinstance(item, bool) or not isinstance(item, (int, float)):
            raise ConfigError(f"{where}.{year}", f"expected a number, got {shown(item)}", "give a number")
        if isinstance(item, int):  # floats are read (range, finite) by the path itself
            _read_number(number, float, item, f"{where}.{year}")
    return value


def _read_list(spec: FieldSpec, value: Any, where: str) -> tuple[Any, ...]:
    """A TOML array of scalars (a single value reads as a one-item list)."""
    item_type = typing.get_args(spec.type)[0]
    if not isinstance(value, list):
        if isinstance(value, (dict, str)) or value is None:
            raise ConfigError(where, f"expected a list, got {shown(value)}",
                              f"write e.g. {_leaf(where)} = {spec.setting.example or '[...]'}")
        value = [value]
    item = dataclasses.replace(spec, type=item_type, default=dataclasses.MISSING)
    out = tuple(_read_scalar(item, item_type, v, f"{where}[{i}]") for i, v in enumerate(value))
    if spec.setting.unique and len(set(out)) != len(out):
        twice = next(v for v in out if out.count(v) > 1)
        raise ConfigError(where, f"lists {shown(twice)} twice", "list each value once")
    return out


def _read_table(spec: FieldSpec, value: Any, where: str) -> dict[str, Any]:
    """``dict[str, Any]``: the raw table (validated elsewhere); ``dict[str, T]``: every value a T."""
    table = expect_table(value, where)
    value_type = typing.get_args(spec.type)[1]
    if value_type is Any:
        return dict(table)
    item = dataclasses.replace(spec, type=value_type, default=dataclasses.MISSING)
    return {key: _read_scalar(item, value_type, v, f"{where}.{key}") for key, v in flatten_dotted(table).items()}


def _unless_none(tp: Any) -> Any:
    """``X | None`` reads as X: TOML has no null, so None can only be the default (meaning "not given")."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return tp


# --------------------------------------------------------------------------------------------------
# Helpers for parse hooks and cross-field checks
# --------------------------------------------------------------------------------------------------
def read_as(tp: Any, value: Any, where: str, **declared: Any) -> Any:
    """Read `value` as type `tp` with a `Setting` made of `declared` (lo, hi, min_len, example, ...):
    for a parse hook whose field may be written in several forms (e.g. a count or a list)."""
    return read_value(FieldSpec(_leaf(where), tp, dataclasses.MISSING, Setting(**declared)), value, where)


#: The longest name that becomes a folder (a scenario's, a sweep's or a calibration's).
MAX_FOLDER_NAME = 100


def folder_name(value: Any, where: str) -> str:
    """A name that becomes one folder (``out/<name>``, a sweep's ``scenario=<name>``): a plain name, never a
    path, so no file can put outputs outside ``out/`` (``..``, ``/etc``, ``a/b`` are refused)."""
    text = read_as(str, value, where)
    fix = 'write a plain name, e.g. name = "my-plan"'
    if not text.strip():
        raise ConfigError(where, "is empty", fix)
    if len(text) > MAX_FOLDER_NAME:
        raise ConfigError(where, f"is {len(text):,} characters long (it names a folder)",
                          f"use at most {MAX_FOLDER_NAME} characters")
    if text.strip() in (".", "..") or any(c in text for c in "/\\") or not text.isprintable():
        raise ConfigError(where, f"{shown(text)} is not a plain name (it names a folder: no / \\ . .. or "
                          "control characters)", fix)
    return text


def read_flag(cls: type, name: str, value: Any, flag: str) -> Any:
    """A command-line flag that stands for field `name` of schema `cls`, read with that field's own type and
    limits, so that the flag and the file never disagree (``--ticks`` and ``run.ticks``)."""
    spec = next(spec for spec in fields_of(cls) if spec.name == name)
    try:
        return read_value(spec, value, flag)
    except ConfigError as err:
        s = spec.setting
        unit = f" {s.unit}" if s.unit and s.unit != "-" else ""
        allowed = f"from {s.lo} to {s.hi}" if s.lo is not None and s.hi is not None else _range_text(s)
        example = s.example or toml_text(spec.default) or "1"
        raise ConfigError(flag, err.problem, f"use a value {allowed}{unit}, e.g. {flag} {example}") from None


def is_year_table(value: dict[str, Any]) -> bool:
    """A ``{ 2020 = 0.5, 2030 = 0.3 }`` year path (all keys years), not a nested table of fields."""
    return bool(value) and all(str(k).lstrip("-").isdigit() for k in value)


def expect_table(raw: Any, where: str) -> dict[str, Any]:
    """`raw` if it is a table, else a ConfigError naming `where`."""
    if not isinstance(raw, dict):
        fix = f"write [{where}] with key = value lines" if where else "give key = value pairs"
        raise ConfigError(where or "(top level)", f"expected a table, got {shown(raw)}", fix)
    return raw


def refuse_unknown(key: str, valid: list[str], where: str, reference: str = "") -> typing.NoReturn:
    """Refuse `key` (not one of `valid`) under `where`: naming close matches, else the valid keys (or,
    when there are many, the `reference` document that lists them)."""
    raise ConfigError(dotted(where, key), "unknown field", _name_fix(key, valid, reference))


def _name_fix(name: str, valid: list[str], reference: str = "") -> str:
    close = difflib.get_close_matches(name, valid, n=3)
    if close:
        names = close[0] if len(close) == 1 else f"{', '.join(close[:-1])} or {close[-1]}"
        return f"did you mean {names}?"
    if reference and len(valid) > MAX_LISTED:
        return f"see {reference} for the names"
    return f"use one of: {', '.join(valid)}"


def flatten_dotted(table: dict[str, Any], prefix: str = "",
                   is_leaf: Callable[[dict[str, Any]], bool] = lambda value: False) -> dict[str, Any]:
    """Nested tables as dotted keys: ``[a] b = 1`` and ``"a.b" = 1`` both give ``{"a.b": 1}``.

    A table for which `is_leaf` is true stays a value (e.g. a ``{ low = 0, high = 1 }`` range).
    """
    out: dict[str, Any] = {}
    for key, value in table.items():
        name = dotted(prefix, str(key))
        if isinstance(value, dict) and not is_leaf(value):
            out.update(flatten_dotted(value, name, is_leaf))
        else:
            out[name] = value
    return out


def field_at(cls: type, key: str, where: str, what: str = "the file") -> FieldSpec:
    """The field a dotted `key` names inside schema `cls` (e.g. ``"development.weight_edge"``).

    An unknown part is refused at `where` with the valid names of its section (`what` names the
    root in that message); so is a key that names a section rather than a field.
    """
    parts = key.split(".")
    for i, part in enumerate(parts):
        specs = {spec.name: spec for spec in fields_of(cls)}
        if part not in specs:
            inside = ".".join(parts[:i]) or what
            raise ConfigError(where, f"'{part}' is not a field of {inside}", _name_fix(part, list(specs)))
        spec = specs[part]
        if i == len(parts) - 1:
            if spec.is_section:
                raise ConfigError(where, "names a table, not a field", "name a field inside it")
            return spec
        if not spec.is_section:
            raise ConfigError(where, f"'{part}' is a field, not a table", f"end the name at {'.'.join(parts[:i + 1])}")
        cls = spec.type
    raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover


def dotted(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def to_plain(obj: Any) -> Any:
    """Plain TOML-ready data: schema dataclasses as tables of their file fields, year paths as tables."""
    if isinstance(obj, YearPath):
        return obj.to_toml_value()
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        specs = fields_of(type(obj))
        names = [s.name for s in specs] or [f.name for f in dataclasses.fields(obj)]
        return {name: to_plain(getattr(obj, name)) for name in names}
    if isinstance(obj, dict):
        return {k: to_plain(v) for k, v in obj.items()}
    if isinstance(obj, tuple):
        return [to_plain(v) for v in obj]
    return obj


def _size(value: Any) -> int:
    if isinstance(value, str):
        return len(value.strip())
    return len(value) if isinstance(value, (tuple, list, dict)) else 1


def _leaf(where: str) -> str:
    return where.rsplit(".", 1)[-1].split("[")[0]


def _example(spec: FieldSpec, fallback: str) -> str:
    if spec.setting.example:
        return spec.setting.example
    if spec.default is dataclasses.MISSING:
        return fallback
    return toml_text(spec.default) or fallback


def _range_fix(spec: FieldSpec, where: str) -> str:
    s = spec.setting
    unit = f" {s.unit}" if s.unit and s.unit != "-" else ""
    example = _example(spec, "")
    allowed = f"from {s.lo} to {s.hi}" if s.lo is not None and s.hi is not None else _range_text(s)
    return f"use a value {allowed}{unit}" + (f", e.g. {_leaf(where)} = {example}" if example else "")


def _missing_fix(spec: FieldSpec, where: str) -> str:
    example = spec.setting.example
    if spec.is_section:
        return f"add [{where}]" + (f" with {example}" if example else "")
    return f"write {spec.name} = {example}" if example else f"set {where}"


# --------------------------------------------------------------------------------------------------
# Docs
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FieldDoc:
    """One row of a reference table."""

    name: str
    type: str
    default: str                     # as written in the file (or the schema's `shown` words); may be empty
    range: str
    unit: str
    doc: str
    required: bool = False
    literal: bool = True             # `default` is TOML text (set in code in the docs), not words


def reference_rows(cls: type, prefix: str = "") -> list[FieldDoc]:
    """A row for every field of schema `cls` and of its sections, depth first, with dotted names."""
    rows: list[FieldDoc] = []
    for spec in fields_of(cls):
        name = dotted(prefix, spec.name)
        if spec.is_section:
            rows.append(FieldDoc(name, "section", "", "", "", spec.setting.doc, spec.setting.required, False))
            rows.extend(reference_rows(spec.type, name))
            continue
        s = spec.setting
        shown = s.shown or ("" if s.required else toml_text(spec.default))
        rows.append(FieldDoc(name, s.kind or type_text(spec.type), shown, _range_text(s), s.unit, s.doc, s.required,
                             not s.shown))
    return rows


def reference_markdown(cls: type) -> str:
    """The Markdown table of every field of schema root `cls` (what the docs hold; tests check it)."""
    lines = ["| field | type | default | range | unit | meaning |", "|---|---|---|---|---|---|"]
    for row in reference_rows(cls):
        default = (f"`{row.default}`" if row.literal else row.default) if row.default else (
            "*required*" if row.required else "")
        cells = [f"`{row.name}`", row.type, default, row.range, row.unit, row.doc]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def type_text(tp: Any) -> str:
    """A field type in words: integer, number, true/false, text, one of ..., list of ..., table."""
    tp = _unless_none(tp)
    if typing.get_origin(tp) is Literal:
        return "one of " + ", ".join(f'"{a}"' if isinstance(a, str) else str(a) for a in typing.get_args(tp))
    if typing.get_origin(tp) is tuple:
        return "list of " + {int: "integers", float: "numbers", str: "texts"}.get(typing.get_args(tp)[0], "values")
    if typing.get_origin(tp) is dict:
        value = typing.get_args(tp)[1]
        return "table" if value is Any else f"table of {type_text(value)}s"
    names = {int: "integer", float: "number", bool: "true/false", str: "text", YearPath: "number or year path"}
    return names.get(tp, getattr(tp, "__name__", str(tp)))


def toml_text(value: Any) -> str:
    """A value as it would be written in the TOML file (year paths as ``{ 2020 = 0.5, ... }``)."""
    if isinstance(value, YearPath):
        value = value.to_toml_value()
    if value is None:
        return ""  # TOML has no null: a None default means "not written"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_text(v)}" for k, v in value.items()) + " }" if value else "{}"
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(toml_text(v) for v in value) + "]"
    return str(value)


def _range_text(s: Setting) -> str:
    if s.lo is not None and s.hi is not None:
        return f"{s.lo} to {s.hi}"
    if s.lo is not None:
        return f">= {s.lo}"
    if s.hi is not None:
        return f"<= {s.hi}"
    return ""
