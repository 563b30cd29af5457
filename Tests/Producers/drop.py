#!/usr/bin/env python3
"""drop.py SPOOL NAME JSON: adds one job to a queuectl spool by the drop protocol of
queuectl-spool(5): write in tmp/, fsync the file, rename into pending/, fsync the folder."""
import os
import sys
import tempfile

spool, name, record = sys.argv[1:4]
fd, tmp = tempfile.mkstemp(dir=os.path.join(spool, "tmp"), prefix=".drop.")  # 1. a new file in tmp/
with os.fdopen(fd, "w", encoding="utf-8") as f:
    f.write(record + "\n")                                  # the whole record
    f.flush()
    os.fsync(f.fileno())                                    # 2. fsync the file
os.rename(tmp, os.path.join(spool, "pending", name))        # 3. rename into pending/
folder = os.open(os.path.join(spool, "pending"), os.O_RDONLY | os.O_DIRECTORY)
try:
    os.fsync(folder)                                        # 4. fsync the folder: the job is added
finally:
    os.close(folder)
