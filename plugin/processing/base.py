"""What every citysafety algorithm shares: names, translation, help, progress adapter."""

from __future__ import annotations

from pathlib import Path

from qgis.core import (
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingOutputVectorLayer,
    QgsProcessingParameterFile,
)
from qgis.PyQt.QtGui import QIcon

from ..core.errors import Canceled
from ..core.progress import Progress
from ..i18n import tr


def plugin_version() -> str:
    """The plugin's version (metadata.txt); imported late: the store needs the geo stack."""
    from ..core.store.riskdb import plugin_version as version

    return version()


def add_rules_file(alg) -> None:
    """The optional rules file (``alg.RULES``) of every algorithm that reads the rules; load
    it with :func:`rules_of`."""
    alg.addParameter(QgsProcessingParameterFile(
        alg.RULES, alg.tr("Rules file (default: the plugin's rules)"), extension="toml", optional=True))


def bad_parameter(alg, name: str, path, why_zh: str, why_en: str) -> QgsProcessingException:
    """The refusal of ``alg``'s parameter ``name`` for the file, folder or layer ``path``, in
    Chinese then English, each half naming the parameter and the file (raise what it returns):
    ``参数 INPUT「Risk database」：文件不存在：/d/risk.gpkg / Parameter INPUT (Risk database):
    file not found: /d/risk.gpkg``."""
    definition = alg.parameterDefinition(name)
    label = definition.description() if definition is not None else name
    return QgsProcessingException(f"参数 {name}「{label}」：{why_zh}：{path} / "
                                  f"Parameter {name} ({label}): {why_en}: {path}")


def rules_of(alg, parameters, context):
    """Load and check the rules before any work; a bad file stops the algorithm."""
    from ..core.rules import RulesError, load_rules

    path = alg.parameterAsFile(parameters, alg.RULES, context)
    try:
        return load_rules(path or None)
    except RulesError as exc:
        raise bad_parameter(alg, alg.RULES, exc.path or path, f"规则文件无效（{exc.key}：{exc.zh}）",
                            f"the rules file was refused ({exc.key}: {exc.en})") from exc
    except OSError as exc:
        raise bad_parameter(alg, alg.RULES, path, f"规则文件无法读取（{exc.strerror or exc}）",
                            f"the rules file cannot be read ({exc.strerror or exc})") from exc


def log_export(db: str, step: str, rules, summary: dict, started: str, feedback) -> None:
    """Record an export (report, risk list, notice cards) in the database's run log; the files
    are written already, so a database the user may only read keeps no log and says so."""
    from ..core.errors import PipelineError
    from ..core.store import riskdb

    try:
        riskdb.append_run(db, step, rules, summary, started)
    except PipelineError as exc:
        feedback.pushWarning(f"文件已写出，但未能记入数据库的运行记录：{exc.zh} / The files were written, but the "
                             f"database's run log could not record them: {exc.en}")


def progress_of(feedback) -> Progress:
    """Core's progress callbacks wired to a QgsProcessingFeedback."""
    if feedback is None:
        return Progress()
    return Progress(set_progress=feedback.setProgress, is_canceled=feedback.isCanceled,
                    info=feedback.pushInfo)


