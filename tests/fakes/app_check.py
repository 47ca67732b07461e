"""A fake of Google's Firebase App Check key server on loopback, and tokens signed like Google's.

firebase-admin's real `app_check.verify_token` fetches the JWKS from it (APP_CHECK_JWKS_URL) and
checks tokens that `FakeAppCheck.token()` signs with the key it publishes; `forged_token()` signs
with another key under the same key id.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

KEY_ID = "fake-app-check-key"
PROJECT_ID = "jaki-test"
PROJECT_NUMBER = "123456789012"
APP_ID = f"1:{PROJECT_NUMBER}:android:0123456789abcdef"


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class FakeAppCheck:
    def __init__(self) -> None:
        self.key = _new_key()
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        jwks = json.dumps({"keys": [{**jwk, "kid": KEY_ID, "alg": "RS256", "use": "sig"}]})
        self.fetches = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake.fetches += 1
                body = jwks.encode()
                self.send_response(200 if self.path == "/v1/jwks" else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                """Quiet: tests read the verifier's answers, not the key server's access log."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_port}/v1/jwks"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FakeAppCheck:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def token(self, *, project_id: str = PROJECT_ID, expires_in: int = 3600, key=None) -> str:
        """An App Check token as Google issues it: RS256, typ JWT, aud the project."""
        now = int(time.time())
        claims = {
            "iss": f"https://firebaseappcheck.googleapis.com/{PROJECT_NUMBER}",
            "aud": [f"projects/{PROJECT_NUMBER}", f"projects/{project_id}"],
            "sub": APP_ID,
            "iat": now,
            "exp": now + expires_in,
        }
        return jwt.encode(
            claims, key or self.key, algorithm="RS256", headers={"kid": KEY_ID, "typ": "JWT"}
        )

    def forged_token(self) -> str:
        """Right claims and key id, signed by a key Google never published."""
        return self.token(key=_new_key())

    @staticmethod
    def service_account_info(project_id: str = PROJECT_ID) -> dict[str, str]:
        """Service-account JSON for the project (App Check verification never calls Google's
        token endpoint, so `token_uri` is never reached)."""
        pem = _new_key().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return {
            "type": "service_account",
            "project_id": project_id,
            "private_key_id": "fake-app-check-sa",
            "private_key": pem.decode(),
            "client_email": f"firebase-adminsdk@{project_id}.iam.gserviceaccount.com",
            "client_id": "100000000000000000000",
            "token_uri": "http://127.0.0.1:9/token",
        }
