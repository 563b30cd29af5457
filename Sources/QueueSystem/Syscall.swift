// The one place that turns a libc return value into a typed result.
// EINTR is retried here and only here, and never for close(2).

#if canImport(Glibc)
import Glibc
#endif

/// Calls `body` until it stops failing with EINTR; returns its value or throws the errno.
@inline(__always)
func valueOrErrno<T: FixedWidthInteger>(
    _ call: String, _ paths: [String] = [], retryOnInterrupt: Bool = true, _ body: () -> T
) throws(SystemError) -> T {
    while true {
        let result = body()
        if result != -1 { return result }
        let error = Errno.current
        if retryOnInterrupt && error == .interrupted { continue }
        throw SystemError(call, paths, error)
    }
}

// GNU extensions that Glibc's module map does not export; the C ABI matches for these types.
@_silgen_name("renameat2")
func system_renameat2(_ olddirfd: CInt, _ oldpath: UnsafePointer<CChar>, _ newdirfd: CInt,
                      _ newpath: UnsafePointer<CChar>, _ flags: CUnsignedInt) -> CInt
@_silgen_name("syncfs")
func system_syncfs(_ fd: CInt) -> CInt
@_silgen_name("posix_spawn_file_actions_addchdir_np")
func system_posix_spawn_file_actions_addchdir_np(
    _ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ path: UnsafePointer<CChar>) -> CInt
@_silgen_name("posix_spawn_file_actions_addclosefrom_np")
func system_posix_spawn_file_actions_addclosefrom_np(
    _ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ from: CInt) -> CInt
@_silgen_name("statfs")
func system_statfs(_ path: UnsafePointer<CChar>, _ buffer: UnsafeMutableRawPointer) -> CInt
@_silgen_name("pipe2")
func system_pipe2(_ fds: UnsafeMutablePointer<CInt>, _ flags: CInt) -> CInt
@_silgen_name("accept4")
func system_accept4(_ fd: CInt, _ address: UnsafeMutablePointer<sockaddr>?, _ length: UnsafeMutablePointer<socklen_t>?,
                    _ flags: CInt) -> CInt
