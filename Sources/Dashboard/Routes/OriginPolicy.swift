// OriginPolicy: which requests the dashboard trusts. Every request must name, in its Host header,
// a host this server answers to (localhost, an IP address or the --host name): a page on another
// site that rebinds its DNS name to 127.0.0.1 is refused. A POST must also come from the
// dashboard's own page: its Origin (or, without one, its Referer) must be http://<the Host header>.

import QueueCore
import QueueSystem

/// The Host and Origin checks that keep other web pages from reading or changing the queue.
struct OriginPolicy: Sendable {
    /// The host the server was asked to listen on, as given (`127.0.0.1`, `0.0.0.0`, a name).
    let listenHost: String

    /// True when the Host header names localhost, an IP address or the listening host.
    func acceptsHost(_ header: String?) -> Bool {
        guard let header, let name = OriginPolicy.hostName(ofAuthority: header) else { return false }
        return name == "localhost" || name == listenHost.lowercased() || SocketAddress(host: name, port: 0) != nil
    }

    /// True when the request says it comes from a page served under its own Host.
    func acceptsMutation(_ request: HTTPRequest) -> Bool {
        guard let host = request.headers["host"]?.lowercased(), acceptsHost(host) else { return false }
        if let origin = request.headers["origin"] {
            return origin.lowercased() == "http://" + host
        }
        if let referer = request.headers["referer"]?.lowercased(), referer.hasPrefix("http://") {
            let authority = referer.dropFirst("http://".count).prefix { $0 != "/" && $0 != "?" && $0 != "#" }
            return authority == host
        }
        return false
    }

    /// `Localhost:8080` → `localhost`, `[::1]:8080` → `::1`; nil when malformed.
    static func hostName(ofAuthority authority: String) -> String? {
        let text = authority.lowercased()
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            let rest = text[text.index(after: close)...]
            guard rest.isEmpty || (rest.first == ":" && rest.dropFirst().allSatisfy(\.isNumber)) else { return nil }
            return String(text[text.index(after: text.startIndex)..<close])
        }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2, !parts[0].isEmpty, parts.count == 1 || parts[1].allSatisfy(\.isNumber) else { return nil }
        return String(parts[0])
    }
}
