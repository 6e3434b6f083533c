"""The ``custgraph`` commands, one module per group; ``custgraph.cli`` imports a group only when one
of its commands runs, so ``custgraph --help`` does not load the API or the drivers."""
