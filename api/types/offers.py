"""Cross-sell: offers, the reasons behind them and the paths that exist in the graph."""

from __future__ import annotations

from enum import Enum

import strawberry

from ..rows import OfferPathRow, OfferRow, PathLinkRow, PathNodeRow

__all__ = ["Offer", "OfferPath", "Outreach", "OutreachChannel", "Path", "PathLink", "PathNode", "Reason"]


@strawberry.type
class PathNode:
    label: str
    key: str


@strawberry.type
class PathLink:
    type: str
    start: str
    end: str


@strawberry.type
class Path:
    """A path that exists in the graph, node by node."""

    nodes: list[PathNode]
    relationships: list[PathLink]

    @staticmethod
    def of(nodes: list[PathNodeRow], relationships: list[PathLinkRow]) -> Path:
        return Path(nodes=[PathNode(label=n["label"], key=str(n["key"])) for n in nodes],
                    relationships=[PathLink(type=r["type"], start=str(r["start"]), end=str(r["end"]))
                                   for r in relationships])


@strawberry.type
class Reason:
    """Why the product is offered. ``also_bought``: ``customers`` of the ``buyers`` of product ``sku``
    (which the customer ``signal``: bought, carted, viewed or asked about) also bought it;
    ``category``: the customer showed that interest in ``sku``, of the offer's ``category``, where the
    offer has ``customers`` of the ``buyers`` (summed over the category's products); ``best_seller``:
    the customer showed no interest the graph knows of, and ``customers`` in ``region`` (null:
    everywhere) of the offer's ``buyers`` bought it."""

    kind: str = strawberry.field(description="also_bought, category or best_seller")
    sku: str
    name: str | None
    signal: str | None = strawberry.field(description="bought, carted, viewed or asked (none for a best seller)")
    category: str | None
    region: str | None
    customers: int
    buyers: int


@strawberry.type
class Offer:
    sku: str
    name: str | None
    category: str | None
    score: float
    because: list[Reason]
    path: Path

    @staticmethod
    def of(row: OfferRow) -> Offer:
        return Offer(sku=row["sku"], name=row["name"], category=row["category"], score=row["score"],
                     because=[Reason(kind=r["kind"], sku=r["sku"], name=r["name"], signal=r["signal"],
                                     category=r["category"], region=r["region"], customers=r["customers"],
                                     buyers=r["buyers"]) for r in row["because"]],
                     path=Path.of(row["path"]["nodes"], row["path"]["relationships"]))


@strawberry.type
class OfferPath:
    via_sku: str
    other_customer: str
    share: float
    path: Path

    @staticmethod
    def of(row: OfferPathRow) -> OfferPath:
        return OfferPath(via_sku=row["via_sku"], other_customer=row["other"], share=row["share"],
                         path=Path.of(row["nodes"], row["relationships"]))


@strawberry.enum(description="how an outreach contacts customers; each needs its own consent")
class OutreachChannel(Enum):
    EMAIL = "email"  # the customer's email_opt_in is true
    SMS = "sms"  # sms_opt_in is true


@strawberry.type(description="how many of a product's prospects an outreach may reach")
class Outreach:
    channel: OutreachChannel
    prospects: int = strawberry.field(description="customers who do not own the product and bought with its buyers")
    reachable: int = strawberry.field(description="those who consented to the channel")
    left_out: int = strawberry.field(description="those left out: no consent, or it was withdrawn")
