#!/usr/bin/env bash
# kustomize.sh - renders the Kubernetes manifests (deploy/k8s) with `kubectl kustomize`
# and checks what a deployment relies on, in the base and in every overlay:
#
#   - every service of scripts/stack.sh has a Deployment, a Service and a
#     HorizontalPodAutoscaler; the Deployment has liveness (/healthz), readiness
#     (/readyz) and startup probes, CPU and memory requests and limits, the shared
#     ConfigMap and the service credential, and DATABASE_URL for its own role and schema
#     (none for the gateway); the Service selects its pods and targets a named port;
#   - the ConfigMap points <NAME>_URLS of every service at its Service, and Kafka at the
#     Strimzi bootstrap Service;
#   - a Strimzi KafkaTopic for every topic of proto-schemas/asyncapi.yaml and its .dlq;
#   - the CloudNativePG Cluster manages exactly the database roles of stack.sh and
#     deploy/postgres/init-roles.sql, and its init SQL creates those schemas;
#   - an overlay puts every object in its namespace, and the dev overlay carries every
#     Secret its objects need except the JWT keys (made by hand, see the README).
#
# Rendering is offline; the operators' custom resources are only rendered, never applied.
# Exits 77 (ctest SKIP_RETURN_CODE) when kubectl, or a kubectl with kustomize v4 or later,
# is not installed: no Debian 12 package ships one.
set -euo pipefail

