/* esewa_sign.h - eSewa ePay v2 signatures, without I/O.
 *
 * eSewa signs a message built from the fields a `signed_field_names` list names, in
 * that order, as "name=value" pairs joined by ",", with HMAC-SHA256 under the merchant
 * secret, base64 encoded (standard alphabet, padded). Our payment form signs
 * "total_amount=..,transaction_uuid=..,product_code=.."; the success redirect's `data`
 * (base64 JSON) carries its own signed_field_names, which names itself.
 *
 * The value signed is the exact text of each field: "110" and "110.0" sign
 * differently, so a number is never re-formatted through a double (see
 * esewa_json_raw()). Vectors: ../shared/providers/PROVIDERS.md section 3.3.
 */
#ifndef PAYMENT_ESEWA_SIGN_H
#define PAYMENT_ESEWA_SIGN_H

#include <stdbool.h>
#include <stddef.h>

#define ESEWA_SIG_LEN       45   /* base64 of 32 bytes (44 characters) and the NUL */
#define ESEWA_FIELD_MAX     128  /* longest value of one field we accept in `data` */
#define ESEWA_DATA_MAX      4096 /* longest base64 `data` we decode */
#define ESEWA_REQUEST_NAMES "total_amount,transaction_uuid,product_code"

/* The fields of a verified success redirect, copied out of `data` as their raw text. */
typedef struct esewa_result {
    char transaction_code[ESEWA_FIELD_MAX];
    char status[ESEWA_FIELD_MAX];
    char total_amount[ESEWA_FIELD_MAX]; /* e.g. "1000.0" or "1,000.0", as eSewa sent it */
    char transaction_uuid[ESEWA_FIELD_MAX];
    char product_code[ESEWA_FIELD_MAX];
} esewa_result_t;

/* Writes base64(HMAC-SHA256(secret, message)) into sig. Returns 0, or ERR_INTERNAL when
 * the HMAC could not be computed. Pure. */
int esewa_sign(const char *secret, const char *message, char sig[ESEWA_SIG_LEN]);

/* Signs our payment form: the message "total_amount=<t>,transaction_uuid=<u>,
 * product_code=<p>" (ESEWA_REQUEST_NAMES) with the strings exactly as they are posted.
 * Returns 0, ERR_INVALID when a value is empty or holds a ',' or '=', or ERR_INTERNAL. */
int esewa_sign_request(const char *secret, const char *total_amount, const char *uuid,
                       const char *product_code, char sig[ESEWA_SIG_LEN]);

/* Compares two signatures in constant time (for equal lengths). Pure. */
bool esewa_sig_equal(const char *a, const char *b);

/* Finds the top-level member name of the JSON object text[0..len) and returns its value's
 * raw text span in *val and *val_len: a string's bytes between its quotes (escapes left as
 * they are), any other value's token as written (a number like 1000.0 keeps its ".0").
 * Returns 0, ERR_NOT_FOUND when the member is absent, or ERR_MALFORMED when the text is
 * not an object. The first occurrence wins. Pure. */
int esewa_json_raw(const char *text, size_t len, const char *name, const char **val,
                   size_t *val_len, bool *is_string);

/* Verifies a success redirect's `data` (base64 of a JSON object; a space is read as the
 * '+' that form decoding turned it into): decodes it, rebuilds the message from the
 * fields its signed_field_names lists (which must cover transaction_code, status,
 * total_amount, transaction_uuid and product_code), recomputes the signature under
 * secret and compares it in constant time with the `signature` field. Fills *out.
 * Returns 0 when the signature holds, ERR_MALFORMED when data does not decode to a JSON
 * object, ERR_INVALID when a required field is missing, too long or unsigned, and
 * ERR_UNAUTHORIZED when the signature does not match. Pure. */
int esewa_verify_data(const char *secret, const char *data, esewa_result_t *out);

/* Reads transaction_uuid out of a success redirect's `data` WITHOUT checking its
 * signature, only to find which payment it claims to be about (verify with
 * esewa_verify_data before believing anything). Returns 0 with uuid, or ERR_MALFORMED.
 * Pure. */
int esewa_data_peek(const char *data, char *uuid, size_t len);

#endif
