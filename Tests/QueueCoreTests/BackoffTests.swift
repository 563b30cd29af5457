// Backoff: base ^ attempts seconds, capped; retries while attempts <= max_retries.

import Testing
@testable import QueueCore

@Suite struct BackoffTests {
    @Test func delayGrowsAsBaseToTheAttempts() {
        let backoff = Backoff(base: 2, maximum: 3600)
        #expect(backoff.delay(afterAttempt: 1) == 2)
        #expect(backoff.delay(afterAttempt: 2) == 4)
        #expect(backoff.delay(afterAttempt: 3) == 8)
    }

    @Test func delayIsCapped() {
        #expect(Backoff(base: 10, maximum: 60).delay(afterAttempt: 5) == 60)
        #expect(Backoff(base: 2, maximum: 3600).delay(afterAttempt: 10_000) == 3600)
    }

    @Test func retriesLastWhileAttemptsDoNotExceedMaxRetries() {
        #expect(Backoff.hasRetriesLeft(attempts: 1, maxRetries: 0) == false)
        #expect(Backoff.hasRetriesLeft(attempts: 3, maxRetries: 3))
        #expect(Backoff.hasRetriesLeft(attempts: 4, maxRetries: 3) == false)
    }
}
