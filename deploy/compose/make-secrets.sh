#!/bin/sh
# Makes ./secrets/ with random values where a file is missing (never overwrites one). Fill in
# twilio_auth_token and jasmin_password by hand. Keep a copy of secret_key and data_keys OFFLINE, apart from
# the database backups: without them the data cannot be read; with a backup, they are every child's file.
set -eu
cd "$(dirname "$0")"
umask 077
mkdir -p secrets
random() { head -c 48 /dev/urandom | base64 | tr -d '/+=\n' | head -c 64; }
[ -f secrets/postgres_password ] || random > secrets/postgres_password
[ -f secrets/database_url ] || printf 'postgresql+psycopg://hotline:%s@postgres:5432/hotline' \
  "$(cat secrets/postgres_password)" > secrets/database_url
[ -f secrets/secret_key ] || random > secrets/secret_key
[ -f secrets/data_keys ] || : > secrets/data_keys
for name in jasmin_inbound_key metrics_token; do [ -f "secrets/$name" ] || random > "secrets/$name"; done
for name in twilio_auth_token jasmin_password; do [ -f "secrets/$name" ] || : > "secrets/$name"; done
echo "secrets in $(pwd)/secrets: fill in twilio_auth_token and jasmin_password"
