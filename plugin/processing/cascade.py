"""citysafety:cascade and citysafety:cascade_scenario — the domino graph (docs/domain/cascade.md)."""

from __future__ import annotations

from qgis.core import (
    QgsProcessingException,
    QgsProcessingOutputFile,
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

from ..core.errors import Canceled, PipelineError
from ..core.steps import cascade_database, cascade_scenario
from ..layers.loading import load_links_layer, risk_layer
from .base import AnalysisAlgorithm, add_layer_outputs, layer_outputs, progress_of
from .proximity import add_proximity_inputs, proximity_inputs
from .score import add_database_and_rules, rules_of


class _CascadeBase(AnalysisAlgorithm):
    INPUT = "INPUT"
    RULES = "RULES"
    OUTPUT = "OUTPUT"
    LOAD = "LOAD_LAYERS"


class CascadeAlgorithm(_CascadeBase):
    ALG_ID = "cascade"
    LAYERS = ('HAZARDS_LAYER', 'EDGES_LAYER')
    DISPLAY = "Cascade (domino) graph"
    HELP = ("Builds the directed escalation graph over all hazard sources of a scored risk database: each "
            "source's accident scenario from its substance (vapour-cloud explosion, pool fire, TNT, none), the "
            "distance at which its overpressure or heat radiation falls to each target equipment's threshold, and "
            "an edge i → j when j lies within i's escalation distance for j's equipment, with the load at j and the "
            "escalation probability from the probit. Candidate pairs come from one spatial-index query. Per source: "
            "out- and in-degree, reach in 1, 2 and any number of steps, the most probable chain, betweenness and "
            "closeness on −ln P (exact, or sampled with a seed in large clusters — the method is recorded), the "
            "cluster and its size. A source that can reach a level-1 source within two steps goes up one level "
            "(rules; recorded in the cascade_reason field). Writes cascade_edges (arrows), cascade_chains and the new "
            "fields.")

    def initAlgorithm(self, config=None):
        add_database_and_rules(self)
        self.addParameter(QgsProcessingParameterBoolean(self.LOAD, self.tr("Open the map layers"), defaultValue=True))
        self.addOutput(QgsProcessingOutputFile(self.OUTPUT, self.tr("Risk database")))
        self.addOutput(QgsProcessingOutputNumber("EDGES", self.tr("Escalation edges")))
        self.addOutput(QgsProcessingOutputNumber("UPGRADED", self.tr("Hazard sources upgraded")))
        self.addOutput(QgsProcessingOutputNumber("LARGEST_CLUSTER", self.tr("Largest cluster")))
        add_layer_outputs(self, *self.LAYERS)

    def run_on(self, db, parameters, context, feedback):
        rules = rules_of(self, parameters, context)
        try:
            result = cascade_database(db, rules, progress_of(feedback))
        except Canceled:
            raise self.canceled() from None
        except (PipelineError, ValueError) as exc:
            raise QgsProcessingException(str(exc)) from exc
        sizes = result.hazards.get("cluster_size", [])
        largest = int(max(sizes)) if len(sizes) else 0
        feedback.pushInfo(self.tr("{} escalation edges, largest cluster {} sources, {} sources upgraded.").format(
            len(result.edges), largest, result.n_upgraded))
        feedback.pushInfo(self.tr("Graph measures, technical details (method, sizes, seconds):"))
        for key, value in result.info.items():
            feedback.pushInfo(f"  {key}: {value}")
        self._to_load = db if self.parameterAsBoolean(parameters, self.LOAD, context) and len(result.edges) else None
        return {self.OUTPUT: db, "EDGES": len(result.edges), "UPGRADED": result.n_upgraded,
                "LARGEST_CLUSTER": largest, **layer_outputs(db, *self.LAYERS)}

    def postProcessAlgorithm(self, context, feedback):
        db = getattr(self, "_to_load", None)
        if db and context.project() is not None:
            load_links_layer(context.project(), db, "cascade_edges", "连锁效应 cascade edges")
        return {}


class CascadeScenarioAlgorithm(_CascadeBase):
    ALG_ID = "cascade_scenario"
    DISPLAY = "Cascade scenario from one accident"
    HELP = ("Starts an accident at one hazard source (its code; in QGIS also by clicking it on the map with the "
            "plugin's scenario tool) and propagates it over the escalation graph: the deterministic set (every "
            "source reachable with a chain probability at or above the threshold) and a seeded Monte Carlo run "
            "(each round every failed source loads its neighbours, each fails with its probit probability; stop when "
            "a round adds none) giving each source's failure frequency. Writes scenario_affected (the sources) and "
            "scenario_zone (the union of their effect zones) with the receptors and people inside it. The same seed "
            "gives the same answer.")
    START = "START"
    THRESHOLD = "THRESHOLD"
    TRIALS = "TRIALS"
    SEED = "SEED"
    RECEPTORS = "RECEPTORS"
    RECEPTOR_TABLE = "RECEPTOR_TABLE"
    POPULATION = "POPULATION"

    def initAlgorithm(self, config=None):
        add_database_and_rules(self)
        self.addParameter(QgsProcessingParameterString(self.START, self.tr("Initiating hazard source (code)")))
        self.addParameter(QgsProcessingParameterNumber(
            self.THRESHOLD, self.tr("Chain probability threshold"), QgsProcessingParameterNumber.Type.Double, 1e-3,
            minValue=0.0, maxValue=1.0))
        self.addParameter(QgsProcessingParameterNumber(
            self.TRIALS, self.tr("Monte Carlo trials"), QgsProcessingParameterNumber.Type.Integer, 2000, minValue=1))
        self.addParameter(QgsProcessingParameterNumber(
            self.SEED, self.tr("Random seed"), QgsProcessingParameterNumber.Type.Integer, 20241128))
        add_proximity_inputs(self, with_fields=False)
        self.addParameter(QgsProcessingParameterBoolean(self.LOAD, self.tr("Open the map layers"), defaultValue=True))
        self.addOutput(QgsProcessingOutputFile(self.OUTPUT, self.tr("Risk database")))
        self.addOutput(QgsProcessingOutputNumber("AFFECTED", self.tr("Sources affected")))
        self.addOutput(QgsProcessingOutputNumber("POPULATION_IN_ZONE", self.tr("People in the effect zone")))

    def run_on(self, db, parameters, context, feedback):
        rules = rules_of(self, parameters, context)
        start = self.parameterAsString(parameters, self.START, context).strip()
        receptors, _, population, _, _ = proximity_inputs(self, parameters, context)
        try:
            result = cascade_scenario(db, rules, start, self.parameterAsDouble(parameters, self.THRESHOLD, context),
                                      self.parameterAsInt(parameters, self.TRIALS, context),
                                      self.parameterAsInt(parameters, self.SEED, context), receptors, population,
                                      progress_of(feedback))
        except Canceled:
            raise self.canceled() from None
        except (PipelineError, ValueError) as exc:
            raise QgsProcessingException(str(exc)) from exc
        feedback.pushInfo(self.tr("{} sources affected; {:.0f} people in the effect zone.").format(
            len(result.affected), result.population if result.population == result.population else 0))
        for cls, count in result.receptors_by_class.items():
            feedback.pushInfo(f"  {cls}: {count}")
        self._to_load = db if self.parameterAsBoolean(parameters, self.LOAD, context) else None
        return {self.OUTPUT: db, "AFFECTED": len(result.affected),
                "POPULATION_IN_ZONE": result.population if result.population == result.population else 0}

    def postProcessAlgorithm(self, context, feedback):
        db = getattr(self, "_to_load", None)
        project = context.project()
        if db and project is not None:
            for name, title in (("scenario_zone", "事故影响范围 scenario zone"),
                                ("scenario_affected", "受影响危险源 affected sources")):
                layer = risk_layer(db, name, title)
                if layer.isValid():
                    for old in project.mapLayersByName(title):
                        project.removeMapLayer(old.id())
                    project.addMapLayer(layer)
        return {}
