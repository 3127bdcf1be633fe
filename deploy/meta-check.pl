#!/usr/bin/perl
# Check META.json against the PGXN Meta Spec 1.0.0 (https://pgxn.org/meta/spec.txt):
# required keys, the types and formats of the keys it uses (Term, SemVer,
# License, Version Range, Path), no unknown keys (except x_/X_ custom ones),
# and that its versions match extension/jobboard.control. No validator for
# this spec is on the npm registry, so the rules are written out here.
#
#   deploy/meta-check.pl [META.json]      prints TAP, ends with "N passed, M failed"
#
# A control version "X.Y" is the SemVer "X.Y.0" (PGXN wants three parts).
use strict;
use warnings;
use JSON::PP;
use File::Basename qw(dirname);

my $root = dirname(dirname(__FILE__));
$root = '.' if $root eq '';

# --self-test: broken copies of META.json must each be refused
if (@ARGV && $ARGV[0] eq '--self-test') {
	my $good = JSON::PP->new->utf8->decode(do {
		open my $f, '<:raw', "$root/META.json" or die "META.json: $!\n"; local $/; <$f> });
	my %breaks = (
		'no license'              => sub { delete $_[0]{license} },
		'unknown license'         => sub { $_[0]{license} = 'beerware' },
		'two-part version'        => sub { $_[0]{version} = '0.1' },
		'version not the control' => sub { $_[0]{version} = '9.9.9' },
		'provides version off'    => sub { $_[0]{provides}{jobboard}{version} = '9.9.9' },
		'provides file missing'   => sub { $_[0]{provides}{jobboard}{file} = 'no/such.sql' },
		'meta-spec 2.0.0'         => sub { $_[0]{'meta-spec'}{version} = '2.0.0' },
		'name with a space'       => sub { $_[0]{name} = 'job board' },
		'unknown key'             => sub { $_[0]{homepage} = 'x' },
		'bad version range'       => sub { $_[0]{prereqs}{runtime}{requires}{PostgreSQL} = '15' },
		'duplicate tags'          => sub { $_[0]{tags} = ['rest api', 'rest api'] },
		'bad release_status'      => sub { $_[0]{release_status} = 'beta' },
	);
	my ($i, $bad) = (0, 0);
	for my $what (sort keys %breaks) {
		my $copy = JSON::PP->new->decode(JSON::PP->new->encode($good));
		$breaks{$what}->($copy);
		my $tmp = "$root/deploy/out/META-selftest.json";
		mkdir "$root/deploy/out";
		open my $o, '>:raw', $tmp or die "$tmp: $!\n";
		print $o JSON::PP->new->utf8->encode($copy);
		close $o;
		my $out = `"$^X" "$0" "$tmp" 2>&1`;
		my $refused = $? != 0;
		unlink $tmp;
		$i++;
		$bad++ unless $refused;
		print(($refused ? 'ok' : 'not ok') . " $i - refuses META.json with $what\n");
	}
	printf "\n%d passed, %d failed\n", $i - $bad, $bad;
	exit($bad ? 1 : 0);
}
my $file = shift // "$root/META.json";

my ($n, $failed) = (0, 0);
sub ok($$) {
	my ($cond, $what) = @_;
	$n++;
	$failed++ unless $cond;
	print(($cond ? 'ok' : 'not ok') . " $n - $what\n");
	return $cond;
}
sub finish {
	printf "\n%d passed, %d failed\n", $n - $failed, $failed;
	exit($failed ? 1 : 0);
}

