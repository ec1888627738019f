#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define HN_ERROR (hn_error_quark ())

/**
 * HnError:
 *
 * The one error domain of hoinghi. Foreign errors (GIO, libsoup, json-glib)
 * are converted at the boundary with hn_error_convert(). Every code has a
 * stable kebab-case name, used as the "code" of API errors, and an HTTP
 * status (see hn_error_to_http_status()).
 */
typedef enum {
  HN_ERROR_FAILED,
  HN_ERROR_INVALID_ARGUMENT,
  HN_ERROR_NOT_FOUND,
  HN_ERROR_NOT_SUPPORTED,
  HN_ERROR_UNAVAILABLE,
  HN_ERROR_INTERNAL,
  HN_ERROR_METHOD_NOT_ALLOWED,
  HN_ERROR_PAYLOAD_TOO_LARGE,
  HN_ERROR_CONFLICT,
  HN_ERROR_UNAUTHORIZED,
  HN_ERROR_FORBIDDEN,
  /* configuration files */
  HN_ERROR_CONFIG_SYNTAX,
  HN_ERROR_CONFIG_UNKNOWN_GROUP,
  HN_ERROR_CONFIG_UNKNOWN_KEY,
  HN_ERROR_CONFIG_MISSING_KEY,
  HN_ERROR_CONFIG_INVALID_VALUE,
  HN_ERROR_CONFIG_INVALID_ID,
  HN_ERROR_CONFIG_DUPLICATE,
  HN_ERROR_CONFIG_UNKNOWN_TIER,
  HN_ERROR_CONFIG_BAD_PARENT,
  HN_ERROR_CONFIG_HUB_COUNT,
  HN_ERROR_CONFIG_INVALID_ADDRESS,
  HN_ERROR_CONFIG_DUPLICATE_ADDRESS,
  HN_ERROR_CONFIG_PORT_COLLISION,
  HN_ERROR_LAST /*< skip >*/
} HnError;

GQuark hn_error_quark (void);
const gchar *hn_error_code_to_string (HnError code);
guint hn_error_to_http_status (const GError *error);
void hn_error_convert (GError **error);

G_END_DECLS
