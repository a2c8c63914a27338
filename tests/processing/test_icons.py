"""Every citysafety algorithm has an icon of its own, resources/icons/alg_<id>.svg, in the
Processing toolbox and in the plugin's menu; the plugin's icon stays the provider's."""

from __future__ import annotations

from pathlib import Path

from tests.common import registry_without_provider

SIZE = 24


def image(icon):
    return icon.pixmap(SIZE, SIZE).toImage()


def test_every_algorithm_has_an_icon_of_its_own(provider):
    from qgis.PyQt.QtCore import QRectF
    from qgis.PyQt.QtGui import QIcon
    from qgis.PyQt.QtSvg import QSvgRenderer

    from plugin.processing.provider import ICON

    algorithms = provider.algorithms()
    assert algorithms, "no algorithm registered"
    paths = {alg.name(): Path(alg.svgIconPath()) for alg in algorithms}
    for name, path in paths.items():
        assert path.is_file(), f"{name}: {path} does not exist"
        assert path.name == f"alg_{name}.svg", f"{name}: its icon is {path.name}"
        assert path.resolve() != ICON.resolve(), f"{name} shows the plugin's icon"
        renderer = QSvgRenderer(str(path))
        assert renderer.isValid(), f"{name}: {path.name} does not render"
        assert renderer.viewBoxF() == QRectF(0, 0, 24, 24), f"{name}: {path.name} is not a 24x24 viewBox"
        assert not QIcon(str(path)).isNull(), f"{name}: QIcon of {path.name} is null"
    assert len(set(paths.values())) == len(paths), "two algorithms share an icon file"
    drawings = {name: path.read_bytes() for name, path in paths.items()}
    assert len(set(drawings.values())) == len(drawings), "two algorithms' icons draw the same"
    plugin_icon = image(QIcon(str(ICON)))
    for alg in algorithms:
        icon = alg.icon()
        assert not icon.isNull(), f"{alg.name()}: icon() is null"
        assert image(icon) != plugin_icon, f"{alg.name()}: icon() draws the plugin's icon"
        assert image(icon) == image(QIcon(alg.svgIconPath())), f"{alg.name()}: icon() and svgIconPath() differ"
    assert Path(provider.svgIconPath()).resolve() == ICON.resolve()


def test_an_algorithm_without_an_icon_file_shows_the_plugins():
    from plugin.processing import base, provider

    assert base.icon_path("score").name == "alg_score.svg"
    assert base.icon_path("no_such_algorithm") == provider.ICON


def test_menu_entries_show_their_algorithms_icons(qgis_app, qgis_iface, qgis_processing):
    from qgis.PyQt.QtGui import QIcon

    from plugin.plugin import CitySafetyPlugin
    from plugin.processing.base import icon_path
    from plugin.processing.provider import ALGORITHM_MENU, ICON

    registry_without_provider()
    plugin = CitySafetyPlugin(qgis_iface)
    plugin.initGui()
    try:
        actions = {a.objectName(): a for a in plugin.actions}
        plugin_icon = image(QIcon(str(ICON)))
        for alg_id, _label in ALGORITHM_MENU():
            shown = image(actions[f"citysafety_{alg_id}"].icon())
            assert shown == image(QIcon(str(icon_path(alg_id)))), f"menu entry {alg_id}: not its algorithm's icon"
            assert shown != plugin_icon, f"menu entry {alg_id}: the plugin's icon"
    finally:
        plugin.unload()
