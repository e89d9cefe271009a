"""The IVR: menu definitions as data and the engine that walks callers through them."""
