/*
 * crypto.h — the primitives behind tokens, cursors and passwords, all from
 * libsodium (and libcrypt for imported bcrypt hashes): base64url, SHA-256,
 * HMAC-SHA256 with the database's signing secret, random tokens, password
 * hashing and verification.
 */
#ifndef JOBBOARD_CRYPTO_H
#define JOBBOARD_CRYPTO_H

#include "jobboard.h"

#define JB_HASH_BYTES 32

extern void CryptoInit(void);

extern char *CryptoBase64UrlEncode(const unsigned char *bin, size_t len);
/* Returns palloc'd bytes, or NULL when the text is not base64url. */
extern unsigned char *CryptoBase64UrlDecode(const char *text, size_t textlen,
											size_t *len);

extern void CryptoSha256(const void *data, size_t len, unsigned char *out);
/* HMAC-SHA256 keyed with the signing secret of this database. */
extern void CryptoSign(const void *data, size_t len, unsigned char *out);
extern bool CryptoEqual(const unsigned char *a, const unsigned char *b, size_t len);

/* A fresh random token of `bytes` random bytes, base64url. */
extern char *CryptoRandomToken(size_t bytes);

/* Password hashing (scheme from jobboard.password_hash). */
extern char *CryptoPasswordHash(const char *password);
/* Verify; *upgrade is set when the hash should be replaced by a new one. */
extern bool CryptoPasswordVerify(const char *hash, const char *password,
								 bool *upgrade);
/* Spend as long as a verification would, for an unknown account. */
extern void CryptoPasswordDummyVerify(const char *password);

/* Replace the signing secret (SQL: jobboard.rotate_secret()). */
extern void CryptoRotateSecret(void);

#endif							/* JOBBOARD_CRYPTO_H */
