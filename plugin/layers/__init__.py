"""QGIS-side layers of a risk database: loading, styling and grouping them (used by processing and gui)."""
