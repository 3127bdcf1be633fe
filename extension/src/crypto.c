/*
 * crypto.c — libsodium-backed primitives (crypto.h).
 *
 * The signing secret lives in jobboard.secret, readable only by the
 * extension owner; it is read once per transaction (a rotation bites on the
 * next call).
 *
 * Passwords: argon2id with OWASP's recommended cost (19 MiB, 2 passes), or
 * bcrypt when jobboard.password_hash = bcrypt. A bcrypt hash is verified with
 * libcrypt and reported for upgrade when the scheme in force is argon2id;
 * an argon2id hash with an older cost is reported likewise.
 */
#include "crypto.h"

#include <crypt.h>
#include <sodium.h>

#include "access/xact.h"
#include "storage/proc.h"
#include "db.h"
#include "funcapi.h"
#include "utils/builtins.h"

#define PWHASH_OPSLIMIT		2
#define PWHASH_MEMLIMIT		(19 * 1024 * 1024)
#define BCRYPT_COST			12
#define DUMMY_HASH_SOURCE	"jobboard-dummy-password"

static unsigned char secret[JB_HASH_BYTES];
static LocalTransactionId secret_lxid = InvalidLocalTransactionId;
static char *dummy_hash = NULL;

void
CryptoInit(void)
{
	if (sodium_init() < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("libsodium could not be initialised")));
}

char *
CryptoBase64UrlEncode(const unsigned char *bin, size_t len)
{
	size_t		size = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char	   *out = palloc(size);

	sodium_bin2base64(out, size, bin, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return out;
}

unsigned char *
CryptoBase64UrlDecode(const char *text, size_t textlen, size_t *len)
{
	unsigned char *out = palloc(textlen + 1);
	const char *end;

	if (sodium_base642bin(out, textlen + 1, text, textlen, NULL, len, &end,
						  sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
		end != text + textlen)
	{
		pfree(out);
		return NULL;
	}
	return out;
}

void
CryptoSha256(const void *data, size_t len, unsigned char *out)
{
	crypto_hash_sha256(out, data, len);
}

static JbStatement read_secret = {
	"SELECT key FROM jobboard.secret WHERE id = 1", 0, {0}
};

static const unsigned char *
Secret(void)
{
	if (secret_lxid != MyProc->lxid)
	{
		bytea	   *key;

		DbEnter();
		if (DbRun(&read_secret, NULL, NULL) != 1 ||
			(key = DbBytea(0, 0)) == NULL ||
			VARSIZE_ANY_EXHDR(key) != JB_HASH_BYTES)
			elog(ERROR, "jobboard signing secret is missing");
		memcpy(secret, VARDATA_ANY(key), JB_HASH_BYTES);
		DbLeave();
		secret_lxid = MyProc->lxid;
	}
	return secret;
}

void
CryptoSign(const void *data, size_t len, unsigned char *out)
{
	crypto_auth_hmacsha256(out, data, len, Secret());
}

bool
CryptoEqual(const unsigned char *a, const unsigned char *b, size_t len)
{
	return sodium_memcmp(a, b, len) == 0;
}

char *
CryptoRandomToken(size_t bytes)
{
	unsigned char buf[64];

	Assert(bytes <= sizeof(buf));
	randombytes_buf(buf, bytes);
	return CryptoBase64UrlEncode(buf, bytes);
}

static char *
BcryptHash(const char *password)
{
	char		salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *data = palloc0(sizeof(struct crypt_data));
	char	   *result;

	if (crypt_gensalt_rn("$2b$", BCRYPT_COST, NULL, 0, salt, sizeof(salt)) == NULL)
		elog(ERROR, "crypt_gensalt_rn failed");
	result = crypt_r(password, salt, data);
	if (result == NULL || result[0] == '*')
		elog(ERROR, "bcrypt hashing failed");
	result = pstrdup(result);
	pfree(data);
	return result;
}

char *
CryptoPasswordHash(const char *password)
{
	char		out[crypto_pwhash_STRBYTES];

	if (jb_password_hash == JB_PASSWORD_BCRYPT)
		return BcryptHash(password);
	if (crypto_pwhash_str_alg(out, password, strlen(password),
							  PWHASH_OPSLIMIT, PWHASH_MEMLIMIT,
							  crypto_pwhash_ALG_ARGON2ID13) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory while hashing a password")));
	return pstrdup(out);
}

static bool
IsBcrypt(const char *hash)
{
	return strncmp(hash, "$2a$", 4) == 0 || strncmp(hash, "$2b$", 4) == 0 ||
		strncmp(hash, "$2y$", 4) == 0;
}

bool
CryptoPasswordVerify(const char *hash, const char *password, bool *upgrade)
{
	*upgrade = false;
	if (IsBcrypt(hash))
	{
		struct crypt_data *data = palloc0(sizeof(struct crypt_data));
		const char *result = crypt_r(password, hash, data);
		bool		ok;

		ok = result != NULL && strlen(result) == strlen(hash) &&
			CryptoEqual((const unsigned char *) result,
						(const unsigned char *) hash, strlen(hash));
		pfree(data);
		*upgrade = ok && jb_password_hash == JB_PASSWORD_ARGON2ID;
		return ok;
	}
	if (strncmp(hash, "$argon2id$", 10) == 0)
	{
		if (crypto_pwhash_str_verify(hash, password, strlen(password)) != 0)
			return false;
		*upgrade = jb_password_hash == JB_PASSWORD_BCRYPT ||
			crypto_pwhash_str_needs_rehash(hash, PWHASH_OPSLIMIT, PWHASH_MEMLIMIT) != 0;
		return true;
	}
	return false;
}

void
CryptoPasswordDummyVerify(const char *password)
{
	bool		upgrade;

	if (dummy_hash == NULL)
	{
		char	   *hash = CryptoPasswordHash(DUMMY_HASH_SOURCE);

		dummy_hash = MemoryContextStrdup(TopMemoryContext, hash);
	}
	(void) CryptoPasswordVerify(dummy_hash, password, &upgrade);
}

static JbStatement write_secret = {
	"INSERT INTO jobboard.secret (id, key) VALUES (1, $1) "
	"ON CONFLICT (id) DO UPDATE SET key = excluded.key, rotated_at = now()",
	1, {BYTEAOID}
};

void
CryptoRotateSecret(void)
{
	bytea	   *key = palloc(VARHDRSZ + JB_HASH_BYTES);
	Datum		values[1];

	SET_VARSIZE(key, VARHDRSZ + JB_HASH_BYTES);
	randombytes_buf(VARDATA(key), JB_HASH_BYTES);
	values[0] = PointerGetDatum(key);
	DbEnter();
	DbRun(&write_secret, values, NULL);
	DbLeave();
	secret_lxid = InvalidLocalTransactionId;
}
