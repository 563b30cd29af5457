#!/usr/bin/env node
// drop.js SPOOL NAME JSON: adds one job to a queuectl spool by the drop protocol of
// queuectl-spool(5): write in tmp/, fsync the file, rename into pending/, fsync the folder.
"use strict";
const fs = require("fs");
const path = require("path");
const crypto = require("crypto");

const [spool, name, record] = process.argv.slice(2);
const tmp = path.join(spool, "tmp", `.drop.${process.pid}.${crypto.randomBytes(6).toString("hex")}`);
const file = fs.openSync(tmp, "wx", 0o600);            // 1. a new file in tmp/ (fails if it exists)
fs.writeFileSync(file, record + "\n");                  //    the whole record
fs.fsyncSync(file);                                     // 2. fsync the file
fs.closeSync(file);
fs.renameSync(tmp, path.join(spool, "pending", name));  // 3. rename into pending/
const folder = fs.openSync(path.join(spool, "pending"), "r");
fs.fsyncSync(folder);                                   // 4. fsync the folder: the job is added
fs.closeSync(folder);
