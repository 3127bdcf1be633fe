#!/usr/bin/perl
# API.md §3.7 files through HTTP: uploads (multipart, parsed as it streams
# in) of a real PDF, PNG, JPEG and text file built here, downloads with the
# stored type, Content-Length, ETag/304 and a Content-Disposition that no
# filename can break; the type judged by the bytes (415); the size limit
# before and while reading (413, connection cut); missing or extra parts
# (422); who may download (owner, members of a company the file was sent
# to, nobody else: 404); delete with its 409; Idempotency-Key.
use strict;
use warnings;
use utf8;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Compress::Zlib ();
use Digest::SHA qw(sha256_hex);
use Encode ();
use IO::Socket::INET;
use Time::HiRes ();
use JB qw(:DEFAULT :edge :stream);

need_psql();

# ------------------------------------------------------------ files built here

# A one-page PDF with a correct xref table.
sub make_pdf {
	my @obj = ('<< /Type /Catalog /Pages 2 0 R >>', '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
		'<< /Type /Page /Parent 2 0 R /MediaBox [0 0 72 72] >>');
	my $pdf = "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n";
	my @off;
	for my $i (0 .. $#obj) {
		push @off, length $pdf;
		$pdf .= ($i + 1) . " 0 obj\n$obj[$i]\nendobj\n";
	}
	my $xref = length $pdf;
	$pdf .= "xref\n0 " . (@obj + 1) . "\n0000000000 65535 f \n";
	$pdf .= sprintf("%010d 00000 n \n", $_) for @off;
	return $pdf . "trailer\n<< /Size " . (@obj + 1) . " /Root 1 0 R >>\nstartxref\n$xref\n%%EOF\n";
}

# A 1x1 RGBA PNG (chunks with their CRCs, zlib-compressed scanline).
sub png_chunk {
	my ($t, $d) = @_;
	return pack('N', length $d) . $t . $d . pack('N', Compress::Zlib::crc32($t . $d));
}
sub make_png {
	return "\x89PNG\r\n\x1a\n" . png_chunk('IHDR', pack('NNCCCCC', 1, 1, 8, 6, 0, 0, 0))
		. png_chunk('IDAT', Compress::Zlib::compress("\x00\x20\x40\x60\xff")) . png_chunk('IEND', '');
}

# An 8x8 grey baseline JPEG: one-symbol Huffman tables, DC 0 and EOB.
sub jpeg_seg {
	my ($m, $d) = @_;
	return "\xff" . chr($m) . pack('n', length($d) + 2) . $d;
}
sub make_jpeg {
	return "\xff\xd8" . jpeg_seg(0xe0, "JFIF\0\x01\x01\0\0\x01\0\x01\0\0")
		. jpeg_seg(0xdb, "\0" . ("\x01" x 64)) . jpeg_seg(0xc0, "\x08\0\x08\0\x08\x01\x01\x11\0")
		. jpeg_seg(0xc4, "\x00\x01" . ("\0" x 15) . "\x00") . jpeg_seg(0xc4, "\x10\x01" . ("\0" x 15) . "\x00")
		. jpeg_seg(0xda, "\x01\x01\x00\x00\x3f\x00") . "\x3f\xff\xd9";
}

my $PDF = make_pdf();
my $PNG = make_png();
my $JPEG = make_jpeg();
my $TEXT = Encode::encode('UTF-8', "Grüße aus Köln\nLine two\twith a tab\n");

my @FILE_KEYS = sort qw(id filename content_type size sha256 created_at);

