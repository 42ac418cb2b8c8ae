#!/bin/sh
# mkcerts.sh DIR - a throw-away CA and a loopback server certificate
#
# Writes DIR/ca.pem (give it to relayhint with --ca-file, so that TLS
# verification stays on), DIR/srv.pem and DIR/srv.key (for https_rx.py,
# subjectAltName 127.0.0.1 and localhost).  Used by the alert, Postfix
# and Exim integration tests.  Exit 0, or 1 with openssl's last lines on
# stderr.
d=${1:?usage: mkcerts.sh DIR}
cat > "$d/ext.cnf" <<EOT
subjectAltName = IP:127.0.0.1, DNS:localhost
basicConstraints = CA:FALSE
keyUsage = digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
EOT
if ! { openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=relayhint test CA" \
	-keyout "$d/ca.key" -out "$d/ca.pem" &&
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
	-keyout "$d/srv.key" -out "$d/srv.csr" &&
    openssl x509 -req -in "$d/srv.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
	-CAcreateserial -days 2 -extfile "$d/ext.cnf" -out "$d/srv.pem"; } \
	> "$d/openssl.log" 2>&1; then
	tail -n 2 "$d/openssl.log" >&2
	exit 1
fi
chmod 644 "$d/ca.pem" "$d/srv.pem"
exit 0
