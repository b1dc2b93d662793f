#!/usr/bin/env bash
# tests/http/mkca.sh DIR -- the test certificates for the net.http tests
# (EC prime256v1 keys, made fresh each run, valid 2 days):
#
#   DIR/ca.pem, DIR/ca.key           a test CA
#   DIR/server.pem, DIR/server.key   a server certificate for 127.0.0.1 and
#                                    localhost (subjectAltName IP:127.0.0.1,
#                                    DNS:localhost), signed by the CA
#   DIR/self.pem, DIR/self.key       a self-signed certificate for the same
#                                    names (no CA trusts it)
#
# Needs openssl(1). The keys are 0600, the certificates 0644. Exit 0, or 1
# with openssl's words on stderr.
set -eu
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
D=$1
mkdir -p "$D"
cd "$D"
umask 077
SAN="subjectAltName=IP:127.0.0.1,DNS:localhost"
cfg=$(mktemp "${TMPDIR:-/tmp}/aksup-mkca.XXXXXX")
err=$(mktemp "${TMPDIR:-/tmp}/aksup-mkca.XXXXXX")
trap 'rm -f "$cfg" "$err" server.csr' EXIT
ossl() {	# quiet when it works, openssl's words when not
	openssl "$@" 2>"$err" || { cat "$err" >&2; exit 1; }
}
key() { ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out "$1"; }

# the CA: basicConstraints CA:TRUE, keyCertSign (OpenSSL 3 checks both)
key ca.key
ossl req -x509 -new -key ca.key -sha256 -days 2 -subj "/CN=aksup test CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" \
    -out ca.pem

# the server certificate, signed by the CA
key server.key
ossl req -new -key server.key -subj "/CN=127.0.0.1" -out server.csr
cat > "$cfg" <<EOF
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
$SAN
authorityKeyIdentifier=keyid
EOF
ossl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
    -sha256 -days 2 -extfile "$cfg" -out server.pem
rm -f ca.srl

# the self-signed one, for the same names
key self.key
ossl req -x509 -new -key self.key -sha256 -days 2 -subj "/CN=127.0.0.1" \
    -addext "basicConstraints=critical,CA:FALSE" \
    -addext "extendedKeyUsage=serverAuth" \
    -addext "$SAN" \
    -out self.pem

chmod 644 ca.pem server.pem self.pem
ossl verify -CAfile ca.pem server.pem >/dev/null
