#pragma once

#include <glib-object.h>

#include "hn-error.h"

G_BEGIN_DECLS

#define HN_TYPE_CONF_SOURCE (hn_conf_source_get_type ())
G_DECLARE_FINAL_TYPE (HnConfSource, hn_conf_source, HN, CONF_SOURCE, GObject)

HnConfSource *hn_conf_source_new (void) G_GNUC_WARN_UNUSED_RESULT;

gboolean hn_conf_source_load (HnConfSource *self,
                              const gchar *path,
                              const gchar *dropin_dir,
                              GError **error);
gboolean hn_conf_source_add_file (HnConfSource *self, const gchar *path, GError **error);

const gchar *const *hn_conf_source_get_files (HnConfSource *self);
const gchar *const *hn_conf_source_get_groups (HnConfSource *self);
gboolean hn_conf_source_has_group (HnConfSource *self, const gchar *group);
GPtrArray *hn_conf_source_get_keys (HnConfSource *self,
                                    const gchar *group) G_GNUC_WARN_UNUSED_RESULT;
GKeyFile *hn_conf_source_get_key_file (HnConfSource *self);
gchar *hn_conf_source_describe_location (HnConfSource *self,
                                         const gchar *group,
                                         const gchar *key) G_GNUC_WARN_UNUSED_RESULT;

void hn_conf_source_add_problem (HnConfSource *self,
                                 HnError code,
                                 const gchar *group,
                                 const gchar *key,
                                 const gchar *format,
                                 ...) G_GNUC_PRINTF (5, 6);
guint hn_conf_source_get_n_problems (HnConfSource *self);
void hn_conf_source_check_keys (HnConfSource *self, const gchar *group, const gchar *const *known);
gchar *hn_conf_source_get_string (HnConfSource *self,
                                  const gchar *group,
                                  const gchar *key,
                                  gboolean *present) G_GNUC_WARN_UNUSED_RESULT;
gboolean hn_conf_source_check (HnConfSource *self, GError **error);

G_END_DECLS
