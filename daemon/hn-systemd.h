#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define HN_TYPE_SYSTEMD (hn_systemd_get_type ())
G_DECLARE_FINAL_TYPE (HnSystemd, hn_systemd, HN, SYSTEMD, GObject)

HnSystemd *hn_systemd_new (void) G_GNUC_WARN_UNUSED_RESULT;

void hn_systemd_notify_ready (HnSystemd *self, const gchar *status);
void hn_systemd_notify_status (HnSystemd *self, const gchar *status);
void hn_systemd_notify_reloading (HnSystemd *self);
void hn_systemd_notify_stopping (HnSystemd *self);
guint64 hn_systemd_get_watchdog_usec (HnSystemd *self);
void hn_systemd_start_watchdog (HnSystemd *self);

G_END_DECLS
