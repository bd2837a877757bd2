"""Background tasks of the webhooks app, on Django's tasks API (django-tasks backport)."""

from django_tasks import task

from .services import endpoint_drain


@task()
def endpoint_drain_task(endpoint_id: str) -> int:
    """Deliver what is due for one endpoint; returns how many deliveries succeeded."""
    return endpoint_drain(endpoint_id=endpoint_id)
