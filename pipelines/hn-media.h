#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean hn_media_init (GError **error);
gchar *hn_media_get_version (void) G_GNUC_WARN_UNUSED_RESULT;
GStrv hn_media_find_missing_elements (void) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
