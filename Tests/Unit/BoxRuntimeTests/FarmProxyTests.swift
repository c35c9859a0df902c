import BoxRuntime
import Testing

@Suite("The farm's proxy configuration")
struct FarmProxyTests {
    @Test("one server a site, by host name, to its box's address; unknown names 404; a silent box 502 after 500 ms")
    func routes() throws {
        let config = FarmProxy.config([
            FarmProxy.Route(host: "site2.farm.test", address: "10.88.0.4"), FarmProxy.Route(host: "site1.farm.test", address: "10.88.0.3"),
        ])
        #expect(config.contains("upstream site0 {\n        server 10.88.0.3:80;"), "\(config)")
        #expect(config.contains("upstream site1 {\n        server 10.88.0.4:80;"), "\(config)")
        #expect(config.contains("server_name site1.farm.test;\n") && config.contains("proxy_pass http://site0;"))
        #expect(config.contains("server_name site2.farm.test;\n") && config.contains("proxy_pass http://site1;"))
        let first = try #require(config.range(of: "site1.farm.test"))
        let second = try #require(config.range(of: "site2.farm.test"))
        #expect(first.lowerBound < second.lowerBound, "sites in a stable order")
        #expect(config.contains("listen 80 default_server;") && config.contains("return 404"))
        #expect(config.contains("proxy_connect_timeout 500ms;") && config.contains("error_page 504 =502 @down;"))
        #expect(config.contains("pid \(FarmProxy.pidPath);"))
    }

    @Test("a farm with no sites still answers, with 404")
    func empty() {
        let config = FarmProxy.config([])
        #expect(!config.contains("server_name"))
        #expect(config.hasSuffix("}\n"))
    }
}
