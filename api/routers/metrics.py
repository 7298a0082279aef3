"""`GET /metrics`: the api process's Prometheus metrics (observability/metrics.py). Public like
`/healthz`: metric labels carry kinds and outcomes, never ids of people."""

from fastapi import APIRouter, Response

from observability import metrics

router = APIRouter(tags=["operations"])


@router.get("/metrics", include_in_schema=False)
async def prometheus_metrics() -> Response:
    return Response(metrics.render(), media_type=metrics.CONTENT_TYPE_LATEST)
