// SocketAddress: an IPv4 or IPv6 address with a port, parsed from numeric text with inet_pton(3).
// No name is ever resolved (no DNS, no /etc/hosts), except that `localhost` means 127.0.0.1.

#if canImport(Glibc)
import Glibc
#endif

/// An IP address and a TCP port, as a plain value.
public struct SocketAddress: Sendable, Hashable, CustomStringConvertible {
    /// The address in network byte order: 4 bytes for IPv4, 16 for IPv6.
    public let bytes: [UInt8]
    public let port: UInt16

    public var isIPv6: Bool { bytes.count == 16 }

    /// Parses `127.0.0.1`, `0.0.0.0`, `::1`, `[::1]` or `localhost`; nil for anything else.
    public init?(host: String, port: UInt16) {
        var text = host == "localhost" ? "127.0.0.1" : host
        if text.hasPrefix("[") && text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            bytes = withUnsafeBytes(of: &v6) { Array($0) }
        } else {
            return nil
        }
        self.port = port
    }

    init(bytes: [UInt8], port: UInt16) {
        self.bytes = bytes
        self.port = port
    }

    /// The same address with another port (the one the kernel picked for port 0).
    public func with(port: UInt16) -> SocketAddress {
        SocketAddress(bytes: bytes, port: port)
    }

    /// The address as inet_ntop(3) writes it: `127.0.0.1`, `::1`.
    public var host: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        var bytes = bytes
        let family = isIPv6 ? AF_INET6 : AF_INET
        guard inet_ntop(family, &bytes, &buffer, socklen_t(buffer.count)) != nil else { return "?" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `host:port`, with IPv6 hosts in brackets as URLs write them: `127.0.0.1:8080`, `[::1]:8080`.
    public var description: String {
        (isIPv6 ? "[" + host + "]" : host) + ":" + String(port)
    }

    /// 127.0.0.0/8 or ::1.
    public var isLoopback: Bool {
        isIPv6 ? bytes == [UInt8](repeating: 0, count: 15) + [1] : bytes[0] == 127
    }

    /// 0.0.0.0 or ::, which listen on every interface.
    public var isWildcard: Bool { bytes.allSatisfy { $0 == 0 } }

    /// Calls `body` with the address as a `sockaddr_in` or `sockaddr_in6`.
    func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        if isIPv6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = port.bigEndian
            withUnsafeMutableBytes(of: &address.sin6_addr) { $0.copyBytes(from: bytes) }
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        withUnsafeMutableBytes(of: &address.sin_addr) { $0.copyBytes(from: bytes) }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }

    /// Reads back what getsockname(2) or accept(2) filled in.
    init?(_ storage: sockaddr_storage) {
        var storage = storage
        switch CInt(storage.ss_family) {
        case AF_INET:
            let address = withUnsafeBytes(of: &storage) { $0.loadUnaligned(as: sockaddr_in.self) }
            var raw = address.sin_addr
            self.init(bytes: withUnsafeBytes(of: &raw) { Array($0) }, port: UInt16(bigEndian: address.sin_port))
        case AF_INET6:
            let address = withUnsafeBytes(of: &storage) { $0.loadUnaligned(as: sockaddr_in6.self) }
            var raw = address.sin6_addr
            self.init(bytes: withUnsafeBytes(of: &raw) { Array($0) }, port: UInt16(bigEndian: address.sin6_port))
        default:
            return nil
        }
    }
}
