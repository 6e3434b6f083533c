"""What the admin mutations answer: decisions, consents and erasures."""

from __future__ import annotations

import strawberry

__all__ = ["Consents", "Decision", "Erasure"]


@strawberry.type
class Decision:
    """What a decision changed: the customers of the two records afterwards."""

    customer_a: str | None
    customer_b: str | None
    customers_written: int


@strawberry.type
class Consents:
    customer_id: str
    email_opt_in: bool | None
    sms_opt_in: bool | None


@strawberry.type
class Erasure:
    """What was erased: the person's records over every customer they were split over, and how
    many touchpoints were anonymised."""

    customer_id: str
    customers: list[str] = strawberry.field(description="every golden customer erased, the one named first")
    identities: int
    interactions: int
