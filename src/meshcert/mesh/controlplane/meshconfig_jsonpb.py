"""The first error istiod's JSON decoder finds in a mesh config, in its words.

istiod decodes the mesh config with github.com/golang/protobuf jsonpb (istio/istio
pkg/util/protomarshal `ApplyJSON`, the legacy decoder, jsonpb/decode.go). Walking the message
tree (`meshconfig_schema`) it does, per field in declaration order:

- a message wants a JSON object: `json.Unmarshal` into `map[string]json.RawMessage`;
- a list wants an array (`[]json.RawMessage`), a map an object;
- a bool or a string goes through `json.Unmarshal` as is;
- a number has its quotes stripped first (`trimQuote`: `"10"` is taken as 10, `"two"` is
  handed to the JSON scanner as `two`, which is a syntax error);
- an enum is a name the enum knows (`unknown value %q for enum %s`, the raw JSON token
  quoted) or a number (`protoreflect.EnumNumber`, any int32);
- a google.protobuf.Duration is a JSON string `time.ParseDuration` reads (`bad Duration: ...`);
- the wrappers (BoolValue, Int32Value, ...) decode as their one field;
- a google.protobuf.Struct wants an object (`bad StructValue: ...`);
- `null` leaves a field unset; a field it does not know is skipped (`ApplyJSON` retries with
  unknown fields allowed).

Type mismatches are encoding/json `UnmarshalTypeError`s: `json: cannot unmarshal <number|
string|bool|array|object> into Go value of type <T>`, a number going into a number type being
spelt with its digits (`number 2.5`). Syntax errors are encoding/json scanner errors.
"""

from __future__ import annotations

from typing import Any

from .go_text import json_number, json_string, parse_duration, quote
from .meshconfig_schema import SCALARS, WRAPPERS, Field, Tree

OBJECT = "map[string]json.RawMessage"
_GO_TYPES = {
    "int32": "int32",
    "int64": "int64",
    "uint32": "uint32",
    "uint64": "uint64",
    "float": "float32",
    "double": "float64",
}
_RANGES = {
    "int32": (-(1 << 31), (1 << 31) - 1),
    "int64": (-(1 << 63), (1 << 63) - 1),
    "uint32": (0, (1 << 32) - 1),
    "uint64": (0, (1 << 64) - 1),
}
_FLOAT_MAX = {"float": 3.4028234663852886e38, "double": 1.7976931348623157e308}
_NON_FINITE = ("NaN", "Infinity", "-Infinity")


def message_error(tree: Tree, message: str, value: Any) -> str | None:
    """The first error decoding `value` as `message`, None when it decodes."""
    if value is None:
        return None
    if not isinstance(value, dict):
        return type_error(value, OBJECT)
    for field in tree.messages[message]:
        raw = value.get(field.name)
        if field.json_name != field.name and field.json_name in value:
            raw = value[field.json_name]
        if raw is None:
            continue
        error = _field_error(tree, field, raw)
        if error is not None:
            return error
    return None


def type_error(value: Any, go_type: str) -> str:
    """encoding/json's UnmarshalTypeError for a value that is not a number."""
    return f"json: cannot unmarshal {_kind(value)} into Go value of type {go_type}"


def _field_error(tree: Tree, field: Field, raw: Any) -> str | None:
    if field.cardinality == "repeated":
        if not isinstance(raw, list):
            return type_error(raw, "[]json.RawMessage")
        items = raw
    elif field.cardinality == "map":
        if not isinstance(raw, dict):
            return type_error(raw, OBJECT)
        items = list(raw.values())
    else:
        items = [raw]
    for item in items:
        error = _value_error(tree, field.type, item)
        if error is not None:
            return error
    return None


def _value_error(tree: Tree, kind: str, value: Any) -> str | None:
    if kind in WRAPPERS:
        kind = WRAPPERS[kind]
    if kind in ("bool", "string", "bytes"):
        wanted = bool if kind == "bool" else str
        if value is None or isinstance(value, wanted):
            return None
        return type_error(value, "bool" if kind == "bool" else "string")
    if kind in SCALARS:
        return _number_error(kind, value)
    if kind == "Duration":
        return _duration_error(value)
    if kind == "Struct":
        if value is None or isinstance(value, dict):
            return None
        return f"bad StructValue: {type_error(value, OBJECT)}"
    if kind in tree.enums:
        return _enum_error(kind, tree.enums[kind], value)
    return message_error(tree, kind, value)


