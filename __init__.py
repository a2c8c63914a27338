"""City Safety Risk Map (城市安全风险一张图) — QGIS plugin entry point.

QGIS calls :func:`classFactory` with its ``iface`` (``None`` under ``qgis_process``).
Nothing here touches ``iface`` or imports heavy modules; the plugin class does that later.
"""


def classFactory(iface):
    from .plugin.plugin import CitySafetyPlugin

    return CitySafetyPlugin(iface)