#: Where each algorithm is documented in this repository (its help URL), and its tags.
HELP_DOCS = {
    "survey_template": "docs/import.md", "import_surveys": "docs/import.md",
    "import_hidden_dangers": "docs/hidden_dangers.md", "import_accidents": "docs/hidden_dangers.md",
    "dynamic_risk": "docs/domain/dynamic_risk.md",
    "change_report": "docs/rounds.md",
    "score": "docs/scoring.md",
    "proximity": "docs/proximity.md", "cascade": "docs/cascade.md", "cascade_scenario": "docs/cascade.md",
    "risk_map": "docs/domain/mapping.md", "export_report": "docs/report.md", "risk_list": "docs/risk_list.md",
    "notice_cards": "docs/notice_cards.md", "run_all": "docs/product.md",
    "install_packages": "docs/install.md",
    "export_to_postgis": "docs/postgis.md", "import_from_postgis": "docs/postgis.md",
    "publish_district": "docs/postgis.md",
}
TAGS = {
    "survey_template": ("调查表", "模板", "survey", "template", "excel"),
    "import_surveys": ("导入", "调查", "import", "survey", "excel", "validation"),
    "import_hidden_dangers": ("隐患", "隐患排查治理", "重大隐患", "hidden danger", "import", "rectification"),
    "score": ("风险评价", "GB 18218", "LEC", "LS", "risk", "score"),
    "proximity": ("敏感目标", "人口", "receptor", "population", "upgrade"),
    "cascade": ("多米诺", "连锁", "domino", "cascade", "graph"),
    "cascade_scenario": ("多米诺", "事故情景", "domino", "scenario", "Monte Carlo"),
    "risk_map": ("风险一张图", "风险密度", "risk map", "density", "aggregation", "district"),
    "import_accidents": ("事故", "事故记录", "生产安全事故", "accident", "records", "GB 6441"),
    "change_report": ("调查轮次", "变化", "新增", "关闭", "survey round", "change", "comparison"),
    "dynamic_risk": ("现实风险", "动态风险", "隐患", "dynamic risk", "hidden danger", "accident"),
    "export_report": ("报告", "report", "excel", "pdf"),
    "risk_list": ("风险清单", "管控措施", "责任人", "risk list", "controls", "excel"),
    "notice_cards": ("风险告知卡", "警示标志", "notice card", "warning signs", "atlas", "pdf"),
    "run_all": ("全流程", "chain", "batch"),
    "install_packages": ("安装", "依赖", "install", "pip", "packages", "offline"),
    "export_to_postgis": ("共享库", "PostGIS", "PostgreSQL", "shared database", "export", "layer_styles"),
    "import_from_postgis": ("共享库", "PostGIS", "PostgreSQL", "shared database", "import", "GeoPackage"),
    "publish_district": ("共享库", "区级", "发布", "PostGIS", "district office", "publish", "concurrent"),
}
COMMON_TAGS = ("城市安全", "风险", "应急管理", "city safety", "risk", "emergency management")


#: Layer outputs a model can feed to other algorithms: output name → (database layer, label in
#: both languages, layer type, subset); their values are OGR sources such as
#: ``risk.gpkg|layername=units``.
LAYER_OUTPUTS = {
    "UNITS_LAYER": ("units", "单位图层 Units (layer)", QgsProcessing.SourceType.TypeVectorPoint, ""),
    "HAZARDS_LAYER": ("hazards", "危险源图层 Hazard sources (layer)", QgsProcessing.SourceType.TypeVectorPoint, ""),
    "LEVEL1_UNITS_LAYER": ("units", "重大风险单位图层 Level-1 units (layer)", QgsProcessing.SourceType.TypeVectorPoint,
                           '"level" = 1'),
    "LINKS_LAYER": ("hazard_receptor_links", "危险源-敏感目标连线图层 Hazard-receptor links (layer)",
                    QgsProcessing.SourceType.TypeVectorLine, ""),
    "EDGES_LAYER": ("cascade_edges", "连锁关系图层 Cascade edges (layer)", QgsProcessing.SourceType.TypeVectorLine, ""),
    "RISK_MAP_LAYER": ("risk_map", "风险一张图图层 Risk map (layer)", QgsProcessing.SourceType.TypeVectorPoint, ""),
    "CHANGES_LAYER": ("round_changes", "调查轮次变化图层 Changes between rounds (layer)",
                      QgsProcessing.SourceType.TypeVectorPoint, ""),
    "RISK_GRID_LAYER": ("risk_grid", "风险网格图层 Risk grid (layer)", QgsProcessing.SourceType.TypeVectorPolygon, ""),
}


def add_layer_outputs(alg, *names: str) -> None:
    """Declare the layer outputs ``names`` (:data:`LAYER_OUTPUTS`) of ``alg``."""
    for name in names:
        _layer, label, kind, _subset = LAYER_OUTPUTS[name]
        alg.addOutput(QgsProcessingOutputVectorLayer(name, label, kind))


