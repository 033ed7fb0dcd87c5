"""A desk's figures for national workforce reporting (desks/engagement/aggregates.py): a CSV keyed by data
element x period x place, with ISCO-08 codes, and a FHIR R4 MeasureReport of one period (the
IHE mADX way), both under the dashboard's disclosure control: a count the dashboard hides has
no value here either."""

from flask import Response as FlaskResponse
from flask import request
from pydantic import BaseModel, ConfigDict, Field
from spectree import Response

from diaspora.api.v1.document import describe
from diaspora.api.v1.fhir import MEDIA_TYPE, FhirResource
from diaspora.api.v1.support import api, new_blueprint
from diaspora.core.access import loads, token_required
from diaspora.core.spreadsheet import BOM
from diaspora.core.time import utcnow
from diaspora.desks.engagement import aggregates
from diaspora.desks.engagement.publication import MEMBERS_BLOCK

bp = new_blueprint("api_v1_aggregates")
TAG = "National workforce reporting"
PERIOD = r"^(members|[0-9]{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?)$"


class CsvQuery(BaseModel):
    period: str | None = Field(None, pattern=PERIOD, description="members, a year (2026), a quarter (2026-Q2) or "
                                                                  "a month (2026-05); every period without it.")

    model_config = ConfigDict(extra="ignore")


class ReportQuery(BaseModel):
    period: str = Field("members", pattern=PERIOD, description="members (as last counted), a year (2026), a "
                                                               "quarter (2026-Q2) or a month (2026-05).")

    model_config = ConfigDict(extra="ignore")


def _stored(period: str | None) -> str | None:
    return None if period is None else (MEMBERS_BLOCK if period == "members" else period)


def _csv(figures) -> str:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(aggregates.FIELDS)
    writer.writerows(figure.row() for figure in figures)  # each row safe to open in a spreadsheet
    return BOM + out.getvalue()


@bp.get("/desks/<int:desk_id>/aggregates.csv")
@token_required("desks:read", services=True)
@loads(desk="work")
@describe(media="text/csv")
@api.validate(query=CsvQuery, tags=[TAG])
def figures_csv(desk):
    """The desk's figures as a CSV: data element x period x place x category

    Columns: data_element, data_element_name, period, period_start, period_end, place (ISO
    3166-1, or ISO 3166-2 for a region), category, category_option, isco08, value, status
    (shown, or suppressed: no value, as the dashboard hides it)."""
    figures = aggregates.figures_of(desk.country, _stored(request.context.query.period))
    name = f"{desk.country}-figures{'-' + request.context.query.period if request.context.query.period else ''}.csv"
    return FlaskResponse(_csv(figures), mimetype="text/csv",
                         headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/desks/<int:desk_id>/fhir/MeasureReport")
@token_required("desks:read", services=True)
@loads(desk="work")
@describe(media=MEDIA_TYPE)
@api.validate(query=ReportQuery, resp=Response(HTTP_200=FhirResource), tags=[TAG])
def measure_report(desk):
    """One period's figures as a FHIR MeasureReport (IHE mADX)

    A group per data element (its total as the score), a stratifier per category (occupation
    with ISCO-08 codes, specialty, country of residence, return intention, licence status;
    contributions by kind, region and month) and a stratum per option; a suppressed count is
    left out."""
    period = request.context.query.period
    figures = aggregates.figures_of(desk.country, _stored(period))
    report = aggregates.measure_report(desk.country, desk.name, period, figures,
                                       utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"))
    return FhirResource.model_validate(report), 200, {"Content-Type": MEDIA_TYPE}
