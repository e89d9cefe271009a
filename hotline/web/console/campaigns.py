"""Console page: campaigns (to be built)."""

from __future__ import annotations
