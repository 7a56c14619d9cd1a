#!/bin/sh
# Creates the Temporal namespace shipflow runs in, once the frontend answers.
# Idempotent: an existing namespace is left as it is (retention included).
set -eu

address=${TEMPORAL_ADDRESS:-temporal:7233}
namespace=${NAMESPACE:-default}
retention=${NAMESPACE_RETENTION:-168h}

# The server's healthcheck only proves the port is open; the frontend may still
# be joining the cluster, so wait for it to report SERVING.
tries=0
until temporal operator cluster health --address "$address" >/dev/null 2>&1; do
	tries=$((tries + 1))
	if [ "$tries" -ge 60 ]; then
		echo "temporal namespace: ${address} not healthy after ${tries} tries" >&2
		temporal operator cluster health --address "$address"
		exit 1
	fi
	sleep 2
done

if temporal operator namespace describe --address "$address" --namespace "$namespace" >/dev/null 2>&1; then
	echo "temporal namespace: ${namespace} already exists"
else
	echo "temporal namespace: creating ${namespace} (retention ${retention})"
	if ! temporal operator namespace create --address "$address" --namespace "$namespace" --retention "$retention"; then
		# Lost a race with another creator, or a real failure: describe decides.
		temporal operator namespace describe --address "$address" --namespace "$namespace" >/dev/null
	fi
fi

# A new namespace reaches the server's namespace cache some seconds after it is
# created; until then calls naming it fail. Wait here, so `shipflow migrate`
# (which registers search attributes on it) starts against a usable namespace.
tries=0
until temporal operator search-attribute list --address "$address" --namespace "$namespace" >/dev/null 2>&1; do
	tries=$((tries + 1))
	if [ "$tries" -ge 30 ]; then
		echo "temporal namespace: ${namespace} still not usable after ${tries} tries" >&2
		temporal operator search-attribute list --address "$address" --namespace "$namespace"
		exit 1
	fi
	sleep 1
done
echo "temporal namespace: ${namespace} ready"
