from ninja import Router, Schema

from . import queries

router = Router(tags=["org"])


class UnitOut(Schema):
    id: int
    kind: str
    name: str
    code: str
    parent_id: int | None
    community_type: str
    office_address: str
    duty_phone: str


@router.get("/units", response=list[UnitOut], url_name="org_units")
def list_units(
    request, kind: str | None = None, parent: int | None = None, limit: int = 500, offset: int = 0
):
    limit = max(1, min(limit, 2000))
    return list(
        queries.units_for(request.user, kind=kind, parent_id=parent)[offset : offset + limit]
    )


@router.get("/units/{unit_id}", response=UnitOut, url_name="org_unit")
def get_unit(request, unit_id: int):
    return queries.unit_for(request.user, unit_id)
