"""Text inputs: every one has a limit, and none may carry control characters (line breaks and tabs
only in texts written over several lines)."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import GraphQLInputObjectType, GraphQLObjectType, build_schema, get_named_type

import salesflow
from salesflow.domain.errors import DomainError, ErrorCode
from salesflow.domain.lines import MAX_LINES, parse_lines
from salesflow.domain.query import Filter
from salesflow.domain.text import MAX_LENGTH, MULTILINE, check_text, check_texts

SDL = Path(salesflow.__file__).resolve().parent / "schema.graphql"
#: String arguments that are not text a store keeps or compares as given: cursors are decoded first
#: (and their texts checked as they are, adapters/sql/queries.py sort_value).
NOT_TEXT = {"after"}


def snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def string_inputs() -> set[str]:
    """Every String input field and String argument of the schema clients see."""
    schema = build_schema(SDL.read_text(encoding="utf-8"))
    found = set()
    for gql_type in schema.type_map.values():
        if isinstance(gql_type, GraphQLInputObjectType):
            found |= {n for n, f in gql_type.fields.items() if get_named_type(f.type).name == "String"}
        elif isinstance(gql_type, GraphQLObjectType) and not gql_type.name.startswith("__"):
            found |= {
                a
                for f in gql_type.fields.values()
                for a, arg in f.args.items()
                if get_named_type(arg.type).name == "String"
            }
    return found


def test_every_string_input_of_the_schema_has_a_limit():
    names = string_inputs()
    assert {"search", "reason", "description", "terms", "reference", "name", "backend"} <= names
    missing = sorted(n for n in names - NOT_TEXT if snake(n) not in MAX_LENGTH)
    assert missing == [], f"String inputs without a limit in domain/text.py MAX_LENGTH: {missing}"


@pytest.mark.parametrize("name", sorted(MAX_LENGTH))
def test_a_text_at_its_limit_passes_and_one_more_character_is_refused(name):
    check_text("x" * MAX_LENGTH[name], name)
    with pytest.raises(DomainError) as err:
        check_text("x" * (MAX_LENGTH[name] + 1), name, "lines.2.")
    assert err.value.code == ErrorCode.VALIDATION and "at most" in err.value.message
    assert err.value.field[:2] == ("lines", "2")


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x07", "\x0b", "\x1b", "\x7f", "\x85", "\ud800"])
@pytest.mark.parametrize("name", ["title", "notes"])
def test_control_characters_and_unpaired_surrogates_are_refused_in_any_text(name, char):
    with pytest.raises(DomainError) as err:
        check_text(f"before{char}after", name)
    assert err.value.code == ErrorCode.VALIDATION and err.value.field == (name,)
    assert f"U+{ord(char):04X}" in err.value.message


def test_line_breaks_and_tabs_belong_to_multi_line_texts_only():
    for name in sorted(MULTILINE):
        check_text("first line\r\n\tsecond line\n", name)
    for name in ("title", "company_name", "search", "reference"):
        for char in "\n\t\r":
            with pytest.raises(DomainError):
                check_text(f"one{char}two", name)


def test_persian_and_turkish_text_with_its_joiners_is_text():
    check_text("شرکت پارس‌تک (سهامی خاص)", "company_name")  # ZWNJ
    check_text("\u200fİstanbul\u200e Halı", "title")  # direction marks
    check_text("مُحَمَّد ـــ ۰۹۱۲", "contact_name")


def test_the_texts_of_each_line_are_checked_under_its_path():
    lines = [{"description": "Widgets", "product_code": "W-1"}, {"description": "bad\x00", "product_code": None}]
    with pytest.raises(DomainError) as err:
        check_texts({"lines": lines, "terms": "ok"})
    assert err.value.field == ("lines", "1", "description")


def test_arguments_that_are_not_text_attributes_are_left_alone():
    check_texts({"cursor": "x" * 100_000, "kind": "\x00", "quantity": "1"})


def test_a_search_is_checked_when_the_filter_is_made():
    with pytest.raises(DomainError) as err:
        Filter(search="x" * 49_999)
    assert err.value.field == ("search",)
    with pytest.raises(DomainError) as err:
        Filter(search="acme\x00")
    assert err.value.field == ("search",)
    with pytest.raises(DomainError) as err:
        Filter(backend="local\x00")
    assert err.value.field == ("backend",)
    assert Filter(search="İstanbul").search == "İstanbul"


def test_a_document_holds_at_most_max_lines_lines():
    line = {"description": "Widget", "quantity": "1", "unit_price": "1"}
    assert len(parse_lines([line] * MAX_LINES)) == MAX_LINES
    with pytest.raises(DomainError) as err:
        parse_lines([line] * (MAX_LINES + 1))
    assert err.value.code == ErrorCode.VALIDATION and err.value.field == ("lines",)
