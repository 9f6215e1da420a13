"""Verifies one JWT with PyJWT against a live JWKS URL, as a Python service
would: PyJWKClient fetches the key set (following redirects), picks the key
by the token's kid, and jwt.decode checks the ES256 signature, exp, iat,
audience and issuer.

Reads a JSON object from stdin:
  {"jwks_url", "token", "audience": [..], "issuer", "leeway_seconds"?}
(a negative leeway_seconds moves the verifier's clock ahead for exp only)
and prints {"ok": true, "claims": {...}} or {"ok": false, "error": "<PyJWT
exception class>", "message": "..."}. Exits 0 either way; anything else
(a bug here) exits non-zero.

Run by tests/interop/test/tokens_verifiers.test.mjs with Debian's python3
(python3-jwt).
"""

import json
import sys

import jwt


def main() -> int:
    request = json.load(sys.stdin)
    leeway = request.get("leeway_seconds", 0)
    options = {"require": ["exp", "iat", "iss", "aud", "sub"]}
    if leeway < 0:
        # A negative leeway stands for a verifier whose clock runs ahead;
        # PyJWT would apply it to iat as well and call the token immature.
        options["verify_iat"] = False
    try:
        client = jwt.PyJWKClient(request["jwks_url"], cache_keys=False)
        signing_key = client.get_signing_key_from_jwt(request["token"])
        claims = jwt.decode(
            request["token"],
            signing_key.key,
            algorithms=["ES256"],
            audience=request["audience"],
            issuer=request["issuer"],
            leeway=leeway,
            options=options,
        )
    except jwt.PyJWTError as error:
        print(json.dumps({"ok": False, "error": type(error).__name__,
                          "message": str(error)}))
        return 0
    print(json.dumps({"ok": True, "claims": claims}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
