// What this process knows about itself: pid, host name, user, working directory, environment.

#if canImport(Glibc)
import Glibc
#endif

/// Facts about the running process, read from the kernel and libc.
public enum CurrentProcess {
    public static var pid: pid_t { getpid() }
    public static var userID: uid_t { getuid() }

    /// The host name as gethostname(2) reports it (per UTS namespace).
    public static var hostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return String(cString: buffer)
    }

    /// The indexes (from 1, the program's name being 0) of the command-line arguments whose bytes
    /// are not valid UTF-8. Swift's `CommandLine.arguments` replaces such bytes with U+FFFD, so
    /// only the raw argv can tell.
    public static var argumentsNotUTF8: [Int] {
        var found: [Int] = []
        for index in 1..<Int(CommandLine.argc) {
            guard let pointer = CommandLine.unsafeArgv[index] else { continue }
            let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self), count: strlen(pointer))
            if String(validating: bytes, as: UTF8.self) == nil { found.append(index) }
        }
        return found
    }

    public static var workingDirectory: String? {
        guard let pointer = getcwd(nil, 0) else { return nil }
        defer { free(pointer) }
        return String(cString: pointer)
    }

    public static func environmentValue(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        return String(cString: value)
    }

    /// The environment as "NAME=value" strings.
    public static var environment: [String] {
        var result: [String] = []
        var pointer = environ
        while let entry = pointer.pointee {
            result.append(String(cString: entry))
            pointer += 1
        }
        return result
    }

    /// The path of this executable, for starting more workers of the same binary.
    public static var executablePath: String {
        (try? FileSystem.readLink("/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// The processors online now (sysconf _SC_NPROCESSORS_ONLN); at least 1.
    public static var onlineProcessorCount: Int {
        max(1, sysconf(CInt(_SC_NPROCESSORS_ONLN)))
    }

    public static func isTerminal(_ descriptor: FileDescriptor) -> Bool {
        isatty(descriptor.rawValue) == 1
    }

    /// Ends the process with `status`, flushing stdio as exit(3) does.
    public static func exit(_ status: Int32) -> Never {
        Glibc.exit(status)
    }
}
