/* Unit tests: download headers (download.c) and upload filenames (upload.c). */
#include "tap.h"

#include <stdlib.h>

#include "../download.h"
#include "../upload.h"

static void
disp(const char *name, const char *want, const char *what)
{
	char *d = download_disposition(name);

	is_str(d ? d : "(null)", want, "%s", what);
	free(d);
}

static void
dec(const char *raw, const char *want, const char *what)
{
	char *d = upload_filename_decode(raw);

	is_str(d ? d : "(null)", want, "%s", what);
	free(d);
}

int
main(void)
{
	char tag[35];

	disp("cv.pdf", "attachment; filename=\"cv.pdf\"; filename*=UTF-8''cv.pdf", "plain name");
	disp("a \"b\";c\\d.pdf",
	     "attachment; filename=\"a _b_;c_d.pdf\"; filename*=UTF-8''a%20%22b%22%3Bc%5Cd.pdf",
	     "quotes and backslashes: _ in the fallback, escaped in filename*");
	disp("M\xc3\xbcller \xe5\xb1\xa5\xe6\xad\xb4.pdf",
	     "attachment; filename=\"M_ller __.pdf\"; "
	     "filename*=UTF-8''M%C3%BCller%20%E5%B1%A5%E6%AD%B4.pdf",
	     "UTF-8: one _ per character, percent-encoded bytes in filename*");
	disp("tab\there\r\n.txt", "attachment; filename=\"tab_here__.txt\"; "
	     "filename*=UTF-8''tab%09here%0D%0A.txt", "control characters");
	disp("\xff\xfe.txt", "attachment; filename=\"__.txt\"; filename*=UTF-8''%FF%FE.txt",
	     "bytes that are not UTF-8");
	disp("", "attachment; filename=\"file\"; filename*=UTF-8''file", "an empty name is 'file'");
	disp(NULL, "attachment; filename=\"file\"; filename*=UTF-8''file", "no name is 'file'");
	disp("a!#$&+-.^_`|~b", "attachment; filename=\"a!#$&+-.^_`|~b\"; "
	     "filename*=UTF-8''a!#$&+-.^_`|~b", "RFC 8187 attr-chars are not escaped");

	ok(download_type_ok("application/pdf"), "application/pdf is sent as is");
	ok(download_type_ok("text/plain; charset=utf-8"), "a type with parameters");
	ok(!download_type_ok("text/html\r\nSet-Cookie: x=1"), "no header injection");
	ok(!download_type_ok("pdf"), "not type/subtype");
	ok(!download_type_ok(""), "empty");
	ok(!download_type_ok(NULL), "missing");
	ok(!download_type_ok("image/p\xc3\xa9ng"), "not ASCII");

	ok(download_etag("A948904F2F0F479B8F8197694B30184B0D2ED1C1CD2A1EC0FB85D299A192A447", tag),
	   "etag from a sha256");
	is_str(tag, "\"a948904f2f0f479b8f8197694b30184b\"", "first 32 hex digits, quoted, lower case");
	ok(!download_etag("abc", tag), "a short hash is refused");
	ok(!download_etag("g948904f2f0f479b8f8197694b30184b0d2ed1c1cd2a1ec0fb85d299a192a447", tag),
	   "a non-hex hash is refused");
	ok(!download_etag(NULL, tag), "no hash");

	dec("cv.pdf", "cv.pdf", "plain filename");
	dec("a %22b%22.pdf", "a \"b\".pdf", "%22 is a quote (WHATWG form encoding)");
	dec("x%0D%0Ay", "x\r\ny", "%0D%0A are CR LF");
	dec("100%25 %41.txt", "100%25 %41.txt", "other escapes stay as they are");
	dec("end%2", "end%2", "a cut escape stays");
	ok(upload_content_type_ok("multipart/form-data; boundary=x"), "multipart/form-data");
	ok(upload_content_type_ok("Multipart/Form-Data;boundary=x"), "case-insensitive");
	ok(!upload_content_type_ok("multipart/form-database"), "a longer type");
	ok(!upload_content_type_ok("application/json"), "json");
	ok(!upload_content_type_ok(NULL), "none");
	return tap_done();
}
