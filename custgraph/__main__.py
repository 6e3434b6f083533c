"""Allows ``python -m custgraph``."""

import sys

from custgraph.cli import main

sys.exit(main())
