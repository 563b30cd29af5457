/* drop.c SPOOL NAME JSON: adds one job to a queuectl spool by the drop protocol of
 * queuectl-spool(5): write in tmp/, fsync the file, rename into pending/, fsync the folder.
 * cc -o drop drop.c */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void fail(const char *call, const char *path) {
    fprintf(stderr, "drop: %s %s: %s\n", call, path, strerror(errno));
    exit(1);
}

static void write_all(int fd, const char *bytes, size_t length, const char *path) {
    while (length > 0) {
        ssize_t written = write(fd, bytes, length);
        if (written < 0 && errno == EINTR) continue;
        if (written < 0) fail("write", path);
        bytes += written;
        length -= (size_t)written;
    }
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: drop SPOOL NAME JSON\n");
        return 2;
    }
    char tmp[4096], pending[4096], target[4096];
    if (snprintf(tmp, sizeof tmp, "%s/tmp/.drop.XXXXXX", argv[1]) >= (int)sizeof tmp
        || snprintf(pending, sizeof pending, "%s/pending", argv[1]) >= (int)sizeof pending
        || snprintf(target, sizeof target, "%s/pending/%s", argv[1], argv[2]) >= (int)sizeof target) {
        fprintf(stderr, "drop: path too long\n");
        return 2;
    }

    int file = mkstemp(tmp);                                  /* 1. a new file in tmp/ */
    if (file < 0) fail("mkstemp", tmp);
    write_all(file, argv[3], strlen(argv[3]), tmp);           /*    the whole record */
    write_all(file, "\n", 1, tmp);
    if (fsync(file) != 0) fail("fsync", tmp);                 /* 2. fsync the file */
    if (close(file) != 0) fail("close", tmp);
    if (rename(tmp, target) != 0) fail("rename", tmp);        /* 3. rename into pending/ */
    int folder = open(pending, O_RDONLY | O_DIRECTORY);
    if (folder < 0) fail("open", pending);
    if (fsync(folder) != 0) fail("fsync", pending);           /* 4. fsync the folder: added */
    close(folder);
    return 0;
}
