/* syncfs_shim.so: LD_PRELOAD into a process so that its syncfs(2) calls on a powercutfs mount
 * reach the test file system. The kernel does not send syncfs to a FUSE file system (only to
 * virtiofs), so without this shim powercutfs cannot model an ext4 syncfs at all.
 *
 * With POWERCUT_CTL=SOCKET in the environment, a syncfs(fd) whose file system is FUSE first does
 * the real syncfs, then sends "syncfs" over the control socket and returns what the file system
 * answers (0, or -1 with errno EIO when a failure was injected). Other calls pass through.
 *   cc -shared -fPIC -O2 -o syncfs_shim.so syncfs_shim.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/vfs.h>
#include <unistd.h>

#define FUSE_SUPER_MAGIC 0x65735546

int syncfs(int fd) {
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "syncfs");
    int result = real(fd);
    const char *ctl = getenv("POWERCUT_CTL");
    struct statfs info;
    if (result != 0 || !ctl || fstatfs(fd, &info) != 0 || info.f_type != FUSE_SUPER_MAGIC) return result;
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    strncpy(addr.sun_path, ctl, sizeof addr.sun_path - 1);
    if (s < 0 || connect(s, (struct sockaddr *)&addr, sizeof addr) != 0) {
        if (s >= 0) close(s);
        errno = EIO;
        return -1;
    }
    const char *line = "syncfs\n";
    char reply[256] = {0};
    size_t got = 0;
    if (write(s, line, strlen(line)) != (ssize_t)strlen(line)) { close(s); errno = EIO; return -1; }
    while (got < sizeof reply - 1) {
        ssize_t n = read(s, reply + got, sizeof reply - 1 - got);
        if (n <= 0) break;
        got += (size_t)n;
        if (memchr(reply, '\n', got)) break;
    }
    close(s);
    const char *e = strstr(reply, "\"errno\": ");
    int code = e ? atoi(e + 9) : EIO;
    if (code != 0) { errno = code; return -1; }
    return 0;
}
