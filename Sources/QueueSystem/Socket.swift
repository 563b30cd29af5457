// Socket: a TCP socket as a plain value: listen (SO_REUSEADDR before bind), accept, receive, send.
// Every socket is non-blocking and close-on-exec; "would block" is nil, never an error; send uses
// MSG_NOSIGNAL, so a peer that went away is an EPIPE error, never a SIGPIPE.

#if canImport(Glibc)
import Glibc
#endif

/// A TCP socket: a listening one or an accepted connection. The owner closes it.
public struct Socket: Sendable, Hashable {
    public let descriptor: FileDescriptor

    /// A non-blocking socket listening on `address` (port 0 lets the kernel pick a free one).
    public static func listen(on address: SocketAddress, backlog: CInt = 128) throws(SystemError) -> Socket {
        let family = address.isIPv6 ? AF_INET6 : AF_INET
        let type = CInt(SOCK_STREAM.rawValue) | CInt(SOCK_NONBLOCK.rawValue) | CInt(SOCK_CLOEXEC.rawValue)
        let fd = try valueOrErrno("socket") { Glibc.socket(family, type, 0) }
        let listener = Socket(descriptor: FileDescriptor(rawValue: fd))
        do throws(SystemError) {
            try listener.setOption(SO_REUSEADDR, name: "SO_REUSEADDR")
            if address.isIPv6 {
                try listener.setOption(IPV6_V6ONLY, level: CInt(IPPROTO_IPV6), name: "IPV6_V6ONLY")
            }
            let label = [address.description]
            _ = try valueOrErrno("bind", label) { address.withSockaddr { bind(fd, $0, $1) } }
            _ = try valueOrErrno("listen", label) { Glibc.listen(fd, backlog) }
        } catch {
            listener.close()
            throw error
        }
        return listener
    }

    private func setOption(_ option: CInt, level: CInt = SOL_SOCKET, name: String) throws(SystemError) {
        var on: CInt = 1
        _ = try valueOrErrno("setsockopt", [name]) {
            setsockopt(descriptor.rawValue, level, option, &on, socklen_t(MemoryLayout<CInt>.size))
        }
    }

    /// The address the socket is bound to (with the real port after binding port 0).
    public func localAddress() throws(SystemError) -> SocketAddress {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = try valueOrErrno("getsockname") {
            withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor.rawValue, $0, &length) }
            }
        }
        guard let address = SocketAddress(storage) else { throw SystemError("getsockname", [], .invalidArgument) }
        return address
    }

    /// The next waiting connection, non-blocking and close-on-exec; nil when none is waiting.
    public func accept() throws(SystemError) -> Socket? {
        do throws(SystemError) {
            let fd = try valueOrErrno("accept") {
                system_accept4(descriptor.rawValue, nil, nil, CInt(SOCK_NONBLOCK.rawValue) | CInt(SOCK_CLOEXEC.rawValue))
            }
            return Socket(descriptor: FileDescriptor(rawValue: fd))
        } catch where error.errno == .wouldBlock {
            return nil
        }
    }

    /// Reads what has arrived into `buffer`: the count, 0 when the peer closed its side,
    /// nil when nothing is there yet.
    public func receive(into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> Int? {
        do throws(SystemError) {
            return try valueOrErrno("recv") { recv(descriptor.rawValue, buffer.baseAddress, buffer.count, 0) }
        } catch where error.errno == .wouldBlock {
            return nil
        }
    }

    /// Sends as much of `bytes` as the socket takes now: the count, or nil when it takes nothing.
    public func send(_ bytes: UnsafeRawBufferPointer) throws(SystemError) -> Int? {
        do throws(SystemError) {
            return try valueOrErrno("send") {
                Glibc.send(descriptor.rawValue, bytes.baseAddress, bytes.count, CInt(MSG_NOSIGNAL))
            }
        } catch where error.errno == .wouldBlock {
            return nil
        }
    }

    /// Connects to `address`, blocking until connected (for clients and tests).
    public static func connect(to address: SocketAddress) throws(SystemError) -> Socket {
        let family = address.isIPv6 ? AF_INET6 : AF_INET
        let type = CInt(SOCK_STREAM.rawValue) | CInt(SOCK_CLOEXEC.rawValue)
        let fd = try valueOrErrno("socket") { Glibc.socket(family, type, 0) }
        let connection = Socket(descriptor: FileDescriptor(rawValue: fd))
        do throws(SystemError) {
            _ = try valueOrErrno("connect", [address.description]) { address.withSockaddr { Glibc.connect(fd, $0, $1) } }
        } catch {
            connection.close()
            throw error
        }
        return connection
    }

    /// Ends the sending side: the peer reads end-of-file after the bytes already sent.
    public func shutdownSending() {
        _ = shutdown(descriptor.rawValue, CInt(SHUT_WR))
    }

    public func close() {
        descriptor.close()
    }
}
