# corral agent --enforce on every Nomad client that runs Docker Engine: a
# system job, one allocation a client, run with the raw_exec driver (the
# agent needs the host's /proc, cgroups, Docker socket and journald, which a
# container would have to be given one by one; raw_exec runs it as a host
# process, as corral-agent.service does). Enable raw_exec on the clients
# (plugin "raw_exec" { config { enabled = true } }) and install the corral
# binary at /usr/local/bin/corral (make install) first.
#
# The agents' token comes from Nomad Variables (nomad var put
# nomad/jobs/corral-agent token=@/var/lib/corral/control/agent.token) and is
# written 0600 into the allocation's secrets directory; the config names it.
#
# What it needs from the host: /var/run/docker.sock, /proc, /sys/fs/cgroup,
# /run/systemd/journal and /var/lib/corral (its state, the spool and the
# collector's store); root, since it removes containers and signals their
# processes.
job "corral-agent" {
  type = "system"

  group "agent" {
    restart {
      attempts = 10
      interval = "5m"
      delay    = "2s"
      mode     = "delay"
    }

    task "agent" {
      driver = "raw_exec"
      user   = "root"

      config {
        command = "/usr/local/bin/corral"
        args = [
          "agent",
          "--config", "${NOMAD_TASK_DIR}/corral.toml",
          "--node-id", "${node.unique.name}",
          "--state", "/var/lib/corral/agent",
          "--enforce",
        ]
      }

      template {
        destination = "secrets/agent.token"
        perms       = "600"
        data        = "{{ with nomadVar \"nomad/jobs/corral-agent\" }}{{ .token }}{{ end }}"
      }

      template {
        destination = "local/corral.toml"
        data        = <<-TOML
          [agent]
          control_url = "http://10.0.0.1:7481,http://10.0.0.2:7481"
          token_file = "{{ env "NOMAD_SECRETS_DIR" }}/agent.token"
          enforce = true
        TOML
      }

      kill_timeout = "60s"

      resources {
        cpu    = 50
        memory = 64
      }
    }
  }
}
