#!/usr/bin/env bash
# DEVELOPMENT CERTIFICATES ONLY. What this script makes is for a developer's machine and for
# test runs: a throw-away CA, a server certificate for localhost, and one client certificate
# per development identity. Never deploy them, never commit them (deploy/certs/.gitignore
# keeps dev/ out of git); production certificates come from each agency's own PKI.
#
# Usage: deploy/certs/make-dev-certs.sh [--force] [--days N] [DIR] [NAME=SUBJECT ...]
#
#   DIR            output directory (default: deploy/certs/dev beside this script)
#   --days N       validity of the server and client certificates in days (default 30);
#                  the CA gets 2*N days so it always outlives what it signed
#   --force        throw everything in DIR away and start again
#   NAME=SUBJECT   an extra client identity, e.g. ca-rcmp-publisher=/C=CA/O=RCMP/OU=publisher
#                  (tests use this for subjects the gateway must refuse)
#
# Idempotent: files that exist, belong together, verify against the CA, carry the expected
# subject and stay valid for at least another day are kept; anything else is (re)issued. A new
# CA means every certificate is reissued. Needs OpenSSL 1.1.1 or 3.x.
#
# Identity convention (read by services/gateway/src/auth/identity.ts): the subject's C is the country
# (US or MX), O the agency acronym (CBP, ANAM …), and each OU one role: publisher, subscriber or
# operator. An identity with several roles carries several OU attributes
# (/C=MX/O=FGR/OU=publisher/OU=subscriber); every OU must be a known role. CN names the holder
# for logs and audit.
#
# Files in DIR: ca.crt ca.key (the development CA), server.crt server.key (localhost,
# 127.0.0.1, ::1), <identity>.crt <identity>.key per client, README.txt. Keys are EC P-256,
# PKCS#8 PEM, mode 600.
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
days=30
force=0
dir=""
declare -a extra=()

while [[ $# -gt 0 ]]; do
  case "$1" in
    --force) force=1 ;;
    --days)
      [[ $# -ge 2 && "$2" =~ ^[1-9][0-9]{0,3}$ ]] || { echo "make-dev-certs: --days needs a whole number of days (1-9999)" >&2; exit 2; }
      days="$2"
      shift
      ;;
    -h | --help)
      sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    -*) echo "make-dev-certs: unknown option $1 (try --help)" >&2; exit 2 ;;
    *=*) extra+=("$1") ;;
    *)
      [[ -z "$dir" ]] || { echo "make-dev-certs: more than one output directory given ($dir, $1)" >&2; exit 2; }
      dir="$1"
      ;;
  esac
  shift
done
dir="${dir:-$script_dir/dev}"

command -v openssl >/dev/null 2>&1 || { echo "make-dev-certs: openssl is not on PATH (install OpenSSL 1.1.1 or 3.x)" >&2; exit 1; }

