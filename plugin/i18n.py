"""Translation (界面语言): the plugin's strings follow QGIS's locale through Qt Linguist.

Source strings are English; ``i18n/city_safety_risk_map_zh.ts`` holds the Chinese, built
to ``.qm`` by ``make translations``. Everything user-facing calls :func:`tr`.
"""

from __future__ import annotations

from pathlib import Path

from qgis.PyQt.QtCore import QCoreApplication, QLocale, QSettings, QTranslator

CONTEXT = "CitySafety"
I18N_DIR = Path(__file__).resolve().parents[1] / "i18n"
_translator: QTranslator | None = None


def tr(text: str) -> str:
    return QCoreApplication.translate(CONTEXT, text)


def locale_name() -> str:
    """QGIS's user locale ('zh_CN', 'en_US', …); the system's when QGIS's is not set."""
    value = QSettings().value("locale/userLocale", "") or ""
    if not isinstance(value, str) or not value:
        value = QLocale.system().name()
    return value


def is_chinese() -> bool:
    return locale_name().lower().startswith("zh")


def pick(zh: str, en: str) -> str:
    """One of a bilingual pair (import issue messages, rules errors), in QGIS's language.

    plugin/core stores such messages in both languages — the database and the error
    workbooks go to surveyors whatever the analyst's language — so they need no .ts entry."""
    return zh if is_chinese() else en


def install_translator(locale: str | None = None) -> bool:
    """Load the .qm file for QGIS's locale (zh_CN → _zh), or for ``locale`` when given (make
    demo's reports); True when one was loaded."""
    global _translator
    if _translator is not None:
        return True
    code = (locale or locale_name())[:2]
    qm = I18N_DIR / f"city_safety_risk_map_{code}.qm"
    if not qm.is_file():
        return False
    t = QTranslator()
    if t.load(str(qm)):
        QCoreApplication.installTranslator(t)
        _translator = t
        return True
    return False


def remove_translator() -> None:
    global _translator
    if _translator is not None:
        QCoreApplication.removeTranslator(_translator)
        _translator = None
