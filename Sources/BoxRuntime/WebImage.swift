/// The web image: an ssh server (keys only), nginx serving a page through
/// fcgiwrap, MariaDB, and their supervisor, `/usr/local/sbin/corral-web`,
/// which is the command its boxes run. The page, the database and the ssh
/// host keys are made at a box's first start, on the box's own disk.
///
///     corral box image build web --preset web
///     corral box create site1 --image web --network --publish 2222:22 \
///         --env CORRAL_AUTHORIZED_KEY="$(cat ~/.ssh/id_ed25519.pub)" -- /usr/local/sbin/corral-web
public enum WebImage {
    public static let name = "web"
    public static let packages = ["openssh-server", "nginx-light", "fcgiwrap", "mariadb-server", "mariadb-client"]
    public static let supervisorPath = "/usr/local/sbin/corral-web"
    public static let command = [supervisorPath]
    /// The environment variable holding the public key ssh accepts for root.
    public static let keyVariable = "CORRAL_AUTHORIZED_KEY"
    /// A farm's proxy: `corral-web proxy`, nginx alone on the farm's configuration.
    public static let proxyCommand = [supervisorPath, "proxy"]
    /// The environment variable that may hold the proxy's configuration.
    public static let proxyConfigVariable = "CORRAL_FARM_CONF"

    public static func recipe(suite: String = "bookworm", mirror: String) -> BoxImage.Recipe {
        BoxImage.Recipe(suite: suite, mirror: mirror, packages: packages, files: [supervisorPath: supervisor])
    }

    /// Runs as the box's command, under the box's init (which forwards SIGTERM to it).
    public static let supervisor = #"""
        #!/bin/sh
        # corral-web: a web box's command. On the first start: the box's own ssh
        # host keys, sshd for keys only, the page and its database (all on the
        # box's disk). Every start: root's authorized key from
        # $CORRAL_AUTHORIZED_KEY; then MariaDB, sshd, fcgiwrap and nginx, each
        # restarted when it dies; SIGTERM stops them all.
        set -u
        site=$(hostname)
        log() { echo "corral-web: $*" >&2; }

        # corral-web proxy: a farm's reverse proxy instead, nginx alone on
        # \#(FarmProxy.configPath): written from $\#(proxyConfigVariable) when given (a farm
        # run through the control plane), else waited for (corral farm writes it).
        if [ "${1:-}" = proxy ]; then
        	if [ -n "${\#(proxyConfigVariable):-}" ]; then
        		printf '%s\n' "$\#(proxyConfigVariable)" >\#(FarmProxy.configPath)
        	fi
        	until [ -e \#(FarmProxy.configPath) ]; do sleep 0.1; done
        	exec /usr/sbin/nginx -c \#(FarmProxy.configPath) -g 'daemon off;'
        fi

        if [ ! -e /etc/corral-site ]; then
        	rm -f /etc/ssh/ssh_host_*
        	ssh-keygen -A >/dev/null
        	printf 'PasswordAuthentication no\nKbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\n' \
        		>/etc/ssh/sshd_config.d/corral.conf
        	mkdir -p /srv/www
        	cat >/srv/www/index.cgi <<'CGI'
        #!/bin/sh
        if greeting=$(mariadb -N -B -e 'SELECT greeting FROM site.page WHERE id = 1' 2>&1); then
        	printf 'Content-Type: text/plain\r\n\r\n%s\n' "$greeting"
        else
        	printf 'Status: 500\r\nContent-Type: text/plain\r\n\r\ndatabase: %s\n' "$greeting"
        fi
        CGI
        	chmod 755 /srv/www/index.cgi
        	cat >/etc/nginx/sites-enabled/default <<'NGINX'
        server {
        	listen 80 default_server;
        	location = / {
        		include fastcgi_params;
        		fastcgi_param SCRIPT_FILENAME /srv/www/index.cgi;
        		fastcgi_pass unix:/run/fcgiwrap/socket;
        	}
        	location = /health { return 200 "ok\n"; }
        }
        NGINX
        fi
        mkdir -p /root/.ssh /run/sshd /run/mysqld /run/fcgiwrap
        chmod 700 /root/.ssh
        printf '%s\n' "${CORRAL_AUTHORIZED_KEY:-}" >/root/.ssh/authorized_keys
        chmod 600 /root/.ssh/authorized_keys
        chown mysql:mysql /run/mysqld
        chown www-data:www-data /run/fcgiwrap

        supervise() {
        	name=$1
        	shift
        	while :; do
        		"$@"
        		log "$name exited $?; starting it again in 1 s"
        		sleep 1
        	done
        }

        trap 'trap - TERM INT; kill -TERM 0; wait; exit 0' TERM INT
        supervise mariadb /usr/sbin/mariadbd --user=mysql --bind-address=127.0.0.1 &
        supervise sshd /usr/sbin/sshd -D -e &
        supervise fcgiwrap sh -c 'rm -f /run/fcgiwrap/socket; exec setpriv --reuid www-data --regid www-data --init-groups /usr/sbin/fcgiwrap -s unix:/run/fcgiwrap/socket' &
        supervise nginx /usr/sbin/nginx -g 'daemon off;' &

        if [ ! -e /etc/corral-site ]; then
        	tries=0
        	until mariadb-admin ping >/dev/null 2>&1; do
        		tries=$((tries + 1))
        		if [ "$tries" -gt 600 ]; then
        			log "MariaDB did not answer in 60 s"
        			break
        		fi
        		sleep 0.1
        	done
        	if mariadb -e "CREATE DATABASE IF NOT EXISTS site;
        		CREATE TABLE IF NOT EXISTS site.page (id INT PRIMARY KEY, greeting TEXT);
        		INSERT IGNORE INTO site.page VALUES (1, 'hello from $site');
        		CREATE USER IF NOT EXISTS 'www-data'@'localhost' IDENTIFIED VIA unix_socket;
        		GRANT SELECT ON site.* TO 'www-data'@'localhost';"; then
        		echo "$site" >/etc/corral-site
        	fi
        fi
        log "$site: MariaDB, sshd, fcgiwrap and nginx started"
        while :; do wait; done
        """#
}
