// The JSON API and /metrics of the real `queuectl dashboard` over a spool made by the real binary:
// status equal to `status --json`, listings, one job with its output, retry with its CSRF refusal
// (nothing changes), 404 and 409, the Prometheus text format line by line, and the groups with
// their limits, pauses, running and pending jobs in both.

import Foundation
import QueueSystem
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized) struct DashboardAPITests {
    @Test func statusAndListingsMatchTheCommandLine() async throws {
        let spool = try await makeKnownSpool()
        defer { spool.cleanup() }
        let dashboard = try await spool.startDashboard()
        let port = dashboard.port
        #expect(dashboard.output.contains("Serving http://127.0.0.1:\(port)/ (spool \(spool.path)); Ctrl-C stops."))

        let status = try request(port, "GET", "/api/status")
        #expect(status.status == 200)
        #expect(status.header("Content-Type") == "application/json")
        #expect(status.header("Content-Length") == String(status.body.utf8.count))
        let object = try #require(status.json as? [String: Any])
        let jobs = try #require(object["jobs"] as? [String: Int])
        #expect(jobs == ["pending": 2, "processing": 0, "failed": 1, "completed": 2, "dead": 2])
        #expect(object["workers"] is [Any])
        let cli = try await spool.status()
        #expect(Set(object.keys) == Set(cli.keys))
        #expect(cli["jobs"] as? [String: Int] == jobs)

        let dead = try #require(try request(port, "GET", "/api/jobs?state=dead").json as? [[String: Any]])
        #expect(Set(dead.compactMap { $0["id"] as? String }) == ["broken", "hostile"])
        #expect(dead.allSatisfy { $0["state"] as? String == "dead" })
        let pending = try #require(try request(port, "GET", "/api/jobs?state=pending&limit=1").json as? [[String: Any]])
        #expect(pending.map { $0["id"] as? String } == ["waiting"])
        let all = try #require(try request(port, "GET", "/api/jobs").json as? [[String: Any]])
        #expect(all.count == 7)

        let badState = try request(port, "GET", "/api/jobs?state=zombie")
        #expect(badState.status == 400)
        #expect((badState.json as? [String: Any])?["error"] as? String != nil)
        #expect(try request(port, "GET", "/api/jobs?state=dead&limit=lots").status == 400)
        #expect(try request(port, "GET", "/api/jobs?limit=-1").status == 400)

        let job = try request(port, "GET", "/api/jobs/ok")
        #expect(job.status == 200)
        let record = try #require(job.json as? [String: Any])
        #expect(record["id"] as? String == "ok")
        #expect(record["state"] as? String == "completed")
        #expect((record["output_tail"] as? String)?.contains("hi\n") == true, "\(record)")
        let shown = try await spool.show("ok")
        #expect(Set(record.keys).subtracting(["output_tail"]) == Set(shown.keys))

        let unknown = try request(port, "GET", "/api/jobs/no-such-job")
        #expect(unknown.status == 404)
        #expect((unknown.json as? [String: Any])?["error"] as? String == "No job with id 'no-such-job'.")
        #expect(try request(port, "GET", "/api/jobs/%2E%2E%2Fetc").status == 404)
    }

    @Test func retryRefusesOtherOriginsAndMovesDeadJobsBack() async throws {
        let spool = try await makeKnownSpool()
        defer { spool.cleanup() }
        let dashboard = try await spool.startDashboard()
        let port = dashboard.port
        let own = "Origin: \(dashboard.origin)"

        // Refused, and the job stays dead: no Origin, another site's, a rebinding DNS name.
        let refusals: [[String]] = [
            [],
            ["Origin: http://evil.example"],
            ["Origin: null"],
            ["Origin: https://127.0.0.1:\(port)"],
            ["Referer: http://evil.example/page"],
        ]
        for headers in refusals {
            let response = try request(port, "POST", "/api/jobs/broken/retry", headers: headers)
            #expect(response.status == 403, "\(headers): \(response)")
        }
        let rebound = try exchange(port, "POST /api/jobs/broken/retry HTTP/1.1\r\nHost: evil.example:\(port)\r\nOrigin: http://evil.example:\(port)\r\n\r\n")
        #expect(rebound.status == 403)
        #expect(try await spool.show("broken")["state"] as? String == "dead")
        #expect(try await spool.counts()["dead"] == 2)

        let retried = try request(port, "POST", "/api/jobs/broken/retry", headers: [own])
        #expect(retried.status == 200, "\(retried)")
        #expect((retried.json as? [String: Any])?["state"] as? String == "pending")
        let record = try await spool.show("broken")
        #expect(record["state"] as? String == "pending")
        #expect(record["attempts"] as? Int == 0)

        let again = try request(port, "POST", "/api/jobs/broken/retry", headers: [own])
        #expect(again.status == 409, "\(again)")
        #expect(try request(port, "POST", "/api/jobs/no-such-job/retry", headers: [own]).status == 404)
        // A Referer from the dashboard's own page is enough when there is no Origin.
        let byReferer = try request(port, "POST", "/api/jobs/hostile/retry", headers: ["Referer: \(dashboard.origin)/#job=hostile"])
        #expect(byReferer.status == 200, "\(byReferer)")
        #expect(try await spool.show("hostile")["state"] as? String == "pending")
    }

    @Test func metricsAreInThePrometheusTextFormat() async throws {
        let spool = try await makeKnownSpool()
        defer { spool.cleanup() }
        let dashboard = try await spool.startDashboard()
        let response = try request(dashboard.port, "GET", "/metrics")
        #expect(response.status == 200)
        #expect(response.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
        let lines = response.body.split(separator: "\n").map(String.init)
        for expected in [
            "# TYPE queuectl_jobs gauge", #"queuectl_jobs{state="pending"} 2"#, #"queuectl_jobs{state="processing"} 0"#,
            #"queuectl_jobs{state="failed"} 1"#, #"queuectl_jobs{state="completed"} 2"#, #"queuectl_jobs{state="dead"} 2"#,
            "# TYPE queuectl_workers gauge", "queuectl_workers 0",
            "# TYPE queuectl_jobs_completed_total counter", "queuectl_jobs_completed_total 2",
            "# TYPE queuectl_job_attempts_failed_total counter", "queuectl_job_attempts_failed_total 3",
            "# TYPE queuectl_jobs_dead_total counter", "queuectl_jobs_dead_total 2",
            "# TYPE queuectl_job_duration_seconds histogram", "queuectl_job_duration_seconds_count 5",
        ] {
            #expect(lines.contains(expected), "missing '\(expected)' in:\n\(response.body)")
        }
        // Every sample's family has HELP and TYPE; every line is a comment or `name{labels} number`.
        let sample = try Regex(#"^([a-z_]+)(\{[a-z]+="[^"]*"\})? (-?[0-9.e+]+|\+Inf)$"#)
        for line in lines where !line.hasPrefix("#") {
            let match = try #require(try sample.wholeMatch(in: line), "not a sample line: \(line)")
            let name = String(match.output[1].substring!)
            let family = ["_bucket", "_sum", "_count"].reduce(name) { $0.hasSuffix($1) && $0.hasPrefix("queuectl_job_duration") ? String($0.dropLast($1.count)) : $0 }
            #expect(lines.contains { $0.hasPrefix("# HELP \(family) ") }, "no HELP for \(family)")
            #expect(lines.contains { $0.hasPrefix("# TYPE \(family) ") }, "no TYPE for \(family)")
        }
        // Buckets are cumulative, end with +Inf, and +Inf equals _count.
        let buckets = lines.filter { $0.hasPrefix("queuectl_job_duration_seconds_bucket") }
        let counts = buckets.compactMap { Int($0.split(separator: " ").last!) }
        #expect(counts == counts.sorted())
        #expect(buckets.last?.hasPrefix(#"queuectl_job_duration_seconds_bucket{le="+Inf"}"#) == true)
        #expect(counts.last == 5)
    }

    @Test func groupsAreInTheStatusAndTheMetrics() async throws {
        let spool = try DashboardSpool()
        defer { spool.cleanup() }
        for arguments in [["group", "set", "deploy", "--limit", "1"], ["group", "pause", "build"],
                          ["enqueue", "--group", "deploy", "--id", "long", "--command", "exec sleep 60"],
                          ["enqueue", "--group", "deploy", "--id", "next", "--command", "true"],
                          ["enqueue", "--group", "build", "--id", "b0", "--command", "true"],
                          ["enqueue", "--id", "plain", "--command", "true", "--delay", "1h"]] {
            let outcome = try await spool.q(arguments)
            #expect(outcome.status == 0, "\(arguments): \(outcome)")
        }
        let worker = try spool.start(Binary.path, ["--spool", spool.path, "worker", "start", "--group", "deploy"])
        defer { worker.signal(.terminate) }
        try await waitUntil(timeout: 20, "the long deploy job runs") { try await spool.counts()["processing"] == 1 }
        let dashboard = try await spool.startDashboard()

        let status = try #require(try request(dashboard.port, "GET", "/api/status").json as? [String: Any])
        let groups = try #require(status["groups"] as? [[String: Any]])
        let shown = groups.map { group in
            let limit = (group["limit"] as? Int).map(String.init) ?? (group["limit"] is NSNull ? "none" : "missing")
            return "\(group["name"] as? String ?? "?") limit \(limit) paused \(group["paused"] as? Bool ?? false) "
                + "running \(group["running"] as? Int ?? -1) pending \(group["pending"] as? Int ?? -1)"
        }
        #expect(shown == ["build limit none paused true running 0 pending 1", "default limit none paused false running 0 pending 1",
                          "deploy limit 1 paused false running 1 pending 1"], "\(groups)")
        let cli = try #require(try await spool.status()["groups"] as? [[String: Any]])
        #expect(NSArray(array: cli).isEqual(to: groups), "/api/status and status --json agree")

        let lines = try request(dashboard.port, "GET", "/metrics").body.split(separator: "\n").map(String.init)
        for expected in [
            "# TYPE queuectl_group_pending_jobs gauge",
            #"queuectl_group_pending_jobs{group="build"} 1"#, #"queuectl_group_pending_jobs{group="default"} 1"#,
            #"queuectl_group_pending_jobs{group="deploy"} 1"#,
            #"queuectl_group_running_jobs{group="deploy"} 1"#, #"queuectl_group_running_jobs{group="build"} 0"#,
            #"queuectl_group_limit{group="deploy"} 1"#,
            #"queuectl_group_paused{group="build"} 1"#, #"queuectl_group_paused{group="deploy"} 0"#,
        ] {
            #expect(lines.contains(expected), "missing '\(expected)' in:\n\(lines.joined(separator: "\n"))")
        }
    }

    @Test func pageIsOneSelfContainedDocument() async throws {
        let spool = try DashboardSpool()
        defer { spool.cleanup() }
        let dashboard = try await spool.startDashboard()
        let page = try request(dashboard.port, "GET", "/")
        #expect(page.status == 200)
        #expect(page.header("Content-Type") == "text/html; charset=utf-8")
        #expect(page.header("Content-Length") == String(page.body.utf8.count))
        let policy = try #require(page.header("Content-Security-Policy"))
        #expect(policy.contains("default-src 'none'") && policy.contains("script-src 'nonce-"))
        #expect(page.header("X-Frame-Options") == "DENY")
        #expect(page.body.hasPrefix("<!doctype html>"))
        #expect(!page.body.contains("{{"), "a placeholder was left in the page")
        for outside in ["src=\"http", "href=\"http", "url(http", "@import", "<script src", "rel=\"stylesheet\""] {
            #expect(!page.body.contains(outside), "the page must load nothing from elsewhere: found \(outside)")
        }
        let nonce = try #require(policy.firstMatch(of: /nonce-([0-9a-f]+)/)?.output.1)
        #expect(page.body.contains("<script nonce=\"\(nonce)\">"))
        #expect(try request(dashboard.port, "GET", "/").header("Content-Security-Policy") != policy, "the nonce is fresh per response")

        let head = try request(dashboard.port, "HEAD", "/api/status")
        #expect(head.status == 200 && head.body.isEmpty && Int(head.header("Content-Length") ?? "") ?? 0 > 0)
    }
}