# The development identities. name|subject
identities=(
  "us-cbp-publisher|/C=US/O=CBP/OU=publisher/CN=dev-us-cbp-publisher"
  "us-cbp-subscriber|/C=US/O=CBP/OU=subscriber/CN=dev-us-cbp-subscriber"
  "us-cbp-operator|/C=US/O=CBP/OU=operator/CN=dev-us-cbp-operator"
  "us-hsi-publisher|/C=US/O=HSI/OU=publisher/CN=dev-us-hsi-publisher"
  "mx-anam-subscriber|/C=MX/O=ANAM/OU=subscriber/CN=dev-mx-anam-subscriber"
  "mx-anam-operator|/C=MX/O=ANAM/OU=operator/CN=dev-mx-anam-operator"
  "mx-fgr-publisher|/C=MX/O=FGR/OU=publisher/CN=dev-mx-fgr-publisher"
  "mx-fgr-subscriber|/C=MX/O=FGR/OU=subscriber/CN=dev-mx-fgr-subscriber"
  "mx-fgr-publisher-subscriber|/C=MX/O=FGR/OU=publisher/OU=subscriber/CN=dev-mx-fgr-publisher-subscriber"
)
for spec in "${extra[@]+"${extra[@]}"}"; do
  name="${spec%%=*}"
  subject="${spec#*=}"
  [[ "$name" =~ ^[a-z0-9][a-z0-9-]{0,62}$ ]] || { echo "make-dev-certs: identity name '$name' must be lower-case letters, digits and dashes" >&2; exit 2; }
  [[ "$name" != ca && "$name" != server ]] || { echo "make-dev-certs: identity name '$name' is reserved" >&2; exit 2; }
  [[ "$subject" == /* ]] || { echo "make-dev-certs: subject for '$name' must look like /C=US/O=CBP/OU=publisher" >&2; exit 2; }
  identities+=("$name|$subject")
done

umask 077
# This script deletes *.crt and *.key in DIR when it starts over: only ever in a directory it made.
marker="$dir/.puente-dev-certs"
if [[ -d "$dir" && -n "$(ls -A "$dir")" && ! -f "$marker" ]]; then
  echo "make-dev-certs: $dir is not empty and was not made by this script; give an empty or new directory" >&2
  exit 2
fi
mkdir -p "$dir"
chmod 700 "$dir"
echo "Development certificates made by deploy/certs/make-dev-certs.sh; not for production." >"$marker"
if [[ $force -eq 1 ]]; then
  rm -f "$dir"/*.crt "$dir"/*.key "$dir"/README.txt
fi
work="$(mktemp -d "${TMPDIR:-/tmp}/puente-dev-certs.XXXXXX")"
trap 'rm -rf "$work"' EXIT

cat >"$work/openssl.cnf" <<'EOF'
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
[ v3_ca ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ server ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
[ client ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF

ca_subject="/O=Puente Development/CN=Puente DEVELOPMENT CA - not for production"
renew_leaf_seconds=86400                 # reissue a certificate with less than a day left
renew_ca_seconds=$((days * 86400))       # a CA must outlive anything it signs from now on

new_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
serial() { echo "0x$(openssl rand -hex 16)"; }
subject_of() { openssl x509 -in "$1" -noout -subject -nameopt compat | sed 's/^subject= *//'; }
pubkey_of_cert() { openssl x509 -in "$1" -noout -pubkey; }
pubkey_of_key() { openssl pkey -in "$1" -pubout; }

# install FROM TO MODE: move a finished file into DIR (rename, so readers never see half a file).
install_file() {
  chmod "$3" "$1"
  mv -f "$1" "$2"
}

# pair_ok NAME SUBJECT: the pair exists, matches, verifies, has the subject and is not expiring.
pair_ok() {
  local crt="$dir/$1.crt" key="$dir/$1.key"
  [[ -s "$crt" && -s "$key" ]] || return 1
  [[ "$(subject_of "$crt" 2>/dev/null)" == "$2" ]] || return 1
  [[ "$(pubkey_of_cert "$crt" 2>/dev/null)" == "$(pubkey_of_key "$key" 2>/dev/null)" ]] || return 1
  openssl x509 -in "$crt" -noout -checkend "$renew_leaf_seconds" >/dev/null 2>&1 || return 1
  if [[ "$1" != ca ]]; then
    openssl verify -CAfile "$dir/ca.crt" "$crt" >/dev/null 2>&1 || return 1
  fi
}

issued=0
ca_ok=0
if pair_ok ca "$ca_subject" && openssl x509 -in "$dir/ca.crt" -noout -checkend "$renew_ca_seconds" >/dev/null 2>&1; then
  ca_ok=1
fi
if [[ $ca_ok -eq 0 ]]; then
  new_key "$work/ca.key"
  openssl req -new -x509 -config "$work/openssl.cnf" -extensions v3_ca -key "$work/ca.key" \
    -subj "$ca_subject" -days $((days * 2)) -sha256 -set_serial "$(serial)" -out "$work/ca.crt"
  # Everything the old CA signed is now worthless: reissue it all.
  rm -f "$dir"/*.crt "$dir"/*.key
  install_file "$work/ca.key" "$dir/ca.key" 600
  install_file "$work/ca.crt" "$dir/ca.crt" 644
  issued=$((issued + 1))
fi

# issue NAME SUBJECT EXTENSIONS-SECTION
issue() {
  if pair_ok "$1" "$2"; then return 0; fi
  new_key "$work/$1.key"
  openssl req -new -config "$work/openssl.cnf" -key "$work/$1.key" -subj "$2" -out "$work/$1.csr"
  openssl x509 -req -in "$work/$1.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -set_serial "$(serial)" \
    -days "$days" -sha256 -extfile "$work/openssl.cnf" -extensions "$3" -out "$work/$1.crt" 2>/dev/null
  install_file "$work/$1.key" "$dir/$1.key" 600
  install_file "$work/$1.crt" "$dir/$1.crt" 644
  issued=$((issued + 1))
}

issue server "/CN=localhost" server
for entry in "${identities[@]}"; do
  issue "${entry%%|*}" "${entry#*|}" client
done

cat >"$work/README.txt" <<EOF
DEVELOPMENT CERTIFICATES - NOT FOR PRODUCTION, DO NOT COMMIT.
Made by deploy/certs/make-dev-certs.sh (run it again to renew; --force to start over).
ca.crt/ca.key: the development CA. server.crt/server.key: localhost, 127.0.0.1, ::1.
Client identities (file name: subject):
$(for entry in "${identities[@]}"; do printf '  %s: %s\n' "${entry%%|*}" "${entry#*|}"; done)
EOF
install_file "$work/README.txt" "$dir/README.txt" 644

echo "make-dev-certs: ${issued} certificate(s) issued, $((${#identities[@]} + 2 - issued)) kept, in $dir" >&2
