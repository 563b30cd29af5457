// CrashPoint: test-only fault injection. When QUEUECTL_CRASH_AT names a point, the process
// aborts there, so tests can prove that a restart or `doctor --fix` converges.

#if canImport(Glibc)
import Glibc
#endif

enum CrashPoint {
    private static let target: String? = CurrentProcess.environmentValue("QUEUECTL_CRASH_AT")

    /// Dies with SIGKILL (no cleanup, like a power cut for this process) when `point` is the target.
    static func check(_ point: String) {
        guard let target, target == point else { return }
        kill(getpid(), SIGKILL)
    }
}
