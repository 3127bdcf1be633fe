#!/usr/bin/perl
# The report of bench/bench.sh.
#
#   bench/report.pl RESULTS.json              print the report (Markdown)
#   bench/report.pl --update FILE REPORT.md   put REPORT.md between the
#                                             bench.sh markers of FILE
#
# RESULTS.json is what bench.sh collects: the run (date, machine, sizes),
# one row per workload (wrk at 64 connections and at 1, pgbench tps by
# client count) and the RSS run. The report is one table plus the targets
# of issue 6, each met or not and by how much.
use strict;
use warnings;
use JSON::PP;

my $BEGIN = '<!-- bench.sh: begin (written by make bench; edits between the markers are lost) -->';
my $END = '<!-- bench.sh: end -->';

if (@ARGV && $ARGV[0] eq '--update') {
	my (undef, $file, $report) = @ARGV;
	my $new = do { local (@ARGV, $/) = ($report); <> };
	my $old = -f $file ? do { local (@ARGV, $/) = ($file); <> } : '';
	if ($old =~ /\Q$BEGIN\E.*?\Q$END\E\n?/s) {
		$old =~ s/\Q$BEGIN\E.*?\Q$END\E\n?/$BEGIN\n$new$END\n/s;
	} else {
		$old .= "\n" if length $old && $old !~ /\n\z/;
		$old .= "$BEGIN\n$new$END\n";
	}
	open my $fh, '>', "$file.tmp" or die "$file.tmp: $!";
	print $fh $old;
	close $fh or die "$file.tmp: $!";
	rename "$file.tmp", $file or die "$file: $!";
	exit 0;
}

