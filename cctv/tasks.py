"""The cameras' clocks, run by beat: thin wrappers around services."""

from celery import shared_task

from cctv import services


@shared_task(name="cctv.tasks.probe_cameras", acks_late=False)
def probe_cameras() -> dict:
    """Every minute, on the `probes` queue: one health-probe cycle of every camera. Not acked
    late: a cycle lost with its worker is replaced by the next minute's."""
    return services.cameras_probe_cycle()


@shared_task(name="cctv.tasks.purge_history")
def purge_history() -> dict[str, int]:
    """Nightly: uptime counts, status changes and stream sessions past their retention."""
    return services.cctv_purge_history()
