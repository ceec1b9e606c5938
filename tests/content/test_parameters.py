"""Parameters drawn per seed and rendered into text: the same seed gives the same task on every
run, seeds differ, every kind of parameter, and the renderer's strictness."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from meshcert.content.parameters import Parameter, draw
from meshcert.content.rendering import RenderError, placeholders, render, render_text

PARAMETERS = {
    "version": Parameter.model_validate({"choices": ["v2", "v3"]}),
    "weight": Parameter.model_validate({"integer": {"min": 10, "max": 40, "step": 5}}),
    "rest": Parameter.model_validate({"complement": "weight"}),
    "ns": Parameter.model_validate({"name": {"prefix": "shop", "length": 4}}),
}


def test_draw_is_fixed_per_task_and_seed() -> None:
    first = draw("task-a", PARAMETERS, 3)
    assert draw("task-a", PARAMETERS, 3) == first
    assert first["version"] in ("v2", "v3")
    assert first["weight"] in range(10, 41, 5)
    assert first["rest"] == 100 - int(first["weight"])
    assert str(first["ns"]).startswith("shop-")
    assert len(str(first["ns"])) == len("shop-") + 4
    seen = {tuple(draw("task-a", PARAMETERS, s).values()) for s in range(10)}
    assert len(seen) >= 5  # attempts rarely see the same task
    assert draw("task-b", PARAMETERS, 3) != first


def test_a_parameter_is_exactly_one_kind() -> None:
    with pytest.raises(ValidationError, match="exactly one of choices, integer, name"):
        Parameter.model_validate({"choices": [1], "complement": "x"})
    with pytest.raises(ValidationError, match="min is more than max"):
        Parameter.model_validate({"integer": {"min": 5, "max": 1}})
    with pytest.raises(ValidationError, match="String should match pattern"):
        Parameter.model_validate({"name": {"prefix": "Bad_Prefix"}})


def test_render_keeps_types_and_shell_syntax() -> None:
    values: dict[str, str | int] = {"weight": 20, "version": "v2"}
    doc = {
        "equals": "{{ weight }}",
        "path": "$.x[?(@.subset=='{{version}}')]",
        "script": 'TOKEN=$(cat t) && echo "$TOKEN" {{ weight }}%',
        "{{ version }}": 1,
    }
    assert render(doc, values) == {
        "equals": 20,
        "path": "$.x[?(@.subset=='v2')]",
        "script": 'TOKEN=$(cat t) && echo "$TOKEN" 20%',
        "v2": 1,
    }
    assert placeholders(doc) == {"weight", "version"}


def test_unknown_placeholder_is_an_error() -> None:
    with pytest.raises(RenderError, match="unknown parameter 'nope'"):
        render_text("a {{ nope }} b", {})
