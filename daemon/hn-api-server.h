#pragma once

#include <glib-object.h>

#include "hn-config.h"

G_BEGIN_DECLS

/* Request bodies larger than this are refused with 413 */
#define HN_API_MAX_BODY_SIZE (64 * 1024)

#define HN_TYPE_API_SERVER (hn_api_server_get_type ())
G_DECLARE_FINAL_TYPE (HnApiServer, hn_api_server, HN, API_SERVER, GObject)

HnApiServer *hn_api_server_new (const gchar *role,
                                const gchar *state_dir) G_GNUC_WARN_UNUSED_RESULT;

gboolean hn_api_server_listen_unix (HnApiServer *self, const gchar *path, GError **error);
void hn_api_server_close (HnApiServer *self);
const gchar *hn_api_server_get_socket_path (HnApiServer *self);

void hn_api_server_set_config (HnApiServer *self, HnConfig *config);
void hn_api_server_set_last_reload_error (HnApiServer *self, const GError *error);

G_END_DECLS
