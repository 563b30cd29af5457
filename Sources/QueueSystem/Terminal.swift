// Terminal: raw keyboard input for full-screen views (termios), restored exactly as found.

#if canImport(Glibc)
import Glibc
#endif

/// A terminal switched to non-canonical, no-echo input; `restore()` puts it back.
public struct RawTerminal: Sendable {
    private let descriptor: FileDescriptor
    private let saved: termios

    /// Switches `descriptor` (a terminal) to read single keys without echo.
    public init(_ descriptor: FileDescriptor) throws(SystemError) {
        var settings = termios()
        _ = try valueOrErrno("tcgetattr") { tcgetattr(descriptor.rawValue, &settings) }
        self.descriptor = descriptor
        saved = settings
        settings.c_lflag &= ~tcflag_t(ICANON | ECHO)
        _ = try valueOrErrno("tcsetattr") { tcsetattr(descriptor.rawValue, TCSANOW, &settings) }
    }

    public func restore() {
        var settings = saved
        _ = tcsetattr(descriptor.rawValue, TCSANOW, &settings)
    }

    /// The keys typed since the last call (non-blocking after a poll said there is input).
    public func readKeys() -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = (try? descriptor.read(into: &buffer)) ?? 0
        return Array(buffer[0..<count])
    }
}

extension CurrentProcess {
    /// The width in columns of the terminal on `descriptor`; nil when it is not a terminal.
    public static func terminalColumns(_ descriptor: FileDescriptor) -> Int? {
        var size = winsize()
        guard ioctl(descriptor.rawValue, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }
}
