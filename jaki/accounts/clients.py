"""Firebase App Check: proof that a request comes from our genuine app on a genuine device.

Verified by firebase-admin (`app_check.verify_token`) against Google's published keys, with the
project's service account (FIREBASE_CREDENTIALS). accounts may not import notifications, so it
builds its own Firebase app, lazily, once per configuration.
"""

import functools
import logging
import uuid
from typing import Any

from django.conf import settings

logger = logging.getLogger(__name__)


class AppCheckInvalid(Exception):
    """The token is forged, expired, for another project, or its keys could not be fetched."""


@functools.cache
def _firebase_app(credentials_path: str, jwks_url: str) -> Any:
    import firebase_admin
    import jwt
    from firebase_admin import app_check, credentials

    app = firebase_admin.initialize_app(
        credentials.Certificate(credentials_path), name=f"jaki-app-check-{uuid.uuid4().hex}"
    )
    if jwks_url:
        # SDK internal: the App Check service reads Google's JWKS address from the class constant
        # _AppCheckService._JWKS_URL into its own PyJWKClient; tests swap that client's address
        # for a local fake's (same 6-hour key cache as the SDK's).
        app_check._get_app_check_service(app)._jwks_client = jwt.PyJWKClient(
            jwks_url, lifespan=21600
        )
    return app


def app_check_verify(token: str) -> dict[str, Any]:
    """The token's verified claims (`app_id` names the app); AppCheckInvalid otherwise."""
    import jwt
    from firebase_admin import app_check

    app = _firebase_app(settings.FIREBASE_CREDENTIALS, settings.APP_CHECK_JWKS_URL)
    try:
        return app_check.verify_token(token, app=app)
    except (ValueError, jwt.PyJWTError) as exc:  # PyJWKClientError: unknown key or JWKS down
        logger.warning("App Check token refused: %s", exc)
        raise AppCheckInvalid(str(exc)) from exc
