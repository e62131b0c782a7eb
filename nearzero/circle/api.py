"""REST API of the 15-minute circle: coverage, isochrones and siting for a community.
Staff read their communities' circles; those who manage a community run the siting."""

from __future__ import annotations

from ninja import Router, Schema, Status

from nearzero.accounts import scope
from nearzero.core.circle import report
from nearzero.core.circle.io import candidate_points
from nearzero.core.errors import DomainError

from . import selectors, services
from .choices import CandidateSource, Profile, SitingMethod

router = Router(tags=["circle"])


class PlaceIn(Schema):
    id: str
    lat: float
    lon: float


class SitingIn(Schema):
    new: int
    method: SitingMethod = SitingMethod.GREEDY
    profile: Profile = Profile.ADULT
    #: Candidate places; street junctions when left out.
    candidates: list[PlaceIn] | None = None


def _community(request, slug: str, *, manage: bool = False):
    rule = scope.manageable_communities if manage else scope.communities_for
    return scope.get_or_404(rule(request.user), slug=slug)


def _not_ready(slug: str) -> DomainError:
    return DomainError(
        "not_ready", f"{slug}: the circle needs a street network, homes and at least one site"
    )


@router.get("/circle/{slug}/coverage", response=dict)
def circle_coverage(request, slug: str, profile: Profile = Profile.ADULT, detail: bool = False):
    """Coverage of the community's homes: the same answer as ``nearzero circle coverage``
    (every home's walk with ``detail=true``)."""
    inputs = selectors.Inputs(_community(request, slug))
    result = selectors.coverage(inputs, profile)
    if result is None:
        raise _not_ready(slug)
    data = report.public(result)
    if not detail:
        data.pop("homes", None)
    return data


@router.get("/circle/{slug}/isochrones", response=dict)
def circle_isochrones(request, slug: str, profile: Profile = Profile.ADULT):
    """Isochrone bands (a third, two thirds and all of the walking time) as GeoJSON."""
    inputs = selectors.Inputs(_community(request, slug))
    if not inputs.ready:
        raise _not_ready(slug)
    return {"type": "FeatureCollection", "features": selectors.isochrones(inputs, profile)}


@router.post("/circle/{slug}/siting", response={201: dict})
def circle_siting(request, slug: str, payload: SitingIn):
    """Propose ``new`` posts (greedy or exact) and keep the run."""
    community = _community(request, slug, manage=True)
    candidates = None
    if payload.candidates is not None:
        places = payload.candidates
        candidates = candidate_points(
            [p.id for p in places], [p.lat for p in places], [p.lon for p in places]
        )
    run = services.run_siting(
        actor=request.user,
        community=community,
        new=payload.new,
        candidates=candidates,
        candidate_source=CandidateSource.DRAWN if candidates is not None else CandidateSource.NODES,
        method=payload.method,
        profile=payload.profile,
    )
    return Status(201, {"id": run.pk, **run.result})


@router.get("/circle/{slug}/siting", response=list[dict])
def circle_siting_runs(request, slug: str):
    """The community's last ten siting runs, newest first."""
    community = _community(request, slug)
    return [
        {"id": run.pk, "created_at": run.created_at.isoformat(), **run.result}
        for run in community.siting_runs.all()[:10]
    ]
