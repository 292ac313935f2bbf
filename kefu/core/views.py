"""Health check for load balancers and operators."""

from __future__ import annotations

import time
import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection
from django.http import JsonResponse


def _database_status() -> dict:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # report, never raise: this is the health page
        return {"ok": False, "vendor": connection.vendor, "error": type(error).__name__}
    return {"ok": True, "vendor": connection.vendor, "ms": round((time.perf_counter() - started) * 1000, 2)}


async def _layer_roundtrip(layer) -> None:
    channel = await layer.new_channel("healthz.")
    token = uuid.uuid4().hex
    await layer.send(channel, {"type": "healthz", "token": token})
    received = await layer.receive(channel)
    if received.get("token") != token:
        raise RuntimeError("channel layer returned a different message")


def _channel_layer_status() -> dict:
    layer = get_channel_layer()
    backend = settings.CHANNEL_LAYERS["default"]["BACKEND"].rsplit(".", 1)[-1]
    if layer is None:
        return {"ok": False, "backend": backend, "error": "not configured"}
    started = time.perf_counter()
    try:
        async_to_sync(_layer_roundtrip)(layer)
    except Exception as error:
        return {"ok": False, "backend": backend, "error": type(error).__name__}
    return {"ok": True, "backend": backend, "ms": round((time.perf_counter() - started) * 1000, 2)}


def healthz(request):
    database = _database_status()
    layer = _channel_layer_status()
    healthy = database["ok"] and layer["ok"]
    body = {"status": "ok" if healthy else "degraded", "database": database, "channel_layer": layer}
    return JsonResponse(body, status=200 if healthy else 503)