def _enum_error(name: str, values: dict[str, int], value: Any) -> str | None:
    if isinstance(value, str):
        if value in values:
            return None
        return f"unknown value {quote(json_string(value))} for enum {name}"
    return _json_into_number(value, "int32", "protoreflect.EnumNumber")


def _duration_error(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        return type_error(value, "string")
    try:
        parse_duration(value or "")
    except ValueError as exc:
        return f"bad Duration: {exc}"
    return None


def _number_error(kind: str, value: Any) -> str | None:
    if isinstance(value, str):
        if kind in _FLOAT_MAX and value in _NON_FINITE:
            return None
        body = json_string(value)[1:-1]
        return _raw_into_number(body, kind)
    return _json_into_number(value, kind, _GO_TYPES[kind])


def _json_into_number(value: Any, kind: str, go_type: str) -> str | None:
    """json.Unmarshal of a decoded YAML value into a Go number type."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return type_error(value, go_type)
    return _literal_into_number(json_number(value), kind, go_type)


def _raw_into_number(text: str, kind: str) -> str | None:
    """json.Unmarshal of raw JSON text (a string's body, quotes stripped) into a number."""
    syntax = syntax_error(text)
    if syntax is not None:
        return syntax
    token = text.strip(" \t\r\n")
    first = token[0]
    if first == "n":
        return None
    if first in "tf":
        return f"json: cannot unmarshal bool into Go value of type {_GO_TYPES[kind]}"
    if first in '"[{':
        found = {'"': "string", "[": "array", "{": "object"}[first]
        return f"json: cannot unmarshal {found} into Go value of type {_GO_TYPES[kind]}"
    return _literal_into_number(token, kind, _GO_TYPES[kind])


def _literal_into_number(literal: str, kind: str, go_type: str) -> str | None:
    """encoding/json literalStore for a number literal: ParseInt/ParseUint/ParseFloat and the
    type's range, `number <literal>` when they refuse it."""
    refused = f"json: cannot unmarshal number {literal} into Go value of type {go_type}"
    if kind in _FLOAT_MAX:
        return refused if abs(float(literal)) > _FLOAT_MAX[kind] else None
    if any(char in literal for char in ".eE"):
        return refused
    low, high = _RANGES[kind]
    return None if low <= int(literal) <= high else refused


def _kind(value: Any) -> str:
    """encoding/json's name for a JSON value's type."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def syntax_error(text: str) -> str | None:
    """encoding/json `checkValid`: the scanner's first error for `text`, None when valid."""
    scanner = _Scanner()
    for char in text.encode().decode("latin-1"):  # Go scans bytes
        error = scanner.step(char)
        if error is not None:
            return error
    return scanner.end()


class _Scanner:
    """encoding/json's scanner (src/encoding/json/scanner.go), one character at a time."""

    def __init__(self) -> None:
        self.state = "value"
        self.stack: list[str] = []
        self.done = False

    def end(self) -> str | None:
        if self.done:
            return None
        error = self.step(" ")
        if error is not None or self.done:
            return error
        return "unexpected end of JSON input"

    def step(self, char: str) -> str | None:
        state, space = self.state, char in " \t\r\n"
        if state == "top":
            return None if space else _invalid(char, "after top-level value")
        if state in ("value", "value_or_empty", "key", "key_or_empty") and space:
            return None
        if state == "value_or_empty" and char == "]":
            return self._end_value(char)
        if state == "key_or_empty" and char == "}":
            self.stack[-1] = "object_value"
            return self._end_value(char)
        if state in ("key", "key_or_empty"):
            if char != '"':
                return _invalid(char, "looking for beginning of object key string")
            self.state = "string"
            return None
        if state in ("value", "value_or_empty"):
            return self._begin_value(char)
        if state.startswith("string"):
            return self._string(char)
        if state in _LITERALS:
            expected, following = _LITERALS[state]
            if char != expected:
                word = {"t": "true", "f": "false", "n": "null"}[state[0]]
                return _invalid(char, f"in literal {word} (expecting {_char(expected)})")
            if following == "end":
                self.state = "end"
            else:
                self.state = following
            return None
        if state.startswith("number") or state in ("neg", "zero", "dot", "exp", "exp_sign"):
            return self._number(char)
        return self._end_value(char)

    def _begin_value(self, char: str) -> str | None:
        if char == "{":
            self.stack.append("object_key")
            self.state = "key_or_empty"
        elif char == "[":
            self.stack.append("array")
            self.state = "value_or_empty"
        elif char == '"':
            self.state = "string"
        elif char == "-":
            self.state = "neg"
        elif char == "0":
            self.state = "zero"
        elif "1" <= char <= "9":
            self.state = "number"
        elif char in "tfn":
            self.state = char
        else:
            return _invalid(char, "looking for beginning of value")
        return None

    def _string(self, char: str) -> str | None:
        if self.state == "string":
            if char == '"':
                self.state = "end"
            elif char == "\\":
                self.state = "string_escape"
            elif char < " ":
                return _invalid(char, "in string literal")
            return None
        if self.state == "string_escape":
            if char in 'bfnrt\\/"':
                self.state = "string"
            elif char == "u":
                self.state = "string_u0"
            else:
                return _invalid(char, "in string escape code")
            return None
        if char not in "0123456789abcdefABCDEF":
            return _invalid(char, "in \\u hexadecimal character escape")
        left = int(self.state[-1])
        self.state = "string" if left == 3 else f"string_u{left + 1}"
        return None

    def _number(self, char: str) -> str | None:
        state, digit = self.state, "0" <= char <= "9"
        if state == "neg":
            if not digit:
                return _invalid(char, "in numeric literal")
            self.state = "zero" if char == "0" else "number"
            return None
        if state == "number" and digit:
            return None
        if state in ("number", "zero"):
            if char == ".":
                self.state = "dot"
            elif char in "eE":
                self.state = "exp"
            else:
                return self._end_value(char)
            return None
        if state == "dot":
            if not digit:
                return _invalid(char, "after decimal point in numeric literal")
            self.state = "number_fraction"
            return None
        if state == "number_fraction":
            if digit:
                return None
            if char in "eE":
                self.state = "exp"
                return None
            return self._end_value(char)
        if state == "exp" and char in "+-":
            self.state = "exp_sign"
            return None
        if state in ("exp", "exp_sign"):
            if not digit:
                return _invalid(char, "in exponent of numeric literal")
            self.state = "number_exponent"
            return None
        if digit:
            return None
        return self._end_value(char)

    def _end_value(self, char: str) -> str | None:
        if not self.stack:
            self.state, self.done = "top", True
            return self.step(char)
        if char in " \t\r\n":
            self.state = "end"
            return None
        top = self.stack[-1]
        if top == "object_key":
            if char != ":":
                return _invalid(char, "after object key")
            self.stack[-1], self.state = "object_value", "value"
        elif top == "object_value":
            if char == ",":
                self.stack[-1], self.state = "object_key", "key"
            elif char == "}":
                self._pop()
            else:
                return _invalid(char, "after object key:value pair")
        elif char == ",":
            self.state = "value"
        elif char == "]":
            self._pop()
        else:
            return _invalid(char, "after array element")
        return None

    def _pop(self) -> None:
        self.stack.pop()
        if self.stack:
            self.state = "end"
        else:
            self.state, self.done = "top", True


_LITERALS = {
    "t": ("r", "tr"),
    "tr": ("u", "tru"),
    "tru": ("e", "end"),
    "f": ("a", "fa"),
    "fa": ("l", "fal"),
    "fal": ("s", "fals"),
    "fals": ("e", "end"),
    "n": ("u", "nu"),
    "nu": ("l", "nul"),
    "nul": ("l", "end"),
}


def _invalid(char: str, context: str) -> str:
    return f"invalid character {_char(char)} {context}"


def _char(char: str) -> str:
    """encoding/json `quoteChar`."""
    if char == "'":
        return "'\\''"
    if char == '"':
        return "'\"'"
    return "'" + quote(char)[1:-1] + "'"
