/* HnSystemd: the daemon's side of the sd_notify protocol (Type=notify):
 * READY=1, STATUS=, RELOADING=1, STOPPING=1 and the watchdog keep-alive.
 *
 * The keep-alive is sent from a timeout on the main context at half the
 * interval systemd asked for, so a main loop that hangs stops the pings
 * and systemd restarts the daemon. Outside systemd (no NOTIFY_SOCKET)
 * every call is a cheap no-op. */

#define G_LOG_DOMAIN "hoinghi-systemd"

#include "hn-systemd.h"

#include <systemd/sd-daemon.h>

struct _HnSystemd {
  GObject parent_instance;

  guint64 watchdog_usec;
  guint watchdog_id;
  gboolean warned;
};

G_DEFINE_FINAL_TYPE (HnSystemd, hn_systemd, G_TYPE_OBJECT)

static void
hn_systemd_send (HnSystemd *self, const gchar *state)
{
  int r = sd_notify (0, state);

  if (r < 0 && !self->warned) {
    /* said once: a broken socket would otherwise fill the log */
    g_warning ("cannot notify the service manager: %s, ignoring", g_strerror (-r));
    self->warned = TRUE;
  }
}

static gboolean
hn_systemd_watchdog_cb (gpointer user_data)
{
  HnSystemd *self = user_data;

  hn_systemd_send (self, "WATCHDOG=1");
  return G_SOURCE_CONTINUE;
}

static void
hn_systemd_dispose (GObject *object)
{
  HnSystemd *self = HN_SYSTEMD (object);

  g_clear_handle_id (&self->watchdog_id, g_source_remove);

  G_OBJECT_CLASS (hn_systemd_parent_class)->dispose (object);
}

static void
hn_systemd_class_init (HnSystemdClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = hn_systemd_dispose;
}

static void
hn_systemd_init (HnSystemd *self)
{
  uint64_t usec = 0;

  /* > 0 only when WATCHDOG_USEC is set and WATCHDOG_PID is unset or ours */
  if (sd_watchdog_enabled (0, &usec) > 0)
    self->watchdog_usec = usec;
}

HnSystemd *
hn_systemd_new (void)
{
  return g_object_new (HN_TYPE_SYSTEMD, NULL);
}

/**
 * hn_systemd_get_watchdog_usec:
 *
 * Returns: the watchdog interval systemd asked for, or 0 when none
 */
guint64
hn_systemd_get_watchdog_usec (HnSystemd *self)
{
  g_return_val_if_fail (HN_IS_SYSTEMD (self), 0);
  return self->watchdog_usec;
}

/**
 * hn_systemd_start_watchdog:
 *
 * Sends WATCHDOG=1 from the thread-default main context at half the
 * interval, when systemd asked for a watchdog.
 */
void
hn_systemd_start_watchdog (HnSystemd *self)
{
  guint interval_ms;

  g_return_if_fail (HN_IS_SYSTEMD (self));

  if (self->watchdog_usec == 0 || self->watchdog_id != 0)
    return;
  interval_ms = MAX (self->watchdog_usec / 2000, 1);
  self->watchdog_id = g_timeout_add (interval_ms, hn_systemd_watchdog_cb, self);
  g_source_set_name_by_id (self->watchdog_id, "[hoinghi] watchdog");
  hn_systemd_send (self, "WATCHDOG=1");
}

void
hn_systemd_notify_ready (HnSystemd *self, const gchar *status)
{
  g_autofree gchar *msg = NULL;

  g_return_if_fail (HN_IS_SYSTEMD (self));

  msg = g_strdup_printf ("READY=1\nSTATUS=%s", status);
  hn_systemd_send (self, msg);
}

void
hn_systemd_notify_status (HnSystemd *self, const gchar *status)
{
  g_autofree gchar *msg = NULL;

  g_return_if_fail (HN_IS_SYSTEMD (self));

  msg = g_strdup_printf ("STATUS=%s", status);
  hn_systemd_send (self, msg);
}

void
hn_systemd_notify_reloading (HnSystemd *self)
{
  g_autofree gchar *msg = NULL;

  g_return_if_fail (HN_IS_SYSTEMD (self));

  /* MONOTONIC_USEC lets Type=notify-reload (systemd >= 253) match the
   * reload to the request; older managers ignore it */
  msg = g_strdup_printf (
      "RELOADING=1\nSTATUS=reloading configuration\nMONOTONIC_USEC=%" G_GINT64_FORMAT,
      g_get_monotonic_time ());
  hn_systemd_send (self, msg);
}

void
hn_systemd_notify_stopping (HnSystemd *self)
{
  g_return_if_fail (HN_IS_SYSTEMD (self));
  hn_systemd_send (self, "STOPPING=1\nSTATUS=stopping");
}
