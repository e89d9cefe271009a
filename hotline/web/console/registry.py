"""Console page: registry (to be built)."""

from __future__ import annotations
