"""Service health and catalogue version."""

from marshmallow import Schema, fields


class ReleaseSchema(Schema):
    number = fields.Integer(attribute="release")
    created_at = fields.String(attribute="release_created_at", allow_none=True)
    version = fields.String(allow_none=True)
    sample = fields.Boolean()
    source = fields.String(
        allow_none=True, metadata={"description": "fixtures, import:<file> or api:<body>"}
    )
    content_hash = fields.String(
        allow_none=True, metadata={"description": "SHA-256 of the imported file or request"}
    )
    rows = fields.Dict(
        attribute="release_rows",
        metadata={"description": "What the release's import did, in rows"},
    )


class HealthSchema(Schema):
    status = fields.String(required=True, metadata={"example": "ok"})
    catalogue = fields.Method("get_catalogue")
    counts = fields.Method("get_counts")
    storage = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={
            "description": "The storage engine (sqlite or postgresql) and its version",
            "example": {"engine": "sqlite", "sqlite": "3.40.1"},
        },
    )

    def get_catalogue(self, obj):
        return ReleaseSchema().dump(obj["stats"])

    def get_counts(self, obj):
        s = obj["stats"]
        return {
            "products": s.products,
            "certificates": s.certificates,
            "factors": s.factors,
        }
