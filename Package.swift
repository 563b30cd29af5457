// swift-tools-version:6.0
// queuectl: a job queue for the command line in which the queue is a directory.
// No package dependencies: the Swift toolchain only.
import PackageDescription

let package = Package(
    name: "queuectl",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "queuectl", targets: ["queuectl"]),
        .library(name: "QueueCore", targets: ["QueueCore"]),
    ],
    targets: [
        // The only code that calls libc: typed system calls, errors with named cases.
        .target(name: "QueueSystem"),
        // The queue as a library: the protocol, nothing about terminals.
        .target(name: "QueueCore", dependencies: ["QueueSystem"]),
        .target(name: "Dashboard", dependencies: ["QueueCore", "QueueSystem"], resources: [.embedInCode("Page/dashboard.html")]),
        .executableTarget(name: "queuectl", dependencies: ["QueueCore", "QueueSystem", "Dashboard"], linkerSettings: fullyStatic + stripped),
        // The benchmark of issue 6: drives the release binary against nq, task-spooler and xargs.
        .executableTarget(name: "queuectl-bench", dependencies: ["QueueCore", "QueueSystem", "TestSupport"], linkerSettings: fullyStatic),
        // One process runner, wait-status decoder, temporary spools and waiting helpers for
        // every test target and the benchmark.
        .target(name: "TestSupport", dependencies: ["QueueCore", "QueueSystem"]),
        .testTarget(name: "QueueCoreTests", dependencies: ["QueueCore", "QueueSystem", "TestSupport"]),
        .testTarget(name: "queuectlTests", dependencies: ["QueueCore", "QueueSystem", "TestSupport"]),
        .testTarget(name: "DashboardTests", dependencies: ["Dashboard", "QueueCore", "QueueSystem", "TestSupport"], exclude: ["browser"]),
    ]
)

// Release builds on Linux link everything statically, libc and libstdc++ included: a command
// starts in about 0.7 ms instead of 2.3 ms, most of which went to the dynamic loader resolving
// libstdc++ symbols. (The linker's warning about dlopen concerns the Swift runtime's optional
// prespecialization library, which a static binary does without.)
var fullyStatic: [LinkerSetting] {
    [.unsafeFlags(["-static-executable"], .when(platforms: [.linux], configuration: .release))]
}

// The release binary is installed without its symbol tables (`ld -s`): 16 MB → a third of it;
// a debug build keeps them for backtraces.
var stripped: [LinkerSetting] {
    [.unsafeFlags(["-Xlinker", "-s"], .when(platforms: [.linux], configuration: .release))]
}
