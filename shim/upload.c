/*
 * upload.c — uploads (see upload.h). SEAM: media type check only.
 */
#include "upload.h"

#include <strings.h>

bool
upload_content_type_ok(const char *ct)
{
	return ct && strncasecmp(ct, "multipart/form-data", 19) == 0 &&
	       (ct[19] == '\0' || ct[19] == ';' || ct[19] == ' ');
}

bool
upload_supported(void)
{
	return false;
}
