// queuectl-spool(5): the specification of the spool as producers and readers see it (folders,
// names and their order, the record, the drop protocol and its durability, what a reader may
// assume, what is private), in roff. Every statement follows the code: FileName, JobRecord,
// Spool, IDRegistry, Drop, Quarantine, SpoolFormat. Change it with the code it describes.

import QueueCore

enum SpoolManualPage {
    static let text = #"""
.TH QUEUECTL\-SPOOL 5 "" "queuectl \#(queuectlVersion)" "File Formats"
.SH NAME
queuectl\-spool \- the spool directory of queuectl: layout, file names, job record, drop protocol
.SH SYNOPSIS
.nf
SPOOL/format
SPOOL/tmp/
SPOOL/pending/PPPP\-DUE\-AGE\-ID.json
SPOOL/processing/ID@WORKER~ATTEMPT.json
SPOOL/failed/RETRY\-PPPP\-AGE\-ID.json
SPOOL/completed/ID.json
SPOOL/dead/ID.json
SPOOL/quarantine/ SPOOL/logs/ SPOOL/ids/ SPOOL/workers/
SPOOL/config.json SPOOL/metrics.json SPOOL/paused
.fi
.SH DESCRIPTION
A
.BR queuectl (1)
queue is a directory, the spool. Each job is one file holding one JSON record. A job changes
state by one
.BR rename (2)
of its file from one state folder to another, so a job is always whole and in exactly one
folder. There is no database and no server: any program may add a job by the drop protocol
below, and anyone may read the queue with
.BR ls (1)
and
.BR cat (1).
This page is the contract between queuectl and those programs. It describes spool format
\#(SpoolFormat.current).
.PP
The spool is
.B \-\-spool
.IR dir ,
else
.BR $QUEUECTL_SPOOL ,
else
.BR $XDG_DATA_HOME/queuectl ,
else
.BR ~/.local/share/queuectl .
queuectl creates it, and every folder below, with mode 0700.
.SH FORMAT VERSION
.I SPOOL/format
holds one line,
.RB \(lq "queuectl\-spool \#(SpoolFormat.current)" \(rq,
naming the version of everything this page describes. A spool without the file is version 1:
every spool made before the file existed. queuectl writes the file when it opens such a spool
(and when it makes a new one): into
.IR tmp/ ,
fsync'ed, renamed into place without replacing, then the spool folder is fsync'ed, so a crash
leaves either no file or the whole line. A user who may only read the spool leaves it without
the file, which means version 1 all the same.
.PP
A queuectl reads every version up to its own. A spool whose file names a newer version, or
anything it does not understand, is refused with an error and exit status 1 before anything
is created or changed in it. A program that reads or writes the spool without queuectl should
do the same: check that the file is absent or says
.RB \(lq "queuectl\-spool 1" \(rq.
.SH LAYOUT
.TP
.I tmp/
Where producers write a job file before they rename it into
.IR pending/ ,
and where queuectl writes every file it publishes. Workers never read it.
.BR "queuectl doctor \-\-fix"
moves files untouched for 36 hours to
.IR quarantine/ .
.TP
.I pending/
Jobs ready to run, or scheduled for later, each named so that the names sort in run order;
and files dropped by other programs that no worker has adopted yet.
.TP
.I processing/
Jobs claimed by a worker, named after the job, the worker and the attempt its run is.
.TP
.I failed/
Jobs whose run failed and that will run again; the name starts with the retry time.
.TP
.I completed/
Jobs whose command exited with status 0.
.TP
.I dead/
The dead letter queue: jobs that failed with no retries left, failed with a permanent exit
status, were cancelled, or depend on a job that ended dead.
.TP
.I quarantine/
Files found in
.I pending/
that are not valid jobs, kept byte for byte as
.IR TIME\-NAME ,
where TIME is the compact UTC time they were set aside (below) and NAME their name in
.IR pending/ ;
a counter follows TIME if that name is taken. Beside each,
.I TIME\-NAME.reason
holds one line: the ISO\-8601 time, the file's old path and the reason.
.TP
.I logs/
.IR ID.log :
the captured standard output and error of the job's runs, at most
.B max_log_bytes
of it (the end).
.I worker.log
is the output of workers started with
.BR "worker start \-\-detach" ,
renamed to
.I worker.log.1
(replacing the older one) once it is larger than
.BR max_worker_log_bytes .
.TP
.I purged/
Private: the ids of the most recent purges and how each job had ended, so that a job waiting
for a completed job that was purged since still runs.
.TP
.I housekeeper
Private: the id of the worker that enforces
.B keep_completed
and
.B keep_dead
(a lease, renewed while that worker lives).
.TP
.I ids/
Private: one symbolic link per job id, the reservation that keeps ids unique.
.TP
.I workers/
Private: one record per worker, locked by it while it lives.
.TP
.I config.json
The settings, a JSON object; change them with
.BR "queuectl config set" ,
which replaces the file atomically.
.TP
.I metrics.json
Private: running totals for
.BR "queuectl status" .
.TP
.I paused
Present while the queue is paused
.RB ( "queuectl pause" ):
workers start no new job.
.TP
.I format
The format version (above).
.TP
.I groups/
.IR NAME.json :
a group's settings (limit, paused), written by
.BR "queuectl group" .
.IR NAME/slot\-K :
private, a symbolic link per running job of a limited group, naming its claim.
.TP
.I schedules/
.IR NAME.json :
a recurring job, written by
.BR "queuectl schedule" ;
.I NAME.last
and
.I NAME.job
are private markers of the workers that enqueue its occurrences.
.TP
.I cancel/
Private: a request to stop a running job, removed once its job has ended.
.PP
Later versions may add files and folders; a reader ignores what it does not know.
.SH FILE NAMES
The five state folders name their files as follows.
.TP
.IB pending/ PPPP\-DUE\-AGE\-ID.json
for example
.IR 0995\-20261123T000605.216Z\-0hoevv6lc8g\-send\-report.json .
.TP
.IB failed/ RETRY\-PPPP\-AGE\-ID.json
for example
.IR 20261123T000705.024Z\-1000\-0hoevv6f74g\-flaky.json .
.TP
.IB processing/ ID@WORKER~ATTEMPT.json
for example
.IR long\-build@vm\-5117\-d7b~1.json ;
or
.IB processing/ ID@WORKER.json
for a claim whose job does not run (a cancel, an edit) and for claims taken by versions
before 2026\-12.
.TP
.IB completed/ ID.json ", " dead/ ID.json
for example
.IR hello.json .
.PP
The parts:
.TP
.B PPPP
The priority plus 1000 in four decimal digits: 0000 is priority \-1000 and runs first, 1000 is
the default priority 0, 2000 is +1000.
.TP
.BR DUE ", " RETRY
A UTC time in a fixed\-width form, YYYYMMDDTHHMMSS.mmmZ (20 characters, milliseconds):
.IR 20261122T153012.250Z .
In
.I pending/
the time the job may start
.RB ( run_at );
in
.I failed/
the time of its retry
.RB ( next_run_at ).
.TP
.B AGE
The job's creation time
.RB ( created_at )
in microseconds since 1970, in 11 lower\-case base\-36 digits, zero\-padded. It breaks ties:
jobs due at the same moment run oldest first.
.TP
.B ID
The job's id (see the record).
.TP
.B WORKER
The claiming worker's id,
.IR HOST\-PID\-RANDOM :
its host name (letters, digits and \- only, at most 40 characters), its process id, and a
random suffix.
.TP
.B ATTEMPT
The attempt this run is, in decimal (1 for the first run): the record's
.B attempts
plus one when it was claimed. The claim's rename is the record that the run began: nothing is
written into the claim until the run's result replaces it (a rename), so
.B cat
shows the record as it was claimed (its state pending or failed, one attempt fewer), while
.BR queuectl (1)
shows the job running: its attempt and worker from the name, its
.B started_at
from the file's status change time (ctime), which the rename set.
.PP
Every part before the id is fixed width, so the byte order of the names is the run order:
.B LC_ALL=C ls pending/
lists jobs in the order workers take them (priority, then due time, then age), and
.B LC_ALL=C ls failed/
is the retry schedule. A job due in the future waits in
.I pending/
or
.I failed/
until its time.
.SH THE JOB RECORD
A job file holds one JSON object (UTF\-8, at most
.B max_job_bytes
bytes, 1 MiB by default). queuectl writes it indented, known fields first in a fixed order,
with a final newline; a reader must not depend on the layout, only on the JSON.
.TP
.BR id " (string)"
[A\-Za\-z0\-9][A\-Za\-z0\-9._\-]{0,127}: 1 to 128 characters, no slash, no @, not starting
with a dot. Unique in the spool. Generated when left out.
.TP
.BR command " (string, required)"
Not empty, no NUL. Run with
.BR "/bin/sh \-c" .
.TP
.BR state " (string)"
pending, processing, failed, completed or dead; pending when left out. The folder is the
truth: a record may lag behind its folder (see READING THE SPOOL).
.TP
.BR attempts " (integer, 0 to 1000000)"
Runs started so far; 0 when left out.
.TP
.BR max_retries " (integer, 0 to 1000000)"
Retries after the first run: at most 1 + max_retries runs. Default: the setting max_retries (3).
.TP
.BR priority " (integer, \-1000 to 1000)"
Lower runs first; 0 when left out.
.TP
.BR run_at " (time)"
Not started before this time. Default: created_at.
.TP
.BR timeout_sec " (number, more than 0, at most 31536000)"
The run's process group is killed after this many seconds, a failure. Default: the setting
timeout_sec (none).
.TP
.BR cwd " (string, not empty)"
The directory to run in. Default: the caller's directory for
.BR "queuectl enqueue" ,
the worker's for a dropped file.
.TP
.BR env " (object of strings)"
Added to the run's environment. Names are not empty and contain no = and no NUL.
.TP
.BR after " (array of ids)"
Runs only after each of these jobs completed; goes to
.I dead/
if one of them ends dead.
.TP
.BR permanent_exit_codes " (array of integers, 0 to 255)"
An exit status in it sends the job to
.I dead/
at once. Default: the setting of the same name.
.TP
.BR group " (string, an id)"
The group the job belongs to; at most the group's limit of its jobs run at once. Default:
default. Added within version 1: an older queuectl keeps the field but does not apply limits.
.TP
.BR runs " (integer)"
Written by queuectl: the runs so far, never reset (attempts is reset by a retry from the dead
letter queue). A record without it has had as many runs as attempts.
.TP
.BR created_at ", " updated_at " (time)"
created_at defaults to now (for a dropped file: the file's modification time); updated_at to
created_at.
.TP
.BR started_at ", " finished_at ", " next_run_at " (time), " duration_sec " (number), " \
exit_code " (integer, \-1 to 255), " last_error ", " worker " (string)"
Written by queuectl as they apply.
.PP
Times are ISO\-8601 strings with a zone: Z or an offset (\(+-HH:MM, \(+-HHMM, \(+-HH), seconds
and a fraction optional, such as 2026\-11\-22T15:30:00Z. queuectl writes them in UTC with
milliseconds: 2026\-11\-22T15:30:12.250Z. A time without a zone is an error. null stands for a
field left out. Fields queuectl does not know are kept as they came and written back
(forward compatibility); unique is an instruction to enqueue and is not kept.
.SH DROPPING A JOB (THE MAILDIR PROTOCOL)
A program adds a job without queuectl in four steps:
.IP 1. 4
Create a new file in
.I SPOOL/tmp/
under a name no other writer uses (a dot\-file, or one made by
.BR mkstemp (3)),
and write the whole record into it. The smallest job is
.BR "{\(dqcommand\(dq: \(dqecho hi\(dq}" .
Check every write and the close.
.IP 2. 4
.BR fsync (2)
the file: its content is on disk before its name appears.
.IP 3. 4
.BR rename (2)
it to
.IR SPOOL/pending/NAME.json ,
where NAME does not start with a dot and is not in queuectl's own form above; ID.json
is usual. The rename is atomic: no reader ever sees a partial file. Both folders are on one
file system, so the rename never copies.
.IP 4. 4
.BR fsync (2)
the folder
.IR SPOOL/pending/ :
the rename itself is on disk. Only now may the producer say the job was added.
.PP
A producer that skips steps 2 and 4 is faster, and its jobs are still whole while the machine
runs; but after a power cut or a kernel crash such a job may be missing, empty or cut short,
and then it is lost or set aside in
.IR quarantine/ .
.PP
A worker adopts a dropped file within milliseconds (each worker lists
.I pending/
again every poll_interval when file change events do not arrive, on network file systems).
It checks the record, gives the job its id \(em the record's
.BR id ,
else NAME when it is a valid id not yet used, else NAME (cut to 100 characters) with a
suffix \(em reserves the id, publishes the job under its name in queuectl's form and removes
the dropped file.
.BR "queuectl list" ,
.BR status ,
.B show
and
.B wait
see a dropped file before any worker has adopted it. A dropped record must be pending (or
leave state out); its id must not be in use.
.PP
A file in
.I pending/
that is not a valid job \(em bad JSON, a field of the wrong type or out of range, empty, not
UTF\-8, larger than max_job_bytes, a name that does not end in .json, a symbolic link, a FIFO,
a directory, unreadable, or an id already used \(em is never run and never deleted: it is
moved to
.I quarantine/
with its reason. A bad regular file modified less than 5 seconds ago is left for that long
first, in case a producer that ignored the protocol is still writing it.
.B queuectl quarantine requeue NAME
puts a repaired file back.
.PP
A producer should not write into any other folder: every other change of state is
queuectl's, through its commands.
.SH READING THE SPOOL
A reader may assume:
.IP \(bu 2
a file in a state folder whose name does not start with a dot is a whole record (a file
just dropped into
.I pending/
only if its producer followed the protocol);
.IP \(bu 2
the folder a job file is in is its state, and its name says its id, and in
.I pending/
and
.I failed/
its priority and time, as above;
.IP \(bu 2
names sort in run order in
.I pending/
and in retry order in
.IR failed/ ,
and every time in a name or a record is UTC when it ends in Z;
.IP \(bu 2
a job's file is in exactly one of the five folders, except for an instant during a move;
.IP \(bu 2
.IR completed/ID.json
and
.IR dead/ID.json
are where a finished job is found, without a listing.
.PP
A reader may not assume:
.IP \(bu 2
that a file is still there after
.BR ls :
a file in
.I processing/
can vanish at any moment (its run ended, it was reaped); files in
.I pending/
and
.I failed/
vanish when a worker claims them or adopts a drop, and files in
.I completed/
and
.I dead/
when they are purged (by hand, or by the workers as
.B keep_completed
and
.B keep_dead
say) or retried. Read a file and treat \(lqNo such file or directory\(rq as
\(lqmoved on\(rq;
.IP \(bu 2
that a record in
.I processing/
shows the running job: until the run's result replaces it, a claim holds the record as it was
claimed; its name says which attempt runs. Records there are always whole (a result is written
in
.IR tmp/ ,
synced, and exchanged with the claim, never written in place);
.IP \(bu 2
that a record's state field agrees with its folder: after a crash between a rewrite and its
move, the record may already say its next state. The folder wins;
.IP \(bu 2
that every name in
.I pending/
is in queuectl's form: dropped files keep their own names until adopted;
.IP \(bu 2
that a job in
.I pending/
will run next: a job waits for its run_at, for the jobs in its after list, and while
.I paused
exists;
.IP \(bu 2
the order of fields in a record, its indentation, or which optional fields are present.
.SH PRIVATE TO QUEUECTL
Dot\-files anywhere in the spool are work in progress or private (temporary names, and the
.I processing/.ID@WORKER.json
backups that versions before 2026\-12 kept of a claimed record until its run's result was on
disk), as are the contents of
.IR tmp/ ,
.IR ids/ ,
.IR workers/ ,
.IR purged/ ,
.I housekeeper
and
.IR metrics.json .
Their form may change within a format version. Readers ignore them; writers leave them alone.
Job files are changed only by queuectl: edit a job with
.BR queuectl (1)
commands, never in place.
.SH DURABILITY
With the setting fsync true (the default), queuectl writes every job file it publishes in
.IR tmp/ ,
fsyncs it, renames it into place, and fsyncs the target folder. The start of a run writes
nothing: the claim keeps the record as it was claimed, durable since it was enqueued. A run's
result is written in
.IR tmp/ ,
made durable with the results of other runs (one fsync or syncfs), then exchanged with its claim
and moved; after a crash before that, the job runs again rather than being lost
(at\-least\-once execution).
.B config set fsync false
trades this for speed.
.SH EXAMPLES
Add a job from a shell (the smallest correct drop):
.PP
.RS 4
.nf
spool=${QUEUECTL_SPOOL:\-$HOME/.local/share/queuectl}
tmp=$(mktemp "$spool/tmp/.job.XXXXXX")
printf '{"command": "echo hi"}\en' > "$tmp"
sync "$tmp"                        # fsync the file
mv "$tmp" "$spool/pending/hi.json" # rename(2) into pending/
sync "$spool/pending"              # fsync the folder
.fi
.RE
.PP
Read the queue as a monitoring check would:
.PP
.RS 4
.nf
cd "$spool"
cat format 2>/dev/null || echo queuectl\-spool 1
ls pending | grep \-c '\e.json$'    # jobs waiting
ls failed | head \-n 1              # the next retry, time first
ls dead                            # ID.json per dead job
cat dead/ID.json
.fi
.RE
.SH SEE ALSO
.BR queuectl (1),
.BR rename (2),
.BR fsync (2),
.BR mkstemp (3),
.BR maildir (5)
"""#
}
