"""The GraphQL object types, one module per domain: customers (``customer``), journeys and
touchpoint scores (``journey``), cross-sell (``offers``), admin actions (``admin``)."""