def layer_outputs(db: str, *names: str) -> dict:
    """The values of the layer outputs ``names`` for the risk database ``db``."""
    out = {}
    for name in names:
        layer, _label, _kind, subset = LAYER_OUTPUTS[name]
        out[name] = f"{db}|layername={layer}" + (f"|subset={subset}" if subset else "")
    return out


def repository_url() -> str:
    """The repository address of metadata.txt (the help URLs start there)."""
    import configparser

    cp = configparser.ConfigParser(interpolation=None)
    cp.read(Path(__file__).resolve().parents[2] / "metadata.txt", encoding="utf-8")
    return cp.get("general", "repository", fallback="").rstrip("/")


def icon_path(alg_id: str) -> Path:
    """The algorithm's own icon, resources/icons/alg_<id>.svg; the plugin's where it has none."""
    from .provider import ICON

    own = ICON.with_name(f"alg_{alg_id}.svg")
    return own if own.is_file() else ICON


class CitySafetyAlgorithm(QgsProcessingAlgorithm):
    """Base: id, group, help, help URL and tags come from class attributes and the tables
    above; subclasses add the rest."""

    ALG_ID = ""
    DISPLAY = ""
    HELP = ""
    #: Whether its files, layers and rasters are checked before a run (checks.py): the steps on
    #: survey data and risk databases; not install_packages (a wheelhouse folder or zip).
    DATA_CHECKS = False

    def helpUrl(self):
        doc = HELP_DOCS.get(self.ALG_ID)
        return f"{repository_url()}/blob/main/{doc}" if doc else ""

    def tags(self):
        return [*TAGS.get(self.ALG_ID, ()), *COMMON_TAGS]

    def icon(self):
        return QIcon(self.svgIconPath())

    def svgIconPath(self):
        return str(icon_path(self.ALG_ID))

    def tr(self, text):
        return tr(text)

    def createInstance(self):
        return type(self)()

    def name(self):
        return self.ALG_ID

    def displayName(self):
        return tr(self.DISPLAY)

    def group(self):
        return tr("Survey data")

    def groupId(self):
        return "survey"

    def shortHelpString(self):
        return tr(self.HELP)

    def checkParameterValues(self, parameters, context):
        """QGIS's check before every run (the dialog, processing.run, qgis_process, the panel):
        each bad file, folder, layer or raster is refused in both languages, naming the
        parameter and the file, before anything is read or written (checks.py)."""
        if self.DATA_CHECKS:
            from .checks import check_parameters

            try:
                check_parameters(self, parameters, context)
            except QgsProcessingException as exc:
                return False, str(exc)
        ok, message = super().checkParameterValues(parameters, context)
        if not ok:
            return False, f"参数值无效：{message} / Invalid parameter value: {message}"
        return True, ""

    @staticmethod
    def canceled() -> QgsProcessingException:
        return QgsProcessingException(tr("Cancelled; earlier outputs were left as they were."))


class OnDatabase:
    """An algorithm whose work is ``run_on(db, …)``, on the risk database its parameters name:
    the GeoPackage, or the working copy of a shared PostGIS database with its changes pushed
    back (database.on_database)."""

    def processAlgorithm(self, parameters, context, feedback):
        from .database import on_database

        return on_database(self, parameters, context, feedback)

    def run_on(self, db: str, parameters, context, feedback) -> dict:
        raise NotImplementedError


class AnalysisAlgorithm(OnDatabase, CitySafetyAlgorithm):
    """The steps on a risk database, grouped as 风险分析 Risk analysis in the toolbox."""

    DATA_CHECKS = True

    def group(self):
        return tr("Risk analysis")

    def groupId(self):
        return "analysis"


__all__ = ["AnalysisAlgorithm", "Canceled", "CitySafetyAlgorithm", "OnDatabase", "bad_parameter", "icon_path",
           "plugin_version", "progress_of", "rules_of"]