sub file_ok {
	my ($j, $bytes, $type, $name, $what) = @_;
	my @bad;
	if (ref $j ne 'HASH') {
		@bad = ('not an object');
	} else {
		my $keys = join ',', sort keys %$j;
		push @bad, "keys are [$keys]" unless $keys eq join ',', @FILE_KEYS;
		push @bad, 'id not a positive integer' unless ($j->{id} // '') =~ /\A[1-9]\d*\z/;
		push @bad, "content_type is " . ($j->{content_type} // 'missing') . ", want $type"
			unless ($j->{content_type} // '') eq $type;
		push @bad, "size is " . ($j->{size} // 'missing') . ', want ' . length $bytes
			unless defined $j->{size} && $j->{size} == length $bytes;
		push @bad, 'sha256 is not that of the bytes' unless ($j->{sha256} // '') eq sha256_hex($bytes);
		push @bad, "filename is '" . ($j->{filename} // '') . "', want '$name'"
			if defined $name && ($j->{filename} // '') ne $name;
		push @bad, 'created_at not RFC 3339' unless rfc3339_ok($j->{created_at});
	}
	ok(!@bad, "$what: file object") or diag(join "\n", @bad);
}

# Content-Disposition parsed: (fallback filename, decoded filename*).
sub disposition {
	my ($v) = @_;
	return () unless defined $v;
	my ($fb) = $v =~ /\Aattachment;\s*filename="([^"\\]*)";\s*filename\*=UTF-8''([A-Za-z0-9!#\$&+\-.^_`|~%]*)\z/
		or return ();
	my $star = ($v =~ /filename\*=UTF-8''(.*)\z/)[0];
	$star =~ s/%([0-9A-F]{2})/chr hex $1/ge;
	return ($fb, Encode::decode('UTF-8', $star, Encode::FB_CROAK));
}

my $Ann = register_user();                  # a candidate
my $Ben = register_user();                  # another candidate
my $Erin = register_user(role => 'employer');
my $Olga = register_user(role => 'employer');
my $r;

# ------------------------------------------------------------ each type, up and down

my %up;
for my $c (
	[ 'pdf', $PDF, 'resume.pdf', 'application/pdf', 'application/pdf' ],
	[ 'png', $PNG, 'photo.png', 'image/png', 'image/png' ],
	[ 'jpeg', $JPEG, 'photo.jpg', 'image/jpeg', 'image/jpeg' ],
	[ 'text', $TEXT, 'notes.txt', 'text/plain', 'text/plain; charset=utf-8' ],
) {
	my ($kind, $bytes, $name, $sent_type, $want_type) = @$c;
	$r = upload_file($Ann->{access}, $bytes, filename => $name, type => $sent_type);
	is($r->{status}, 201, "upload $kind: 201") or diag($r->{body});
	file_ok($r->{json}, $bytes, $want_type, $name, "upload $kind");
	security_headers_ok($r, "upload $kind");
	my $id = $r->{json}{id} // 0;
	is(hdr($r, 'location'), "/files/$id", "upload $kind: Location /files/$id");
	$up{$kind} = $r->{json};

	my $d = req('GET', "/files/$id", token => $Ann->{access});
	is($d->{status}, 200, "download $kind: 200");
	ok($d->{body} eq $bytes, "download $kind: the very bytes (" . length($bytes) . ')');
	is(hdr($d, 'content-type'), $want_type, "download $kind: Content-Type $want_type");
	is(hdr($d, 'content-length'), length $bytes, "download $kind: Content-Length");
	my $tag = etag_of($bytes);
	is(hdr($d, 'etag'), $tag, "download $kind: ETag is the hash of the bytes");
	my ($fb, $star) = disposition(hdr($d, 'content-disposition'));
	is($fb, $name, "download $kind: Content-Disposition filename");
	is($star, $name, "download $kind: Content-Disposition filename*");
	security_headers_ok($d, "download $kind");
	is(hdr($d, 'x-content-type-options'), 'nosniff', "download $kind: nosniff");

	my $n = req('GET', "/files/$id", token => $Ann->{access}, headers => { 'If-None-Match' => $tag });
	is($n->{status}, 304, "download $kind with If-None-Match: 304");
	is($n->{body}, '', "download $kind: 304 has no body");
	is(hdr($n, 'etag'), $tag, "download $kind: 304 repeats the ETag");
	is(req('GET', "/files/$id", token => $Ann->{access}, headers => { 'If-None-Match' => '"0000"' })->{status},
		200, "download $kind with another tag: 200");
}

{
	my $h = req('HEAD', "/files/$up{png}{id}", token => $Ann->{access});
	is($h->{status}, 200, 'HEAD /files/{id}: 200');
	is($h->{body}, '', 'HEAD: no body');
	is(hdr($h, 'content-length'), length $PNG, 'HEAD: the Content-Length of the bytes');
}

# ------------------------------------------------------------ filenames

{
	# The database keeps the last path component and replaces what a header
	# or a shell would trip on; the header then cannot be broken whatever is
	# stored (unit-tested in shim/tests/test_files.c for any byte).
	$r = upload_file($Ann->{access}, $PDF, filename => '../a "b";c.pdf', type => 'application/pdf');
	is($r->{status}, 201, 'a tricky filename: 201') or diag($r->{body});
	my $stored = $r->{json}{filename} // '';
	unlike($stored, qr{[/\\";]}, "the stored name has no path, quote or semicolon ($stored)");
	like($stored, qr/\.pdf\z/, 'and keeps its extension');
	my $d = req('GET', "/files/$r->{json}{id}", token => $Ann->{access});
	my $cd = hdr($d, 'content-disposition');
	my ($fb, $star) = disposition($cd);
	ok(defined $fb, "Content-Disposition is attachment with both forms: $cd");
	is($star, $stored, 'filename* is the stored name');
	is($fb, $stored, 'the ASCII fallback is the stored name (it is ASCII)');
	ok($d->{body} eq $PDF, 'the bytes');

	my $utf = "Lebenslauf Müller – 履歴書.pdf";
	$r = upload_file($Ann->{access}, $PDF, filename => $utf, type => 'application/pdf');
	is($r->{status}, 201, 'a UTF-8 filename: 201') or diag($r->{body});
	is($r->{json}{filename}, $utf, 'stored as sent');
	$d = req('GET', "/files/$r->{json}{id}", token => $Ann->{access});
	$cd = hdr($d, 'content-disposition') // '';
	($fb, $star) = disposition($cd);
	is($star, $utf, 'filename* decodes to the UTF-8 name');
	is($fb, 'Lebenslauf M_ller _ ___.pdf', 'the fallback has one _ per non-ASCII character');
	unlike($cd, qr/[^\x20-\x7e]/, 'the header is plain ASCII');
}

# ------------------------------------------------------------ refused types: 415

my $ELF = "\x7fELF\x02\x01\x01\0" . ("\0" x 8) . "\x02\0\x3e\0" . ("\x01\0\0\0") . ("\0" x 40);
my $ZIP = "PK\x03\x04\x14\0\0\0\0\0" . ("\0" x 16) . "\x05\0\0\0a.pdfhelloPK\x05\x06" . ("\0" x 18);
for my $c ([ 'an ELF executable', $ELF, 'run.pdf' ], [ 'a ZIP named .pdf', $ZIP, 'cv.pdf' ],
	[ 'a PDF header after junk', "junk\0%PDF-1.4", 'x.pdf' ]) {
	my ($what, $bytes, $name) = @$c;
	my $before = sql("SELECT count(*) FROM jobboard.files WHERE owner_id = $Ann->{id}");
	$r = upload_file($Ann->{access}, $bytes, filename => $name, type => 'application/pdf');
	problem_ok($r, 415, 'unsupported_media_type', "$what, declared application/pdf");
	is(sql("SELECT count(*) FROM jobboard.files WHERE owner_id = $Ann->{id}"), $before, "$what: nothing stored");
}
{
	my $j = req('POST', '/files', token => $Ann->{access}, json => { file => 'x' });
	problem_ok($j, 415, 'unsupported_media_type', 'POST /files with a JSON body');
	my $t = req('POST', '/files', token => $Ann->{access}, type => 'text/plain', body => 'hello');
	problem_ok($t, 415, 'unsupported_media_type', 'POST /files with a text/plain body');
	my $nb = req('POST', '/files', token => $Ann->{access}, type => 'multipart/form-data', body => "--x--\r\n");
	problem_ok($nb, 400, 'bad_request', 'multipart/form-data without a boundary');
	my ($body, $ct) = multipart({ name => 'file', filename => 'a.txt', data => 'hello' });
	substr($body, -8) = '';     # cut before the closing boundary
	my $cut = req('POST', '/files', token => $Ann->{access}, type => $ct, body => $body);
	problem_ok($cut, 400, 'bad_request', 'a multipart body without its closing boundary');
}

# ------------------------------------------------------------ parts: 422

{
	my ($body, $ct) = multipart({ name => 'note', data => 'no file here' });
	$r = req('POST', '/files', token => $Ann->{access}, type => $ct, body => $body);
	problem_ok($r, 422, 'validation_failed', 'no part named file', fields => [ 'file', 'note' ]);
	$r = upload_file($Ann->{access}, $TEXT, filename => 'a.txt', parts => [ { name => 'comment', data => 'hi' } ]);
	problem_ok($r, 422, 'validation_failed', 'an extra part', only_fields => [ 'comment' ]);
	$r = upload_file($Ann->{access}, $TEXT, filename => 'a.txt', parts => [ { name => '_x', data => 'hi' } ]);
	problem_ok($r, 422, 'validation_failed', 'a part named _x', only_fields => [ '_x' ]);
	$r = upload_file($Ann->{access}, $TEXT, filename => 'a.txt',
		parts => [ { name => 'file', filename => 'b.txt', data => 'second' } ]);
	problem_ok($r, 422, 'validation_failed', 'two parts named file', only_fields => [ 'file' ]);
	$r = upload_file($Ann->{access}, '', filename => 'empty.txt');
	problem_ok($r, 422, 'validation_failed', 'an empty file', fields => [ 'file' ]);
	# no token: 401 comes before the part checks (the database decides both)
	($body, $ct) = multipart({ name => 'note', data => 'x' });
	$r = req('POST', '/files', type => $ct, body => $body);
	problem_ok($r, 401, 'unauthorized', 'an upload without a token');
	is(hdr($r, 'www-authenticate'), 'Bearer', 'WWW-Authenticate: Bearer');
	$r = upload_file('not.a.token', $TEXT, filename => 'a.txt');
	problem_ok($r, 401, 'unauthorized', 'an upload with a bad token');
}

# ------------------------------------------------------------ Idempotency-Key

{
	my $key = 'up-' . unique_tag();
	my $before = sql("SELECT count(*) FROM jobboard.files WHERE owner_id = $Ben->{id}");
	my $a = upload_file($Ben->{access}, $PNG, filename => 'same.png', headers => { 'Idempotency-Key' => $key });
	my $b = upload_file($Ben->{access}, $PNG, filename => 'same.png', headers => { 'Idempotency-Key' => $key });
	is($a->{status}, 201, 'an upload with an Idempotency-Key: 201');
	is($b->{status}, 201, 'its repeat: 201 (replayed)');
	is($b->{json}{id}, $a->{json}{id}, 'the repeat answers the same file');
	is(sql("SELECT count(*) FROM jobboard.files WHERE owner_id = $Ben->{id}"), $before + 1, 'one file stored');
	my $c = upload_file($Ben->{access}, $PNG, filename => 'other.png', headers => { 'Idempotency-Key' => $key });
	problem_ok($c, 409, 'conflict', 'the same key with another body');
}

# ------------------------------------------------------------ size: 413

# Write a request head and then up to $total body bytes (made on the fly,
# chunked when asked) on a new connection, as fast as the server takes them,
# until everything is written, the server answers, or it closes. Returns
# {written, total, status (0: no answer), closed}.
sub push_body {
	my ($url, $head, $total, %opt) = @_;
	my ($host, $port) = $url =~ m{^http://([^/:]+):(\d+)} or die "cannot parse $url";
	my $sock = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port, Proto => 'tcp', Timeout => 5)
		or die "connect: $!";
	binmode $sock;
	$sock->blocking(0);
	local $SIG{PIPE} = 'IGNORE';
	my $out = $head;
	my ($written, $buf, $closed) = (0, '', 0);
	my $piece = 'z' x 65536;
	my $deadline = Time::HiRes::time() + ($opt{timeout} // 20);
	while (Time::HiRes::time() < $deadline) {
		if ($out eq '' && $written < $total) {
			my $n = $total - $written < 65536 ? $total - $written : 65536;
			$out = $opt{chunked} ? sprintf("%x\r\n", $n) . substr($piece, 0, $n) . "\r\n" : substr($piece, 0, $n);
			$written += $n;     # counted when it is written out below
			$out .= "0\r\n\r\n" if $opt{chunked} && $written >= $total;
		}
		my ($rin, $win) = ('', '');
		vec($rin, fileno($sock), 1) = 1;
		vec($win, fileno($sock), 1) = 1 if $out ne '';
		my $n = select(my $rout = $rin, my $wout = $win, undef, 0.2);
		next if $n <= 0;
		if (vec($rout, fileno($sock), 1)) {
			my $got = sysread($sock, $buf, 65536, length $buf);
			if (!$got) { $closed = 1; last }
			last if $buf =~ /\r\n\r\n/;
		}
		if ($out ne '' && vec($wout, fileno($sock), 1)) {
			my $w = syswrite($sock, $out);
			if (!defined $w) {
				next if $!{EAGAIN} || $!{EWOULDBLOCK};
				$closed = 1;
				last;
			}
			substr($out, 0, $w) = '';
		}
		last if $out eq '' && $written >= $total && !$opt{wait_answer};
	}
	close $sock;
	my ($status) = $buf =~ m{\AHTTP/1\.[01] (\d{3})};
	# bytes still pending in $out were not written
	return { written => $written - length($out), total => $total, status => $status // 0, closed => $closed };
}

{
	my $max = 10 * 1024 * 1024;
	my ($host_port) = $JB::URL =~ m{^http://([^/]+)};
	# Content-Length over the limit: 413 at once, the body is not read and no
	# 100 Continue is sent.
	my $big = 'x' x (256 * 1024);
	my $req = "POST /files HTTP/1.1\r\nHost: $host_port\r\nAuthorization: Bearer $Ann->{access}\r\n"
		. "Content-Type: multipart/form-data; boundary=zz\r\nContent-Length: " . ($max + 1) . "\r\n"
		. "Expect: 100-continue\r\nConnection: close\r\n\r\n";
	$r = raw_request($req, then => $big, wait => 1);
	problem_ok($r, 413, 'payload_too_large', 'Content-Length over JOBBOARD_MAX_UPLOAD (10 MiB)');
	ok(!defined $r->{interim}, 'no 100 Continue for it');
	my $total = 64 * 1024 * 1024;
	my $p = push_body($JB::URL, "POST /files HTTP/1.1\r\nHost: $host_port\r\nAuthorization: Bearer $Ann->{access}\r\n"
		. "Content-Type: multipart/form-data; boundary=zz\r\nContent-Length: $total\r\n"
		. "Connection: close\r\n\r\n", $total, wait_answer => 1);
	is($p->{status}, 413, 'Content-Length over the limit with the body sent at once: 413');
	ok($p->{written} < $total / 2,
		"the server did not read the body ($p->{written} of $total bytes could be written)");
	is(req('GET', '/health')->{status}, 200, 'the server is healthy after it');
	is(upload_file($Ann->{access}, $TEXT, filename => 'after.txt')->{status}, 201, 'and takes uploads');
}

{
	# A second server with a small limit, for uploads near and past it.
	my $lim = 64 * 1024;
	my $s = start_shim(JOBBOARD_MAX_UPLOAD => $lim);
	my $fit = 'a' x ($lim - 1024);
	$r = upload_file($Ann->{access}, $fit, filename => 'fits.txt', server => $s);
	is($r->{status}, 201, "an upload just under a $lim-byte limit: 201") or diag($r->{body});
	is($r->{json}{size}, length $fit, 'all of it stored');
	$r = upload_file($Ann->{access}, 'a' x ($lim + 10), filename => 'over.txt', server => $s);
	problem_ok($r, 413, 'payload_too_large', 'an upload over the limit (Content-Length)');

	# Chunked past the limit: cut there, the rest never read.
	my $before = sql("SELECT count(*) FROM jobboard.files WHERE owner_id = $Ann->{id}");
	my $total = 64 * 1024 * 1024;
	my $p = push_body($s->{url}, "POST /files HTTP/1.1\r\nHost: $s->{host}:$s->{port}\r\n"
		. "Authorization: Bearer $Ann->{access}\r\nContent-Type: multipart/form-data; boundary=zz\r\n"
		. "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n", $total, chunked => 1);
	ok($p->{status} != 201, "a chunked upload past the limit gets no success (status $p->{status})");
	ok($p->{closed}, 'the server closed the connection');
	ok($p->{written} < $total / 2, "the rest was never read ($p->{written} of $total bytes could be written)");
	is(sql("SELECT count(*) FROM jobboard.files WHERE owner_id = $Ann->{id}"), $before, 'nothing stored');
	ok(wait_until(5, 0.1, sub { shim_log_tail($s, 50) =~ /an upload went past the size limit/ }),
		'the cut is logged');
	is(req_at($s, 'GET', '/health')->{status}, 200, 'the server is healthy after it');
	is(upload_file($Ann->{access}, $fit, filename => 'again.txt', server => $s)->{status}, 201,
		'and takes the next upload');
	is(stop_shim($s), 0, 'the small-limit server exits 0 on SIGTERM');
	is(sanitizer_report($s), '', 'no sanitizer report in its log');
}

# ------------------------------------------------------------ who may download

my $acme = new_company($Erin->{access});
my $globex = new_company($Olga->{access});
my $job = new_job($Erin->{access}, $acme->{id});
my $pdf_id = $up{pdf}{id};

problem_ok(req('GET', "/files/$pdf_id", token => $Ben->{access}), 404, 'not_found', "another user's file");
problem_ok(req('GET', "/files/$pdf_id", token => $Erin->{access}), 404, 'not_found',
	'an employer before the file is sent to the company');
problem_ok(req('GET', "/files/$pdf_id"), 401, 'unauthorized', 'a download without a token');
problem_ok(req('GET', '/files/999999999', token => $Ann->{access}), 404, 'not_found', 'a file that does not exist');
problem_ok(req('DELETE', "/files/$pdf_id", token => $Ben->{access}), 404, 'not_found', "deleting another user's file");

$r = req('POST', "/jobs/$job->{id}/applications", token => $Ann->{access}, json => { resume_file_id => $pdf_id });
is($r->{status}, 201, 'Ann applies with the PDF as her résumé') or diag($r->{body});
{
	my $d = req('GET', "/files/$pdf_id", token => $Erin->{access});
	is($d->{status}, 200, 'a member of the company it was sent to may download it');
	ok($d->{body} eq $PDF, '... the very bytes');
	is(hdr($d, 'content-type'), 'application/pdf', '... as application/pdf');
	problem_ok(req('GET', "/files/$pdf_id", token => $Olga->{access}), 404, 'not_found',
		'a member of another company may not');
	problem_ok(req('GET', "/files/$up{png}{id}", token => $Erin->{access}), 404, 'not_found',
		"the member may not download the candidate's other files");
}

# ------------------------------------------------------------ delete

problem_ok(req('DELETE', "/files/$pdf_id", token => $Ann->{access}), 409, 'conflict',
	'deleting a file an application refers to');
is(req('GET', "/files/$pdf_id", token => $Ann->{access})->{status}, 200, 'it is still there');
{
	my $id = $up{jpeg}{id};
	my $d = req('DELETE', "/files/$id", token => $Ann->{access});
	is($d->{status}, 204, 'deleting an unused file: 204');
	is($d->{body}, '', '204 has no body');
	problem_ok(req('GET', "/files/$id", token => $Ann->{access}), 404, 'not_found', 'a deleted file');
	problem_ok(req('DELETE', "/files/$id", token => $Ann->{access}), 404, 'not_found', 'deleting it again');
}

# ------------------------------------------------------------ access_token is for /events only

{
	my $q = req('GET', "/files/$up{png}{id}?access_token=$Ann->{access}", token => $Ann->{access});
	problem_ok($q, 422, 'validation_failed', 'access_token in the query of GET /files/{id}',
		only_fields => [ 'access_token' ]);
	$q = req('GET', "/files/$up{png}{id}?access_token=$Ann->{access}");
	isnt($q->{status}, 200, 'a query access_token does not authenticate a download');
	if ($ENV{JB_SHIM_LOG} && open my $fh, '<', $ENV{JB_SHIM_LOG}) {
		local $/;
		my $log = <$fh>;
		my ($sig) = $Ann->{access} =~ /\.([^.]+)\z/;
		ok(index($log, $sig) < 0, 'the token never appears in the server log');
	}
}

done_testing;
