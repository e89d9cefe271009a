"""Console page: users (to be built)."""

from __future__ import annotations
