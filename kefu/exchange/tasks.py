"""Background work of the exchange app: chain look-ups for new cases."""

from __future__ import annotations

from django.tasks import task


@task()
def look_up_case(case_id: int) -> None:
    """Look the case's transaction up at the exchange and on chain (network calls stay out of requests)."""
    from kefu.exchange.cases import run_chain_lookup
    from kefu.exchange.models import Case

    case = Case.objects.filter(pk=case_id).first()
    if case is not None:
        run_chain_lookup(case)
