#!/bin/sh
# drop.sh SPOOL NAME JSON: adds one job to a queuectl spool by the drop protocol of
# queuectl-spool(5): write in tmp/, fsync the file, rename into pending/, fsync the folder.
# Needs GNU coreutils 8.24 or later (sync of one file or folder).
set -eu
spool=$1 name=$2 record=$3
tmp=$(mktemp "$spool/tmp/.drop.XXXXXX")   # 1. a new file in tmp/, no other writer's name
printf '%s\n' "$record" > "$tmp"          #    the whole record
sync "$tmp"                               # 2. fsync the file
mv "$tmp" "$spool/pending/$name"          # 3. rename(2) into pending/ (same file system)
sync "$spool/pending"                     # 4. fsync the folder: the job is added
