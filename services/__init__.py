"""The use cases: one function per user action, each owning its writes.

The API and the CLI call these (and the query catalogue for reads), never the engines below:

- load: ``load_sources`` (``plan_sources`` to check first); each batch is one transaction
  and a re-run is idempotent; ``generate`` writes sample exports to load.
- resolve: ``resolve`` (identity resolution, then scores); ``explain`` says why two records
  are or are not one customer; ``sources_of`` reads which record each golden attribute came from.
- decisions: ``unmerge``, ``confirm``, ``reject``: one transaction each, touching only the
  records the decision can move.
- ``update_consents`` and ``erase``: one transaction each.
- live events: ``take_events`` (a batch, one transaction, durable when it returns), then
  ``settle_events`` (resolve the records they wrote, rebuild their customers' journeys).
- scores: ``score_customers`` (run by ``resolve``).
- predictions: ``predict`` (run by ``resolve``: purchase, category and churn models, trained and
  checked on a time split of the store's history); ``read_predictions`` gives the check.
- attribution: ``attribute`` (every model's credit per channel, touchpoint type or campaign);
  root causes of low scores and funnel drop-offs: ``score_causes``, ``dropoff_causes`` (one step),
  ``funnel_dropoff_causes`` (every step);
  ``retention`` (cohorts and lifecycle). Each counts from the journeys kept at the last resolve
  when given them (``KeptJourneys``), else reads the graph through the named queries;
  ``warm_kept`` derives ahead what they count from.
- the dashboard's summary: ``refresh_summary`` (run by ``resolve``), ``read_summary`` and
  ``read_journeys``; ``summarise`` computes it without keeping it.

Loading and sample generation are re-exported from their packages: they are already one
function per action, and a wrapper would only repeat their signatures.
"""

from custgraph.loaders import FileProgress, FileReport, LoadReport, load_sources, plan_sources
from custgraph.resolution import (
    RecordMemo,
    ResolveConfig,
    ResolveReport,
    explain,
    match_model,
    read_config,
    sources_of,
)
from custgraph.samples import SOURCES, generate

from .attribution import MODELS, Attribution, attribute, attribution_of, check_attribution
from .consents import update_consents
from .decisions import DecisionReport, confirm, reject, unmerge
from .erasure import ErasureReport, erase
from .events import MAX_EVENTS, EventOutcome, EventsTaken, SettledPass, settle_events, take_events, unsettled
from .predictions import PredictionReport, Validation, read_predictions
from .resolving import resolve
from .retention import STARTS, Retention, retention
from .root_causes import RootCauses, causes_of, dropoff_causes, dropoffs_of, funnel_dropoff_causes, score_causes
from .scoring import CHURN_FIELDS, SEGMENT_FIELDS, Scores, score_customers
from .summaries import (
    Answers,
    Journeys,
    KeptJourneys,
    Summary,
    forget_customers,
    read_answers,
    read_journeys,
    read_summary,
    refresh_summary,
    summarise,
)
from .warmup import warm_kept

__all__ = [
    "CHURN_FIELDS",
    "MAX_EVENTS",
    "MODELS",
    "SEGMENT_FIELDS",
    "SOURCES",
    "STARTS",
    "Answers",
    "Attribution",
    "DecisionReport",
    "ErasureReport",
    "EventOutcome",
    "EventsTaken",
    "FileProgress",
    "FileReport",
    "Journeys",
    "KeptJourneys",
    "LoadReport",
    "PredictionReport",
    "RecordMemo",
    "ResolveConfig",
    "ResolveReport",
    "Retention",
    "RootCauses",
    "Scores",
    "SettledPass",
    "Summary",
    "Validation",
    "attribute",
    "attribution_of",
    "causes_of",
    "check_attribution",
    "confirm",
    "dropoff_causes",
    "dropoffs_of",
    "erase",
    "explain",
    "forget_customers",
    "funnel_dropoff_causes",
    "generate",
    "load_sources",
    "match_model",
    "plan_sources",
    "read_answers",
    "read_config",
    "read_journeys",
    "read_predictions",
    "read_summary",
    "refresh_summary",
    "reject",
    "resolve",
    "retention",
    "score_causes",
    "score_customers",
    "settle_events",
    "sources_of",
    "summarise",
    "take_events",
    "unmerge",
    "unsettled",
    "update_consents",
    "warm_kept",
]
