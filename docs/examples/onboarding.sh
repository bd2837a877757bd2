#!/usr/bin/env bash
# The README's merchant onboarding walk-through, every command as printed there, against a
# running service (`make run` in another terminal). From the repository root:
#
#   docs/examples/onboarding.sh [starter|sole-proprietor|partnership|corporation]
#
# BASE (default http://127.0.0.1:8000) and USERNAME (default juan.dc; one account per
# username) can be set in the environment. Needs curl and python3.
# tests/docs/test_examples.py runs it against a live server for every business type and
# checks that the README's copy of the walk-through is this file's.
set -euo pipefail
cd "$(dirname "$0")/../.."
TYPE="${1:-sole-proprietor}"
BASE="${BASE:-http://127.0.0.1:8000}"
USERNAME="${USERNAME:-juan.dc}"
MANAGE="${MANAGE:-.venv/bin/python manage.py}"

# --- walk-through (the README shows this part) ---
# curl: quiet, errors shown, and a non-2xx answer fails; field: one key of a JSON answer.
curl() { command curl -sS --fail-with-body "$@"; echo; }
field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

# 1. A partner (API client) and its client token; the secret is printed once.
eval "$($MANAGE create_api_client "Acme Payments" | sed 's/^/export /')"
TOKEN=$(curl -X POST "$BASE/v2/auth/token" -H 'Content-Type: application/json' \
  -d "{\"clientId\":\"$clientId\",\"clientSecret\":\"$clientSecret\"}" | field accessToken)

# 2. The merchant's account, then its own token (the onboarding calls use this one).
curl -X POST "$BASE/v2/account" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -d "{\"contact\":{\"email\":\"juan@example.com\",\"phone\":\"0917 123 4567\"},
       \"user\":{\"firstName\":\"Juan\",\"lastName\":\"Dela Cruz\",\"username\":\"$USERNAME\",
                 \"password\":\"SecurePass123!\",\"pin\":\"482915\"}}"
ACCESS=$(curl -X POST "$BASE/v2/account/token" -H 'Content-Type: application/json' \
  -d "{\"username\":\"$USERNAME\",\"password\":\"SecurePass123!\"}" | field accessToken)

# 3. Submit the application for the chosen business type  ->  201 {"referenceNumber": …}
REF=$(curl -X POST "$BASE/v2/onboard" -H "Authorization: Bearer $ACCESS" \
  -H 'Content-Type: application/json' -d @"docs/examples/onboarding/$TYPE.json" | field referenceNumber)

# 4. Status: which documents are still missing
curl "$BASE/v2/onboard/$REF/status" -H "Authorization: Bearer $ACCESS"

# 5. Upload each missing document in one multipart request: the sample PDF for every
#    document, the sample PNG for the store photo.
FILES=()
for doc in $(curl "$BASE/v2/onboard/$REF/status" -H "Authorization: Bearer $ACCESS" \
  | python3 -c 'import json,sys; print(" ".join(json.load(sys.stdin)["missingDocuments"]))'); do
  if [ "$doc" = storePhoto ]; then FILES+=(-F "$doc=@docs/examples/files/photo.png")
  else FILES+=(-F "$doc=@docs/examples/files/document.pdf"); fi
done
curl -X POST "$BASE/v2/onboard/$REF/files" -H "Authorization: Bearer $ACCESS" "${FILES[@]}"

# 6. Nothing missing any more; the whole application as stored
curl "$BASE/v2/onboard/$REF/status" -H "Authorization: Bearer $ACCESS"
curl "$BASE/v2/onboard/$REF" -H "Authorization: Bearer $ACCESS"

# 7. Update it (full replacement; allowed while NEW or DECLINED)
curl -X PUT "$BASE/v2/onboard/$REF" -H "Authorization: Bearer $ACCESS" \
  -H 'Content-Type: application/json' -d @"docs/examples/onboarding/$TYPE.json"
# --- end of walk-through ---
