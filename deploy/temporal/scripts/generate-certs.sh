#!/bin/sh
# Makes the certificates of the compose stack's mutual TLS with openssl, into deploy/temporal/certs (or the folder
# given): a certificate authority of its own; the Temporal frontend's server certificate, for the compose service
# name `temporal` (what the workers, the UI and the namespace step connect to) and for localhost / 127.0.0.1 (the
# published port); a client certificate for Keel's workers, the UI, the namespace step and the `keel` or `temporal`
# CLI on the host; and one for Temporal's internal worker service, which calls the frontend like any client once
# client certificates are required. EC P-256 keys in PKCS#8, which Go, rustls and the Temporal CLI all read.
#
#   deploy/temporal/scripts/generate-certs.sh [folder]     # keeps an existing set; --force makes a new one
#
# The keys are readable by other users (0644) because the containers read them as their own users (temporal,
# node), whose uids differ from yours: keep the folder on the Docker host only, or use your own PKI and Docker
# secrets in production. The certificates last DAYS days (default 365).
set -eu

force=false
if [ "${1:-}" = "--force" ]; then force=true; shift; fi
dir="${1:-$(dirname "$0")/../certs}"
days="${DAYS:-365}"
mkdir -p "${dir}"

if [ -f "${dir}/ca.pem" ] && [ "${force}" = false ]; then
  echo "certificates exist in ${dir} (run with --force for a new set)"
  exit 0
fi

key() {
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null
}

# signed NAME SUBJECT EXTENSIONS: a key and a certificate signed by the authority.
signed() {
  key "${dir}/$1.key"
  openssl req -new -key "${dir}/$1.key" -subj "$2" -out "${dir}/$1.csr"
  printf '%b' "$3" > "${dir}/$1.ext"
  openssl x509 -req -in "${dir}/$1.csr" -CA "${dir}/ca.pem" -CAkey "${dir}/ca.key" -CAcreateserial \
    -days "${days}" -sha256 -extfile "${dir}/$1.ext" -out "${dir}/$1.pem" 2>/dev/null
  rm -f "${dir}/$1.csr" "${dir}/$1.ext"
}

key "${dir}/ca.key"
openssl req -x509 -new -key "${dir}/ca.key" -subj "/CN=Keel compose CA" -days "${days}" -sha256 \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out "${dir}/ca.pem"

client_extensions='extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n'
signed frontend "/CN=temporal" 'subjectAltName=DNS:temporal,DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n'
signed keel-client "/CN=keel-client" "${client_extensions}"
signed temporal-system-worker "/CN=temporal-system-worker" "${client_extensions}"
rm -f "${dir}/ca.srl"
chmod 0755 "${dir}"
chmod 0644 "${dir}"/*.pem "${dir}"/*.key
# The authority's key signs nothing more once the set is made; keep it away from the containers' readers.
chmod 0600 "${dir}/ca.key"
echo "certificates written to ${dir}"
