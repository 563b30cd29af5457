// DashboardRoutes: the dashboard's URL space. Each path has its methods; a known path with another
// method is 405 (with Allow), an unknown path 404. HEAD is answered as GET without a body.
// Every request must pass the Host check, every POST the Origin check (403 otherwise).

import QueueCore

/// Maps a request to the page, the API or the metrics.
struct DashboardRoutes: Sendable {
    let spool: Spool
    let policy: OriginPolicy
    let page: DashboardPage
    /// Shared by every poll of the page, the API and /metrics.
    let groupCache = PendingGroupCache()
    var api: JobsAPI { JobsAPI(spool: spool, groupCache: groupCache) }

    func respond(to request: HTTPRequest) throws -> HTTPResponse {
        guard policy.acceptsHost(request.headers["host"]) else {
            return .text("Forbidden: the Host header must name localhost, an IP address or the --host given to the dashboard.",
                         status: .forbidden)
        }
        let method = request.method == "HEAD" ? "GET" : request.method
        let segments = request.pathSegments
        switch (segments.first, segments.count) {
        case (nil, _):
            guard method == "GET" else { return notAllowed("GET, HEAD") }
            return page.response()
        case ("metrics", 1):
            guard method == "GET" else { return notAllowed("GET, HEAD") }
            return .text(PrometheusText.render(spool.status(groupCache: groupCache)), contentType: PrometheusText.contentType)
        case ("api", _):
            return try respondToAPI(request, method: method, path: Array(segments.dropFirst()))
        default:
            return .text("Not found: \(request.target)", status: .notFound)
        }
    }

    private func respondToAPI(_ request: HTTPRequest, method: String, path: [String]) throws -> HTTPResponse {
        switch path.count {
        case 1 where path[0] == "status":
            guard method == "GET" else { return notAllowed("GET, HEAD") }
            return api.status()
        case 1 where path[0] == "jobs":
            guard method == "GET" else { return notAllowed("GET, HEAD") }
            return api.jobs(request.query)
        case 2 where path[0] == "jobs":
            guard method == "GET" else { return notAllowed("GET, HEAD") }
            return try api.job(path[1])
        case 3 where path[0] == "jobs" && path[2] == "retry":
            guard method == "POST" else { return notAllowed("POST") }
            guard policy.acceptsMutation(request) else {
                return .jsonError(.forbidden, "Cross-origin request refused: a POST needs an Origin header equal to http://<Host> (curl: -H 'Origin: http://HOST:PORT').")
            }
            return try api.retry(path[1])
        default:
            return .jsonError(.notFound, "Not found: \(request.target)")
        }
    }

    private func notAllowed(_ allowed: String) -> HTTPResponse {
        var response = HTTPResponse.text("Method not allowed; use \(allowed).", status: .methodNotAllowed)
        response.headers.append(("Allow", allowed))
        return response
    }
}
