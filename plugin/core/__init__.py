"""Domain logic and heavy computation of City Safety Risk Map. Imports no QGIS."""
