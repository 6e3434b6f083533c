"""Stored values come back as themselves: ``from_json`` (with its shortcuts for keys and empty
maps) gives what the plain JSON parser and ``untagged`` give, for any key or property map."""

from __future__ import annotations

import datetime as dt
import json

from hypothesis import given
from hypothesis import strategies as st

from custgraph.graph.values import _ENCODER, from_json, to_json, untagged

KEYS = st.one_of(st.text(), st.integers(min_value=-(2**63), max_value=2**63 - 1))
SCALARS = st.one_of(
    st.text(), st.integers(min_value=-(2**63), max_value=2**63 - 1), st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False), st.dates(),
    st.datetimes(timezones=st.just(dt.UTC)), st.datetimes(),
)
PROPERTIES = st.dictionaries(st.text(), st.one_of(SCALARS, st.lists(SCALARS, max_size=4)), max_size=6)


@given(KEYS)
def test_a_key_comes_back_as_itself(key: str | int) -> None:
    text = to_json(key)
    assert from_json(text) == untagged(json.loads(text)) == key
    assert type(from_json(text)) is type(key)


@given(st.one_of(SCALARS, st.none(), st.floats()))
def test_a_scalar_is_written_as_the_encoder_writes_it(value: object) -> None:
    """``to_json`` writes scalars itself (the encoder's set-up costs five times the writing)."""
    try:
        expected = _ENCODER.encode(value)
    except ValueError:  # NaN and the infinities: refused either way
        try:
            to_json(value)
        except ValueError:
            return
        raise AssertionError(f"{value!r} was written") from None
    assert to_json(value) == expected


@given(PROPERTIES)
def test_a_property_map_comes_back_as_itself(properties: dict[str, object]) -> None:
    text = to_json(properties)
    assert from_json(text) == untagged(json.loads(text)) == properties


def test_the_shortcuts_only_take_what_they_can() -> None:
    assert from_json("{}") == {} and from_json("{}") is not from_json("{}")  # a new map each time
    assert from_json(to_json('say "hi"\\')) == 'say "hi"\\'
    assert from_json(to_json("名寄せ\n")) == "名寄せ\n"
