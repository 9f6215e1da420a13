#!/bin/sh
# Latchkey quickstart: run from the repository root while the dev server
# runs in another terminal (./tools/dev run). README.md includes this file;
# tests/interop/test/quickstart.test.mjs runs it as written against a
# throwaway server (it sets LATCHKEY_ADDRESS, API and LATCHKEYCTL).
set -eu
API=${API:-http://127.0.0.1:8080/api/v1}
export LATCHKEY_ADDRESS=${LATCHKEY_ADDRESS:-127.0.0.1:50051}
ctl() { "${LATCHKEYCTL:-bazel-bin/tools/latchkeyctl/latchkeyctl}" "$@"; }

# 1. Wait for the server, then create the first administrator and keep
#    their access token (10 minutes) for the next commands.
ctl health --wait 60
LATCHKEY_ACCESS_TOKEN=$(ctl setup --email admin@example.com \
  --password 'a long admin passphrase' --show-secrets --field access_token)
export LATCHKEY_ACCESS_TOKEN

# 2. A project for your app, owned by that administrator, and its keys:
#    a publishable key for browsers and a secret key for your back end.
PROJECT=$(ctl projects create 'My app' --field id)
PUBLISHABLE_KEY=$(ctl --project "$PROJECT" keys create --kinds publishable \
  --show-secrets --field publishable_client_key)
SERVER_KEY=$(ctl --project "$PROJECT" keys create --kinds server \
  --show-secrets --field secret_server_key)
echo "project $PROJECT"

# 3. Sign a user up and in over REST, as an app's client does.
client_call() {
  route=$1
  shift
  curl -sS -f "$API$route" -H 'content-type: application/json' \
    -H "x-stack-project-id: $PROJECT" -H 'x-stack-access-type: client' \
    -H "x-stack-publishable-client-key: $PUBLISHABLE_KEY" "$@"
}
client_call /auth/password/sign-up -d '{"email": "ada@example.com",
  "password": "correct horse battery",
  "verification_callback_url": "http://localhost:3000/handler/email-verification"}' \
  >/dev/null
ACCESS_TOKEN=$(client_call /auth/password/sign-in \
  -d '{"email": "ada@example.com", "password": "correct horse battery"}' |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')

# 4. Who is signed in?
client_call /users/me -H "x-stack-access-token: $ACCESS_TOKEN"
echo

# 5. Any service verifies the token offline with the project's JWKS
#    (here PyJWT from Debian: apt-get install python3-jwt).
/usr/bin/python3 - "$API" "$PROJECT" "$ACCESS_TOKEN" <<'PY'
import sys, jwt
api, project, token = sys.argv[1:]
key = jwt.PyJWKClient(f"{api}/projects/{project}/.well-known/jwks.json")
claims = jwt.decode(token, key.get_signing_key_from_jwt(token).key,
                    algorithms=["ES256"], audience=project,
                    issuer=f"{api}/projects/{project}")
print("verified offline: sub", claims["sub"])
PY

# 6. Or ask Latchkey with the server key.
ctl --project "$PROJECT" --server_key "$SERVER_KEY" tokens validate \
  "$ACCESS_TOKEN" --field claims

# 7. The same from Stack's SDK (@stackframe/js, installed in tests/interop).
(cd tests/interop && API="$API" PROJECT="$PROJECT" KEY="$PUBLISHABLE_KEY" \
  node --input-type=module -e '
const { StackClientApp } = await import("stack-js-108");
const app = new StackClientApp({ baseUrl: process.env.API.replace(/\/api\/v1$/, ""),
  projectId: process.env.PROJECT, publishableClientKey: process.env.KEY,
  tokenStore: "memory" });
await app.signInWithCredential({ email: "ada@example.com",
  password: "correct horse battery", noRedirect: true });
console.log("Stack SDK signed in:", (await app.getUser()).primaryEmail);
')
