"""Console page: dashboard (to be built)."""

from __future__ import annotations
