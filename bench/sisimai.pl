#!/usr/bin/perl
# sisimai.pl - Sisimai's bounce classification throughput, for bench/run.sh
#
#   perl sisimai.pl [-n N] [-r R] [-v] FILE...
#   perl sisimai.pl -m MBOX
#
# With -m, what a user of Sisimai runs on a postmaster mailbox:
# Sisimai->make(MBOX) on the file path, one line per bounce found
# ("recipient<TAB>reason<TAB>status") on standard output; bench/run.sh
# times the whole process.
#
# Same protocol as bench_classify: every FILE is read once into memory,
# then N messages (the files round robin) are parsed R times, each with
# Sisimai->make(\$message) -- Sisimai's documented in-memory entry point,
# so neither tool pays for the disk.  Prints one JSON line with the median
# wall time; with -v first "file<TAB>reason<TAB>status" per distinct file
# ("-" when Sisimai finds no bounce in it).
use strict;
use warnings;
use Getopt::Std;
use Time::HiRes qw(clock_gettime CLOCK_MONOTONIC);
use Sisimai;

my %o;
getopts('n:r:vm:', \%o) or die "usage: sisimai.pl [-n N] [-r R] [-v] FILE...\n";
if (defined $o{m}) {
    my $v = Sisimai->make($o{m}) // [];
    printf "%s\t%s\t%s\n", $_->recipient->address // '-', $_->reason // '-',
        $_->deliverystatus || '-' for @$v;
    exit 0;
}
my $n = $o{n} // 10000;
my $r = $o{r} // 3;
die "usage: sisimai.pl [-n N] [-r R] [-v] FILE...\n" unless @ARGV;

my (@data, @name);
for my $f (@ARGV) {
    open(my $fh, '<:raw', $f) or die "$f: $!\n";
    local $/;
    my $m = <$fh>;
    close $fh;
    # Sisimai::Mail::Memory splits on mbox "From " lines; give each
    # message the envelope line an mbox would carry.
    $m = "From MAILER-DAEMON Thu Jan  1 00:00:00 2026\n" . $m
        unless $m =~ /\AFrom /;
    push @data, $m;
    push @name, $f;
}

if ($o{v}) {
    for my $i (0 .. $#data) {
        my $v = Sisimai->make(\$data[$i]);
        if ($v && @$v) {
            printf "%s\t%s\t%s\n", $name[$i], $v->[0]->reason // '-',
                $v->[0]->deliverystatus || '-';
        } else {
            printf "%s\t-\t-\n", $name[$i];
        }
    }
}

my ($bytes, @t, $found) = (0);
$bytes += length($data[$_ % @data]) for 0 .. $n - 1;
for my $k (1 .. $r) {
    $found = 0;
    my $t0 = clock_gettime(CLOCK_MONOTONIC);
    for my $i (0 .. $n - 1) {
        my $v = Sisimai->make(\$data[$i % @data]);
        $found++ if $v && @$v;
    }
    push @t, clock_gettime(CLOCK_MONOTONIC) - $t0;
}
@t = sort { $a <=> $b } @t;
my $med = @t % 2 ? $t[$#t / 2] : ($t[@t / 2 - 1] + $t[@t / 2]) / 2;
printf "{\"tool\":\"sisimai\",\"version\":\"%s\",\"messages\":%d,\"bytes\":%d,"
    . "\"runs\":%d,\"median_s\":%.6f,\"min_s\":%.6f,\"max_s\":%.6f,"
    . "\"msgs_per_s\":%.1f,\"mb_per_s\":%.2f,\"with_bounce\":%d}\n",
    $Sisimai::VERSION, $n, $bytes, $r, $med, $t[0], $t[-1], $n / $med,
    $bytes / $med / 1e6, $found;
