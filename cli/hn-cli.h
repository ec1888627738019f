#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define HN_TYPE_CLI (hn_cli_get_type ())
G_DECLARE_FINAL_TYPE (HnCli, hn_cli, HN, CLI, GObject)

HnCli *hn_cli_new (const gchar *socket_path, gboolean json_output) G_GNUC_WARN_UNUSED_RESULT;
HnCli *hn_cli_new_remote (const gchar *host,
                          const gchar *token_file,
                          gboolean insecure,
                          gboolean json_output,
                          GError **error) G_GNUC_WARN_UNUSED_RESULT;

const gchar *hn_cli_get_socket_path (HnCli *self);
gboolean hn_cli_get_json_output (HnCli *self);

JsonNode *hn_cli_request (HnCli *self,
                          const gchar *method,
                          const gchar *path,
                          JsonNode *body,
                          GError **error) G_GNUC_WARN_UNUSED_RESULT;
JsonNode *hn_cli_get_json (HnCli *self,
                           const gchar *path,
                           GError **error) G_GNUC_WARN_UNUSED_RESULT;
gchar *hn_cli_get_text (HnCli *self, const gchar *path, GError **error) G_GNUC_WARN_UNUSED_RESULT;
GInputStream *hn_cli_open_stream (HnCli *self,
                                  const gchar *path,
                                  GError **error) G_GNUC_WARN_UNUSED_RESULT;
void hn_cli_print_json (HnCli *self, JsonNode *node);

G_END_DECLS
