"""custgraph: a graph-based customer relationship knowledge store.

The code lives in four sub-packages that follow the data flow:
``custgraph.loaders`` → ``custgraph.graph`` (the store) → ``custgraph.queries`` →
``custgraph.api``. This package holds what all of them share: configuration,
the error hierarchy and the command line.
"""

__version__ = "0.1.0"
