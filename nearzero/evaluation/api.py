"""REST API of the evaluation: the standards, and a community scored against one for a year
(the same answer as ``nearzero evaluate --format json``)."""

from __future__ import annotations

from ninja import Router

from nearzero.accounts import scope
from nearzero.core.errors import DomainError

from . import selectors

router = Router(tags=["evaluation"])


@router.get("/evaluation/standards", response=list[dict])
def evaluation_standards(request):
    """Every standard: id, names, version, issuer, reference, indicator count."""
    return selectors.standards_listing()


@router.get("/evaluation/{slug}/{standard_id}/{year}", response=dict)
def evaluation_result(request, slug: str, standard_id: str, year: int):
    """Each indicator's value, threshold, status and source; the gaps; score and result.
    A submitted assessment answers with its latest submission's frozen values."""
    community = scope.get_or_404(scope.communities_for(request.user), slug=slug)
    try:
        standard = selectors.get_standard(standard_id)
    except LookupError:
        raise DomainError("unknown_standard", f"no standard {standard_id!r}") from None
    if community.pilot_type not in standard.community_types:
        raise DomainError("type_not_covered", f"{standard_id} does not cover this community")
    return selectors.evaluation_report(community, standard_id, year)