REPO_DIR=${SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
K8S_DIR=$REPO_DIR/deploy/k8s
PYTHON=/usr/bin/python3

if ! command -v kubectl >/dev/null 2>&1; then
    echo "SKIP: kubectl is not installed (no Debian 12 package provides a current one);" \
        "install it to render deploy/k8s" >&2
    exit 77
fi
kver=$(kubectl version --client 2>/dev/null | sed -n 's/^Kustomize Version: v\([0-9]*\).*/\1/p')
if [ -z "$kver" ] || [ "$kver" -lt 4 ]; then
    echo "SKIP: this kubectl embeds no kustomize v4 or later (found '${kver:-none}')" >&2
    exit 77
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

targets=(base)
for d in "$K8S_DIR"/overlays/*/; do
    targets+=("overlays/$(basename "$d")")
done

for t in "${targets[@]}"; do
    out=$WORK/$(tr / - <<<"$t").yaml
    if ! kubectl kustomize "$K8S_DIR/$t" >"$out" 2>"$WORK/err"; then
        echo "FAIL: kubectl kustomize deploy/k8s/$t:" >&2
        cat "$WORK/err" >&2
        exit 1
    fi
    echo "rendered deploy/k8s/$t: $(grep -c '^kind:' "$out") objects"
done

"$PYTHON" - "$REPO_DIR" "$WORK" "${targets[@]}" <<'PYEOF'
import os
import re
import sys

import yaml

repo, work, targets = sys.argv[1], sys.argv[2], sys.argv[3:]
problems = []


def problem(where, msg):
    problems.append("%s: %s" % (where, msg))


# The services and their database roles, as the local stack runs them.
stack = open(os.path.join(repo, "scripts/stack.sh")).read()
block = re.search(r'^SERVICES="\n(.*?)^"', stack, re.S | re.M).group(1)
services = {}
for line in block.splitlines():
    f = line.split()
    if len(f) == 3:
        services[f[0]] = None if f[2] == "-" else f[2]
db_roles = set(re.search(r'^DB_ROLES="([^"]*)"', stack, re.M).group(1).split())


def sql_roles(path):
    text = open(os.path.join(repo, path)).read()
    m = re.search(r"FOREACH svc IN ARRAY ARRAY\[(.*?)\]", text, re.S)
    return set(re.findall(r"'([a-z_]+)'", m.group(1))) if m else set()


if sql_roles("deploy/postgres/init-roles.sql") != db_roles:
    problem("deploy/postgres/init-roles.sql", "roles differ from stack.sh DB_ROLES")
if sql_roles("deploy/k8s/base/postgres/init-schemas.sql") != db_roles:
    problem("deploy/k8s/base/postgres/init-schemas.sql",
            "roles differ from deploy/postgres/init-roles.sql")

asyncapi = yaml.safe_load(open(os.path.join(repo, "proto-schemas/asyncapi.yaml")))
topics = {c["address"] for c in asyncapi["channels"].values() if "{" not in c["address"]}

# What a dev cluster must be given by hand (README): the token signing key pair.
MANUAL_SECRETS = {"store-jwt-public", "store-jwt-private"}
CLUSTER_SCOPED = {"Namespace"}


def probe_path(c, kind):
    p = c.get(kind) or {}
    return (p.get("httpGet") or {}).get("path")


def check(target, docs):
    by = {}
    for d in docs:
        by.setdefault(d["kind"], {})[d["metadata"]["name"]] = d
    overlay = target.startswith("overlays/")
    if overlay:
        for d in docs:
            if d["kind"] not in CLUSTER_SCOPED and not d["metadata"].get("namespace"):
                problem(target, "%s/%s has no namespace" % (d["kind"], d["metadata"]["name"]))

    cm = by.get("ConfigMap", {}).get("store-config")
    if cm is None:
        problem(target, "no ConfigMap store-config")
        cm = {"data": {}}
    data = cm.get("data", {})
    if not data.get("KAFKA_BROKERS", "").startswith("store-kafka-kafka-bootstrap:"):
        problem(target, "KAFKA_BROKERS does not name the Strimzi bootstrap Service")

    secrets_needed = set()
    for name, role in services.items():
        where = "%s %s" % (target, name)
        dep = by.get("Deployment", {}).get(name)
        svc = by.get("Service", {}).get(name)
        hpa = by.get("HorizontalPodAutoscaler", {}).get(name)
        for kind, obj in (("Deployment", dep), ("Service", svc), ("HorizontalPodAutoscaler", hpa)):
            if obj is None:
                problem(where, "no %s" % kind)
        if dep is None:
            continue
        spec = dep["spec"]["template"]["spec"]
        c = spec["containers"][0]
        if probe_path(c, "livenessProbe") != "/healthz":
            problem(where, "liveness probe is not GET /healthz")
        if probe_path(c, "readinessProbe") != "/readyz":
            problem(where, "readiness probe is not GET /readyz")
        if probe_path(c, "startupProbe") is None:
            problem(where, "no startup probe")
        res = c.get("resources", {})
        for k in ("requests", "limits"):
            for r in ("cpu", "memory"):
                if r not in res.get(k, {}):
                    problem(where, "no %s.%s" % (k, r))
        lim = res.get("limits", {}).get("memory", "")
        if not re.fullmatch(r"\d+Mi", lim) or int(lim[:-2]) > 512:
            problem(where, "memory limit %r: expected at most 512Mi for a ~10 MB daemon" % lim)
        env_from = c.get("envFrom", [])
        if not any((e.get("configMapRef") or {}).get("name") == "store-config" for e in env_from):
            problem(where, "does not read ConfigMap store-config")
        if not any((e.get("secretRef") or {}).get("name") == "store-service-token" for e in env_from):
            problem(where, "does not read SERVICE_TOKEN from Secret store-service-token")
        for e in env_from:
            s = e.get("secretRef")
            if s and not s.get("optional"):
                secrets_needed.add(s["name"])
        env = {e["name"]: e for e in c.get("env", [])}
        for e in env.values():
            ref = (e.get("valueFrom") or {}).get("secretKeyRef")
            if ref and not ref.get("optional"):
                secrets_needed.add(ref["name"])
        for v in spec.get("volumes", []):
            if "secret" in v and not v["secret"].get("optional"):
                secrets_needed.add(v["secret"]["secretName"])
        if "JWT_PUBLIC_KEY_FILE" not in env and "JWT_PUBLIC_KEY" not in env:
            problem(where, "no JWT public key")
        if role is None:
            if "DATABASE_URL" in env:
                problem(where, "the gateway has no database, but DATABASE_URL is set")
        else:
            url = env.get("DATABASE_URL", {}).get("value", "")
            if not url.startswith("postgresql://%s:" % role) or \
                    ("search_path%%3D%s" % role) not in url or "@store-db-rw:" not in url:
                problem(where, "DATABASE_URL %r is not role/schema %s on store-db-rw" % (url, role))
            pw = (env.get("DB_PASSWORD", {}).get("valueFrom") or {}).get("secretKeyRef", {})
            if pw.get("name") != "store-db-%s" % role:
                problem(where, "DB_PASSWORD is not from Secret store-db-%s" % role)
        ports = {p.get("name"): p["containerPort"] for p in c.get("ports", [])}
        pod_labels = dep["spec"]["template"]["metadata"].get("labels", {})
        sel = dep["spec"]["selector"].get("matchLabels", {})
        if not sel or any(pod_labels.get(k) != v for k, v in sel.items()):
            problem(where, "the Deployment's selector does not match its pods")
        if svc is not None:
            ssel = svc["spec"].get("selector", {})
            if not ssel or any(pod_labels.get(k) != v for k, v in ssel.items()):
                problem(where, "the Service does not select the Deployment's pods")
            for p in svc["spec"].get("ports", []):
                tp = p.get("targetPort")
                if tp not in ports and tp not in ports.values():
                    problem(where, "Service targetPort %r is no container port" % tp)
            if name != "gateway":
                want = "http://%s:%s" % (name, svc["spec"]["ports"][0]["port"])
                var = name.upper() + "_URLS"
                if data.get(var) != want:
                    problem(where, "ConfigMap %s=%r, want %r" % (var, data.get(var), want))
        if hpa is not None:
            ref = hpa["spec"]["scaleTargetRef"]
            if ref.get("kind") != "Deployment" or ref.get("name") != name:
                problem(where, "the HorizontalPodAutoscaler does not scale the Deployment")
            lo, hi = hpa["spec"].get("minReplicas", 1), hpa["spec"]["maxReplicas"]
            if not 1 <= lo <= hi:
                problem(where, "HPA replicas %s..%s" % (lo, hi))
            if not hpa["spec"].get("metrics"):
                problem(where, "HPA has no metric")

    kt = {d["spec"].get("topicName", d["metadata"]["name"])
          for d in by.get("KafkaTopic", {}).values()}
    for t in sorted(topics):
        for name in (t, t + ".dlq"):
            if name not in kt:
                problem(target, "no KafkaTopic %s" % name)
    for d in by.get("KafkaTopic", {}).values():
        if d["metadata"].get("labels", {}).get("strimzi.io/cluster") not in by.get("Kafka", {}):
            problem(target, "KafkaTopic %s names no Kafka cluster of the render" % d["metadata"]["name"])
    if "store-kafka" not in by.get("Kafka", {}):
        problem(target, "no Kafka store-kafka")

    cluster = by.get("Cluster", {}).get("store-db")
    if cluster is None:
        problem(target, "no CloudNativePG Cluster store-db")
    else:
        roles = cluster["spec"].get("managed", {}).get("roles", [])
        if {r["name"] for r in roles} != db_roles:
            problem(target, "the Cluster's managed roles differ from stack.sh DB_ROLES")
        for r in roles:
            secrets_needed.add(r["passwordSecret"]["name"])
        refs = cluster["spec"]["bootstrap"]["initdb"].get("postInitApplicationSQLRefs", {})
        for ref in refs.get("configMapRefs", []):
            cmap = by.get("ConfigMap", {}).get(ref["name"])
            if cmap is None or ref["key"] not in cmap.get("data", {}):
                problem(target, "init SQL ConfigMap %s/%s missing" % (ref["name"], ref["key"]))

    if target == "overlays/dev":
        missing = secrets_needed - set(by.get("Secret", {})) - MANUAL_SECRETS
        if missing:
            problem(target, "Secrets needed but not generated: %s" % ", ".join(sorted(missing)))


for t in targets:
    docs = [d for d in yaml.safe_load_all(open(os.path.join(work, t.replace("/", "-") + ".yaml"))) if d]
    check(t, docs)
    print("checked %s: %d services, %d topics" % (t, len(services), 2 * len(topics)))

if problems:
    for p in problems:
        print("FAIL: " + p, file=sys.stderr)
    sys.exit(1)
print("deploy/k8s: every check passed")
PYEOF
