"""How big an operation may be: depth, aliases and fields, counted after fragment expansion.

Why our own rule: strawberry's ``QueryDepthLimiter`` and ``MaxAliasesLimiter`` walk every
fragment spread anew, so ``F1 { ...F0 ...F0 } … F22 { ...F21 ...F21 }`` (1 KB of text)
made them visit 2^22 nodes: 12 s in the event loop at 22 levels, forever at 39. This rule
measures each fragment once and reuses the figure wherever it is spread, so its cost is
linear in the document's size, while the figures it checks are those of the fully
expanded operation (what an honest client would have had to write out).

The cost limit bounds the answer, not the document: 16 aliases of 100 customers with 500
touchpoints each (1.9 KB of text, allowed by depth and field counts) built a 30 MB answer
and held the event loop for 12 s. Each list counts at the size it may reach (``PAGED``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
    get_named_type,
    get_nullable_type,
    parse,
)

__all__ = ["MAX_ALIASES", "MAX_COST", "MAX_DEPTH", "MAX_FIELDS", "MAX_TOKENS", "PAGED", "OperationSize", "SizeLimit",
           "measure", "size_of"]

MAX_DEPTH = 8  # nested fields with selections (introspection fields, ``__*``, do not count)
MAX_ALIASES = 20
MAX_FIELDS = 2000  # fields after expansion; GraphiQL's introspection query has ~300
MAX_TOKENS = 2000  # tokens in the document (strawberry's MaxTokensLimiter)
MAX_COST = 10_000  # values the answer may hold: fields, each list counted at the size it may reach
# Fields with a ``first`` argument: (default, cap). A variable ``first`` counts at the cap, since
# one validated document serves every value. ``customers`` and the ``...Page`` fields page a
# connection: its ``edges`` list holds what ``first`` says. Other lists count as UNPAGED items.
PAGED = {"customers": (20, 100), "journey": (100, 500), "crossSell": (10, 50), "crossSellPaths": (5, 20),
         "prospects": (20, 100), "journeyVariants": (20, 100),
         **{name: (20, 100) for name in ("identitiesPage", "linksPage", "journeyPage", "productsBoughtPage",
                                         "repsPage", "prospectsPage", "touchpointScoresPage")}}
COUNTED_BY_PARENT = {"edges"}
UNPAGED = 10


@dataclass(frozen=True)
class OperationSize:
    depth: int
    aliases: int
    fields: int  # in the document, fragments written out
    cost: int  # in the answer: a list's items counted at the size the list may reach

    def __add__(self, other: OperationSize) -> OperationSize:
        return OperationSize(max(self.depth, other.depth), self.aliases + other.aliases, self.fields + other.fields,
                             self.cost + other.cost)


_NOTHING = OperationSize(0, 0, 0, 0)


def _items(field: FieldNode, is_list: bool) -> int:
    """How many items a field may hold: 1 for one object, a page's size for a paged field."""
    name = field.name.value
    if name not in PAGED:
        return UNPAGED if is_list and name not in COUNTED_BY_PARENT else 1
    default, cap = PAGED[name]
    for argument in field.arguments or ():
        if argument.name.value == "first":
            if isinstance(argument.value, IntValueNode):
                return max(1, min(int(argument.value.value), cap))
            return cap
    return default


@dataclass
class _Document:
    schema: GraphQLSchema
    fragments: dict[str, FragmentDefinitionNode]
    known: dict[str, OperationSize]  # each fragment's size, once measured

    def type_named(self, name: str | None, default: GraphQLNamedType | None) -> GraphQLNamedType | None:
        return self.schema.get_type(name) if name else default


def measure(selection_set: SelectionSetNode | None, parent: GraphQLNamedType | None, document: _Document,
            visiting: frozenset[str] = frozenset()) -> OperationSize:
    """The size of a selection set on type ``parent`` with every fragment spread written out.
    A spread that cycles or names no fragment, and a field the type lacks, count nothing
    beyond themselves (graphql's own rules reject such documents)."""
    total = _NOTHING
    for selection in selection_set.selections if selection_set else ():
        if isinstance(selection, FieldNode):
            field = parent.fields.get(selection.name.value) if isinstance(parent, GraphQLObjectType) else None
            is_list = field is not None and isinstance(get_nullable_type(field.type), GraphQLList)
            inner = measure(selection.selection_set, get_named_type(field.type) if field else None, document, visiting)
            counted = selection.selection_set is not None and not selection.name.value.startswith("__")
            total += OperationSize(inner.depth + 1 if counted else 0, inner.aliases + (1 if selection.alias else 0),
                                   inner.fields + 1, 1 + _items(selection, is_list) * inner.cost)
        elif isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition.name.value if selection.type_condition else None
            total += measure(selection.selection_set, document.type_named(condition, parent), document, visiting)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name not in document.known:
                fragment = document.fragments.get(name)
                if name in visiting or fragment is None:
                    continue
                document.known[name] = measure(fragment.selection_set,
                                               document.type_named(fragment.type_condition.name.value, None),
                                               document, visiting | {name})
            total += document.known[name]
    return total


def _sizes(node: DocumentNode, schema: GraphQLSchema) -> list[tuple[OperationDefinitionNode, OperationSize]]:
    fragments = {d.name.value: d for d in node.definitions if isinstance(d, FragmentDefinitionNode)}
    document = _Document(schema, fragments, {})
    return [(o, measure(o.selection_set, schema.get_root_type(o.operation), document))
            for o in node.definitions if isinstance(o, OperationDefinitionNode)]


def size_of(query: str, schema: GraphQLSchema) -> list[OperationSize]:
    """The size of each operation in ``query``, as ``SizeLimit`` measures it (for benchmarks
    and tests that build the largest query allowed)."""
    return [size for _, size in _sizes(parse(query), schema)]


class SizeLimit(ValidationRule):
    """Refuses an operation deeper than ``MAX_DEPTH``, with more than ``MAX_ALIASES`` aliases
    more than ``MAX_FIELDS`` fields, or costing more than ``MAX_COST``, all counted after fragment
    expansion."""

    def enter_document(self, node: DocumentNode, *_: Any) -> None:
        for operation, size in _sizes(node, self.context.schema):
            name = operation.name.value if operation.name else "anonymous"
            for figure, limit, what in ((size.depth, MAX_DEPTH, "maximum operation depth"),
                                        (size.aliases, MAX_ALIASES, "maximum number of aliases"),
                                        (size.fields, MAX_FIELDS, "maximum number of fields"),
                                        (size.cost, MAX_COST, "maximum cost")):
                if figure > limit:
                    self.report_error(GraphQLError(
                        f"'{name}' exceeds {what} of {limit:,} ({figure:,} with fragments written out and "
                        "lists at their largest); ask for fewer fields or smaller pages (first:)", operation))

