// DashboardPage: GET / — the one self-contained page (dashboard.html, compiled into the binary).
// Each response gets a fresh CSP nonce: only the page's own <script> and <style> run, so markup
// that slipped into the page could not execute. Job data never passes through here: the page's
// script fetches it as JSON and renders it with textContent.

/// The page, with the spool path filled in.
struct DashboardPage: Sendable {
    let spoolPath: String

    static let template = String(decoding: PackageResources.dashboard_html, as: UTF8.self)

    func response() -> HTTPResponse {
        let nonce = String(UInt64.random(in: .min ... .max), radix: 16) + String(UInt64.random(in: .min ... .max), radix: 16)
        let html = DashboardPage.template
            .replacing("{{nonce}}", with: nonce)
            .replacing("{{spool}}", with: DashboardPage.escapeHTML(spoolPath))
        let policy = [
            "default-src 'none'", "script-src 'nonce-\(nonce)'", "style-src 'nonce-\(nonce)'",
            "connect-src 'self'", "img-src data:", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
        ].joined(separator: "; ")
        return HTTPResponse(status: .ok, headers: [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Security-Policy", policy),
            ("X-Frame-Options", "DENY"),
        ], body: Array(html.utf8))
    }

    /// Escapes text for an HTML element or a quoted attribute.
    static func escapeHTML(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }
}
