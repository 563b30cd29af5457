#!/usr/bin/perl
# drop.pl SPOOL NAME JSON: adds one job to a queuectl spool by the drop protocol of
# queuectl-spool(5): write in tmp/, fsync the file, rename into pending/, fsync the folder.
use strict;
use warnings;
use File::Temp qw(tempfile);
use IO::Handle;

my ($spool, $name, $record) = @ARGV;
my ($file, $tmp) = tempfile(".drop.XXXXXX", DIR => "$spool/tmp");  # 1. a new file in tmp/
print {$file} "$record\n" or die "write $tmp: $!\n";               #    the whole record
$file->flush or die "write $tmp: $!\n";
$file->sync or die "fsync $tmp: $!\n";                             # 2. fsync the file
close $file or die "close $tmp: $!\n";
rename $tmp, "$spool/pending/$name" or die "rename $tmp: $!\n";    # 3. rename into pending/
open my $folder, "<", "$spool/pending" or die "open $spool/pending: $!\n";
$folder->sync or die "fsync $spool/pending: $!\n";                 # 4. fsync the folder: added
close $folder;