my $semver = qr/^(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)
	(?:-(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*)?
	(?:\+[0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*)?$/x;
my $term = qr/^[^\/\\\s[:cntrl:]]{2,}$/;
my $tag = qr/^[^\/\\[:cntrl:]]{2,255}$/;
my %licenses = map { $_ => 1 } qw(agpl_3 apache_1_1 apache_2_0 artistic_1 artistic_2
	bsd freebsd gfdl_1_2 gfdl_1_3 gpl_1 gpl_2 gpl_3 lgpl_2_1 lgpl_3_0 mit
	mozilla_1_0 mozilla_1_1 openssl perl_5 postgresql qpl_1_0 ssleay sun zlib
	open_source restricted unrestricted unknown);
my $range_one = qr/(?:(?:[=!]=|[<>]=?)\s*)?(?:\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?|0)/;
my $range = qr/^$range_one(?:,\s*$range_one)*$/;

sub is_str { defined $_[0] && !ref $_[0] && length $_[0] }
sub unknown_keys {
	my ($h, @known) = @_;
	my %k = map { $_ => 1 } @known;
	return grep { !$k{$_} && !/^[xX]_./ } sort keys %$h;
}
sub relpath_ok {
	my $p = shift;
	return is_str($p) && length($p) >= 2 && $p !~ m{^/} && $p !~ m{\\} && $p !~ m{(^|/)\.\.(/|$)};
}

open my $fh, '<:raw', $file or do { ok(0, "read $file: $!"); finish() };
my $text = do { local $/; <$fh> };
close $fh;
my $meta = eval { JSON::PP->new->utf8->decode($text) };
ok(ref $meta eq 'HASH', "$file is a JSON object") or finish();

for my $k (qw(name version abstract maintainer license provides meta-spec)) {
	ok(exists $meta->{$k}, "required key \"$k\" present");
}
my @unknown = unknown_keys($meta, qw(name version abstract maintainer license provides
	meta-spec description generated_by tags no_index prereqs release_status resources));
ok(!@unknown, "no unknown top-level keys" . (@unknown ? ": @unknown" : ''));

my $ms = $meta->{'meta-spec'};
ok(ref $ms eq 'HASH' && is_str($ms->{version}) && $ms->{version} =~ /^1\.0\.\d+$/,
	'meta-spec.version is 1.0.x');
ok(!defined $ms->{url} || $ms->{url} =~ m{^https?://pgxn\.org/meta/spec\.txt$},
	'meta-spec.url, if given, is the spec\'s');
ok(is_str($meta->{name}) && $meta->{name} =~ $term, 'name is a Term');
ok(is_str($meta->{version}) && $meta->{version} =~ $semver, 'version is SemVer');
ok(is_str($meta->{abstract}), 'abstract is a non-empty string');
my $m = $meta->{maintainer};
ok(is_str($m) || (ref $m eq 'ARRAY' && @$m && !grep { !is_str($_) } @$m),
	'maintainer is a string or a list of strings');
my $l = $meta->{license};
ok((is_str($l) && $licenses{$l})
	|| (ref $l eq 'ARRAY' && @$l && !grep { !$licenses{$_ // ''} } @$l)
	|| (ref $l eq 'HASH' && %$l && !grep { !is_str($_) || !m{^[a-z][a-z0-9+.-]*:} } values %$l),
	'license is a known license string, a list of them, or {name: URI}');

my $p = $meta->{provides};
ok(ref $p eq 'HASH' && scalar(%$p), 'provides is a non-empty object');
for my $ext (sort keys %{ ref $p eq 'HASH' ? $p : {} }) {
	my $e = $p->{$ext};
	ok($ext =~ $term, "provides.$ext: the name is a Term");
	ok(ref $e eq 'HASH', "provides.$ext is an object") or next;
	ok(relpath_ok($e->{file}), "provides.$ext.file is a relative Unix path");
	ok(is_str($e->{file}) && -f "$root/$e->{file}", "provides.$ext.file exists ($e->{file})");
	ok(is_str($e->{version}) && $e->{version} =~ $semver, "provides.$ext.version is SemVer");
	ok(!defined $e->{docfile} || (relpath_ok($e->{docfile}) && -f "$root/$e->{docfile}"),
		"provides.$ext.docfile, if given, exists");
	ok(!defined $e->{abstract} || is_str($e->{abstract}), "provides.$ext.abstract, if given, is a string");
	my @u = unknown_keys($e, qw(file version abstract docfile));
	ok(!@u, "provides.$ext has no unknown keys" . (@u ? ": @u" : ''));
}

if (defined $meta->{tags}) {
	my $t = $meta->{tags};
	my %seen;
	ok(ref $t eq 'ARRAY' && @$t && !grep({ !is_str($_) || $_ !~ $tag || $seen{$_}++ } @$t),
		'tags: a non-empty list of unique Tags');
}
ok(!defined $meta->{release_status} || $meta->{release_status} =~ /^(stable|testing|unstable)$/,
	'release_status, if given, is stable, testing or unstable');
ok(!defined $meta->{description} || is_str($meta->{description}), 'description, if given, is a string');
ok(!defined $meta->{generated_by} || is_str($meta->{generated_by}), 'generated_by, if given, is a string');
if (defined $meta->{prereqs}) {
	my $pr = $meta->{prereqs};
	my $good = ref $pr eq 'HASH' && %$pr && !unknown_keys($pr, qw(configure build test runtime develop));
	for my $phase (grep { !/^[xX]_/ } keys %{ ref $pr eq 'HASH' ? $pr : {} }) {
		my $ph = $pr->{$phase};
		$good &&= ref $ph eq 'HASH' && %$ph && !unknown_keys($ph, qw(requires recommends suggests conflicts));
		for my $rel (grep { !/^[xX]_/ } keys %{ ref $ph eq 'HASH' ? $ph : {} }) {
			my $r = $ph->{$rel};
			$good &&= ref $r eq 'HASH' && %$r
				&& !grep { $_ !~ $term || !is_str($r->{$_}) || $r->{$_} !~ $range } keys %$r;
		}
	}
	ok($good, 'prereqs: phases, relationships, Terms and Version Ranges');
}
if (defined $meta->{resources}) {
	my $r = $meta->{resources};
	ok(ref $r eq 'HASH' && !unknown_keys($r, qw(homepage bugtracker repository)),
		'resources: only homepage, bugtracker, repository');
}
if (defined $meta->{no_index}) {
	my $ni = $meta->{no_index};
	ok(ref $ni eq 'HASH' && !unknown_keys($ni, qw(file directory)), 'no_index: only file, directory');
}

# one version: the control file's default_version
my $control = "$root/extension/jobboard.control";
open my $cf, '<', $control or do { ok(0, "read $control: $!"); finish() };
my ($cv) = map { /^default_version\s*=\s*'([^']*)'/ ? $1 : () } <$cf>;
close $cf;
ok(defined $cv, "default_version found in extension/jobboard.control") or finish();
my $want = $cv =~ /^\d+\.\d+$/ ? "$cv.0" : $cv;
ok(($meta->{version} // '') eq $want, "version $meta->{version} matches the control file's $cv ($want)");
ok(ref $p eq 'HASH' && ($p->{jobboard}{version} // '') eq $want,
	"provides.jobboard.version matches the control file's $cv ($want)");
finish();
