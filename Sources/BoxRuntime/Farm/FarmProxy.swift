/// The reverse proxy's nginx configuration: one server a site, routed by
/// host name to the site's box; an unknown name gets 404, a site whose box
/// does not answer gets 502 within half a second (a stopped box's address
/// answers no ARP, so the connect is given up on, not waited out).
public enum FarmProxy {
    public struct Route: Sendable, Equatable {
        public var host: String
        public var address: String

        public init(host: String, address: String) {
            self.host = host
            self.address = address
        }
    }

    /// Where the proxy box reads it, and the pid file its nginx writes.
    public static let configPath = "/etc/nginx/farm.conf"
    public static let pidPath = "/run/nginx-farm.pid"

    /// The proxy box's command: nginx on the farm's configuration, once the
    /// farm has written it (or from the box's CORRAL_FARM_CONF).
    public static let command = WebImage.proxyCommand

    public static func config(_ routes: [Route]) -> String {
        var text = """
            # Written by corral farm; rewritten and reloaded at every change.
            worker_processes auto;
            pid \(pidPath);
            error_log stderr warn;
            events { worker_connections 4096; }
            http {
                access_log off;
                proxy_connect_timeout 500ms;
                proxy_http_version 1.1;
                proxy_set_header Connection "";
                proxy_set_header Host $host;
                proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                server {
                    listen 80 default_server;
                    return 404 "no site is called $host here\n";
                }

            """
        for (index, route) in routes.sorted(by: { $0.host < $1.host }).enumerated() {
            // Kept-alive connections to each site: a request does not pay for a connect.
            text += """
                    upstream site\(index) {
                        server \(route.address):80;
                        keepalive 16;
                    }
                    server {
                        listen 80;
                        server_name \(route.host);
                        location / {
                            proxy_pass http://site\(index);
                            error_page 504 =502 @down;
                        }
                        location @down { return 502 "\(route.host) does not answer\n"; }
                    }

                """
        }
        return text + "}\n"
    }
}
