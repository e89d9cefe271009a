"""Demo data for ``hotline run``: plainly fictional, so nobody mistakes it for a registry."""

from __future__ import annotations

from flask import Flask


def load_demo_data(app: Flask) -> None:
    """Load the demo data once (safe to call at every start)."""
