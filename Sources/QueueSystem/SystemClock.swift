// SystemClock: the real-time and monotonic clocks, and a sleep that an interrupting signal cannot cut short.
// Wall-clock time is for records and file names; monotonic time for intervals and deadlines.

#if canImport(Glibc)
import Glibc
#endif

/// clock_gettime(2) and nanosleep(2).
public enum SystemClock {
    /// Microseconds since 1970-01-01T00:00:00Z from CLOCK_REALTIME.
    public static var realtimeMicroseconds: Int64 { read(CLOCK_REALTIME) / 1000 }

    /// Microseconds of CLOCK_MONOTONIC: for measuring intervals that wall-clock jumps must not bend.
    public static var monotonicMicroseconds: Int64 { read(CLOCK_MONOTONIC) / 1000 }

    /// Nanoseconds of CLOCK_MONOTONIC: for intervals shorter than a few microseconds (benchmarks).
    public static var monotonicNanoseconds: Int64 { read(CLOCK_MONOTONIC) }

    /// Nanoseconds of `clock`.
    private static func read(_ clock: clockid_t) -> Int64 {
        var time = timespec()
        clock_gettime(clock, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }

    /// Sleeps the whole time even when signals arrive (each EINTR resumes with what remains).
    public static func sleep(milliseconds: Int) {
        var request = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
        var remaining = timespec()
        while nanosleep(&request, &remaining) == -1 && errno == EINTR { request = remaining }
    }
}
