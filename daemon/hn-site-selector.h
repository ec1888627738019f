#pragma once

#include <glib.h>

#include "hn-config.h"

G_BEGIN_DECLS

GPtrArray *hn_site_selector_resolve (const gchar *selector,
                                     HnConfig *config,
                                     GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
