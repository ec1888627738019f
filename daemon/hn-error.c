/* The project's error domain: one table gives every code its stable name
 * (the "code" field of API errors) and the HTTP status the API answers
 * with, so the two can never drift apart. */

#include "hn-error.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>

GQuark
hn_error_quark (void)
{
  return g_quark_from_static_string ("hn-error-quark");
}

typedef struct {
  HnError code;
  const gchar *name;
  guint http_status;
} HnErrorInfo;

static const HnErrorInfo error_table[] = {
  { HN_ERROR_FAILED, "failed", 500 },
  { HN_ERROR_INVALID_ARGUMENT, "invalid-argument", 400 },
  { HN_ERROR_NOT_FOUND, "not-found", 404 },
  { HN_ERROR_NOT_SUPPORTED, "not-supported", 501 },
  { HN_ERROR_UNAVAILABLE, "unavailable", 503 },
  { HN_ERROR_INTERNAL, "internal", 500 },
  { HN_ERROR_METHOD_NOT_ALLOWED, "method-not-allowed", 405 },
  { HN_ERROR_PAYLOAD_TOO_LARGE, "payload-too-large", 413 },
  { HN_ERROR_CONFLICT, "conflict", 409 },
  { HN_ERROR_UNAUTHORIZED, "unauthorized", 401 },
  { HN_ERROR_FORBIDDEN, "forbidden", 403 },
  { HN_ERROR_CONFIG_SYNTAX, "config-syntax", 422 },
  { HN_ERROR_CONFIG_UNKNOWN_GROUP, "config-unknown-group", 422 },
  { HN_ERROR_CONFIG_UNKNOWN_KEY, "config-unknown-key", 422 },
  { HN_ERROR_CONFIG_MISSING_KEY, "config-missing-key", 422 },
  { HN_ERROR_CONFIG_INVALID_VALUE, "config-invalid-value", 422 },
  { HN_ERROR_CONFIG_INVALID_ID, "config-invalid-id", 422 },
  { HN_ERROR_CONFIG_DUPLICATE, "config-duplicate", 422 },
  { HN_ERROR_CONFIG_UNKNOWN_TIER, "config-unknown-tier", 422 },
  { HN_ERROR_CONFIG_BAD_PARENT, "config-bad-parent", 422 },
  { HN_ERROR_CONFIG_HUB_COUNT, "config-hub-count", 422 },
  { HN_ERROR_CONFIG_INVALID_ADDRESS, "config-invalid-address", 422 },
  { HN_ERROR_CONFIG_DUPLICATE_ADDRESS, "config-duplicate-address", 422 },
  { HN_ERROR_CONFIG_PORT_COLLISION, "config-port-collision", 422 },
};

G_STATIC_ASSERT (G_N_ELEMENTS (error_table) == HN_ERROR_LAST);

static const HnErrorInfo *
hn_error_lookup (HnError code)
{
  if ((guint) code >= G_N_ELEMENTS (error_table))
    return &error_table[HN_ERROR_FAILED];
  return &error_table[code];
}

/**
 * hn_error_code_to_string:
 *
 * Returns: the stable name of @code, e.g. "not-found".
 */
const gchar *
hn_error_code_to_string (HnError code)
{
  return hn_error_lookup (code)->name;
}

/**
 * hn_error_to_http_status:
 *
 * Returns: the HTTP status for @error; 500 for any error outside HN_ERROR.
 */
guint
hn_error_to_http_status (const GError *error)
{
  g_return_val_if_fail (error != NULL, 500);

  if (error->domain != HN_ERROR)
    return 500;
  return hn_error_lookup (error->code)->http_status;
}

/**
 * hn_error_convert:
 *
 * Converts an error of a foreign domain into HN_ERROR in place, keeping its
 * message. Does nothing when @error is NULL, unset or already HN_ERROR.
 */
void
hn_error_convert (GError **error)
{
  GError *e;

  if (error == NULL || *error == NULL)
    return;
  e = *error;
  if (e->domain == HN_ERROR)
    return;

  if (e->domain == G_IO_ERROR) {
    switch (e->code) {
    case G_IO_ERROR_NOT_FOUND:
      e->code = HN_ERROR_NOT_FOUND;
      break;
    case G_IO_ERROR_INVALID_ARGUMENT:
    case G_IO_ERROR_INVALID_DATA:
      e->code = HN_ERROR_INVALID_ARGUMENT;
      break;
    case G_IO_ERROR_NOT_SUPPORTED:
      e->code = HN_ERROR_NOT_SUPPORTED;
      break;
    case G_IO_ERROR_CONNECTION_REFUSED:
    case G_IO_ERROR_TIMED_OUT:
    case G_IO_ERROR_HOST_UNREACHABLE:
    case G_IO_ERROR_NETWORK_UNREACHABLE:
    case G_IO_ERROR_CONNECTION_CLOSED:
      e->code = HN_ERROR_UNAVAILABLE;
      break;
    default:
      e->code = HN_ERROR_FAILED;
      break;
    }
  } else if (e->domain == G_FILE_ERROR && e->code == G_FILE_ERROR_NOENT) {
    e->code = HN_ERROR_NOT_FOUND;
  } else if (e->domain == G_KEY_FILE_ERROR) {
    e->code = HN_ERROR_CONFIG_SYNTAX;
  } else if (e->domain == JSON_PARSER_ERROR) {
    e->code = HN_ERROR_INVALID_ARGUMENT;
  } else {
    e->code = HN_ERROR_FAILED;
  }
  e->domain = HN_ERROR;
}
