#!/bin/sh
# Perforce change-submit trigger (see p4/triggers.txt): rejects a changelist that submits files
# that look like secrets: private keys, .env files, Terraform state, anything under secrets/.
# Called as: check-secrets.sh CHANGELIST SERVERPORT. Perforce shows what it prints to the user
# when it exits non-zero.
set -eu

if [ "$#" -ne 2 ]; then
  echo "usage: check-secrets.sh CHANGELIST SERVERPORT" >&2
  exit 2
fi
change="$1"
port="$2"
P4="${P4:-p4}"

# `p4 describe -s` lists each file as "... //depot/path#rev action".
files=$("$P4" -p "$port" describe -s "$change" | sed -n 's|^\.\.\. \(//[^#]*\)#.*|\1|p')

secret_names='(^|/)(\.env|id_rsa|id_dsa|id_ecdsa|id_ed25519|[^/]*\.pem|[^/]*\.key|[^/]*\.p12|[^/]*\.pfx|[^/]*\.tfstate(\.[^/]*)?|secrets/[^/]+)$'
found=$(printf '%s\n' "$files" | grep -E "$secret_names" || true)
if [ -n "$found" ]; then
  echo "Submit rejected: these files look like secrets; keep them out of the depot:"
  printf '%s\n' "$found"
  exit 1
fi
exit 0
