"""Customer surveys: recognise questionnaire exports, import responses, count NPS and CSAT.

`detect_survey(plan)` says whether a sniffed file is a questionnaire and guesses its questions;
`import_survey(db, plan, survey)` commits it; `nps` counts the figures (`nps_for_period` for goals).
"""

from cxdesk.core.surveys.detect import KIND_LABELS, KINDS, Question, SurveyPlan, detect_survey, survey_for_columns
from cxdesk.core.surveys.importer import SurveyImportResult, import_survey
from cxdesk.core.surveys.nps import (CsatFigure, NpsFigure, PeriodFigures, SurveyFigures, SurveyOverview, by_channel,
                                     by_period, by_topic, nps_for_period, survey_figures, survey_overview)
from cxdesk.core.surveys.store import has_responses

__all__ = [
    "KINDS", "KIND_LABELS", "CsatFigure", "NpsFigure", "PeriodFigures", "Question", "SurveyFigures",
    "SurveyImportResult", "SurveyOverview", "SurveyPlan", "by_channel", "by_period", "by_topic", "detect_survey", "has_responses",
    "import_survey", "nps_for_period", "survey_figures", "survey_for_columns", "survey_overview",
]
