#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

guint hn_util_edit_distance (const gchar *a, const gchar *b);
const gchar *hn_util_suggest (const gchar *word, const gchar *const *candidates);
gboolean hn_util_parse_uint (const gchar *text, guint min, guint max, guint *out);
gchar *hn_util_format_duration (guint64 seconds) G_GNUC_WARN_UNUSED_RESULT;
gboolean hn_util_write_file_durably (
    const gchar *path, const gchar *contents, gsize length, gint mode, GError **error);
gboolean hn_util_save_json (const gchar *path, JsonNode *root, GError **error);
gboolean hn_util_parse_json (const gchar *data, gssize length, JsonNode **root, GError **error);
gchar *hn_util_move_aside (const gchar *path, gint64 now_us) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
