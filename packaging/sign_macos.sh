#!/usr/bin/env bash
# Sign build/dist/cxdesk.app (hardened runtime) and, given a dmg, notarise and staple it.
#   packaging/sign_macos.sh app          needs MACOS_CERTIFICATE (base64 .p12), MACOS_CERTIFICATE_PASSWORD,
#                                        MACOS_SIGNING_IDENTITY ("Developer ID Application: …")
#   packaging/sign_macos.sh notarize DMG needs APPLE_ID, APPLE_TEAM_ID, APPLE_APP_PASSWORD
# Without those variables it prints a notice and exits 0: the build goes on unsigned, and Gatekeeper
# asks the owner to confirm the first start (see README, Install).
set -euo pipefail
cd "$(dirname "$0")/.."
notice() { if [ -n "${GITHUB_ACTIONS:-}" ]; then echo "::notice::$1"; else echo "note: $1"; fi; }
case "${1:-}" in
app)
    if [ -z "${MACOS_CERTIFICATE:-}" ] || [ -z "${MACOS_SIGNING_IDENTITY:-}" ]; then
        notice "macOS signing skipped: no MACOS_CERTIFICATE / MACOS_SIGNING_IDENTITY secrets"; exit 0
    fi
    KEYCHAIN="$RUNNER_TEMP/cxdesk-signing.keychain-db"
    KEYCHAIN_PASSWORD="$(uuidgen)"
    echo "$MACOS_CERTIFICATE" | base64 --decode > "$RUNNER_TEMP/cert.p12"
    security create-keychain -p "$KEYCHAIN_PASSWORD" "$KEYCHAIN"
    security set-keychain-settings -lut 21600 "$KEYCHAIN"
    security unlock-keychain -p "$KEYCHAIN_PASSWORD" "$KEYCHAIN"
    security import "$RUNNER_TEMP/cert.p12" -P "$MACOS_CERTIFICATE_PASSWORD" -A -t cert -f pkcs12 -k "$KEYCHAIN"
    security set-key-partition-list -S apple-tool:,apple: -k "$KEYCHAIN_PASSWORD" "$KEYCHAIN" >/dev/null
    security list-keychains -d user -s "$KEYCHAIN" $(security list-keychains -d user | tr -d '"')
    rm -f "$RUNNER_TEMP/cert.p12"
    codesign --force --deep --options runtime --timestamp --sign "$MACOS_SIGNING_IDENTITY" build/dist/cxdesk.app
    codesign --verify --deep --strict --verbose=2 build/dist/cxdesk.app
    ;;
notarize)
    DMG="${2:?give the dmg to notarise}"
    if [ -z "${APPLE_ID:-}" ] || [ -z "${APPLE_TEAM_ID:-}" ] || [ -z "${APPLE_APP_PASSWORD:-}" ] || [ -z "${MACOS_SIGNING_IDENTITY:-}" ]; then
        notice "macOS notarisation skipped: no APPLE_ID / APPLE_TEAM_ID / APPLE_APP_PASSWORD secrets"; exit 0
    fi
    codesign --force --timestamp --sign "$MACOS_SIGNING_IDENTITY" "$DMG"
    xcrun notarytool submit "$DMG" --apple-id "$APPLE_ID" --team-id "$APPLE_TEAM_ID" \
        --password "$APPLE_APP_PASSWORD" --wait
    xcrun stapler staple "$DMG"
    ;;
*)
    echo "usage: $0 app | notarize DMG" >&2; exit 2
    ;;
esac
