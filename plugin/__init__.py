"""City Safety Risk Map inside QGIS: core (no QGIS), layers, processing (the algorithms) and gui (the panel)."""
