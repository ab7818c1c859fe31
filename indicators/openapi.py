"""The OpenAPI description of /api/v1/ (apispec with marshmallow schemas)."""

from __future__ import annotations

from apispec import APISpec
from marshmallow import Schema, fields

from voting.core.openapi import PUBLIC_READ, problems


class ShareSchema(Schema):
    name = fields.String()
    online = fields.Integer(required=True)
    total = fields.Integer(required=True)
    percent = fields.String(allow_none=True, metadata={"description": "exact share rounded half-up, 2 places"})
    meets_target = fields.Boolean(allow_none=True)


class MunicipalitySchema(ShareSchema):
    verified_accounts = fields.Integer()
    population = fields.Integer()
    verified_percent = fields.String(allow_none=True)


class PeriodSchema(Schema):
    from_ = fields.Date(data_key="from", required=True)
    to = fields.Date(required=True)


class IndicatorSchema(Schema):
    format = fields.String(required=True, metadata={"example": "oss-indicator/1"})
    period = fields.Nested(PeriodSchema, required=True)
    target_percent = fields.String(required=True)
    region = fields.Nested(ShareSchema, required=True)
    municipalities = fields.List(fields.Nested(MunicipalitySchema), required=True)


class FeedSchema(Schema):
    indicator = fields.Nested(IndicatorSchema, required=True)
    algorithm = fields.String(metadata={"example": "Ed25519"})
    signature = fields.String(metadata={"description": 'base64 Ed25519 over "OSS-INDICATOR-v1\\n" + JCS(indicator)'})
    public_key = fields.String()
    key_fingerprint = fields.String()
    signed_at = fields.DateTime()


PERIOD_PARAMETERS = [
    {"in": "query", "name": "from", "required": True, "schema": {"type": "string", "format": "date"}},
    {"in": "query", "name": "to", "required": True, "schema": {"type": "string", "format": "date"}},
]


def describe(api: APISpec) -> None:
    """Add the indicator's paths to the OpenAPI description."""
    api.components.schema("Indicator", schema=IndicatorSchema)
    api.components.schema("Feed", schema=FeedSchema)
    refused = problems(*PUBLIC_READ, s422="bad period: `detail` says what is wrong, `field` names the parameter")
    api.path(path="/api/v1/indicators/online-share", operations={"get": {
        "summary": "The share of meetings held online per municipality", "parameters": PERIOD_PARAMETERS,
        "responses": {"200": {"description": "oss-indicator/1", "content": {"application/json": {
            "schema": "Indicator"}}}} | refused}})
    api.path(path="/api/v1/indicators/feed", operations={"get": {
        "summary": "The same, signed with the server key", "parameters": PERIOD_PARAMETERS,
        "responses": {"200": {"description": "signed envelope", "content": {"application/json": {
            "schema": "Feed"}}}} | refused}})
