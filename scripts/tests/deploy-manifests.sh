#!/usr/bin/env bash
# The orchestrator manifests in deploy/ against the corral they deploy: the
# Kubernetes DaemonSet and the Nomad system job run `corral agent --enforce`
# with flags `corral agent --help` knows, config keys the [agent] section
# takes, the host paths the agent reads and writes, and the capabilities
# corral-agent.service keeps. (No cluster here: this checks what can drift.)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

case "${1:-}" in -h | --help)
	echo "Usage: scripts/tests/deploy-manifests.sh   (CORRAL_BINARY: default .build/debug/corral)"
	exit 0
	;;
esac
corral=${CORRAL_BINARY:-.build/debug/corral}
[ -x "$corral" ] || { echo "deploy-manifests: no corral binary at $corral (swift build)" >&2; exit 2; }
help=$("$corral" agent --help)
capabilities=$(sed -n 's/^CapabilityBoundingSet=//p' deploy/systemd/corral-agent.service)

HELP="$help" CAPS="$capabilities" python3 - <<'PY'
import os
import re
import sys
import tomllib

import yaml

failures = 0
def check(message, condition):
    global failures
    print(("deploy-manifests: ok: " if condition else "deploy-manifests: FAILED: ") + message)
    failures += 0 if condition else 1

help_text = os.environ["HELP"]
known_flags = set(re.findall(r"--[a-z][a-z-]*", help_text))
agent_keys = {"control_url", "token_file", "node_id", "state_dir", "runtime", "labels", "max_containers", "workers", "enforce"}
needed_paths = {"/var/run/docker.sock", "/sys/fs/cgroup", "/run/systemd/journal", "/var/lib/corral"}

# Kubernetes
documents = list(yaml.safe_load_all(open("deploy/kubernetes/corral-agent.yaml")))
kinds = {d["kind"]: d for d in documents if d}
check("the Kubernetes manifest holds a Namespace, a ConfigMap and a DaemonSet", {"Namespace", "ConfigMap", "DaemonSet"} <= set(kinds))
pod = kinds["DaemonSet"]["spec"]["template"]["spec"]
container = pod["containers"][0]
args = container["args"]
check("the DaemonSet runs `corral agent --enforce`", args[0] == "agent" and "--enforce" in args)
flags = [a for a in args if a.startswith("--")]
check(f"every flag it passes is one `corral agent --help` lists: {flags}", set(flags) <= known_flags)
check("it shares the host's PID namespace (/proc of every container)", pod.get("hostPID") is True)
paths = {v["hostPath"]["path"] for v in pod["volumes"] if "hostPath" in v}
check(f"it mounts the host paths the agent needs: {sorted(needed_paths)}", needed_paths <= paths)
added = set(container["securityContext"]["capabilities"]["add"])
wanted = {c.removeprefix("CAP_") for c in os.environ["CAPS"].split()}
check(f"its capabilities are corral-agent.service's: {sorted(wanted)}", added == wanted and container["securityContext"]["capabilities"]["drop"] == ["ALL"])
config = tomllib.loads(kinds["ConfigMap"]["data"]["corral.toml"])
check("its corral.toml's [agent] has only keys the agent takes, and enforce on",
      set(config["agent"]) <= agent_keys and config["agent"].get("enforce") is True)
mounts = {m["mountPath"] for m in container["volumeMounts"]}
check("the token file the config names is mounted", any(config["agent"]["token_file"].startswith(m) for m in mounts))

# Nomad
job = open("deploy/nomad/corral-agent.nomad.hcl").read()
check("the Nomad job is a system job", re.search(r'^\s*type\s*=\s*"system"', job, re.M) is not None)
nomad_flags = re.findall(r'"(--[a-z-]+)"', job)
check(f"every flag it passes is one `corral agent --help` lists: {nomad_flags}", "--enforce" in nomad_flags and set(nomad_flags) <= known_flags)
toml_text = re.search(r"<<-TOML\n(.*?)\n\s*TOML", job, re.S).group(1)
toml_text = re.sub(r"\{\{.*?\}\}", "SECRETS", toml_text)
nomad_config = tomllib.loads("\n".join(line.strip() for line in toml_text.splitlines()))
check("its corral.toml's [agent] has only keys the agent takes, and enforce on",
      set(nomad_config["agent"]) <= agent_keys and nomad_config["agent"].get("enforce") is True)
sys.exit(1 if failures else 0)
PY