my $r = do {
	local (@ARGV, $/) = ($ARGV[0] // die "usage: $0 RESULTS.json\n");
	decode_json(<>);
};

sub num { my ($v, $d) = @_; defined $v ? sprintf("%.${d}f", $v) : '–' }
sub thousands {
	my ($v) = @_;
	return '–' unless defined $v;
	my $s = sprintf('%.0f', $v);
	1 while $s =~ s/^(\d+)(\d{3})/$1,$2/;
	return $s;
}
sub mib { defined $_[0] ? sprintf('%.1f MiB', $_[0] / 1024) : '–' }

sub median {
	my @v = sort { $a <=> $b } grep { defined } @_;
	return undef unless @v;
	return @v % 2 ? $v[$#v / 2] : ($v[@v / 2 - 1] + $v[@v / 2]) / 2;
}

# The ceiling is pgbench's best client count of the sweep (1..8). With
# side-by-side rounds (wrk at 64 connections, then pgbench at that count),
# the table's req/s, latencies and tps are the rounds' medians and the ratio
# is the median of the rounds' ratios; the CPU columns stay the first
# round's.
my (%row, @order);
for my $w (@{$r->{rows}}) {
	my $pg = $w->{pgbench} || {};
	my ($best, $best_c);
	for my $c (1, 2, 4, 8) {
		next unless defined $pg->{$c};
		($best, $best_c) = ($pg->{$c}, $c) if !defined $best || $pg->{$c} > $best;
	}
	my @runs = grep { $_->{wrk64} && $_->{tps} } @{ $w->{rounds} || [] };
	if (@runs > 1) {
		$w->{wrk64} = { %{ $w->{wrk64} || {} },
			map { my $k = $_; ($k => median(map { $_->{wrk64}{$k} } @runs)) } qw(rps p50_ms p99_ms) };
		$best = median(map { $_->{tps} } @runs);
		$w->{ratio} = median(map { $_->{wrk64}{rps} / $_->{tps} } @runs);
		$w->{runs} = \@runs;
	} else {
		$w->{ratio} = $w->{wrk64} && $best ? $w->{wrk64}{rps} / $best : undef;
	}
	$w->{best} = $best;
	$w->{best_c} = $best_c;
	$row{$w->{name}} = $w;
	push @order, $w->{name};
}
my $rounds = (grep { $_->{runs} } values %row) ? $r->{rounds} : 1;

my @out;
push @out, sprintf("Run %s, commit %s. Machine: %s cores (%s), %s; load average (1, 5, 15 min) "
	. "when the run began: %s, when it ended: %s (other work on the machine shows up there).",
	$r->{date}, $r->{rev}, $r->{nproc}, $r->{cpu}, $r->{mem}, $r->{load}, $r->{load_end} // '?');
push @out, sprintf("Data: %s (%s).", $r->{sizes},
	length($r->{generate_seconds} // '') ? "generated in this run in $r->{generate_seconds} s" : 'reused');
push @out, sprintf("wrk: 1 thread, %s connections for %s s, then 1 connection for %s s. pgbench: -M prepared, 1 thread, "
	. "%s s at each of 1, 2, 4, 8 and %s clients; the ceiling is the best of 1..8. "
	. ($rounds > 1 ? "Then $rounds rounds side by side (the first is the sweep's): wrk at %s connections, then pgbench at its best "
		. "client count; req/s, latencies at %s connections and the best tps are the rounds' medians, the ratio the median of "
		. "the rounds' ratios. " : '%s%s')
	. "Shim: release build, "
	. "default settings (HTTP threads = cores, pool = 2 × cores, one database worker thread per pooled connection), rate limits off, access log to /dev/null.",
	$r->{conns}, $r->{duration}, $r->{short}, $r->{short}, $r->{conns},
	$rounds > 1 ? ($r->{conns}, $r->{conns}) : ('', ''));
push @out, '';
push @out, "| workload | shim req/s | p50 ms | p99 ms | p50 ms, 1 conn | pgbench best tps (clients) | pgbench tps, $r->{conns} clients | shim ÷ pgbench |";
push @out, '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |';
my @errors;
for my $n (@order) {
	my $w = $row{$n};
	my ($a, $b) = ($w->{wrk64}, $w->{wrk1});
	push @out, sprintf('| `%s` | %s | %s | %s | %s | %s | %s | %s |',
		$w->{label}, thousands($a && $a->{rps}), num($a && $a->{p50_ms}, 2), num($a && $a->{p99_ms}, 1),
		num($b && $b->{p50_ms}, 2),
		defined $w->{best} ? sprintf('%s (%d)', thousands($w->{best}), $w->{best_c}) : '–',
		thousands($w->{pgbench}{$r->{conns}}), num($w->{ratio}, 2));
	for my $x ([64, $a], [1, $b]) {
		my ($c, $s) = @$x;
		next unless $s;
		my @e = map { $s->{$_} ? "$s->{$_} $_" : () } qw(status connect read write timeout);
		push @errors, "`$w->{label}` at $c connection(s): " . join(', ', @e) . " of " . thousands($s->{requests}) if @e;
	}
}
push @out, '';
if ($rounds > 1) {
	push @out, 'The rounds, shim req/s ÷ pgbench tps: ' . join('; ', map {
		my $w = $row{$_};
		$w->{runs} ? "`$w->{label}` " . join(', ', map {
			sprintf('%s÷%s', thousands($_->{wrk64}{rps}), thousands($_->{tps})) } @{ $w->{runs} }) : ();
	} @order) . '.', '';
}
push @out, 'Errors (status = answers other than 2xx/3xx): ' . join('; ', @errors) . '.', '' if @errors;
push @out, "**Warning**: $r->{shim_exit}; the numbers after that are not the shim's.", '' if $r->{shim_exit};

# CPU per request: what each side burns, which other load on the machine
# distorts far less than it distorts throughput.
push @out, "CPU per request in µs, from /proc over the middle of each run (set-up and tail left out; the load "
	. "generators not counted): the shim and its pooled backends during the $r->{conns}-connection wrk run, and "
	. "pgbench's backends at its best client count. \"CPU bound\" is pgbench's backend CPU ÷ (shim + its backends): "
	. "the ratio the shim would reach if CPU were all that limited both.";
push @out, '';
push @out, '| workload | shim | backends (shim side) | shim + backends | backends (pgbench side) | CPU bound |';
push @out, '| --- | ---: | ---: | ---: | ---: | ---: |';
for my $n (@order) {
	my $w = $row{$n};
	my $a = $w->{wrk64} || {};
	my $pgc = defined $w->{best_c} ? ($w->{pgbench_cpu_us} || {})->{$w->{best_c}} : undef;
	my $tot = defined $a->{shim_cpu_us} && defined $a->{db_cpu_us} ? $a->{shim_cpu_us} + $a->{db_cpu_us} : undef;
	push @out, sprintf('| `%s` | %s | %s | %s | %s | %s |', $w->{label}, num($a->{shim_cpu_us}, 0),
		num($a->{db_cpu_us}, 0), num($tot, 0), num($pgc, 0), $tot && $pgc ? num($pgc / $tot, 2) : '–');
}
push @out, '';

my ($list, $deep) = @row{qw(list deep)};
my ($deep_rps, $deep_pg, $deep_p50, $deep_cpu, $deep_pgcpu);
if ($list && $deep) {
	my $cpu = sub { my $a = $_[0]{wrk64} || {}; defined $a->{shim_cpu_us} && defined $a->{db_cpu_us} ? $a->{shim_cpu_us} + $a->{db_cpu_us} : undef };
	my $pgcpu = sub { my $w = $_[0]; defined $w->{best_c} ? ($w->{pgbench_cpu_us} || {})->{$w->{best_c}} : undef };
	$deep_rps = $list->{wrk64} && $deep->{wrk64} && $deep->{wrk64}{rps} ? $list->{wrk64}{rps} / $deep->{wrk64}{rps} : undef;
	$deep_pg = $list->{best} && $deep->{best} ? $list->{best} / $deep->{best} : undef;
	$deep_p50 = $list->{wrk1} && $deep->{wrk1} && $list->{wrk1}{p50_ms} ? $deep->{wrk1}{p50_ms} / $list->{wrk1}{p50_ms} : undef;
	$deep_cpu = $cpu->($list) && defined $cpu->($deep) ? $cpu->($deep) / $cpu->($list) : undef;
	$deep_pgcpu = $pgcpu->($list) && defined $pgcpu->($deep) ? $pgcpu->($deep) / $pgcpu->($list) : undef;
	push @out, sprintf('Cursor page 100,000 rows deep against page 1: CPU per request (shim + backends) ×%s, '
		. 'pgbench backends\' CPU per call ×%s, p50 at 1 connection ×%s; throughput ratios (page 1 ÷ deep, which '
		. 'other load on the machine moves most): ×%s through the shim at %s connections, ×%s on pgbench.',
		num($deep_cpu, 2), num($deep_pgcpu, 2), num($deep_p50, 2), num($deep_rps, 2), $r->{conns}, num($deep_pg, 2));
}

my $rss = $r->{rss};
my ($rss_peak, $rss_growth, $rss_reqs);
if ($rss) {
	$rss_peak = $rss->{peak_kib};
	$rss_growth = $rss->{end_nocache_kib} - $rss->{at10_nocache_kib};
	$rss_reqs = $rss->{answers} // 0;
	push @out, '';
	push @out, sprintf('Shim memory (VmRSS), the shim as shipped (response cache on): %s after start; %s with %d idle '
		. 'keep-alive connections open; then %d busy connections (GET /health 90 %%, GET /jobs/{id} 5 %%, GET /me 4.5 %%, '
		. 'GET /jobs 0.5 %%) got %s answers in %s s (%s/s; wrk counted %s non-2xx): peak %s, of which the response cache '
		. 'held up to %s. Without the cache: %s after the first 10 %% of the answers, %s at the end (%s%s). Idle connections: %s.',
		mib($rss->{start_kib}), mib($rss->{idle_kib}), $rss->{idle_open}, 256,
		thousands($rss_reqs), num($rss->{seconds}, 0), thousands($rss->{seconds} ? $rss_reqs / $rss->{seconds} : undef),
		thousands($rss->{wrk} && $rss->{wrk}{status}), mib($rss_peak), mib($rss->{cache_peak_kib}),
		mib($rss->{at10_nocache_kib}), mib($rss->{end_nocache_kib}), $rss_growth >= 0 ? '+' : '−',
		mib(abs $rss_growth), $rss->{idle_final} || '?');
}

my $cr = $r->{cache_run};
my %speed;
if ($cr) {
	push @out, '';
	push @out, 'Response cache (the shim as shipped; the table above ran with JOBBOARD_CACHE_SIZE=0):';
	push @out, '';
	push @out, "| workload | cached req/s | p50 ms | p99 ms | p50 ms, 1 conn | hits / misses | ×req/s vs uncached | ×p50 (1 conn) vs uncached |";
	push @out, '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |';
	for my $n (qw(list search)) {
		my $c = $cr->{$n} or next;
		my $u = $row{$n} || {};
		my ($a, $b) = ($c->{wrk64}, $c->{wrk1});
		my $x = $a && $u->{wrk64} && $u->{wrk64}{rps} ? $a->{rps} / $u->{wrk64}{rps} : undef;
		my $y = $b && $b->{p50_ms} && $u->{wrk1} ? $u->{wrk1}{p50_ms} / $b->{p50_ms} : undef;
		$speed{$n} = [$x, $y];
		push @out, sprintf('| `%s` | %s | %s | %s | %s | %s / %s | %s | %s |', $u->{label} // $n,
			thousands($a && $a->{rps}), num($a && $a->{p50_ms}, 2), num($a && $a->{p99_ms}, 1),
			num($b && $b->{p50_ms}, 2), thousands($c->{hits}), thousands($c->{misses}), num($x, 1), num($y, 1));
	}
	push @out, '';
	push @out, sprintf('A title changed through psql was in the very next `GET /jobs` after the commit in %d of %d probes.',
		$cr->{visible}, $cr->{probes});
}

# --- the targets of issue 6 ---
my @t;
my $verdict = sub {
	my ($what, $value, $ok, $by) = @_;
	push @t, sprintf('| %s | %s | %s |', $what, $value,
		!defined $ok ? 'not measured' : $ok ? 'met' : "**not met**$by");
};
for my $x (['list', 0.8], ['search', 0.8], ['job', 0.5], ['me', 0.5]) {
	my ($n, $goal) = @$x;
	my $w = $row{$n} or next;
	my $v = $w->{ratio};
	$verdict->("shim ÷ pgbench ≥ $goal on `$w->{label}`", num($v, 2),
		defined $v ? $v >= $goal : undef,
		defined $v ? sprintf(' (%.0f %% short)', 100 * ($goal - $v) / $goal) : '');
}
if (defined $deep_cpu || defined $deep_p50) {
	# cost = CPU per request and latency alone; throughput is shown above
	my $worst = (sort { $b <=> $a } grep { defined } $deep_cpu, $deep_p50)[0];
	$verdict->('cursor page 100,000 deep costs ≤ 1.5 × page 1',
		sprintf('×%s CPU per request, ×%s p50 (1 conn); ×%s in req/s', num($deep_cpu, 2), num($deep_p50, 2), num($deep_rps, 2)),
		$worst <= 1.5, sprintf(' (×%.2f)', $worst));
}
if (my $s = $row{search}) {
	my $p99 = $s->{wrk64} && $s->{wrk64}{p99_ms};
	$verdict->("`GET /jobs?q=...` p99 < 50 ms at $r->{conns} connections", defined $p99 ? num($p99, 1) . ' ms' : '–',
		defined $p99 ? $p99 < 50 : undef, defined $p99 ? sprintf(' (%.1f×)', $p99 / 50) : '');
}
if ($rss) {
	my $full = $rss_reqs >= 1_000_000;
	$verdict->('shim RSS < 64 MiB with 1,000 idle + 256 active connections',
		sprintf('peak %s as shipped, %s of it the response cache (%d idle open)', mib($rss_peak),
			mib($rss->{cache_peak_kib}), $rss->{idle_open}),
		$rss->{idle_open} >= 1000 ? $rss_peak < 64 * 1024 : 0,
		$rss->{idle_open} >= 1000 ? sprintf(' (%s over)', mib($rss_peak - 64 * 1024)) : ' (fewer idle connections held)');
	$verdict->('no RSS growth over 1,000,000 requests (≤ 1 MiB, cache excluded, from 10 % to the end)',
		sprintf('%s%s over %s answers', $rss_growth >= 0 ? '+' : '−', mib(abs $rss_growth), thousands($rss_reqs)),
		$rss_growth <= 1024 && $full, $full ? sprintf(' (+%s)', mib($rss_growth)) : ' (fewer than 1,000,000 answers in the time bound)');
}
if ($cr) {
	for my $n (qw(list search)) {
		my $v = $speed{$n} or next;
		my ($x, $y) = @$v;
		my $worst = (sort { $a <=> $b } grep { defined } $x, $y)[0];
		$verdict->("response cache ≥ 5 × uncached on `" . ($row{$n} ? $row{$n}{label} : $n) . '`',
			sprintf('×%s req/s, ×%s p50 (1 conn)', num($x, 1), num($y, 1)),
			defined $worst ? $worst >= 5 : undef, defined $worst ? sprintf(' (×%.1f)', $worst) : '');
	}
	$verdict->('a change is visible on the next request after its commit',
		"$cr->{visible} of $cr->{probes} probes", $cr->{visible} == $cr->{probes},
		sprintf(' (%d stale)', $cr->{probes} - $cr->{visible}));
} elsif (($r->{cache} // '') eq 'none') {
	push @t, '| response cache ≥ 5 × uncached, change visible on the next request | the shim has no response cache yet (shim/cache.c caches nothing) | cannot be measured |';
} else {
	push @t, '| response cache ≥ 5 × uncached, change visible on the next request | the cache was off or not run | not measured |';
}
push @out, '';
push @out, 'Targets of issue 6:';
push @out, '';
push @out, '| target | measured | verdict |';
push @out, '| --- | --- | --- |';
push @out, @t;
print join("\n", @out), "\n";
